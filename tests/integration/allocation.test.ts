/**
 * allocate-order against the real DynamoDB Local (no mocks): F07 overselling (the last unit, and
 * 1,000 concurrent orders against 100 units), the idempotent consumer (a redelivered OrderReceived
 * allocates nothing twice and re-publishes OrderAllocated), F08 (a) read from the real
 * cancellation reasons, and F09 (undefined and empty attributes).
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, ScanCommand, type PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type BusEvent, type DomainEvent, EVENT_CATALOG } from '../../events/catalog.js';
import { buildAllocateOrderHandler } from '../../functions/allocate-order/allocate-order.js';
import { orderReceivedEvent } from '../../functions/ingest-http/ingest-http.js';
import {
  type AllocationRecord,
  AllocationStore,
  type ReservationOutcome,
} from '../../shared/adapters/dynamodb/allocation-store.js';
import { batchPutAll } from '../../shared/adapters/dynamodb/batch-write.js';
import { putCatalog } from '../../shared/adapters/dynamodb/catalog-store.js';
import { batchSk, cooperativePk, ORDER_SK, orderPk } from '../../shared/adapters/dynamodb/keys.js';
import { type OrderRecord, OrderStore } from '../../shared/adapters/dynamodb/order-store.js';
import type { EventPublisher } from '../../shared/adapters/event-publisher.js';
import type { DeadLetterPort } from '../../shared/adapters/sqs-consumer.js';
import type { Cooperative, GrowingAreaCode, StockBatch } from '../../shared/domain/cooperative.js';
import { normaliseOrder } from '../../shared/domain/normalise-order.js';
import type { RawOrder } from '../../shared/domain/order.js';
import { createLogger } from '../../shared/observability.js';
import { localClient } from '../../infra/local/dynamodb-local.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamodb.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const NOW = new Date('2026-06-18T01:00:00Z'); // 08:00 in Bắc Ninh: picked up the same day
const SKU = 'LYCHEE-LN-5KG';
const HARVESTED_AT = '2026-06-18T00:00:00.000Z';
const EXPIRES_AT = '2026-06-22T00:00:00.000Z'; // 4 days of ambient shelf life: fresh at delivery
const logger = createLogger('test', { logLevel: 'SILENT' });
const context = {
  functionName: 'allocate-order',
  awsRequestId: 'test-request',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

let dynamo: TestDynamo;

beforeAll(async () => {
  dynamo = await startTestDynamo();
}, 60_000);

afterAll(async () => {
  await dynamo?.stop();
}, 30_000);

// ------------------------------------------------------------------------------------------------
// Fixtures
// ------------------------------------------------------------------------------------------------

const cooperative = (cooperativeId: string, dailyCapacityUnits = 10_000): Cooperative => ({
  cooperativeId,
  name: `HTX vải thiều ${cooperativeId}`,
  kind: 'cooperative',
  provinceCode: '24',
  wardCode: '07420',
  wardName: 'Xã Lục Ngạn',
  dailyCapacityUnits,
  zaloUserId: `zalo-${cooperativeId}`,
  carrier: 'ghn',
});

const stockBatch = (
  cooperativeId: string,
  batchId: string,
  available: number,
  overrides: Partial<StockBatch> = {},
): StockBatch => ({
  cooperativeId,
  batchId,
  sku: SKU,
  harvestedAt: HARVESTED_AT,
  expiresAt: EXPIRES_AT,
  coldChain: false,
  quantity: available,
  available,
  growingAreaCodes: {},
  ...overrides,
});

const rawOrder = (externalId: string, overrides: Partial<RawOrder> = {}): RawOrder => ({
  channel: 'portal',
  seller: 'ghv-local',
  externalId,
  buyer: {
    name: 'Nguyễn Thị Hồng',
    phone: '0912 345 678',
    address: { street: 'Số 5 ngõ 2', ward: 'Phường Quế Võ', province: 'Tỉnh Bắc Ninh' },
  },
  lines: [{ sku: SKU, quantity: 1, unitPrice: 200_000 }],
  paymentMethod: 'cod',
  ...overrides,
});

/** A publisher port that validates each event against the catalog and keeps it in memory. */
function recordingPublisher(options: { failFirst?: number } = {}) {
  const events: DomainEvent[] = [];
  let failuresLeft = options.failFirst ?? 0;
  const publisher: EventPublisher = {
    async publish(batch) {
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new Error(
          'PutEvents to bus "harvest-bus" failed for 1 entries after 5 attempts: InternalFailure',
        );
      }
      for (const event of batch) EVENT_CATALOG[event.detailType].schema.parse(event.detail);
      events.push(...batch);
    },
  };
  const of = <T extends DomainEvent['detailType']>(type: T) =>
    events.filter((e) => e.detailType === type).map((e) => e.detail as DomainEvent<T>['detail']);
  return { publisher, events, of };
}

function recordingDeadLetter() {
  const sent: Array<{ messageId: string; reason: string }> = [];
  const port: DeadLetterPort = {
    async send(record, reason) {
      sent.push({ messageId: record.messageId, reason });
    },
  };
  return { port, sent };
}

interface Wiring {
  table: string;
  orders: OrderStore;
  allocations: AllocationStore;
}

async function freshWiring(): Promise<Wiring> {
  const table = await dynamo.freshTable();
  return {
    table,
    orders: new OrderStore(dynamo.doc, table),
    allocations: new AllocationStore(dynamo.doc, table),
  };
}

/** One handler instance: its own caches, as one Lambda execution environment has. */
function handlerInstance(
  w: Wiring,
  publisher: EventPublisher,
  options: { allocations?: AllocationStore; deadLetter?: DeadLetterPort } = {},
) {
  return buildAllocateOrderHandler({
    orders: w.orders,
    allocations: options.allocations ?? w.allocations,
    publisher,
    logger,
    deadLetter: options.deadLetter,
    maxReceiveCount: 5,
    now: () => NOW,
  });
}

async function saveOrder(w: Wiring, raw: RawOrder): Promise<OrderRecord> {
  const saved = await w.orders.saveNew(normaliseOrder(raw, NOW).order, 'received', {
    correlationId: `corr-${raw.externalId}`,
  });
  if (!saved.created) throw new Error(`order ${raw.externalId} already existed`);
  return saved.record;
}

/**
 * Many orders at once: OrderStore.saveNew builds its own order item, captured here and written
 * with BatchWrite (batchPutAll, 16 requests in flight) instead of one transaction per order. The
 * buyer contact item is left out: allocation never reads it (it is personal data, for booking).
 */
async function saveOrdersInBulk(w: Wiring, raws: RawOrder[]): Promise<OrderRecord[]> {
  const items: Array<Record<string, unknown>> = [];
  const capture = {
    async send(command: PutCommand) {
      if (command.input.Item?.type === 'order') items.push(command.input.Item);
      return {};
    },
  } as unknown as DynamoDBDocumentClient;
  const capturing = new OrderStore(capture, w.table);
  const records: OrderRecord[] = [];
  for (const raw of raws) {
    const saved = await capturing.saveNew(normaliseOrder(raw, NOW).order, 'received', {
      correlationId: `corr-${raw.externalId}`,
    });
    if (!saved.created) throw new Error(`order ${raw.externalId} not created`);
    records.push(saved.record);
  }
  await batchPutAll(dynamo.doc, w.table, items, { concurrency: 16 });
  return records;
}

/** The OrderReceived envelope EventBridge delivers to the allocation queue, as an SQS record. */
function orderReceivedRecord(order: OrderRecord, receiveCount = 1): SQSRecord {
  const event = orderReceivedEvent(order);
  const envelope: BusEvent<'OrderReceived'> = {
    version: '0',
    id: `evt-${order.orderId}`,
    'detail-type': 'OrderReceived',
    source: EVENT_CATALOG.OrderReceived.source,
    account: '000000000000',
    time: order.receivedAt,
    region: 'ap-southeast-1',
    resources: [],
    detail: event.detail as BusEvent<'OrderReceived'>['detail'],
  };
  return {
    messageId: `msg-${order.orderId}`,
    receiptHandle: `rh-${order.orderId}-${receiveCount}`,
    body: JSON.stringify(envelope),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(NOW.getTime()),
      SenderId: 'AROAEVENTBRIDGE',
      ApproximateFirstReceiveTimestamp: String(NOW.getTime()),
    },
    messageAttributes: {},
    md5OfBody: 'not-checked',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:ap-southeast-1:000000000000:allocation',
    awsRegion: 'ap-southeast-1',
  };
}

const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

async function scanAll(table: string): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamo.doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: startKey }));
    items.push(...((page.Items ?? []) as Array<Record<string, unknown>>));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

async function stockItem(w: Wiring, cooperativeId: string, batchId: string) {
  const result = await dynamo.doc.send(
    new GetCommand({
      TableName: w.table,
      Key: { pk: cooperativePk(cooperativeId), sk: batchSk(SKU, batchId) },
    }),
  );
  return result.Item as (StockBatch & { reserved: number }) | undefined;
}

/** A gate every reservation waits at until `n` have arrived: forces concurrent plans to race. */
function barrier(n: number) {
  let arrived = 0;
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    async wait() {
      arrived++;
      if (arrived >= n) open();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`only ${arrived} of ${n} reservations reached the gate`)),
          10_000,
        );
      });
      try {
        await Promise.race([opened, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    get arrived() {
      return arrived;
    },
  };
}

/** The real AllocationStore, made to wait at a barrier before reserving and to record outcomes. */
class GatedAllocationStore extends AllocationStore {
  constructor(
    doc: DynamoDBDocumentClient,
    table: string,
    private readonly gate: ReturnType<typeof barrier>,
    private readonly outcomes: ReservationOutcome[],
  ) {
    super(doc, table);
  }

  override async reserve(input: Parameters<AllocationStore['reserve']>[0]): Promise<ReservationOutcome> {
    await this.gate.wait();
    const outcome = await super.reserve(input);
    this.outcomes.push(outcome);
    return outcome;
  }
}

const allocationItems = (items: Array<Record<string, unknown>>) =>
  items.filter((i) => i.type === 'allocation') as unknown as AllocationRecord[];
const orderItems = (items: Array<Record<string, unknown>>) =>
  items.filter((i) => i.type === 'order') as unknown as OrderRecord[];

// ------------------------------------------------------------------------------------------------
// F07
// ------------------------------------------------------------------------------------------------

describe('allocate-order on DynamoDB Local: F07 overselling', () => {
  type Race = (
    w: Wiring,
    publisher: EventPublisher,
    orders: [OrderRecord, OrderRecord],
    gate: ReturnType<typeof barrier>,
    outcomes: ReservationOutcome[],
  ) => Promise<SQSBatchResponse[]>;

  const gated = (w: Wiring, gate: ReturnType<typeof barrier>, outcomes: ReservationOutcome[]) =>
    new GatedAllocationStore(dynamo.doc, w.table, gate, outcomes);

  const races: Array<[string, Race]> = [
    [
      'two handler instances (independent caches), one invocation each, concurrently',
      (w, publisher, [a, b], gate, outcomes) => {
        const first = handlerInstance(w, publisher, { allocations: gated(w, gate, outcomes) });
        const second = handlerInstance(w, publisher, { allocations: gated(w, gate, outcomes) });
        return Promise.all([
          first(sqsEvent(orderReceivedRecord(a)), context),
          second(sqsEvent(orderReceivedRecord(b)), context),
        ]);
      },
    ],
    [
      'one handler instance (shared cache), two concurrent invocations',
      (w, publisher, [a, b], gate, outcomes) => {
        const handler = handlerInstance(w, publisher, { allocations: gated(w, gate, outcomes) });
        return Promise.all([
          handler(sqsEvent(orderReceivedRecord(a)), context),
          handler(sqsEvent(orderReceivedRecord(b)), context),
        ]);
      },
    ],
    [
      'one handler instance, both orders in one batch processed in parallel',
      async (w, publisher, [a, b], gate, outcomes) => {
        const handler = handlerInstance(w, publisher, { allocations: gated(w, gate, outcomes) });
        return [await handler(sqsEvent(orderReceivedRecord(a), orderReceivedRecord(b)), context)];
      },
    ],
  ];

  it.each(races)(
    'F07 overselling the last unit: %s → one allocated, one backordered, never negative',
    async (_, race) => {
      const w = await freshWiring();
      // 20 boxes harvested, 19 already reserved: 1 box left at the only eligible cooperative.
      await putCatalog(dynamo.doc, w.table, {
        cooperatives: [cooperative('coop-only')],
        growingAreaCodes: [],
        stockBatches: [stockBatch('coop-only', 'B-LAST', 1, { quantity: 20 })],
      });
      const a = await saveOrder(w, rawOrder('LAST-A'));
      const b = await saveOrder(w, rawOrder('LAST-B'));
      const { publisher, of } = recordingPublisher();
      const gate = barrier(2);
      const outcomes: ReservationOutcome[] = [];

      const responses = await race(w, publisher, [a, b], gate, outcomes);

      expect(responses.every((r) => r.batchItemFailures.length === 0)).toBe(true);
      // Both planned from "1 left" and both tried to reserve it: the race really happened.
      expect(gate.arrived).toBe(2);
      const kinds = outcomes.map((o) => o.kind).sort();
      expect(kinds).toEqual(['reserved', 'stale']);
      // F08 (a) on the real cancellation reasons: the batch is named, with available 0 from ALL_OLD.
      expect(outcomes.find((o) => o.kind === 'stale')).toEqual({
        kind: 'stale',
        batches: [{ cooperativeId: 'coop-only', batchId: 'B-LAST', sku: SKU, available: 0 }],
        fullCooperatives: [],
      });

      const statuses = [(await w.orders.get(a.orderId))?.status, (await w.orders.get(b.orderId))?.status];
      expect([...statuses].sort()).toEqual(['allocated', 'backordered']);
      const winner = statuses[0] === 'allocated' ? a : b;
      const loser = winner === a ? b : a;

      const batch = await stockItem(w, 'coop-only', 'B-LAST');
      expect(batch?.available).toBe(0);
      expect(batch?.reserved).toBe(20);

      const items = await scanAll(w.table);
      const allocations = allocationItems(items);
      expect(allocations).toHaveLength(1);
      expect(allocations[0]).toMatchObject({
        orderId: winner.orderId,
        cooperativeId: 'coop-only',
        lines: [{ sku: SKU, batchId: 'B-LAST', quantity: 1 }],
        status: 'reserved',
        pickupDate: '2026-06-18',
      });
      const lost = await w.orders.get(loser.orderId);
      expect(lost?.backorderedLines).toEqual([{ sku: SKU, quantity: 1 }]);
      expect(lost?.statusReason).toMatch(/1 × LYCHEE-LN-5KG unfilled/);

      expect(of('OrderAllocated').map((e) => e.orderId)).toEqual([winner.orderId]);
      expect(of('OrderBackordered').map((e) => e.orderId)).toEqual([loser.orderId]);
    },
    20_000,
  );
});

// ------------------------------------------------------------------------------------------------
// Idempotent consumer
// ------------------------------------------------------------------------------------------------

describe('allocate-order on DynamoDB Local: idempotent consumer', () => {
  async function allocatedOrder() {
    const w = await freshWiring();
    await putCatalog(dynamo.doc, w.table, {
      cooperatives: [cooperative('coop-a')],
      growingAreaCodes: [],
      stockBatches: [stockBatch('coop-a', 'A-1', 10)],
    });
    const order = await saveOrder(
      w,
      rawOrder('REDELIVER-1', { lines: [{ sku: SKU, quantity: 3, unitPrice: 200_000 }] }),
    );
    return { w, order };
  }

  it('a redelivered OrderReceived for an allocated order creates no second allocation and re-publishes OrderAllocated', async () => {
    const { w, order } = await allocatedOrder();
    const { publisher, of } = recordingPublisher();
    const handler = handlerInstance(w, publisher);

    expect(await handler(sqsEvent(orderReceivedRecord(order)), context)).toEqual({ batchItemFailures: [] });
    const afterFirst = await w.orders.get(order.orderId);
    expect(afterFirst?.status).toBe('allocated');

    // The same message again, to the same instance and to a cold one.
    expect(await handler(sqsEvent(orderReceivedRecord(order, 2)), context)).toEqual({
      batchItemFailures: [],
    });
    const cold = handlerInstance(w, publisher);
    expect(await cold(sqsEvent(orderReceivedRecord(order, 3)), context)).toEqual({ batchItemFailures: [] });

    const allocations = allocationItems(await scanAll(w.table));
    expect(allocations).toHaveLength(1);
    expect((await stockItem(w, 'coop-a', 'A-1'))?.available).toBe(7);
    expect(await w.orders.get(order.orderId)).toEqual(afterFirst);

    const published = of('OrderAllocated');
    expect(published).toHaveLength(3);
    expect(new Set(published.map((e) => e.allocationId))).toEqual(new Set([`${order.orderId}.coop-a`]));
    expect(published[1]).toEqual(published[0]);
    expect(published[2]).toEqual(published[0]);
    expect(of('OrderBackordered')).toEqual([]);
  });

  it('an OrderReceived without the order version (published before it carried one) reads the order and allocates once', async () => {
    const { w, order } = await allocatedOrder();
    const { publisher, of } = recordingPublisher();
    const handler = handlerInstance(w, publisher);
    const withoutVersion = (receiveCount: number) => {
      const record = orderReceivedRecord(order, receiveCount);
      const envelope = JSON.parse(record.body) as { detail: Record<string, unknown> };
      delete envelope.detail.orderVersion;
      return { ...record, body: JSON.stringify(envelope) };
    };

    expect(await handler(sqsEvent(withoutVersion(1)), context)).toEqual({ batchItemFailures: [] });
    expect(await handler(sqsEvent(withoutVersion(2)), context)).toEqual({ batchItemFailures: [] });

    expect((await w.orders.get(order.orderId))?.status).toBe('allocated');
    expect(allocationItems(await scanAll(w.table))).toHaveLength(1);
    expect((await stockItem(w, 'coop-a', 'A-1'))?.available).toBe(7);
    expect(of('OrderAllocated')).toHaveLength(2);
  });

  it('reserved but died before publishing: the redelivery publishes OrderAllocated without reserving again', async () => {
    const { w, order } = await allocatedOrder();
    const { publisher, of } = recordingPublisher({ failFirst: 1 });
    const handler = handlerInstance(w, publisher);

    // First delivery: the reservation commits, then publishing fails → the record fails.
    await expect(handler(sqsEvent(orderReceivedRecord(order)), context)).rejects.toThrow(
      /All records failed/,
    );
    expect((await w.orders.get(order.orderId))?.status).toBe('allocated');
    expect(of('OrderAllocated')).toEqual([]);

    const response = await handler(sqsEvent(orderReceivedRecord(order, 2)), context);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(of('OrderAllocated').map((e) => e.orderId)).toEqual([order.orderId]);
    expect(allocationItems(await scanAll(w.table))).toHaveLength(1);
    expect((await stockItem(w, 'coop-a', 'A-1'))?.available).toBe(7);
  });

  it('a redelivered OrderReceived for a backordered order changes nothing', async () => {
    const w = await freshWiring();
    await putCatalog(dynamo.doc, w.table, {
      cooperatives: [cooperative('coop-a')],
      growingAreaCodes: [],
      stockBatches: [stockBatch('coop-a', 'A-1', 0, { quantity: 5 })],
    });
    const order = await saveOrder(w, rawOrder('REDELIVER-2'));
    const { publisher, of } = recordingPublisher();
    const handler = handlerInstance(w, publisher);
    await handler(sqsEvent(orderReceivedRecord(order)), context);
    const afterFirst = await w.orders.get(order.orderId);
    expect(afterFirst?.status).toBe('backordered');
    expect(of('OrderBackordered')).toHaveLength(1);

    expect(await handler(sqsEvent(orderReceivedRecord(order, 2)), context)).toEqual({
      batchItemFailures: [],
    });
    expect(await w.orders.get(order.orderId)).toEqual(afterFirst);
    expect(allocationItems(await scanAll(w.table))).toEqual([]);
    expect(of('OrderAllocated')).toEqual([]);
  });
});

// ------------------------------------------------------------------------------------------------
// F09
// ------------------------------------------------------------------------------------------------

describe('allocate-order on DynamoDB Local: F09 undefined and empty attributes', () => {
  const GSI_KEYS = ['gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk'];

  it('F09 undefined and empty attributes: an order with no note and no export saves and allocates; no index key is empty', async () => {
    const w = await freshWiring();
    const jpCode: GrowingAreaCode = {
      code: 'VN-BGJP-0101',
      market: 'JP',
      cooperativeId: 'coop-a',
      areaHa: 12.5,
      packingHouseCode: 'VN-BGPH-001',
      validFrom: '2026-01-01',
      validTo: '2026-12-31',
      status: 'active',
    };
    await putCatalog(dynamo.doc, w.table, {
      cooperatives: [cooperative('coop-a')],
      growingAreaCodes: [jpCode],
      stockBatches: [stockBatch('coop-a', 'A-1', 10, { growingAreaCodes: { JP: jpCode.code } })],
    });

    // No note, no export, no street: undefined everywhere the document client must drop it.
    const bare = await saveOrder(
      w,
      rawOrder('F09-BARE', {
        buyer: {
          name: 'Trần Văn An',
          phone: '0912 345 678',
          address: { ward: 'Phường Quế Võ', province: 'Tỉnh Bắc Ninh' },
        },
      }),
    );
    const emptyNote = await saveOrder(w, rawOrder('F09-EMPTY-NOTE', { note: '' }));
    const withNote = await saveOrder(w, rawOrder('F09-NOTE', { note: 'Giao trước 17h' }));
    const exportOrder = await saveOrder(
      w,
      rawOrder('F09-EXPORT', { export: { market: 'JP', exporterId: 'EXP-KINHBAC-01' } }),
    );

    const { publisher, of } = recordingPublisher();
    const handler = handlerInstance(w, publisher);
    const response = await handler(
      sqsEvent(...[bare, emptyNote, withNote, exportOrder].map((o) => orderReceivedRecord(o))),
      context,
    );
    expect(response).toEqual({ batchItemFailures: [] });
    for (const o of [bare, emptyNote, withNote, exportOrder]) {
      expect((await w.orders.get(o.orderId))?.status).toBe('allocated');
    }
    expect(of('OrderAllocated')).toHaveLength(4);

    // Stored as DynamoDB holds it (low-level): no `note`, no `export`, no `street` attribute at all.
    const raw = async (pk: string, sk: string) =>
      (
        await dynamo.client.send(
          new GetItemCommand({ TableName: w.table, Key: { pk: { S: pk }, sk: { S: sk } } }),
        )
      ).Item ?? {};
    const bareOrder = await raw(orderPk(bare.orderId), ORDER_SK);
    expect(bareOrder.orderId).toEqual({ S: bare.orderId });
    expect(Object.keys(bareOrder)).not.toContain('note');
    expect(Object.keys(bareOrder)).not.toContain('export');
    expect(Object.keys(bareOrder)).not.toContain('rejectReasons');
    expect(Object.keys(await raw(orderPk(emptyNote.orderId), ORDER_SK))).not.toContain('note');
    expect((await raw(orderPk(withNote.orderId), ORDER_SK)).note).toEqual({ S: 'Giao trước 17h' });
    const bareContact = await raw(orderPk(bare.orderId), 'CONTACT');
    expect(bareContact.name).toEqual({ S: 'Trần Văn An' });
    expect(Object.keys(bareContact)).not.toContain('street');
    expect(Object.keys(bareContact)).not.toContain('legacyAddress');
    const exportStored = await raw(orderPk(exportOrder.orderId), ORDER_SK);
    expect(exportStored.export?.M).toEqual({ market: { S: 'JP' }, exporterId: { S: 'EXP-KINHBAC-01' } });

    // A domestic allocation carries no market/exporter attribute; the export one carries both.
    const allocations = allocationItems(await scanAll(w.table));
    const bareAllocation = allocations.find((a) => a.orderId === bare.orderId) as unknown as Record<
      string,
      unknown
    >;
    expect(bareAllocation).toBeDefined();
    expect(Object.keys(bareAllocation)).not.toContain('market');
    expect(Object.keys(bareAllocation)).not.toContain('exporterId');
    expect(allocations.find((a) => a.orderId === exportOrder.orderId)).toMatchObject({
      market: 'JP',
      exporterId: 'EXP-KINHBAC-01',
    });

    // No index key attribute is an empty string (or anything but a non-empty string) on any item.
    const items = await scanAll(w.table);
    expect(new Set(items.map((i) => i.type))).toEqual(
      new Set(['order', 'contact', 'cooperative', 'growing-area', 'stock-batch', 'allocation', 'capacity']),
    );
    const badKeys = items.flatMap((item) =>
      [...GSI_KEYS, 'pk', 'sk']
        .filter((k) => k in item && (typeof item[k] !== 'string' || (item[k] as string).trim() === ''))
        .map((k) => `${String(item.pk)}/${String(item.sk)}: ${k}=${JSON.stringify(item[k])}`),
    );
    expect(badKeys).toEqual([]);
  });

  it('F09 the removal of undefined values is configured on purpose: a plain document client refuses an order with nested undefined values', async () => {
    const w = await freshWiring();
    // Its own low-level client: DynamoDBDocumentClient.from() writes its translateConfig into the
    // client's shared config, so wrapping dynamo.client would reconfigure dynamo.doc too.
    const base = localClient(dynamo.endpoint);
    const plain = DynamoDBDocumentClient.from(base);
    // No ward found: destination.wardCode/wardName are undefined inside a map (the SDK drops
    // undefined top-level attributes by itself; nested ones need removeUndefinedValues).
    const order = normaliseOrder(
      rawOrder('F09-PLAIN', {
        buyer: { name: 'Lê Thị Mai', phone: '0912 345 678', address: { province: 'Tỉnh Bắc Ninh' } },
      }),
      NOW,
    ).order;
    expect(order.note).toBeUndefined();
    expect('wardCode' in order.destination && order.destination.wardCode === undefined).toBe(true);
    await expect(
      new OrderStore(plain, w.table).saveNew(order, 'received', { correlationId: 'corr-plain' }),
    ).rejects.toThrow(/removeUndefinedValues/);
    base.destroy();
    await expect(w.orders.saveNew(order, 'received', { correlationId: 'corr-plain' })).resolves.toMatchObject(
      {
        created: true,
      },
    );
    const stored = await dynamo.client.send(
      new GetItemCommand({
        TableName: w.table,
        Key: { pk: { S: orderPk(order.orderId) }, sk: { S: ORDER_SK } },
      }),
    );
    expect(Object.keys(stored.Item?.destination?.M ?? {}).sort()).toEqual([
      'provinceCode',
      'provinceName',
      'resolution',
      'scheme',
    ]);
    expect(Object.keys(stored.Item ?? {})).not.toContain('note');
  });
});

// ------------------------------------------------------------------------------------------------
// F07 at scale (last: DynamoDB Local's JVM is warm by now)
// ------------------------------------------------------------------------------------------------

describe('allocate-order on DynamoDB Local: F07 at scale', () => {
  it('F07 overselling at scale: 1,000 concurrent orders against 100 units', async () => {
    const w = await freshWiring();
    const batches = [
      stockBatch('coop-a', 'A-1', 40, { expiresAt: '2026-06-21T00:00:00.000Z' }),
      stockBatch('coop-b', 'B-1', 35, { expiresAt: '2026-06-21T12:00:00.000Z' }),
      stockBatch('coop-c', 'C-1', 25, { expiresAt: '2026-06-22T00:00:00.000Z' }),
    ];
    await putCatalog(dynamo.doc, w.table, {
      cooperatives: [cooperative('coop-a'), cooperative('coop-b'), cooperative('coop-c')],
      growingAreaCodes: [],
      stockBatches: batches,
    });

    const started = Date.now();
    const orders = await saveOrdersInBulk(
      w,
      Array.from({ length: 1_000 }, (_, i) => rawOrder(`SCALE-${String(i).padStart(4, '0')}`)),
    );
    const savedAt = Date.now();
    expect(await w.orders.get(orders[999]!.orderId)).toEqual({
      ...orders[999],
      type: 'order',
    });

    // An SQS-like driver: batches of 10, several handler instances pulling concurrently, each
    // running one invocation at a time; failed records (partial or whole batch) are redelivered.
    const { publisher, of } = recordingPublisher();
    const dlq = recordingDeadLetter();
    const instances = Array.from({ length: 5 }, () =>
      handlerInstance(w, publisher, { deadLetter: dlq.port }),
    );
    const queue: SQSRecord[] = orders.map((o) => orderReceivedRecord(o));
    const byMessageId = new Map(orders.map((o) => [`msg-${o.orderId}`, o]));
    const receives = new Map<string, number>(orders.map((o) => [`msg-${o.orderId}`, 1]));
    let redeliveries = 0;
    const redeliver = (records: SQSRecord[]) => {
      for (const record of records) {
        const count = (receives.get(record.messageId) ?? 1) + 1;
        receives.set(record.messageId, count);
        redeliveries++;
        queue.push(orderReceivedRecord(byMessageId.get(record.messageId)!, count));
      }
    };
    let inFlight = 0;
    await Promise.all(
      instances.map(async (consume) => {
        for (;;) {
          const batch = queue.splice(0, 10);
          if (batch.length === 0) {
            if (inFlight === 0) return;
            await new Promise((r) => setTimeout(r, 5));
            continue;
          }
          inFlight++;
          try {
            const response = await consume(sqsEvent(...batch), context);
            const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
            redeliver(batch.filter((r) => failed.has(r.messageId)));
          } catch {
            redeliver(batch); // the whole batch failed: SQS redelivers all of it
          } finally {
            inFlight--;
          }
        }
      }),
    );
    const allocatedAt = Date.now();

    const items = await scanAll(w.table);
    const allocations = allocationItems(items);
    const unitsAllocated = allocations.flatMap((a) => a.lines).reduce((sum, l) => sum + l.quantity, 0);
    expect(unitsAllocated).toBe(100);
    expect(allocations).toHaveLength(100);

    for (const b of batches) {
      const stored = await stockItem(w, b.cooperativeId, b.batchId);
      expect(stored?.available).toBeGreaterThanOrEqual(0);
      expect(stored?.available).toBe(0);
      expect(stored?.reserved).toBe(b.quantity);
      const fromAllocations = allocations
        .flatMap((a) => a.lines)
        .filter((l) => l.batchId === b.batchId)
        .reduce((sum, l) => sum + l.quantity, 0);
      expect(fromAllocations).toBe(b.quantity);
    }

    // Every order in exactly one settled state, consistent with the allocation items.
    const stored = orderItems(items);
    expect(stored).toHaveLength(1_000);
    const byStatus = new Map<string, string[]>();
    for (const o of stored) byStatus.set(o.status, [...(byStatus.get(o.status) ?? []), o.orderId]);
    expect(Object.fromEntries([...byStatus].map(([s, ids]) => [s, ids.length]))).toEqual({
      allocated: 100,
      backordered: 900,
    });
    const allocatedIds = new Set(byStatus.get('allocated'));
    expect(new Set(allocations.map((a) => a.orderId))).toEqual(allocatedIds);
    for (const o of stored) expect(o.version).toBe(2);

    // One event per order, matching its state; nothing in the DLQ.
    const published = of('OrderAllocated').map((e) => e.orderId);
    expect(new Set(published).size).toBe(published.length);
    expect(new Set(published)).toEqual(allocatedIds);
    const backordered = of('OrderBackordered').map((e) => e.orderId);
    expect(new Set(backordered).size).toBe(900);
    expect(backordered).toHaveLength(900);
    expect(dlq.sent).toEqual([]);

    // Capacity per cooperative and day matches what was reserved there.
    for (const coop of ['coop-a', 'coop-b', 'coop-c']) {
      const capacity = items.find((i) => i.pk === cooperativePk(coop) && i.sk === 'CAPACITY#2026-06-18');
      const units = allocations.filter((a) => a.cooperativeId === coop).length;
      expect(capacity?.used).toBe(units);
    }

    console.info(
      `F07 at scale: saved 1,000 orders in ${savedAt - started} ms, allocated in ${allocatedAt - savedAt} ms, ${redeliveries} redeliveries`,
    );
  }, 60_000);
});
