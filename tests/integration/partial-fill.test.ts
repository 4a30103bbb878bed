/**
 * The per-channel partial-fill policy against the real DynamoDB Local: an order the stock cannot
 * fill whole ships what there is (ship_partial), waits whole and is filled whole once stock is
 * reported (wait), or is rejected with insufficient_stock (reject) — and under wait and reject no
 * unit is ever reserved for it.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { domainEvent } from '../../events/catalog.js';
import { orderReceivedEvent } from '../../functions/ingest-http/ingest-http.js';
import { buildExpireBackordersHandler } from '../../functions/retry-backorders/retry-backorders.js';
import { createLogger } from '../../shared/observability.js';
import { putCatalog } from '../../shared/adapters/dynamodb/catalog-store.js';
import { backorderSk, batchSk, cooperativePk, orderPk } from '../../shared/adapters/dynamodb/keys.js';
import type { StockBatch } from '../../shared/domain/cooperative.js';
import { normaliseOrder } from '../../shared/domain/normalise-order.js';
import {
  DEFAULT_PARTIAL_FILL,
  type PartialFillPolicy,
  type PartialFillRecord,
} from '../../shared/domain/partial-fill.js';
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

const batch = (cooperativeId: string, batchId: string, quantity: number): StockBatch => ({
  cooperativeId,
  batchId,
  sku: SKU,
  harvestedAt: '2026-06-18T05:00:00+07:00',
  expiresAt: '2026-06-22T05:00:00+07:00',
  coldChain: false,
  quantity,
  available: quantity,
  growingAreaCodes: {},
});

/** A portal order of 5 boxes against 3 in stock, under `policy` for domestic orders. */
async function shortOrder(policy: PartialFillPolicy) {
  const table = await dynamo.freshTable();
  await putCatalog(dynamo.doc, table, {
    cooperatives: [cooperative('coop-a'), cooperative('coop-b')],
    growingAreaCodes: [],
    stockBatches: [batch('coop-a', 'A1', 3)],
  });
  const p = startPipeline(dynamo, table, {
    now: () => NOW,
    partialFill: { ...DEFAULT_PARTIAL_FILL, domestic: policy },
  });
  const saved = await p.orders.saveNew(
    normaliseOrder(rawOrder(`PF-${policy}`, SKU, 5), NOW).order,
    'received',
    { correlationId: 'corr-pf' },
  );
  const order = saved.created ? saved.record : saved.existing;
  await p.publisher.publish([orderReceivedEvent(order)]);
  await p.drain();
  const get = async (pk: string, sk: string) =>
    (await dynamo.doc.send(new GetCommand({ TableName: table, Key: { pk, sk }, ConsistentRead: true }))).Item;
  const stored = (await p.orders.get(order.orderId)) as unknown as Record<string, unknown> & {
    status: string;
    explanation?: { partialFill?: PartialFillRecord };
  };
  return { ...p, table, order, stored, get, batchA1: () => get(cooperativePk('coop-a'), batchSk(SKU, 'A1')) };
}

describe('partial-fill policy', () => {
  it('ship_partial reserves the 3 boxes there are and backorders 2', async () => {
    const t = await shortOrder('ship_partial');
    expect(t.stored.status).toBe('partially_allocated');
    expect(t.stored.explanation?.partialFill).toMatchObject({
      policy: 'ship_partial',
      outcome: 'shipped_partial',
    });
    expect(await t.batchA1()).toMatchObject({ available: 0, reserved: 3 });
    expect(t.of('OrderAllocated')).toHaveLength(1);
    expect(t.booked).toHaveLength(1);
  });

  it('ship_partial: the 2 boxes still owed wait as a backorder, a restock elsewhere fills them and the order is whole', async () => {
    const t = await shortOrder('ship_partial');
    expect(t.stored.status).toBe('partially_allocated');
    expect(await t.get(orderPk(t.order.orderId), backorderSk(SKU))).toMatchObject({ quantity: 2 });

    await t.stock.reportBatch(batch('coop-b', 'B1', 4), NOW.toISOString());
    await t.publisher.publish([
      domainEvent('StockReported', {
        version: 1,
        correlationId: 'c',
        cooperativeId: 'coop-b',
        batchId: 'B1',
        sku: SKU,
        quantity: 4,
        harvestedAt: '2026-06-18T05:00:00+07:00',
      }),
    ]);
    await t.drain();
    const filled = (await t.orders.get(t.order.orderId)) as unknown as Record<string, unknown>;
    expect(filled).toMatchObject({ status: 'allocated', backorderRetries: 1, backorderedLines: [] });
    const live = (await t.allocations.getAllocations(t.order.orderId, true)).filter(
      (a) => a.status === 'reserved',
    );
    expect(live.map((a) => [a.cooperativeId, a.lines.reduce((n, l) => n + l.quantity, 0)]).sort()).toEqual([
      ['coop-a', 3],
      ['coop-b', 2],
    ]);
    expect((await t.get(cooperativePk('coop-b'), batchSk(SKU, 'B1')))?.available).toBe(2);
    expect(await t.get(orderPk(t.order.orderId), backorderSk(SKU))).toBeUndefined();
    expect(t.deadLetters).toEqual([]);
  });

  it('ship_partial: a remainder nobody restocks expires with the sweep; what shipped stays allocated', async () => {
    const t = await shortOrder('ship_partial');
    const sweep = buildExpireBackordersHandler({
      doc: dynamo.doc,
      tableName: t.table,
      lifecycle: t.lifecycle,
      publisher: t.publisher,
      now: () => new Date(NOW.getTime() + 13 * 3_600_000), // fresh lychee waits 12 h
      logger: createLogger('test', { logLevel: 'SILENT' }),
    });
    expect(await sweep({ action: 'expire-backorders' })).toMatchObject({ expired: 1 });
    const after = (await t.orders.get(t.order.orderId)) as unknown as Record<string, unknown>;
    expect(after.status).toBe('partially_allocated');
    expect(String(after.statusReason)).toMatch(/backorder expired/);
    expect(await t.get(orderPk(t.order.orderId), backorderSk(SKU))).toBeUndefined();
    expect((await t.batchA1())?.reserved).toBe(3);
    expect(await sweep({ action: 'expire-backorders' })).toMatchObject({ expired: 0 });
  });

  it('wait reserves nothing, backorders all 5, then fills the order whole once stock is reported', async () => {
    const t = await shortOrder('wait');
    expect(t.stored.status).toBe('backordered');
    expect(t.stored.backorderedLines).toEqual([{ sku: SKU, quantity: 5 }]);
    expect(t.stored.explanation?.partialFill).toMatchObject({ policy: 'wait', outcome: 'waited' });
    expect(t.stored.statusReason).toMatch(/policy wait: only 3 of 5/);
    expect(await t.get(orderPk(t.order.orderId), backorderSk(SKU))).toMatchObject({ quantity: 5 });
    const untouched = await t.batchA1();
    expect(untouched?.available).toBe(3);
    expect(untouched?.reserved ?? 0).toBe(0);
    expect(t.of('OrderAllocated')).toEqual([]);
    expect(t.booked).toEqual([]);

    // An afternoon harvest at coop-b: 2 more boxes make 5, and the order is filled whole.
    await t.stock.reportBatch(batch('coop-b', 'B1', 2), NOW.toISOString());
    await t.publisher.publish([
      domainEvent('StockReported', {
        version: 1,
        correlationId: 'c',
        cooperativeId: 'coop-b',
        batchId: 'B1',
        sku: SKU,
        quantity: 2,
        harvestedAt: '2026-06-18T05:00:00+07:00',
      }),
    ]);
    await t.drain();
    const filled = (await t.orders.get(t.order.orderId)) as unknown as {
      status: string;
      explanation?: { partialFill?: PartialFillRecord };
    };
    expect(filled.status).toBe('allocated');
    expect(filled.explanation?.partialFill).toMatchObject({ policy: 'wait', outcome: 'filled' });
    const units = t
      .of('OrderAllocated')
      .flatMap((a) => a.lines)
      .reduce((s, l) => s + l.quantity, 0);
    expect(units).toBe(5);
    expect(await t.get(orderPk(t.order.orderId), backorderSk(SKU))).toBeUndefined();
    expect(t.deadLetters).toEqual([]);
  });

  it('reject reserves nothing and rejects the order with insufficient_stock', async () => {
    const t = await shortOrder('reject');
    expect(t.stored.status).toBe('rejected');
    expect(t.stored.rejectReasons).toEqual(['insufficient_stock']);
    expect(t.stored.explanation?.partialFill).toMatchObject({ policy: 'reject', outcome: 'rejected' });
    const untouched = await t.batchA1();
    expect(untouched?.available).toBe(3);
    expect(untouched?.reserved ?? 0).toBe(0);
    expect(t.of('OrderRejected')).toEqual([
      expect.objectContaining({
        orderId: t.order.orderId,
        channel: 'portal',
        reasons: ['insufficient_stock'],
      }),
    ]);
    expect(t.of('OrderAllocated')).toEqual([]);
    expect(await t.get(orderPk(t.order.orderId), backorderSk(SKU))).toBeUndefined();

    // A redelivered OrderReceived reserves nothing and announces the rejection again (at least once).
    const received = t.published.find((e) => e.detailType === 'OrderReceived');
    if (!received) throw new Error('no OrderReceived');
    await t.deliverNow(received);
    await t.drain();
    expect((await t.orders.get(t.order.orderId))?.status).toBe('rejected');
    expect((await t.batchA1())?.available).toBe(3);
    expect(t.of('OrderRejected')).toHaveLength(2);
  });
});
