/**
 * Over HTTP through the local runtime: a cooperative declines an allocation with its own signed
 * key (another cooperative's key is refused) and the order is re-allocated elsewhere; a repeated
 * decline is answered again without moving anything; a released allocation cannot be declined.
 * An operator suspends a growing-area code: the open export allocation under it moves to a batch
 * under a valid code, the domestic one stays.
 */
import { localCooperativeKey } from '../../infra/local/cooperative-keys.js';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.js';
import { putCatalog } from '../../shared/adapters/dynamodb/catalog-store.js';
import { signApiKeyRequest } from '../../shared/channels/api-key-auth.js';
import { encodePortal } from '../../shared/channels/encoders.js';
import type { StockBatch } from '../../shared/domain/cooperative.js';
import type { RawOrder } from '../../shared/domain/order.js';

jest.setTimeout(120_000);

let runtime: LocalRuntime;
const harvestDay = Date.parse('2026-06-18T08:00:00+07:00');
const realStart = Date.now();
const clock = () => new Date(harvestDay + (Date.now() - realStart));

const coop = (cooperativeId: string) => ({
  cooperativeId,
  name: `HTX Vải thiều ${cooperativeId}`,
  kind: 'cooperative' as const,
  provinceCode: '24',
  wardCode: '07582',
  wardName: 'Xã Lục Ngạn',
  dailyCapacityUnits: 1000,
  zaloUserId: `zalo-${cooperativeId}`,
  contactPhone: '0912345678',
  carrier: 'ghn',
});

const batch = (cooperativeId: string, batchId: string, expiresDay: number, jp?: string): StockBatch => ({
  cooperativeId,
  batchId,
  sku: 'LYCHEE-LN-3KG',
  harvestedAt: '2026-06-18T05:00:00+07:00',
  expiresAt: `2026-06-${expiresDay}T05:00:00+07:00`,
  coldChain: false,
  quantity: 20,
  available: 20,
  growingAreaCodes: jp ? { JP: jp } : {},
});

const puc = (cooperativeId: string, code: string) => ({
  code,
  market: 'JP' as const,
  cooperativeId,
  areaHa: 10,
  packingHouseCode: `PHC-${cooperativeId}`,
  validFrom: '2026-05-01',
  validTo: '2026-08-31',
  status: 'active' as const,
});

beforeAll(async () => {
  runtime = await startLocalRuntime({ clock, carrier: { failureRate: 0 } });
  await putCatalog(runtime.doc, runtime.tableName, {
    cooperatives: [coop('htx-first'), coop('htx-second')],
    growingAreaCodes: [puc('htx-first', 'VN-BGJP-0901'), puc('htx-second', 'VN-BGJP-0902')],
    // FEFO prefers htx-first (its batch expires first).
    stockBatches: [
      batch('htx-first', 'F-1', 21, 'VN-BGJP-0901'),
      batch('htx-second', 'S-1', 22, 'VN-BGJP-0902'),
    ],
  });
});

afterAll(async () => {
  await runtime?.stop();
});

const order = (externalId: string, quantity: number, exported = false): RawOrder => ({
  channel: 'portal',
  externalId,
  placedAt: '2026-06-18T07:55:00+07:00',
  buyer: {
    name: 'Nguyễn Thị Hồng',
    phone: '0912 345 678',
    address: 'Số 12 Nguyễn Trãi, Phường Thanh Xuân, Hà Nội',
  },
  lines: [{ sku: 'LYCHEE-LN-3KG', quantity, unitPrice: '200.000đ' }],
  paymentMethod: 'cod',
  ...(exported ? { export: { market: 'JP' as const, exporterId: 'EXP-KINHBAC-01' } } : {}),
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

async function signedPost(path: string, body: unknown, key: { keyId: string; secret: string }) {
  const raw = Buffer.from(JSON.stringify(body));
  const ts = Math.floor(clock().getTime() / 1000);
  const response = await fetch(`${runtime.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key-id': key.keyId,
      'x-timestamp': String(ts),
      'x-signature': signApiKeyRequest(key.secret, ts, raw),
    },
    body: raw,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const operator = () => {
  const [keyId, secret] = Object.entries(runtime.secrets.importApiKeys)[0] as [string, string];
  return { keyId, secret };
};

interface AllocationView {
  cooperativeId: string;
  status: string;
  releaseReason?: string;
}
const allocationsOf = async (orderId: string) => {
  const body = (await (await fetch(`${runtime.url}/v1/orders/${orderId}`)).json()) as {
    status: string;
    allocations?: AllocationView[];
  };
  return body;
};
const declinePath = (coopId: string, allocationId: string) =>
  `/v1/cooperatives/${coopId}/allocations/${encodeURIComponent(allocationId)}/decline`;

test('a cooperative declines its allocation with its own key: re-allocated elsewhere; repeat is a no-op; another key is refused; a released one is a 409', async () => {
  const orderId = await postOrder(order('DECLINE-E2E-1', 3));
  await runtime.drain();
  const allocationId = `${orderId}.htx-first`;
  expect((await allocationsOf(orderId)).status).toBe('allocated');

  const stranger = await signedPost(
    declinePath('htx-first', allocationId),
    { reason: 'not mine' },
    localCooperativeKey('htx-second'),
  );
  expect(stranger.status).toBe(403);

  const missingReason = await signedPost(
    declinePath('htx-first', allocationId),
    {},
    localCooperativeKey('htx-first'),
  );
  expect(missingReason.status).toBe(400);
  expect(JSON.stringify(missingReason.body)).toContain('reason');

  const declined = await signedPost(
    declinePath('htx-first', allocationId),
    { reason: 'hail damaged the orchard' },
    localCooperativeKey('htx-first'),
  );
  expect(declined.status).toBe(200);
  expect(declined.body).toMatchObject({
    allocationId,
    status: 'released',
    releaseReason: 'declined: hail damaged the orchard',
    duplicate: false,
  });
  await runtime.drain();
  const after = await allocationsOf(orderId);
  expect(after.status).toBe('allocated');
  expect(after.allocations?.map((a) => [a.cooperativeId, a.status, a.releaseReason])).toEqual([
    ['htx-first', 'released', 'declined: hail damaged the orchard'],
    ['htx-second', 'reserved', undefined],
  ]);

  const again = await signedPost(
    declinePath('htx-first', allocationId),
    { reason: 'hail damaged the orchard' },
    localCooperativeKey('htx-first'),
  );
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ duplicate: true });
  await runtime.drain();

  // The second cooperative holds it now; the order is cancelled; its allocation cannot be declined.
  const cancel = await signedPost(`/v1/orders/${orderId}/cancel`, { reason: 'buyer cancelled' }, operator());
  expect(cancel.status).toBe(202);
  await runtime.drain();
  const late = await signedPost(
    declinePath('htx-second', `${orderId}.htx-second`),
    { reason: 'too late' },
    localCooperativeKey('htx-second'),
  );
  expect(late.status).toBe(409);
  expect(String(late.body.message)).toMatch(/already released \(buyer cancelled\)/);

  const unknown = await signedPost(
    declinePath('htx-second', 'ord_AAAAAAAAAAAAAAAAAAAAAA.htx-second'),
    { reason: 'who?' },
    localCooperativeKey('htx-second'),
  );
  expect(unknown.status).toBe(404);
  expect(runtime.queues.allocation.deadLetters()).toEqual([]);
});

test('an operator suspends a growing-area code: the open export allocation under it moves to a valid code, the domestic one stays', async () => {
  const exported = await postOrder(order('SUSPEND-E2E-JP', 2, true));
  const domestic = await postOrder(order('SUSPEND-E2E-DOM', 2));
  await runtime.drain();
  const exportBefore = await runtime.doc.send(
    new (await import('@aws-sdk/lib-dynamodb')).GetCommand({
      TableName: runtime.tableName,
      Key: { pk: `ORDER#${exported}`, sk: 'ALLOC#htx-first' },
    }),
  );
  expect(exportBefore.Item?.status).toBe('reserved');

  const notOperator = await signedPost(
    '/v1/growing-areas/VN-BGJP-0901/suspension',
    { market: 'JP', reason: 'residue' },
    localCooperativeKey('htx-first'),
  );
  expect(notOperator.status).toBe(401);

  const badMarket = await signedPost(
    '/v1/growing-areas/VN-BGJP-0901/suspension',
    { market: 'XX', reason: 'residue' },
    operator(),
  );
  expect(badMarket.status).toBe(400);
  expect(JSON.stringify(badMarket.body)).toContain('market');

  const suspended = await signedPost(
    '/v1/growing-areas/VN-BGJP-0901/suspension',
    { market: 'JP', reason: 'pesticide residue above the MRL' },
    operator(),
  );
  expect(suspended.status).toBe(202);
  expect(suspended.body).toMatchObject({
    code: 'VN-BGJP-0901',
    cooperativeId: 'htx-first',
    status: 'suspended',
    effectiveFrom: '2026-06-18',
  });
  await runtime.drain();

  const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
  const item = async (orderId: string, sk: string) =>
    (
      await runtime.doc.send(
        new GetCommand({
          TableName: runtime.tableName,
          Key: { pk: `ORDER#${orderId}`, sk },
          ConsistentRead: true,
        }),
      )
    ).Item;
  expect(await item(exported, 'ALLOC#htx-first')).toMatchObject({
    status: 'released',
    releaseReason: 'growing_area_suspended: VN-BGJP-0901',
  });
  expect(await item(exported, 'ALLOC#htx-second')).toMatchObject({ status: 'reserved' });
  expect(await item(domestic, 'ALLOC#htx-first')).toMatchObject({ status: 'reserved' });

  const repeat = await signedPost(
    '/v1/growing-areas/VN-BGJP-0901/suspension',
    { market: 'JP', reason: 'pesticide residue above the MRL' },
    operator(),
  );
  expect(repeat.status).toBe(200);
  expect(repeat.body).toMatchObject({ duplicate: true });
  const unknown = await signedPost(
    '/v1/growing-areas/VN-NOPE/suspension',
    { market: 'JP', reason: 'x' },
    operator(),
  );
  expect(unknown.status).toBe(404);
  await runtime.drain();
  expect(runtime.queues.suspension.deadLetters()).toEqual([]);
});

test('npm run call signs a cooperative decline and reads the explanation, on the server clock', async () => {
  const { callCli, CallUsageError } = await import('../../infra/local/call-cli.js');
  const env = { HARVEST_CLOCK_SHIFT_MS: String(harvestDay - realStart) };
  const orderId = await postOrder(order('CALL-CLI-1', 1));
  await runtime.drain();
  const holder = (await allocationsOf(orderId)).allocations?.find((a) => a.status === 'reserved');
  expect(holder).toBeDefined();
  const coopId = String(holder?.cooperativeId);
  const other = coopId === 'htx-first' ? 'htx-second' : 'htx-first';
  const path = declinePath(coopId, `${orderId}.${coopId}`);
  const call = (...argv: string[]) => callCli(['--url', runtime.url, ...argv], { env });

  // Another cooperative's key is refused; the holder's own key declines.
  expect(
    await call('--as', `cooperative:${other}`, 'POST', path, '{"reason":"không phải của tôi"}'),
  ).toMatchObject({
    exitCode: 1,
    status: 403,
  });
  // Without the server's clock the signature is stale.
  expect(
    await callCli(
      ['--url', runtime.url, '--as', `cooperative:${coopId}`, 'POST', path, '{"reason":"hết xe"}'],
      {
        env: {},
      },
    ),
  ).toMatchObject({ exitCode: 1, status: 401 });
  expect(await call('--as', `cooperative:${coopId}`, 'POST', path, '{"reason":"hết xe"}')).toMatchObject({
    exitCode: 0,
    status: 200,
  });
  await runtime.drain();
  const explained = await call('GET', `/v1/orders/${orderId}/allocation-explanation?cooperativeId=${coopId}`);
  expect(explained).toMatchObject({ exitCode: 0, status: 200 });

  // Usage errors name what is wrong.
  await expect(call('--as', 'admin', 'POST', path, '{}')).rejects.toThrow(CallUsageError);
  await expect(call('--as', 'operator', 'POST', path, 'not json')).rejects.toThrow(/body must be JSON/);
  await expect(call('POST', path, '{}')).rejects.toThrow(/--as/);
  await expect(call('DELETE', path)).rejects.toThrow(/METHOD must be GET or POST/);
});

test('an export order the stock cannot fill whole waits (policy wait): the cooperative it would have gone to is told so, not "chosen"', async () => {
  const orderId = await postOrder(order('WAIT-EXPLAIN-1', 35, true));
  await runtime.drain();
  const view = await allocationsOf(orderId);
  expect(view.status).toBe('backordered');
  const answers = await Promise.all(
    ['htx-first', 'htx-second'].map(async (cooperativeId) => {
      const body = (await (
        await fetch(
          `${runtime.url}/v1/orders/${orderId}/allocation-explanation?cooperativeId=${cooperativeId}`,
        )
      ).json()) as {
        forCooperative: { allocated: boolean; answer: string };
        considered: Array<{ cooperativeId: string; outcome: string }>;
        allocations: unknown[];
        partialFill?: { policy: string; outcome: string };
      };
      // A cooperative sees its own part only, and the policy's decision.
      for (const c of body.considered) expect(c.cooperativeId).toBe(cooperativeId);
      expect(body.considered.map((c) => c.outcome)).not.toContain('chosen');
      expect(body.allocations).toEqual([]);
      expect(body.partialFill).toMatchObject({ policy: 'wait', outcome: 'waited' });
      return body.forCooperative;
    }),
  );
  for (const a of answers) expect(a.allocated).toBe(false);
  const planned = answers.filter((a) => a.answer.includes('would have been chosen'));
  expect(planned.length).toBeGreaterThan(0);
  for (const a of planned) expect(a.answer).toMatch(/nothing was reserved: policy wait/);
  for (const a of answers) expect(a.answer).not.toMatch(/(^|; )LYCHEE-LN-3KG: chosen/);
});
