/**
 * Who a portal key speaks for, over the local runtime's HTTP server: a direct seller's order
 * numbers are its own (two sellers' "1001" are two orders, neither sees the other's), a key posts
 * only the channels it is granted (a seller cannot pre-empt a Sapo order), a seller cancels only
 * its own orders, and a seller's spreadsheet dedupes with that seller's API orders.
 */
import { putCatalog } from '../../shared/adapters/dynamodb/catalog-store.js';
import { orderIdFor } from '../../shared/adapters/dynamodb/keys.js';
import { signApiKeyRequest } from '../../shared/channels/api-key-auth.js';
import {
  type EncodableOrder,
  type EncodedRequest,
  encodePortal,
  encodeSapo,
  encodeSpreadsheet,
  portalBody,
  portalRequest,
} from '../../shared/channels/encoders.js';
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
        cooperativeId: 'htx-tenancy',
        name: 'HTX Vải thiều Thanh Hà',
        kind: 'cooperative',
        provinceCode: '24',
        wardCode: '07582',
        wardName: 'Xã Lục Ngạn',
        dailyCapacityUnits: 500,
        zaloUserId: '8123456789012345001',
        contactPhone: '0912345001',
        carrier: 'ghn',
      },
    ],
    growingAreaCodes: [],
    stockBatches: [
      {
        cooperativeId: 'htx-tenancy',
        batchId: 'T-0618-1',
        sku: 'LYCHEE-LN-5KG',
        harvestedAt: '2026-06-18T05:00:00+07:00',
        expiresAt: '2026-06-22T05:00:00+07:00',
        coldChain: false,
        quantity: 100,
        available: 100,
        growingAreaCodes: {},
      },
    ],
  });
});

afterAll(async () => {
  await runtime?.stop();
});

const order = (externalId: string, quantity: number, name = 'Nguyễn Thị Hồng'): EncodableOrder => ({
  channel: 'portal',
  externalId,
  placedAt: '2026-06-18T07:55:00+07:00',
  buyer: { name, phone: '0912 345 678', address: 'Số 12 Nguyễn Trãi, Phường Thanh Xuân, Hà Nội' },
  lines: [{ sku: 'LYCHEE-LN-5KG', quantity, unitPrice: 200_000 }],
  paymentMethod: 'cod',
});

interface Answer {
  status: number;
  body: {
    orderId?: string;
    status?: string;
    duplicate?: boolean;
    message?: string;
    errors?: Array<{ field: string; message: string }>;
    orders?: Array<{ orderId: string; duplicate: boolean; externalId: string }>;
  };
}

async function send(request: EncodedRequest): Promise<Answer> {
  const query = new URLSearchParams(request.query).toString();
  const response = await fetch(`${runtime.url}${request.path}${query ? `?${query}` : ''}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

async function signedPost(path: string, body: unknown, keyId: string, keys: Record<string, string>) {
  const raw = Buffer.from(JSON.stringify(body));
  const ts = Math.floor(clock().getTime() / 1000);
  return send({
    method: 'POST',
    path,
    query: {},
    headers: {
      'content-type': 'application/json',
      'x-api-key-id': keyId,
      'x-timestamp': String(ts),
      'x-signature': signApiKeyRequest(keys[keyId] ?? '', ts, raw),
    },
    body: raw,
  });
}

const view = async (orderId: string) =>
  (await (await fetch(`${runtime.url}/v1/orders/${orderId}`)).json()) as {
    status: string;
    totalVnd: number;
    externalId: string;
  };

test("two direct sellers' order 1001 are two orders; each seller's redelivery sees its own only", async () => {
  const a = await send(
    encodePortal(order('1001', 1, 'Người mua A'), runtime.secrets, clock(), 'portal-local').request,
  );
  expect(a.status).toBe(201);
  const b = await send(
    encodePortal(order('1001', 3, 'Người mua B'), runtime.secrets, clock(), 'seller-local').request,
  );
  expect(b.status).toBe(201);
  expect(b.body.duplicate).toBe(false);
  expect(b.body.orderId).not.toBe(a.body.orderId);
  expect(a.body.orderId).toBe(orderIdFor({ channel: 'portal', seller: 'ghv-local', externalId: '1001' }));
  expect(b.body.orderId).toBe(
    orderIdFor({ channel: 'portal', seller: 'vaithieu-local', externalId: '1001' }),
  );

  // Each seller's resend is a duplicate of its own order, never the other seller's.
  const againB = await send(
    encodePortal(order('1001', 3, 'Người mua B'), runtime.secrets, clock(), 'seller-local').request,
  );
  expect(againB).toMatchObject({ status: 200, body: { duplicate: true, orderId: b.body.orderId } });
  const againA = await send(
    encodePortal(order('1001', 1, 'Người mua A'), runtime.secrets, clock(), 'portal-local').request,
  );
  expect(againA).toMatchObject({ status: 200, body: { duplicate: true, orderId: a.body.orderId } });

  await runtime.drain();
  expect((await view(a.body.orderId ?? '')).totalVnd).toBe(200_000);
  expect((await view(b.body.orderId ?? '')).totalVnd).toBe(600_000);
});

test("a seller's spreadsheet (source=seller) names the seller: it dedupes with that seller's API orders only", async () => {
  const sheet = (seller?: string) => {
    const { request } = encodeSpreadsheet(
      [order('1001', 3, 'Người mua B')],
      'seller',
      runtime.secrets,
      clock(),
    );
    return { ...request, query: { ...request.query, ...(seller ? { seller } : {}) } };
  };
  const missing = await send(sheet());
  expect(missing.status).toBe(400);
  expect(missing.body.errors?.[0]?.field).toBe('seller');
  const unknown = await send(sheet('nobody'));
  expect(unknown.status).toBe(400);
  expect(unknown.body.errors?.[0]?.field).toBe('seller');

  const imported = await send(sheet('vaithieu-local'));
  expect(imported.status).toBe(200);
  expect(imported.body.orders).toEqual([
    expect.objectContaining({
      externalId: '1001',
      duplicate: true,
      orderId: orderIdFor({ channel: 'portal', seller: 'vaithieu-local', externalId: '1001' }),
    }),
  ]);
});

test('a relayed Postmart order and the same order in the Postmart export are one order', async () => {
  const pm = { ...order('PM-778899', 2), channel: 'postmart' as const };
  const relayed = await send(encodePortal(pm, runtime.secrets, clock(), 'postmart-relay-local').request);
  expect(relayed.status).toBe(201);
  expect(relayed.body.orderId).toBe(orderIdFor({ channel: 'postmart', externalId: 'PM-778899' }));
  const exported = await send(encodeSpreadsheet([pm], 'postmart', runtime.secrets, clock()).request);
  expect(exported.status).toBe(200);
  expect(exported.body.orders).toEqual([
    expect.objectContaining({ orderId: relayed.body.orderId, duplicate: true }),
  ]);
});

test('a seller key cannot post a Sapo order (403 naming channel); the real Sapo webhook then creates it', async () => {
  const sapoOrder = { ...order('1004287777', 1), channel: 'sapo' as const };
  // The body names channel sapo (the encoder would not write it: a seller's client could).
  const spoof = (keyId: string) =>
    portalRequest(
      JSON.stringify({ ...portalBody(sapoOrder, clock()), channel: 'sapo' }),
      runtime.secrets,
      clock(),
      keyId,
    );
  const spoofed = await send(spoof('seller-local'));
  expect(spoofed.status).toBe(403);
  expect(spoofed.body.message).toContain('channel sapo is not allowed for key seller-local');
  expect(spoofed.body.errors).toEqual([expect.objectContaining({ field: 'channel' })]);
  // Not even a relay key may name a webhook channel, nor another marketplace.
  const relay = await send(spoof('postmart-relay-local'));
  expect(relay.status).toBe(403);
  const asPortal = await send(
    encodePortal(order('R-1', 1), runtime.secrets, clock(), 'postmart-relay-local').request,
  );
  expect(asPortal.status).toBe(403);

  const real = await send(encodeSapo(sapoOrder, runtime.secrets, clock()).request);
  expect(real.status).toBe(201);
  expect(real.body).toMatchObject({
    orderId: orderIdFor({ channel: 'sapo', externalId: '1004287777' }),
    duplicate: false,
  });
});

test('a seller cancels its own order only: the other seller’s equal order number is untouched', async () => {
  const keys = runtime.secrets.portalApiKeys;
  const mine = await send(encodePortal(order('2002', 1), runtime.secrets, clock(), 'seller-local').request);
  const theirs = await send(encodePortal(order('2002', 1), runtime.secrets, clock(), 'portal-local').request);
  expect([mine.status, theirs.status]).toEqual([201, 201]);
  await runtime.drain();

  // Naming the other seller, or another channel, is refused.
  const other = await signedPost(
    '/v1/cancellations',
    { channel: 'portal', externalId: '2002', seller: 'ghv-local' },
    'seller-local',
    keys,
  );
  expect(other.status).toBe(403);
  expect(other.body.errors?.[0]?.field).toBe('seller');
  const sapo = await signedPost(
    '/v1/cancellations',
    { channel: 'sapo', externalId: '1004287777' },
    'seller-local',
    keys,
  );
  expect(sapo.status).toBe(403);
  expect(sapo.body.errors?.[0]?.field).toBe('channel');
  // An operator must say whose order number it is.
  const operator = await signedPost(
    '/v1/cancellations',
    { channel: 'portal', externalId: '2002' },
    'operator-local',
    runtime.secrets.importApiKeys,
  );
  expect(operator.status).toBe(400);
  expect(operator.body.errors?.[0]?.field).toBe('seller');

  const cancel = await signedPost(
    '/v1/cancellations',
    { channel: 'portal', externalId: '2002', reason: 'khách huỷ' },
    'seller-local',
    keys,
  );
  expect(cancel.status).toBe(202);
  expect(cancel.body.orderId).toBe(mine.body.orderId);
  await runtime.drain();
  expect((await view(mine.body.orderId ?? '')).status).toBe('cancelled');
  expect((await view(theirs.body.orderId ?? '')).status).not.toBe('cancelled');
  expect((await view(orderIdFor({ channel: 'sapo', externalId: '1004287777' }))).status).not.toBe(
    'cancelled',
  );
});
