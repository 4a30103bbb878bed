/**
 * Marketplace cancellations over HTTP through the local runtime: TikTok Shop CANCELLED, Shopee
 * CANCELLED, Lazada canceled and Haravan/Sapo `orders/cancelled` pushes publish OrderCancelled for
 * the id the order has (or will have). After allocation the stock comes back exactly once, even when
 * the provider redelivers the cancel; before the order arrives a tombstone cancels it on arrival; a
 * tampered cancel is refused with 401 and changes nothing.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.js';
import { putCatalog } from '../../shared/adapters/dynamodb/catalog-store.js';
import {
  batchSk,
  cooperativePk,
  orderIdFor,
  orderPk,
  TOMBSTONE_SK,
} from '../../shared/adapters/dynamodb/keys.js';
import {
  type EncodableOrder,
  type EncodedRequest,
  encodeHaravan,
  encodeLazada,
  encodeShopee,
  encodeTiktok,
  haravanRequest,
  requestUrlPath,
  sapoRequest,
  shopifyLikeOrderBody,
} from '../../shared/channels/encoders.js';

jest.setTimeout(120_000);

let runtime: LocalRuntime;
const harvestDay = Date.parse('2026-06-18T08:00:00+07:00');
const realStart = Date.now();
const clock = () => new Date(harvestDay + (Date.now() - realStart));
const COOP = 'htx-cancel';
const SKU = 'LYCHEE-LN-5KG';
const STOCK = 40;

beforeAll(async () => {
  runtime = await startLocalRuntime({ clock, carrier: { failureRate: 0 } });
  await putCatalog(runtime.doc, runtime.tableName, {
    cooperatives: [
      {
        cooperativeId: COOP,
        name: 'HTX Vải thiều Thanh Hà',
        kind: 'cooperative',
        provinceCode: '24',
        wardCode: '07582',
        wardName: 'Xã Lục Ngạn',
        dailyCapacityUnits: 500,
        zaloUserId: 'zalo-htx-cancel',
        contactPhone: '0912345678',
        carrier: 'ghn',
      },
    ],
    growingAreaCodes: [],
    stockBatches: [
      {
        cooperativeId: COOP,
        batchId: 'B-CANCEL',
        sku: SKU,
        harvestedAt: '2026-06-18T05:00:00+07:00',
        expiresAt: '2026-06-22T05:00:00+07:00',
        coldChain: false,
        quantity: STOCK,
        available: STOCK,
        growingAreaCodes: {},
      },
    ],
  });
});

afterAll(async () => {
  await runtime?.stop();
});

const order = (externalId: string, quantity: number): EncodableOrder => ({
  externalId,
  placedAt: '2026-06-18T07:55:00+07:00',
  buyer: {
    name: 'Nguyễn Thị Hồng',
    phone: '0912 345 678',
    address: { street: 'Số 12 Nguyễn Trãi', ward: 'Phường Thanh Xuân', province: 'Thành phố Hà Nội' },
  },
  lines: [{ sku: SKU, quantity, unitPrice: 200_000 }],
  paymentMethod: 'cod',
});

async function send(request: EncodedRequest, body?: Buffer): Promise<{ status: number; text: string }> {
  const response = await fetch(`${runtime.url}${requestUrlPath(request)}`, {
    method: request.method,
    headers: request.headers,
    body: body ?? request.body,
  });
  return { status: response.status, text: await response.text() };
}

async function available(): Promise<number> {
  const { Item } = await runtime.doc.send(
    new GetCommand({
      TableName: runtime.tableName,
      Key: { pk: cooperativePk(COOP), sk: batchSk(SKU, 'B-CANCEL') },
    }),
  );
  return Item?.['available'] as number;
}

async function orderView(
  orderId: string,
): Promise<{ status: string; allocations?: Array<{ status: string }> }> {
  const response = await fetch(`${runtime.url}/v1/orders/${orderId}`);
  return (await response.json()) as { status: string; allocations?: Array<{ status: string }> };
}

async function tombstone(orderId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await runtime.doc.send(
    new GetCommand({ TableName: runtime.tableName, Key: { pk: orderPk(orderId), sk: TOMBSTONE_SK } }),
  );
  return Item;
}

function flipByte(body: Buffer): Buffer {
  const copy = Buffer.from(body);
  copy[copy.length >> 1] = (copy[copy.length >> 1] ?? 0) ^ 0x01;
  return copy;
}

test('TikTok Shop CANCELLED for an allocated order releases its stock exactly once, redelivered or not', async () => {
  const o = order('576486316948497001', 3);
  const create = encodeTiktok(o, runtime.secrets, clock());
  runtime.marketplace.hold(create.record!);
  const startStock = await available();
  expect((await send(create.request)).status).toBe(201);
  await runtime.drain();
  const orderId = orderIdFor({ channel: 'tiktok', externalId: o.externalId });
  expect((await orderView(orderId)).status).toBe('allocated');
  expect(await available()).toBe(startStock - 3);

  const cancel = encodeTiktok(o, runtime.secrets, clock(), { status: 'CANCELLED' });
  // A tampered cancel: 401, the order stays allocated.
  expect((await send(cancel.request, flipByte(cancel.request.body))).status).toBe(401);
  await runtime.drain();
  expect((await orderView(orderId)).status).toBe('allocated');

  const first = await send(cancel.request);
  expect(first.status).toBe(202);
  expect(JSON.parse(first.text)).toEqual({
    cancellations: [
      {
        externalId: o.externalId,
        orderId,
        reason: 'TikTok Shop order status CANCELLED',
        status: 'cancel_requested',
      },
    ],
  });
  // TikTok retries a push it thinks failed: the same bytes again, and a CANCEL spelling.
  expect((await send(cancel.request)).status).toBe(202);
  expect((await send(encodeTiktok(o, runtime.secrets, clock(), { status: 'CANCEL' }).request)).status).toBe(
    202,
  );
  await runtime.drain();
  const view = await orderView(orderId);
  expect(view.status).toBe('cancelled');
  expect(view.allocations).toEqual([expect.objectContaining({ status: 'released' })]);
  expect(await available()).toBe(startStock);
});

test('Shopee CANCELLED before the order arrives leaves a tombstone; the order is cancelled on arrival, no stock taken', async () => {
  const o = order('260618SHPCANCEL1', 2);
  const orderId = orderIdFor({ channel: 'shopee', externalId: o.externalId });
  const startStock = await available();
  const cancel = await send(encodeShopee(o, runtime.secrets, clock(), { status: 'CANCELLED' }).request);
  // Shopee counts anything but an empty 2xx as a failed push.
  expect(cancel).toEqual({ status: 200, text: '' });
  await runtime.drain();
  expect(await tombstone(orderId)).toMatchObject({ orderId, reason: 'Shopee order status CANCELLED' });

  const create = encodeShopee(o, runtime.secrets, clock());
  runtime.marketplace.hold(create.record!);
  expect((await send(create.request)).status).toBe(200);
  await runtime.drain();
  expect((await orderView(orderId)).status).toBe('cancelled');
  expect(await available()).toBe(startStock);
});

test('Lazada canceled after allocation releases the stock once', async () => {
  const o = order('1254870312657001', 4);
  const create = encodeLazada(o, runtime.secrets, clock());
  runtime.marketplace.hold(create.record!);
  const startStock = await available();
  expect((await send(create.request)).status).toBe(201);
  await runtime.drain();
  const orderId = orderIdFor({ channel: 'lazada', externalId: o.externalId });
  expect(await available()).toBe(startStock - 4);
  const cancel = encodeLazada(o, runtime.secrets, clock(), { status: 'canceled' });
  expect((await send(cancel.request)).status).toBe(202);
  expect((await send(cancel.request)).status).toBe(202);
  await runtime.drain();
  expect((await orderView(orderId)).status).toBe('cancelled');
  expect(await available()).toBe(startStock);
});

test('Haravan orders/cancelled before the order, Sapo orders/cancelled after it; a malformed one names the field', async () => {
  const early = order('1004289001', 1);
  const earlyId = orderIdFor({ channel: 'haravan', externalId: early.externalId });
  const startStock = await available();
  const body = JSON.stringify({ ...shopifyLikeOrderBody(early, clock()), cancel_reason: 'customer' });
  expect((await send(haravanRequest(body, runtime.secrets, 'orders/cancelled'))).status).toBe(202);
  await runtime.drain();
  expect(await tombstone(earlyId)).toMatchObject({ reason: 'haravan orders/cancelled (customer)' });
  expect((await send(encodeHaravan(early, runtime.secrets, clock()).request)).status).toBe(201);
  await runtime.drain();
  expect((await orderView(earlyId)).status).toBe('cancelled');
  expect(await available()).toBe(startStock);

  const late = order('61849001', 2);
  const lateBody = JSON.stringify(shopifyLikeOrderBody(late, clock()));
  expect((await send(sapoRequest(lateBody, runtime.secrets))).status).toBe(201);
  await runtime.drain();
  expect(await available()).toBe(startStock - 2);
  expect((await send(sapoRequest(lateBody, runtime.secrets, 'orders/cancelled'))).status).toBe(202);
  await runtime.drain();
  expect((await orderView(orderIdFor({ channel: 'sapo', externalId: late.externalId }))).status).toBe(
    'cancelled',
  );
  expect(await available()).toBe(startStock);

  const malformed = await send(
    sapoRequest(JSON.stringify({ cancel_reason: 'x' }), runtime.secrets, 'orders/cancelled'),
  );
  expect(malformed.status).toBe(400);
  expect(JSON.parse(malformed.text).errors).toEqual([expect.objectContaining({ field: 'id' })]);
});
