/**
 * Over HTTP through the local runtime: a cooperative reports stock with the CLI (only its own),
 * a backorder is filled by it; a write-off cannot take reserved units; a portal cancels an order
 * before and after it exists (F06); a cooperative reads why it got (or did not get) an order.
 */
import { signApiKeyRequest } from '../../shared/channels/api-key-auth.js';
import { putCatalog } from '../../shared/adapters/dynamodb/catalog-store.js';
import { orderIdFor } from '../../shared/adapters/dynamodb/keys.js';
import { encodePortal } from '../../shared/channels/encoders.js';
import type { RawOrder } from '../../shared/domain/order.js';
import { localCooperativeKey } from '../../infra/local/cooperative-keys.js';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.js';
import { stockCli } from '../../infra/local/stock-cli.js';

jest.setTimeout(120_000);

let runtime: LocalRuntime;
const harvestDay = Date.parse('2026-06-18T08:00:00+07:00');
const realStart = Date.now();
const clock = () => new Date(harvestDay + (Date.now() - realStart));

const coop = (cooperativeId: string, dailyCapacityUnits: number) => ({
  cooperativeId,
  name: `HTX Vải thiều ${cooperativeId}`,
  kind: 'cooperative' as const,
  provinceCode: '24',
  wardCode: '07582',
  wardName: 'Xã Lục Ngạn',
  dailyCapacityUnits,
  zaloUserId: `zalo-${cooperativeId}`,
  contactPhone: '0912345678',
  carrier: 'ghn',
});

beforeAll(async () => {
  runtime = await startLocalRuntime({ clock, carrier: { failureRate: 0 } });
  await putCatalog(runtime.doc, runtime.tableName, {
    cooperatives: [coop('htx-big', 2000), coop('htx-small', 100)],
    growingAreaCodes: [
      {
        code: 'VN-BGJP-0101',
        market: 'JP',
        cooperativeId: 'htx-big',
        areaHa: 12,
        packingHouseCode: 'PHC-01',
        validFrom: '2026-05-01',
        validTo: '2026-08-31',
        status: 'active',
      },
    ],
    stockBatches: [
      {
        cooperativeId: 'htx-big',
        batchId: 'BIG-1',
        sku: 'LYCHEE-LN-3KG',
        harvestedAt: '2026-06-18T05:00:00+07:00',
        expiresAt: '2026-06-22T05:00:00+07:00',
        coldChain: false,
        quantity: 10,
        available: 10,
        growingAreaCodes: {},
      },
    ],
  });
});

afterAll(async () => {
  await runtime?.stop();
});

const order = (externalId: string, sku: string, quantity: number): RawOrder => ({
  channel: 'portal',
  externalId,
  placedAt: '2026-06-18T07:55:00+07:00',
  buyer: {
    name: 'Nguyễn Thị Hồng',
    phone: '0912 345 678',
    address: 'Số 12 Nguyễn Trãi, Phường Thanh Xuân, Hà Nội',
  },
  lines: [{ sku, quantity, unitPrice: '200.000đ' }],
  paymentMethod: 'cod',
});

async function postOrder(raw: RawOrder): Promise<string> {
  const { request } = encodePortal(raw, runtime.secrets, clock());
  const response = await fetch(`${runtime.url}${request.path}`, {
    method: 'POST',
    headers: request.headers,
    body: request.body,
  });
  expect([200, 201]).toContain(response.status);
  return ((await response.json()) as { orderId: string }).orderId;
}

async function signedPost(path: string, body: unknown, keys: Record<string, string>) {
  const [keyId, secret] = Object.entries(keys)[0] as [string, string];
  const raw = Buffer.from(JSON.stringify(body));
  const ts = Math.floor(clock().getTime() / 1000);
  return fetch(`${runtime.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key-id': keyId,
      'x-timestamp': String(ts),
      'x-signature': signApiKeyRequest(secret, ts, raw),
    },
    body: raw,
  });
}

const getJson = async (path: string) =>
  (await (await fetch(`${runtime.url}${path}`)).json()) as Record<string, unknown>;
const cli = (...args: string[]) => stockCli(['--url', runtime.url, ...args], { now: clock });

test('a backordered order is filled when its cooperative reports stock with the CLI; resending stores nothing twice', async () => {
  const orderId = await postOrder(order('STOCK-BO-1', 'LYCHEE-LN-5KG', 4));
  await runtime.drain();
  expect((await getJson(`/v1/orders/${orderId}`)).status).toBe('backordered');

  const args = [
    'report',
    '--cooperative',
    'htx-small',
    '--local-key',
    '--sku',
    'LYCHEE-LN-5KG',
    '--quantity',
    '6',
    '--harvested-at',
    '2026-06-18T06:00:00+07:00',
    '--batch-id',
    'SMALL-0618-1',
  ];
  const first = await cli(...args);
  expect(first.status).toBe(201);
  expect(first.body).toMatchObject({
    batchId: 'SMALL-0618-1',
    available: 6,
    expiresAt: '2026-06-22T06:00:00+07:00',
  });
  expect((await cli(...args)).body).toMatchObject({ duplicate: true });
  // The same batch id with another quantity is refused, not silently dropped.
  const changed = await cli(...args.map((a) => (a === '6' ? '9' : a)));
  expect(changed.status).toBe(409);
  expect(changed.body).toMatchObject({ errors: [{ field: 'batchId' }] });
  expect(String((changed.body as { message: string }).message)).toMatch(/already reported with quantity 6/);
  await runtime.drain();

  const view = await getJson(`/v1/orders/${orderId}`);
  expect(view.status).toBe('allocated');
  expect(view.pickups).toHaveLength(1);
  expect(view.backorderRetries).toBe(1);
  expect(runtime.carrier.createCount(`${orderId}.htx-small`)).toBe(1);
});

test('a cooperative key reports only its own stock; bad fields get a 400 naming them', async () => {
  const small = localCooperativeKey('htx-small');
  const wrong = await signedPost(
    '/v1/cooperatives/htx-big/stock',
    {
      batchId: 'X1',
      sku: 'LYCHEE-LN-2KG',
      quantity: 5,
      harvestedAt: '2026-06-18T05:00:00+07:00',
      coldChain: false,
    },
    { [small.keyId]: small.secret },
  );
  expect(wrong.status).toBe(403);

  const bad = await cli(
    'report',
    '--cooperative',
    'htx-small',
    '--local-key',
    '--sku',
    'LYCHEE-LN-7KG',
    '--quantity',
    '5',
    '--harvested-at',
    '2026-06-18T05:00:00+07:00',
  );
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body)).toContain('"field":"sku"');

  const notItsCode = await cli(
    'report',
    '--cooperative',
    'htx-small',
    '--local-key',
    '--sku',
    'LYCHEE-LN-10KG',
    '--quantity',
    '5',
    '--harvested-at',
    '2026-06-18T05:00:00+07:00',
    '--code',
    'JP=VN-BGJP-0101',
  );
  expect(notItsCode.status).toBe(400);
  expect(JSON.stringify(notItsCode.body)).toContain('growingAreaCodes.JP');

  const forged = await cli(
    'report',
    '--cooperative',
    'htx-small',
    '--key-id',
    small.keyId,
    '--secret',
    'not-the-secret',
    '--sku',
    'LYCHEE-LN-2KG',
    '--quantity',
    '5',
    '--harvested-at',
    '2026-06-18T05:00:00+07:00',
  );
  expect(forged.status).toBe(401);
});

test('a spoilage write-off cannot take units reserved for orders (409); a smaller one goes through once', async () => {
  const orderId = await postOrder(order('ADJ-1', 'LYCHEE-LN-3KG', 7));
  await runtime.drain();
  expect((await getJson(`/v1/orders/${orderId}`)).status).toBe('allocated');
  const adjust = (delta: string, id: string) =>
    cli(
      'adjust',
      '--cooperative',
      'htx-big',
      '--local-key',
      '--batch-id',
      'BIG-1',
      '--sku',
      'LYCHEE-LN-3KG',
      `--delta=${delta}`,
      '--adjustment-id',
      id,
      '--reason',
      'nấm mốc',
    );
  const tooMuch = await adjust('-4', 'rot-a');
  expect(tooMuch.status).toBe(409);
  expect(tooMuch.body).toMatchObject({ batch: { available: 3, reserved: 7 } });
  expect((await adjust('-3', 'rot-b')).body).toMatchObject({ available: 0, quantity: 7, duplicate: false });
  expect((await adjust('-3', 'rot-b')).body).toMatchObject({ available: 0, duplicate: true });
  // The same adjustment id with another change is refused.
  const reused = await adjust('-2', 'rot-b');
  expect(reused.status).toBe(409);
  expect(reused.body).toMatchObject({ errors: [{ field: 'adjustmentId' }] });
});

test('F06 over HTTP: a portal cancels an order before it exists and after it is allocated; stock comes back once', async () => {
  // Before: the cancel is remembered; the order that follows is cancelled on arrival.
  const early = await signedPost(
    '/v1/cancellations',
    { channel: 'portal', externalId: 'CX-EARLY', reason: 'khách huỷ' },
    runtime.secrets.portalApiKeys,
  );
  expect(early.status).toBe(202);
  await runtime.drain();
  const earlyId = await postOrder(order('CX-EARLY', 'LYCHEE-LN-5KG', 1));
  expect(earlyId).toBe(orderIdFor({ channel: 'portal', seller: 'ghv-local', externalId: 'CX-EARLY' }));
  await runtime.drain();
  expect((await getJson(`/v1/orders/${earlyId}`)).status).toBe('cancelled');

  // After allocation: released, and the batch is whole again (twice asked, released once).
  const before = await cli(
    'report',
    '--cooperative',
    'htx-small',
    '--local-key',
    '--sku',
    'LYCHEE-LN-2KG',
    '--quantity',
    '3',
    '--harvested-at',
    '2026-06-18T06:00:00+07:00',
    '--batch-id',
    'SMALL-2KG',
  );
  expect(before.status).toBe(201);
  const lateId = await postOrder(order('CX-LATE', 'LYCHEE-LN-2KG', 2));
  await runtime.drain();
  for (let i = 0; i < 2; i++) {
    const response = await signedPost(
      `/v1/orders/${lateId}/cancel`,
      { reason: 'hết hàng' },
      runtime.secrets.importApiKeys,
    );
    expect(response.status).toBe(202);
  }
  await runtime.drain();
  const late = await getJson(`/v1/orders/${lateId}`);
  expect(late.status).toBe('cancelled');
  expect(late.allocations).toEqual([expect.objectContaining({ status: 'released' })]);
  const again = await cli(
    'report',
    '--cooperative',
    'htx-small',
    '--local-key',
    '--sku',
    'LYCHEE-LN-2KG',
    '--quantity',
    '3',
    '--harvested-at',
    '2026-06-18T06:00:00+07:00',
    '--batch-id',
    'SMALL-2KG',
  );
  expect(again.body).toMatchObject({ available: 3, reserved: 0, duplicate: true });

  // A portal key cannot cancel by internal id (operators only), nor another channel's order.
  expect((await signedPost(`/v1/orders/${lateId}/cancel`, {}, runtime.secrets.portalApiKeys)).status).toBe(
    401,
  );
  expect(
    (
      await signedPost(
        '/v1/cancellations',
        { channel: 'tiktok', externalId: '1' },
        runtime.secrets.portalApiKeys,
      )
    ).status,
  ).toBe(403);
  expect(
    (await signedPost('/v1/cancellations', { channel: 'portal' }, runtime.secrets.portalApiKeys)).status,
  ).toBe(400);
});

test('a cancellation names the order the way ingest does: an external id in decomposed Unicode (NFD) finds the same order', async () => {
  const nfc = 'ĐƠN-HÀ-01';
  const nfd = nfc.normalize('NFD');
  expect(nfd).not.toBe(nfc);
  const cancel = await signedPost(
    '/v1/cancellations',
    { channel: 'portal', externalId: ` ${nfd} `, reason: 'khách huỷ' },
    runtime.secrets.portalApiKeys,
  );
  expect(cancel.status).toBe(202);
  await runtime.drain();
  const orderId = await postOrder(order(nfc, 'LYCHEE-LN-5KG', 1));
  expect(orderId).toBe(orderIdFor({ channel: 'portal', seller: 'ghv-local', externalId: nfc }));
  await runtime.drain();
  expect((await getJson(`/v1/orders/${orderId}`)).status).toBe('cancelled');
});

test('a cooperative can read why it got, or did not get, an order', async () => {
  for (const cooperativeId of ['htx-big', 'htx-small']) {
    const reported = await cli(
      'report',
      '--cooperative',
      cooperativeId,
      '--local-key',
      '--sku',
      'LYCHEE-LN-10KG',
      '--quantity',
      '20',
      '--harvested-at',
      '2026-06-18T05:00:00+07:00',
    );
    expect(reported.status).toBe(201);
  }
  await runtime.drain();
  const orderId = await postOrder(order('WHY-1', 'LYCHEE-LN-10KG', 1));
  await runtime.drain();
  const explained = await getJson(`/v1/orders/${orderId}/allocation-explanation`);
  expect(explained.weights).toEqual({ fefo: 1, transit: 1, fairShare: 3, splits: 10 });
  const [winner] = explained.allocations as Array<{ cooperativeId: string }>;
  const loser = winner?.cooperativeId === 'htx-big' ? 'htx-small' : 'htx-big';

  const mine = await getJson(
    `/v1/orders/${orderId}/allocation-explanation?cooperativeId=${winner?.cooperativeId}`,
  );
  expect(mine.forCooperative).toMatchObject({ allocated: true });
  expect(String((mine.forCooperative as { answer: string }).answer)).toMatch(
    /allocated to you: fills 1 × LYCHEE-LN-10KG alone, best ranked: score/,
  );
  const other = await getJson(`/v1/orders/${orderId}/allocation-explanation?cooperativeId=${loser}`);
  expect(other.forCooperative).toMatchObject({ allocated: false });
  expect(String((other.forCooperative as { answer: string }).answer)).toMatch(
    /ranked lower: score .* vs .* for /,
  );
  const none = await getJson(`/v1/orders/${orderId}/allocation-explanation?cooperativeId=htx-elsewhere`);
  expect(String((none.forCooperative as { answer: string }).answer)).toMatch(
    /no eligible stock of LYCHEE-LN-10KG/,
  );

  const allocations = await getJson(`/v1/cooperatives/${winner?.cooperativeId}/allocations?date=2026-06-18`);
  const list = allocations.allocations as Array<{ why: string[]; score: number }>;
  expect(list.length).toBeGreaterThan(0);
  expect(list.every((a) => a.why.length > 0 && typeof a.score === 'number')).toBe(true);
});

test('an order cancelled after its pickup was booked has the courier booking cancelled; a collected parcel is refused and recorded', async () => {
  const report = await cli(
    'report',
    '--cooperative',
    'htx-big',
    '--local-key',
    '--sku',
    'OCOP-MIEN-CHU-1KG',
    '--quantity',
    '5',
    '--harvested-at',
    '2026-06-17T06:00:00+07:00',
    '--batch-id',
    'BIG-MIEN-1',
  );
  expect(report.status).toBe(201);
  const cancelled = await postOrder(order('PU-CANCEL', 'OCOP-MIEN-CHU-1KG', 2));
  const collected = await postOrder(order('PU-COLLECTED', 'OCOP-MIEN-CHU-1KG', 2));
  await runtime.drain();
  const booked = async (orderId: string) => {
    const pickups = (await getJson(`/v1/orders/${orderId}`)).pickups as Array<Record<string, string>>;
    expect(pickups).toHaveLength(1);
    return pickups[0] as Record<string, string>;
  };
  const first = await booked(cancelled);
  const second = await booked(collected);
  expect([first.status, second.status]).toEqual(['awaiting_pickup', 'awaiting_pickup']);
  // The courier collects the second parcel before its buyer cancels.
  runtime.carrier.setStatus(String(second.trackingCode), 'picked');

  for (const orderId of [cancelled, collected]) {
    const response = await signedPost(
      `/v1/orders/${orderId}/cancel`,
      { reason: 'khách đổi ý' },
      runtime.secrets.importApiKeys,
    );
    expect(response.status).toBe(202);
  }
  await runtime.drain();

  const ledger = new Map(runtime.carrier.shipments().map((s) => [s.orderCode, s.status]));
  expect(ledger.get(String(first.trackingCode))).toBe('cancel');
  expect(await booked(cancelled)).toMatchObject({
    status: 'cancelled',
    cancelReason: 'allocation released: khách đổi ý',
  });
  expect(ledger.get(String(second.trackingCode))).toBe('picked');
  expect(await booked(collected)).toMatchObject({
    status: 'cancel_refused',
    cancelRefusedReason: expect.stringMatching(/không thể hủy/),
  });
  // The cooperative is told, in Vietnamese, not to pack each released allocation (once each).
  const released = runtime.notifications
    .messages()
    .filter(
      (m) =>
        m.messageId === `${first.allocationId}:released` || m.messageId === `${second.allocationId}:released`,
    );
  expect(released).toHaveLength(2);
  for (const m of released) expect(m.text).toMatch(/đã bị huỷ, KHÔNG đóng gói/);
  // Refused once, not retried in a loop; nothing went to a dead-letter queue.
  expect(runtime.carrier.cancelAttempts(String(second.trackingCode))).toBe(1);
  for (const dlq of Object.values(runtime.deadLetterQueues)) expect(dlq.peek()).toEqual([]);
});
