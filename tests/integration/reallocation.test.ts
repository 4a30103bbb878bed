/**
 * Re-allocation against the real DynamoDB Local (issue 4, lifecycle): a cooperative declines an
 * allocation → its units go back and the order's remainder is allocated elsewhere, never to the
 * decliner; a growing-area code suspended mid-season → the open export allocations packed under
 * it move to a batch under a valid code (or become backorders), domestic ones stay, and new
 * orders stop using the code. Stock is checked to the unit after every step.
 */
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { domainEvent } from '../../events/catalog.js';
import { orderReceivedEvent } from '../../functions/ingest-http/ingest-http.js';
import type { AllocationRecord } from '../../shared/adapters/dynamodb/allocation-store.js';
import { putCatalog } from '../../shared/adapters/dynamodb/catalog-store.js';
import { batchSk, cooperativePk, pucSk } from '../../shared/adapters/dynamodb/keys.js';
import type { GrowingAreaCode, StockBatch } from '../../shared/domain/cooperative.js';
import type { ExportMarket } from '../../shared/domain/market.js';
import { normaliseOrder } from '../../shared/domain/normalise-order.js';
import type { RawOrder } from '../../shared/domain/order.js';
import { suspensionReleaseReason } from '../../functions/move-suspended-allocations/move-suspended-allocations.js';
import { buildReallocator } from '../../shared/adapters/reallocation.js';
import { createLogger } from '../../shared/observability.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamodb.js';
import { cooperative, rawOrder, startPipeline } from '../support/pipeline.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
jest.setTimeout(60_000);
const silent = createLogger('test', { logLevel: 'SILENT' });

const NOW = new Date('2026-06-18T01:00:00Z');
const TODAY = '2026-06-18';
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
  expiresDay: number,
  codes: Partial<Record<ExportMarket, string>> = {},
): StockBatch => ({
  cooperativeId,
  batchId,
  sku: SKU,
  harvestedAt: '2026-06-18T05:00:00+07:00',
  expiresAt: `2026-06-${expiresDay}T05:00:00+07:00`,
  coldChain: false,
  quantity,
  available: quantity,
  growingAreaCodes: codes,
});

const code = (cooperativeId: string, c: string, market: ExportMarket = 'JP'): GrowingAreaCode => ({
  code: c,
  market,
  cooperativeId,
  areaHa: 12,
  packingHouseCode: `PHC-${cooperativeId}`,
  validFrom: '2026-01-01',
  validTo: '2026-12-31',
  status: 'active',
});

async function setup(opts: { coops: string[]; stock: StockBatch[]; codes?: GrowingAreaCode[] }) {
  const table = await dynamo.freshTable();
  await putCatalog(dynamo.doc, table, {
    cooperatives: opts.coops.map((c) => cooperative(c)),
    growingAreaCodes: opts.codes ?? [],
    stockBatches: opts.stock,
  });
  const p = startPipeline(dynamo, table, { now: () => NOW });
  const get = async (pk: string, sk: string) =>
    (await dynamo.doc.send(new GetCommand({ TableName: table, Key: { pk, sk }, ConsistentRead: true }))).Item;
  async function ingest(externalId: string, quantity: number, extra: Partial<RawOrder> = {}) {
    const saved = await p.orders.saveNew(
      normaliseOrder({ ...rawOrder(externalId, SKU, quantity), ...extra }, NOW).order,
      'received',
      { correlationId: `corr-${externalId}` },
    );
    if (!saved.created) throw new Error('order existed');
    await p.publisher.publish([orderReceivedEvent(saved.record)]);
    return saved.record;
  }
  const decline = (orderId: string, cooperativeId: string, reason = 'hail damaged the orchard') =>
    p.reallocate({
      orderId,
      cooperativeId,
      reason: `declined: ${reason}`,
      exclude: true,
      sameRelease: (r) => r.startsWith('declined'),
    });
  const cancel = (orderId: string) =>
    domainEvent('OrderCancelled', { version: 1, correlationId: 'c', orderId, reason: 'buyer cancelled' });
  const allocationsOf = async (orderId: string) => p.allocations.getAllocations(orderId, true);
  const live = async (orderId: string) =>
    (await allocationsOf(orderId)).filter((a) => a.status === 'reserved');
  /**
   * Every batch: available + reserved = quantity, nothing negative, and `reserved` is exactly the
   * units live allocations hold from it (each reserved unit belongs to one live allocation).
   */
  async function expectStockExact() {
    const items = (await dynamo.doc.send(new ScanCommand({ TableName: table, ConsistentRead: true })))
      .Items as Array<Record<string, unknown>>;
    const held = new Map<string, number>();
    for (const a of items.filter((i) => i.type === 'allocation' && i.status === 'reserved'))
      for (const l of (a as unknown as AllocationRecord).lines) {
        const key = `${a.cooperativeId}/${l.batchId}`;
        held.set(key, (held.get(key) ?? 0) + l.quantity);
      }
    for (const b of items.filter((i) => i.type === 'stock-batch')) {
      const key = `${b.cooperativeId}/${b.batchId}`;
      expect({ key, available: b.available, reserved: b.reserved }).toEqual({
        key,
        available: Number(b.quantity) - (held.get(key) ?? 0),
        reserved: held.get(key) ?? 0,
      });
    }
  }
  const available = async (coop: string, id: string) =>
    (await get(cooperativePk(coop), batchSk(SKU, id)))?.available;
  return { ...p, table, get, ingest, decline, cancel, allocationsOf, live, expectStockExact, available };
}

describe('a cooperative declines an allocation', () => {
  it('a partly filled order whose only cooperative declines waits for all it still needs: it never shrinks', async () => {
    const t = await setup({ coops: ['coop-a', 'coop-b'], stock: [batch('coop-a', 'A1', 2, 21)] });
    const order = await t.ingest('DECLINE-PARTIAL', 3);
    await t.drain();
    let stored = await t.orders.get(order.orderId, true);
    expect(stored).toMatchObject({
      status: 'partially_allocated',
      backorderedLines: [{ sku: SKU, quantity: 1 }],
    });

    expect((await t.decline(order.orderId, 'coop-a', 'no pickers today')).kind).toBe('released');
    await t.drain();
    stored = await t.orders.get(order.orderId, true);
    expect(stored?.status).toBe('backordered');
    // 2 released by the decline + 1 that was already waiting.
    expect(stored?.backorderedLines).toEqual([{ sku: SKU, quantity: 3 }]);
    expect(stored?.pendingLines).toEqual([{ sku: SKU, quantity: 3 }]);
    const waiting = (await t.get(stored?.pk as string, `BACKORDER#${SKU}`)) as
      | { quantity: number }
      | undefined;
    expect(waiting?.quantity).toBe(3);
    expect(t.of('OrderBackordered').at(-1)?.lines).toEqual([{ sku: SKU, quantity: 3 }]);
    expect(await t.live(order.orderId)).toEqual([]);
    await t.expectStockExact();
  });

  it('the units go back and the order is re-allocated elsewhere, never to a decliner; when nobody is left it waits as a backorder, and restock fills it', async () => {
    // FEFO: coop-a's batch expires first, then coop-b's, then coop-c's.
    const t = await setup({
      coops: ['coop-a', 'coop-b', 'coop-c', 'coop-d'],
      stock: [batch('coop-a', 'A1', 10, 21), batch('coop-b', 'B1', 10, 22), batch('coop-c', 'C1', 10, 23)],
    });
    const order = await t.ingest('DECLINE-1', 3);
    await t.drain();
    expect((await t.live(order.orderId)).map((a) => a.cooperativeId)).toEqual(['coop-a']);

    const first = await t.decline(order.orderId, 'coop-a');
    expect(first.kind).toBe('released');
    await t.drain();
    expect((await t.live(order.orderId)).map((a) => a.cooperativeId)).toEqual(['coop-b']);
    expect(await t.available('coop-a', 'A1')).toBe(10);
    expect(await t.available('coop-b', 'B1')).toBe(7);
    let stored = await t.orders.get(order.orderId, true);
    expect(stored).toMatchObject({ status: 'allocated', excludedCooperatives: ['coop-a'], reallocations: 1 });
    expect(stored?.pendingLines).toBeUndefined();
    await t.expectStockExact();

    // coop-b declines too: coop-c (not coop-a, whose batch is back and expires first) takes it.
    expect((await t.decline(order.orderId, 'coop-b', 'no pickers today')).kind).toBe('released');
    await t.drain();
    expect((await t.live(order.orderId)).map((a) => a.cooperativeId)).toEqual(['coop-c']);
    await t.expectStockExact();

    // coop-c declines: every cooperative with stock declined → a backorder, as usual.
    expect((await t.decline(order.orderId, 'coop-c')).kind).toBe('released');
    await t.drain();
    stored = await t.orders.get(order.orderId, true);
    expect(stored?.status).toBe('backordered');
    expect(stored?.pendingLines).toEqual([{ sku: SKU, quantity: 3 }]);
    expect(await t.live(order.orderId)).toEqual([]);
    expect([await t.available('coop-a', 'A1'), await t.available('coop-b', 'B1')]).toEqual([10, 10]);
    await t.expectStockExact();

    const released = t.of('AllocationReleased');
    expect(released.map((r) => [r.cooperativeId, r.reason])).toEqual([
      ['coop-a', 'declined: hail damaged the orchard'],
      ['coop-b', 'declined: no pickers today'],
      ['coop-c', 'declined: hail damaged the orchard'],
    ]);
    expect(t.of('OrderBackordered').at(-1)?.lines).toEqual([{ sku: SKU, quantity: 3 }]);

    // New stock at a fourth cooperative: the backorder is retried and filled there.
    const d1 = batch('coop-d', 'D1', 5, 24);
    await t.stock.reportBatch(d1, NOW.toISOString());
    await t.publisher.publish([
      domainEvent('StockReported', {
        version: 1,
        correlationId: 'c',
        cooperativeId: 'coop-d',
        batchId: 'D1',
        sku: SKU,
        quantity: 5,
        harvestedAt: d1.harvestedAt,
      }),
    ]);
    await t.drain();
    expect((await t.live(order.orderId)).map((a) => a.cooperativeId)).toEqual(['coop-d']);
    expect((await t.orders.get(order.orderId, true))?.status).toBe('allocated');
    await t.expectStockExact();
    expect(t.deadLetters).toEqual([]);
  });

  it('only the declined part is re-allocated: the order’s other allocations stay untouched', async () => {
    // No cooperative has 8 alone: the order is split 5 (coop-a) + 3 (coop-b).
    const t = await setup({
      coops: ['coop-a', 'coop-b', 'coop-c'],
      stock: [batch('coop-a', 'A1', 5, 21), batch('coop-b', 'B1', 5, 22), batch('coop-c', 'C1', 5, 23)],
    });
    const order = await t.ingest('SPLIT-1', 8);
    await t.drain();
    const before = await t.live(order.orderId);
    expect(before.map((a) => [a.cooperativeId, a.lines[0]?.quantity])).toEqual([
      ['coop-a', 5],
      ['coop-b', 3],
    ]);

    await t.decline(order.orderId, 'coop-a');
    await t.drain();
    const after = await t.live(order.orderId);
    // coop-b keeps its 3 (same item, same creation), coop-c takes the declined 5.
    expect(after.find((a) => a.cooperativeId === 'coop-b')).toEqual(
      before.find((a) => a.cooperativeId === 'coop-b'),
    );
    expect(after.find((a) => a.cooperativeId === 'coop-c')?.lines).toEqual([
      { sku: SKU, batchId: 'C1', quantity: 5 },
    ]);
    expect(after).toHaveLength(2);
    expect((await t.orders.get(order.orderId, true))?.status).toBe('allocated');
    // The re-allocation message asked for the 5 only.
    const requests = t.of('OrderReceived').filter((e) => e.reallocation);
    expect(requests.map((r) => r.lines)).toEqual([[{ sku: SKU, quantity: 5 }]]);
    expect([
      await t.available('coop-a', 'A1'),
      await t.available('coop-b', 'B1'),
      await t.available('coop-c', 'C1'),
    ]).toEqual([5, 2, 0]);
    await t.expectStockExact();
  });

  it('is idempotent: a repeated decline and redelivered events change nothing; releasing another way answers already released; unknown is not found', async () => {
    const t = await setup({
      coops: ['coop-a', 'coop-b'],
      stock: [batch('coop-a', 'A1', 10, 21), batch('coop-b', 'B1', 10, 22)],
    });
    const order = await t.ingest('REDELIVER-DECLINE', 4);
    await t.drain();
    await t.decline(order.orderId, 'coop-a');
    await t.drain();
    const settled = await t.allocationsOf(order.orderId);
    const versions = (await t.orders.get(order.orderId, true))?.version;

    // The cooperative (or its HTTP client) sends the same decline again.
    const again = await t.decline(order.orderId, 'coop-a');
    expect(again.kind).toBe('duplicate');
    // Every event of the first decline is delivered again.
    const replay = t.published.filter(
      (e) =>
        e.detailType === 'AllocationReleased' ||
        (e.detailType === 'OrderReceived' && (e.detail as { reallocation?: unknown }).reallocation),
    );
    for (const event of replay) await t.deliverNow(event);
    await t.drain();

    expect(await t.allocationsOf(order.orderId)).toEqual(settled);
    expect((await t.orders.get(order.orderId, true))?.version).toBe(versions);
    expect([await t.available('coop-a', 'A1'), await t.available('coop-b', 'B1')]).toEqual([10, 6]);
    await t.expectStockExact();

    // Released by a cancel, then declined: already released (409 at the edge), nothing moves.
    await t.deliverNow(t.cancel(order.orderId));
    await t.drain();
    const late = await t.decline(order.orderId, 'coop-b');
    expect(late.kind).toBe('already_released');
    expect(late.kind === 'already_released' && late.allocation.releaseReason).toBe('buyer cancelled');
    expect(await t.decline(order.orderId, 'coop-zzz')).toEqual({ kind: 'not_found' });
    expect(await t.decline('ord_AAAAAAAAAAAAAAAAAAAAAA', 'coop-a')).toEqual({ kind: 'not_found' });
    expect([await t.available('coop-a', 'A1'), await t.available('coop-b', 'B1')]).toEqual([10, 10]);
    await t.expectStockExact();
    expect(t.deadLetters).toEqual([]);
  });

  it('races a cancel of the same order: the order ends cancelled and every unit is released exactly once', async () => {
    const t = await setup({
      coops: ['coop-a', 'coop-b', 'coop-c'],
      stock: [batch('coop-a', 'A1', 20, 21), batch('coop-b', 'B1', 20, 22), batch('coop-c', 'C1', 20, 23)],
    });
    const orders = [];
    for (let i = 0; i < 6; i++) orders.push(await t.ingest(`RACE-${i}`, 2 + (i % 3)));
    await t.drain();
    await Promise.all(
      orders.flatMap((o) => [t.decline(o.orderId, 'coop-a'), t.deliverNow(t.cancel(o.orderId))]),
    );
    await t.drain();
    for (const o of orders) {
      const stored = await t.orders.get(o.orderId, true);
      expect(stored?.status).toBe('cancelled');
      expect(await t.live(o.orderId)).toEqual([]);
    }
    expect([
      await t.available('coop-a', 'A1'),
      await t.available('coop-b', 'B1'),
      await t.available('coop-c', 'C1'),
    ]).toEqual([20, 20, 20]);
    await t.expectStockExact();
    // Each released allocation was announced once per release (book-pickup's cue).
    const releasedIds = t.of('AllocationReleased').map((r) => `${r.allocationId}:${r.reason}`);
    expect(new Set(releasedIds).size).toBe(releasedIds.length);
    expect(t.deadLetters).toEqual([]);
  });
});

describe('a growing-area code suspended mid-season', () => {
  const JP = { export: { market: 'JP' as const, exporterId: 'EXP-KINHBAC-01' } };

  async function suspendedSetup(withAlternative: boolean) {
    const t = await setup({
      coops: ['coop-a', 'coop-b'],
      codes: [code('coop-a', 'VN-BG-JP-001'), code('coop-b', 'VN-BG-JP-002')],
      stock: [
        batch('coop-a', 'A1', 20, 21, { JP: 'VN-BG-JP-001' }),
        ...(withAlternative ? [batch('coop-b', 'B1', 20, 22, { JP: 'VN-BG-JP-002' })] : []),
      ],
    });
    const exportOrders = [await t.ingest('JP-1', 2, JP), await t.ingest('JP-2', 3, JP)];
    const domestic = await t.ingest('DOM-1', 4);
    await t.drain();
    for (const o of [...exportOrders, domestic])
      expect((await t.live(o.orderId)).map((a) => a.cooperativeId)).toEqual(['coop-a']);
    const suspended = await t.growingAreas.suspend({
      market: 'JP',
      code: 'VN-BG-JP-001',
      reason: 'MRL residue found by the plant protection department',
      effectiveFrom: TODAY,
      now: NOW.toISOString(),
    });
    expect(suspended.kind).toBe('suspended');
    const event = domainEvent('GrowingAreaSuspended', {
      version: 1,
      correlationId: 'c',
      code: 'VN-BG-JP-001',
      market: 'JP',
      cooperativeId: 'coop-a',
      reason: 'MRL residue',
      effectiveFrom: TODAY,
    });
    return { t, exportOrders, domestic, event };
  }

  it('moves the open export allocations under the code to a batch under a valid code; domestic ones stay; new orders do not use the code; a redelivery moves nothing twice', async () => {
    const { t, exportOrders, domestic, event } = await suspendedSetup(true);
    // The code is stored suspended; the allocation consumer cached it as valid a moment ago
    // (before the event moves anything): the reservation's own check keeps a new order off it.
    const fresh = await t.ingest('JP-3', 1, JP);
    await t.drain();
    expect((await t.live(fresh.orderId)).map((a) => a.cooperativeId)).toEqual(['coop-b']);

    const domesticBefore = await t.live(domestic.orderId);
    await t.publisher.publish([event]);
    await t.drain();

    for (const o of exportOrders) {
      const all = await t.allocationsOf(o.orderId);
      expect(all.find((a) => a.cooperativeId === 'coop-a')).toMatchObject({
        status: 'released',
        releaseReason: 'growing_area_suspended: VN-BG-JP-001',
      });
      expect((await t.live(o.orderId)).map((a) => [a.cooperativeId, a.lines[0]?.batchId])).toEqual([
        ['coop-b', 'B1'],
      ]);
      expect((await t.orders.get(o.orderId, true))?.status).toBe('allocated');
    }
    expect(await t.live(domestic.orderId)).toEqual(domesticBefore);
    expect(
      t
        .of('AllocationReleased')
        .map((r) => r.reason)
        .sort(),
    ).toEqual(['growing_area_suspended: VN-BG-JP-001', 'growing_area_suspended: VN-BG-JP-001']);
    expect(await t.available('coop-a', 'A1')).toBe(20 - 4);
    expect(await t.available('coop-b', 'B1')).toBe(20 - 6);
    await t.expectStockExact();

    const snapshot = await Promise.all(exportOrders.map((o) => t.allocationsOf(o.orderId)));
    await t.deliverNow(event);
    await t.drain();
    expect(await Promise.all(exportOrders.map((o) => t.allocationsOf(o.orderId)))).toEqual(snapshot);
    await t.expectStockExact();
    const puc = await t.get(cooperativePk('coop-a'), pucSk('JP', 'VN-BG-JP-001'));
    expect(puc).toMatchObject({ status: 'suspended', suspendedFrom: TODAY });
    expect(t.deadLetters).toEqual([]);
  });

  it('with no batch under a valid code, the moved export orders become backorders and their stock is back', async () => {
    const { t, exportOrders, domestic, event } = await suspendedSetup(false);
    await t.publisher.publish([event]);
    await t.drain();
    for (const o of exportOrders) {
      expect(await t.live(o.orderId)).toEqual([]);
      const stored = await t.orders.get(o.orderId, true);
      expect(stored?.status).toBe('backordered');
      expect(stored?.statusReason).toMatch(/no valid growing area code|no eligible stock/);
    }
    expect((await t.live(domestic.orderId)).map((a) => a.cooperativeId)).toEqual(['coop-a']);
    expect(await t.available('coop-a', 'A1')).toBe(20 - 4);
    await t.expectStockExact();

    // A backordered re-allocation is cancelled cleanly (nothing held, backorder items gone).
    await t.deliverNow(t.cancel(exportOrders[0]?.orderId ?? ''));
    await t.drain();
    expect((await t.orders.get(exportOrders[0]?.orderId ?? '', true))?.status).toBe('cancelled');
    await t.expectStockExact();
    expect(t.deadLetters).toEqual([]);
  });
});

describe('a release whose events were lost (the process died after the transaction)', () => {
  const failingBus = {
    async publish(): Promise<void> {
      throw new Error('bus unavailable');
    },
  };

  it('a repeated decline publishes them again and the order is re-allocated', async () => {
    const t = await setup({
      coops: ['coop-a', 'coop-b'],
      stock: [batch('coop-a', 'A1', 10, 21), batch('coop-b', 'B1', 10, 22)],
    });
    const order = await t.ingest('LOST-DECLINE', 2);
    await t.drain();
    const dying = buildReallocator({ lifecycle: t.lifecycle, publisher: failingBus, logger: silent });
    await expect(
      dying({
        orderId: order.orderId,
        cooperativeId: 'coop-a',
        reason: 'declined: storm',
        exclude: true,
        sameRelease: (r) => r.startsWith('declined'),
      }),
    ).rejects.toThrow('bus unavailable');
    expect((await t.orders.get(order.orderId, true))?.status).toBe('reallocating');

    expect((await t.decline(order.orderId, 'coop-a', 'storm')).kind).toBe('duplicate');
    await t.drain();
    expect((await t.live(order.orderId)).map((a) => a.cooperativeId)).toEqual(['coop-b']);
    expect((await t.orders.get(order.orderId, true))?.status).toBe('allocated');
    await t.expectStockExact();
  });

  it('a redelivered GrowingAreaSuspended publishes them again and the export order moves', async () => {
    const t = await setup({
      coops: ['coop-a', 'coop-b'],
      codes: [code('coop-a', 'VN-BG-JP-001'), code('coop-b', 'VN-BG-JP-002')],
      stock: [
        batch('coop-a', 'A1', 10, 21, { JP: 'VN-BG-JP-001' }),
        batch('coop-b', 'B1', 10, 22, { JP: 'VN-BG-JP-002' }),
      ],
    });
    const order = await t.ingest('LOST-SUSPEND', 2, {
      export: { market: 'JP', exporterId: 'EXP-KINHBAC-01' },
    });
    await t.drain();
    await t.growingAreas.suspend({
      market: 'JP',
      code: 'VN-BG-JP-001',
      reason: 'residue',
      effectiveFrom: TODAY,
      now: NOW.toISOString(),
    });
    const dying = buildReallocator({ lifecycle: t.lifecycle, publisher: failingBus, logger: silent });
    await expect(
      dying({
        orderId: order.orderId,
        cooperativeId: 'coop-a',
        reason: suspensionReleaseReason('VN-BG-JP-001'),
        exclude: false,
        sameRelease: (r) => r === suspensionReleaseReason('VN-BG-JP-001'),
      }),
    ).rejects.toThrow('bus unavailable');

    await t.deliverNow(
      domainEvent('GrowingAreaSuspended', {
        version: 1,
        correlationId: 'c',
        code: 'VN-BG-JP-001',
        market: 'JP',
        cooperativeId: 'coop-a',
        reason: 'residue',
        effectiveFrom: TODAY,
      }),
    );
    await t.drain();
    expect((await t.live(order.orderId)).map((a) => a.cooperativeId)).toEqual(['coop-b']);
    expect(t.of('AllocationReleased').map((r) => r.reason)).toEqual([
      suspensionReleaseReason('VN-BG-JP-001'),
    ]);
    await t.expectStockExact();
  });
});
