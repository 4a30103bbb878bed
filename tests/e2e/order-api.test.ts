/**
 * One order, end to end, as a portal seller sends it: signed POST, redelivery, then the read API
 * shows it allocated with a booked pickup; a tampered request is refused and stores nothing.
 */
import { putCatalog } from '../../shared/adapters/dynamodb/catalog-store.js';
import { encodePortal } from '../../shared/channels/encoders.js';
import type { RawOrder } from '../../shared/domain/order.js';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.js';

jest.setTimeout(120_000);

let runtime: LocalRuntime;
const harvestDay = Date.parse('2026-06-18T08:00:00+07:00');
const realStart = Date.now();
const clock = () => new Date(harvestDay + (Date.now() - realStart));

beforeAll(async () => {
  runtime = await startLocalRuntime({ clock, carrier: { failureRate: 0 } });
  await putCatalog(runtime.doc, runtime.tableName, {
    cooperatives: [
      {
        cooperativeId: 'htx-test',
        name: 'HTX Nông nghiệp Vải thiều Phượng Sơn',
        kind: 'cooperative',
        provinceCode: '24',
        wardCode: '07582',
        wardName: 'Xã Lục Ngạn',
        dailyCapacityUnits: 500,
        zaloUserId: '8123456789012345678',
        contactPhone: '0912345678',
        carrier: 'ghn',
      },
    ],
    growingAreaCodes: [],
    stockBatches: [
      {
        cooperativeId: 'htx-test',
        batchId: 'B-0618-1',
        sku: 'LYCHEE-LN-5KG',
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

const order: RawOrder = {
  channel: 'portal',
  externalId: 'GHV-2026-000123',
  placedAt: '2026-06-18T07:55:00+07:00',
  buyer: {
    name: 'Nguyễn Thị Hồng',
    phone: '0912 345 678',
    address: 'Số 12 Nguyễn Trãi, Phường Thanh Xuân, Hà Nội',
  },
  lines: [{ sku: 'LYCHEE-LN-5KG', quantity: 2, unitPrice: '200.000đ' }],
  paymentMethod: 'cod',
};

async function post(encoded: ReturnType<typeof encodePortal>, body?: Buffer) {
  const { request } = encoded;
  return fetch(`${runtime.url}${request.path}`, {
    method: 'POST',
    headers: request.headers,
    body: body ?? request.body,
  });
}

test('a portal order is accepted once, allocated, and its pickup booked; the read API shows it', async () => {
  const first = await post(encodePortal(order, runtime.secrets, clock()));
  expect(first.status).toBe(201);
  const created = (await first.json()) as { orderId: string; status: string };
  expect(created.status).toBe('received');

  const again = await post(encodePortal(order, runtime.secrets, clock()));
  expect(again.status).toBe(200);
  expect(((await again.json()) as { orderId: string; duplicate: boolean }).orderId).toBe(created.orderId);

  await runtime.drain();
  const view = (await (await fetch(`${runtime.url}/v1/orders/${created.orderId}`)).json()) as {
    status: string;
    totalVnd: number;
    allocations: Array<{ cooperativeId: string; lines: Array<{ quantity: number }>; why: string[] }>;
    pickups: Array<{ trackingCode: string }>;
    name?: string;
  };
  expect(view.status).toBe('allocated');
  expect(view.totalVnd).toBe(400_000);
  expect(view.allocations).toHaveLength(1);
  expect(view.allocations[0]?.why.length).toBeGreaterThan(0);
  expect(view.pickups).toHaveLength(1);
  expect(JSON.stringify(view)).not.toContain('0912');
  expect(runtime.carrier.createCount(`${created.orderId}.htx-test`)).toBe(1);
  expect(runtime.notifications.messages()).toHaveLength(1);
});

test('a tampered portal request is refused with 401 and stores nothing', async () => {
  const encoded = encodePortal({ ...order, externalId: 'GHV-2026-000999' }, runtime.secrets, clock());
  const tampered = Buffer.from(encoded.request.body.toString('utf8').replace('"quantity":2', '"quantity":9'));
  const response = await post(encoded, tampered);
  expect(response.status).toBe(401);
  const { orderIdFor } = await import('../../shared/adapters/dynamodb/keys.js');
  const lookup = await fetch(
    `${runtime.url}/v1/orders/${orderIdFor({ channel: 'portal', seller: 'ghv-local', externalId: 'GHV-2026-000999' })}`,
  );
  expect(lookup.status).toBe(404);
});

test('a malformed order gets a 400 naming the field', async () => {
  const bad = {
    ...order,
    externalId: 'GHV-2026-000777',
    lines: [{ sku: 'LYCHEE-LN-5KG', quantity: 1, unitPrice: '12,5' }],
  };
  const response = await post(encodePortal(bad, runtime.secrets, clock()));
  expect(response.status).toBe(400);
  const body = (await response.json()) as { errors: Array<{ field: string }> };
  expect(body.errors.map((e) => e.field).join(' ')).toContain('unitPrice');
});
