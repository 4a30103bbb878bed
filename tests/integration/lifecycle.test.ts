/**
 * After allocation, against the real DynamoDB Local: cancellations (F06: before the order exists,
 * after allocation, twice, racing allocation), no courier for a cancelled order, backorders
 * retried when stock is reported (exactly once) and expiring with a reason, stock adjustments
 * that never take `available` below what is reserved.
 */
import { domainEvent } from '../../events/catalog.js';
import { putCatalog } from '../../shared/adapters/dynamodb/catalog-store.js';
import {
  backorderSk,
  batchSk,
  cooperativePk,
  orderPk,
  TOMBSTONE_SK,
} from '../../shared/adapters/dynamodb/keys.js';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { StockBatch } from '../../shared/domain/cooperative.js';
import { normaliseOrder } from '../../shared/domain/normalise-order.js';
import { orderReceivedEvent } from '../../functions/ingest-http/ingest-http.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamodb.js';
import { cooperative, rawOrder, startPipeline } from '../support/pipeline.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const NOW = new Date('2026-06-18T01:00:00Z');
const SKU = 'LYCHEE-LN-5KG';
let dynamo: TestDynamo;

beforeAll(async () => {
  dynamo = await startTestDynamo();
}, 60_000);
afterAll(async () => {
  await dynamo?.stop();
}, 30_000);

const batch = (
  cooperativeId: string,
  batchId: string,
  quantity: number,
  available = quantity,
): StockBatch => ({
  cooperativeId,
  batchId,
  sku: SKU,
  harvestedAt: '2026-06-18T05:00:00+07:00',
  expiresAt: '2026-06-22T05:00:00+07:00',
  coldChain: false,
  quantity,
  available,
  growingAreaCodes: {},
});

async function setup(stock: StockBatch[], now: () => Date = () => NOW) {
  const table = await dynamo.freshTable();
  await putCatalog(dynamo.doc, table, {
    cooperatives: [cooperative('coop-a'), cooperative('coop-b')],
    growingAreaCodes: [],
    stockBatches: stock,
  });
  const p = startPipeline(dynamo, table, { now });
  const get = async (pk: string, sk: string) =>
    (await dynamo.doc.send(new GetCommand({ TableName: table, Key: { pk, sk }, ConsistentRead: true }))).Item;
  const batchItem = (coop: string, id: string) => get(cooperativePk(coop), batchSk(SKU, id));
  /** Stores the order as ingest does and publishes its OrderReceived. */
  async function ingest(externalId: string, quantity = 1) {
    const saved = await p.orders.saveNew(
      normaliseOrder(rawOrder(externalId, SKU, quantity), NOW).order,
      'received',
      {
        correlationId: `corr-${externalId}`,
      },
    );
    const record = saved.created ? saved.record : saved.existing;
    await p.publisher.publish([orderReceivedEvent(record)]);
    return record;
  }
  const cancel = (orderId: string, reason = 'buyer changed their mind') =>
    p.publisher.publish([domainEvent('OrderCancelled', { version: 1, correlationId: 'c', orderId, reason })]);
  return { ...p, table, get, batchItem, ingest, cancel };
}

describe('cancellations (F06)', () => {
  it('F06 cancel before create: the cancel is remembered and applied when the order arrives; nothing reserved, no courier', async () => {
    const t = await setup([batch('coop-a', 'A1', 5)]);
    const { orderIdFor } = await import('../../shared/adapters/dynamodb/keys.js');
    const orderId = orderIdFor({ channel: 'portal', seller: 'ghv-local', externalId: 'F06-EARLY' });
    await t.cancel(orderId);
    await t.drain();
    const tombstone = await t.get(orderPk(orderId), TOMBSTONE_SK);
    expect(tombstone).toMatchObject({ orderId, reason: 'buyer changed their mind' });
    expect(await t.get(orderPk(orderId), 'ORDER')).toBeUndefined();

    const order = await t.ingest('F06-EARLY');
    expect(order.orderId).toBe(orderId);
    await t.drain();
    const stored = await t.orders.get(orderId);
    expect(stored?.status).toBe('cancelled');
    expect(stored?.statusReason).toMatch(/cancelled before the order arrived/);
    expect(await t.allocations.getAllocations(orderId)).toEqual([]);
    expect((await t.batchItem('coop-a', 'A1'))?.available).toBe(5);
    expect(t.of('OrderAllocated')).toEqual([]);
    expect(t.booked).toEqual([]);
    expect(t.deadLetters).toEqual([]);
  });

  it('F06 a cancel arriving while the order waits for allocation: the allocation reserves nothing', async () => {
    const t = await setup([batch('coop-a', 'A1', 5)]);
    const order = await t.orders.saveNew(
      normaliseOrder(rawOrder('F06-WAIT', SKU, 2), NOW).order,
      'received',
      {
        correlationId: 'c',
      },
    );
    if (!order.created) throw new Error('not created');
    await t.cancel(order.record.orderId);
    await t.drain(); // the cancel runs first
    await t.publisher.publish([orderReceivedEvent(order.record)]); // then allocation
    await t.drain();
    expect((await t.orders.get(order.record.orderId))?.status).toBe('cancelled');
    expect((await t.batchItem('coop-a', 'A1'))?.available).toBe(5);
    expect(t.of('OrderAllocated')).toEqual([]);
  });

  it('cancel after allocation releases the stock (available += q), marks the allocation released and books no courier afterwards', async () => {
    const t = await setup([batch('coop-a', 'A1', 5)]);
    const order = await t.ingest('CANCEL-AFTER', 3);
    // Allocate only (book-pickup's message stays pending while we cancel).
    await t.deliverNow({ detailType: 'OrderReceived', detail: orderReceivedEvent(order).detail });
    expect(await t.batchItem('coop-a', 'A1')).toMatchObject({ available: 2, reserved: 3 });
    await t.deliverNow(
      domainEvent('OrderCancelled', {
        version: 1,
        correlationId: 'c',
        orderId: order.orderId,
        reason: 'buyer changed their mind',
      }),
    );
    await t.drain();
    expect(await t.batchItem('coop-a', 'A1')).toMatchObject({ available: 5, reserved: 0 });
    const [allocation] = await t.allocations.getAllocations(order.orderId);
    expect(allocation).toMatchObject({ status: 'released', releaseReason: 'buyer changed their mind' });
    expect((await t.orders.get(order.orderId))?.status).toBe('cancelled');
    expect(t.of('AllocationReleased')).toEqual([
      expect.objectContaining({ orderId: order.orderId, cooperativeId: 'coop-a', lines: allocation?.lines }),
    ]);
    // book-pickup saw the OrderAllocated after the release: no courier was asked.
    expect(t.of('OrderAllocated')).toHaveLength(1);
    expect(t.booked).toEqual([]);
    expect(t.of('PickupBooked')).toEqual([]);
    // The day's capacity is given back too.
    expect((await t.get(cooperativePk('coop-a'), 'CAPACITY#2026-06-18'))?.used).toBe(0);
  });

  it('double cancel releases once: two cancels of an allocated order at the same time', async () => {
    const t = await setup([batch('coop-a', 'A1', 4), batch('coop-b', 'B1', 4)]);
    const order = await t.ingest('DOUBLE', 6); // split: 4 at one cooperative, 2 at the other
    await t.drain();
    expect((await t.allocations.getAllocations(order.orderId)).length).toBe(2);
    await t.cancel(order.orderId, 'first');
    await t.cancel(order.orderId, 'second');
    await t.drain();
    expect(await t.batchItem('coop-a', 'A1')).toMatchObject({ available: 4, reserved: 0 });
    expect(await t.batchItem('coop-b', 'B1')).toMatchObject({ available: 4, reserved: 0 });
    const released = t.of('AllocationReleased');
    expect(new Set(released.map((r) => r.allocationId)).size).toBe(2);
    expect((await t.orders.get(order.orderId))?.status).toBe('cancelled');
    expect(t.deadLetters).toEqual([]);
  });

  it('a cancel redelivered after it released stock releases nothing more', async () => {
    const t = await setup([batch('coop-a', 'A1', 5)]);
    const order = await t.ingest('REDELIVERED', 2);
    await t.drain();
    const cancelEvent = domainEvent('OrderCancelled', {
      version: 1,
      correlationId: 'c',
      orderId: order.orderId,
      reason: 'x',
    });
    for (let i = 0; i < 3; i++) await t.deliverNow(cancelEvent);
    await t.drain();
    expect(await t.batchItem('coop-a', 'A1')).toMatchObject({ available: 5, reserved: 0 });
  });
});

describe('backorders', () => {
  it('are retried when matching stock is reported, exactly once, oldest first, and filled', async () => {
    const t = await setup([batch('coop-a', 'A1', 1)]);
    const first = await t.ingest('BO-1');
    const second = await t.ingest('BO-2');
    const third = await t.ingest('BO-3');
    await t.drain({ parallel: false });
    expect((await t.orders.get(first.orderId))?.status).toBe('allocated');
    for (const o of [second, third]) {
      expect((await t.orders.get(o.orderId))?.status).toBe('backordered');
      expect(await t.get(orderPk(o.orderId), backorderSk(SKU))).toMatchObject({ sku: SKU, quantity: 1 });
    }

    // One more box reported at coop-b: only the oldest backorder goes back to allocation.
    const reported = await t.stock.reportBatch(batch('coop-b', 'B-LATE', 1), NOW.toISOString());
    expect(reported.created).toBe(true);
    const stockEvent = domainEvent('StockReported', {
      version: 1,
      correlationId: 'c',
      cooperativeId: 'coop-b',
      batchId: 'B-LATE',
      sku: SKU,
      quantity: 1,
      harvestedAt: '2026-06-18T05:00:00+07:00',
    });
    await t.publisher.publish([stockEvent, stockEvent]); // delivered twice
    await t.drain();
    const states = await Promise.all(
      [second, third].map(async (o) => (await t.orders.get(o.orderId))?.status),
    );
    expect(states.sort()).toEqual(['allocated', 'backordered']);
    const filled = (await t.orders.get(second.orderId))?.status === 'allocated' ? second : third;
    expect(filled.receivedAt <= third.receivedAt).toBe(true);
    expect(await t.get(orderPk(filled.orderId), backorderSk(SKU))).toBeUndefined();
    expect((await t.orders.get(filled.orderId)) as unknown as { backorderRetries: number }).toMatchObject({
      backorderRetries: 1,
    });
    expect(await t.batchItem('coop-b', 'B-LATE')).toMatchObject({ available: 0, reserved: 1 });
    expect(t.deadLetters).toEqual([]);
  });

  it('expire with a reason once their product’s wait is over (fresh lychee: 12 h)', async () => {
    let clock = NOW.getTime();
    const t = await setup([], () => new Date(clock));
    const order = await t.ingest('BO-EXPIRE', 2);
    await t.drain();
    expect((await t.orders.get(order.orderId))?.status).toBe('backordered');
    const stockEvent = domainEvent('StockReported', {
      version: 1,
      correlationId: 'c',
      cooperativeId: 'coop-a',
      batchId: 'OTHER',
      sku: SKU,
      quantity: 1,
      harvestedAt: '2026-06-18T05:00:00+07:00',
    });
    clock = NOW.getTime() + 13 * 3_600_000;
    await t.publisher.publish([stockEvent]);
    await t.drain();
    const stored = await t.orders.get(order.orderId);
    expect(stored?.status).toBe('expired');
    expect(stored?.statusReason).toMatch(/backorder expired: no LYCHEE-LN-5KG reported within 12 h/);
    expect(t.of('OrderExpired')).toEqual([expect.objectContaining({ orderId: order.orderId })]);
    expect(await t.get(orderPk(order.orderId), backorderSk(SKU))).toBeUndefined();
  });

  it('a cancelled backorder is not retried', async () => {
    const t = await setup([]);
    const order = await t.ingest('BO-CANCEL');
    await t.drain();
    await t.cancel(order.orderId);
    await t.drain();
    expect((await t.orders.get(order.orderId))?.status).toBe('cancelled');
    expect(await t.get(orderPk(order.orderId), backorderSk(SKU))).toBeUndefined();
    await t.stock.reportBatch(batch('coop-a', 'NEW', 3), NOW.toISOString());
    await t.publisher.publish([
      domainEvent('StockReported', {
        version: 1,
        correlationId: 'c',
        cooperativeId: 'coop-a',
        batchId: 'NEW',
        sku: SKU,
        quantity: 3,
        harvestedAt: '2026-06-18T05:00:00+07:00',
      }),
    ]);
    await t.drain();
    expect((await t.orders.get(order.orderId))?.status).toBe('cancelled');
    expect(await t.batchItem('coop-a', 'NEW')).toMatchObject({ available: 3 });
  });
});

describe('stock adjustments', () => {
  it('a write-off never takes available below 0 (reserved units stay), and each adjustment applies once', async () => {
    const t = await setup([batch('coop-a', 'A1', 5)]);
    await t.ingest('ADJ', 3);
    await t.drain();
    const adjust = (adjustmentId: string, delta: number) =>
      t.stock.adjustBatch({
        cooperativeId: 'coop-a',
        sku: SKU,
        batchId: 'A1',
        adjustmentId,
        kind: delta < 0 ? 'spoilage' : 'correction',
        delta,
        at: NOW.toISOString(),
      });
    expect(await adjust('rot-1', -3)).toMatchObject({
      kind: 'insufficient',
      batch: { available: 2, reserved: 3 },
    });
    expect(await adjust('rot-2', -2)).toMatchObject({
      kind: 'adjusted',
      batch: { available: 0, quantity: 3 },
    });
    expect(await adjust('rot-2', -2)).toMatchObject({ kind: 'duplicate', batch: { available: 0 } });
    // Concurrent write-offs of the last units: at most what is available goes.
    await adjust('found', 4);
    const results = await Promise.all([adjust('c1', -3), adjust('c2', -3)]);
    expect(results.map((r) => r.kind).sort()).toEqual(['adjusted', 'insufficient']);
    expect(await t.batchItem('coop-a', 'A1')).toMatchObject({ available: 1, reserved: 3, quantity: 4 });
    expect(
      await adjust('nope', -1).then(() =>
        t.stock.adjustBatch({
          cooperativeId: 'coop-a',
          sku: SKU,
          batchId: 'MISSING',
          adjustmentId: 'x',
          kind: 'spoilage',
          delta: -1,
          at: NOW.toISOString(),
        }),
      ),
    ).toEqual({ kind: 'not_found' });
  });
});

describe('batch writes of redelivered messages', () => {
  it('two copies of one item in a batch (a message delivered twice) are written once, the last copy winning', async () => {
    const table = await dynamo.freshTable();
    const { batchPutAll } = await import('../../shared/adapters/dynamodb/batch-write.js');
    await batchPutAll(dynamo.doc, table, [
      { pk: 'ORDER#o1', sk: 'NOTIFY#c1', n: 1 },
      { pk: 'ORDER#o2', sk: 'NOTIFY#c1', n: 1 },
      { pk: 'ORDER#o1', sk: 'NOTIFY#c1', n: 2 },
    ]);
    const item = await dynamo.doc.send(
      new GetCommand({ TableName: table, Key: { pk: 'ORDER#o1', sk: 'NOTIFY#c1' } }),
    );
    expect(item.Item?.n).toBe(2);
  });
});
