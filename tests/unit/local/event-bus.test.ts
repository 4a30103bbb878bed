import type { BusEvent } from '../../../events/catalog.js';
import { SOURCES } from '../../../events/catalog.js';
import {
  type DeliveryFailure,
  LocalEventBus,
  type PutEventsEntry,
  PutEventsValidationError,
  queueTarget,
} from '../../../infra/local/event-bus.js';
import type { EventPattern } from '../../../infra/local/event-pattern.js';
import { LocalQueue } from '../../../infra/local/queue.js';

/** Rules shaped like the topology's (fixed here so the bus is tested independently of it). */
const RULES: Array<{ name: string; pattern: EventPattern; target: string }> = [
  {
    name: 'OrdersToAllocation',
    pattern: { source: [SOURCES.orders], 'detail-type': ['OrderReceived', 'OrderCancelled'] },
    target: 'allocation',
  },
  {
    name: 'AllocationsToPickup',
    pattern: { source: [SOURCES.orders], 'detail-type': ['OrderAllocated'] },
    target: 'pickup',
  },
  {
    name: 'AllocationsToNotify',
    pattern: { source: [SOURCES.orders], 'detail-type': ['OrderAllocated'] },
    target: 'notify',
  },
  {
    name: 'ExportAllocationsToLots',
    pattern: {
      $or: [
        {
          source: [SOURCES.orders],
          'detail-type': ['OrderAllocated'],
          detail: { market: [{ exists: true }] },
        },
        {
          source: [SOURCES.logistics],
          'detail-type': ['PickupBooked'],
          detail: { market: [{ exists: true }] },
        },
      ],
    },
    target: 'lot',
  },
];

const allocated = (market?: string) => ({
  version: 1,
  correlationId: 'corr-1',
  orderId: 'ord-1',
  allocationId: 'alloc-1',
  cooperativeId: 'coop-luc-ngan',
  lines: [{ sku: 'VAI-THIEU-5KG', quantity: 2, batchId: 'b-1' }],
  pickupDate: '2026-06-12',
  receivedAt: '2026-06-11T08:00:00+07:00',
  ...(market === undefined ? {} : { market }),
});

/** A bus with those rules, each target recording what it receives. */
function topologyBus(options: { archiveSize?: number } = {}) {
  const received: Record<string, BusEvent[]> = {};
  const bus = new LocalEventBus({
    name: 'harvest',
    archiveSize: options.archiveSize,
    rules: RULES.map((rule) => ({
      name: rule.name,
      pattern: rule.pattern,
      target: (event: BusEvent) => {
        received[rule.target] ??= [];
        received[rule.target]!.push(event);
      },
    })),
  });
  return { bus, received };
}

describe('LocalEventBus routing', () => {
  test('routes each event to every target whose rule pattern matches', () => {
    const { bus, received } = topologyBus();
    const result = bus.putEvents([
      { source: SOURCES.orders, detailType: 'OrderAllocated', detail: allocated('EU') },
      { source: SOURCES.orders, detailType: 'OrderAllocated', detail: allocated() },
      { source: SOURCES.orders, detailType: 'OrderReceived', detail: { version: 1, orderId: 'ord-2' } },
      { source: SOURCES.logistics, detailType: 'PickupBooked', detail: { version: 1, market: 'JP' } },
      { source: SOURCES.logistics, detailType: 'PickupBooked', detail: { version: 1 } },
      { source: SOURCES.stock, detailType: 'StockReported', detail: { version: 1 } },
    ]);

    expect(result.FailedEntryCount).toBe(0);
    expect(result.Entries.every((e) => 'EventId' in e)).toBe(true);
    expect(received['pickup']?.map((e) => e.detail)).toEqual([allocated('EU'), allocated()]);
    expect(received['notify']).toHaveLength(2);
    expect(received['lot']?.map((e) => e['detail-type'])).toEqual(['OrderAllocated', 'PickupBooked']);
    expect(received['allocation']?.map((e) => e['detail-type'])).toEqual(['OrderReceived']);
    expect(bus.stats()).toMatchObject({
      entries: 6,
      failedEntries: 0,
      byDetailType: { OrderAllocated: 2, OrderReceived: 1, PickupBooked: 2, StockReported: 1 },
      byRule: {
        OrdersToAllocation: { matched: 1, failed: 0 },
        AllocationsToPickup: { matched: 2, failed: 0 },
        AllocationsToNotify: { matched: 2, failed: 0 },
        ExportAllocationsToLots: { matched: 2, failed: 0 },
      },
    });
  });

  test('builds the EventBridge envelope; every target gets its own copy', () => {
    const { bus, received } = topologyBus();
    const time = new Date('2026-06-11T01:02:03.456Z');
    const [entry] = bus.putEvents([
      { source: SOURCES.orders, detailType: 'OrderAllocated', detail: allocated('EU'), time },
    ]).Entries;
    const event = received['pickup']![0]!;
    expect(event).toEqual({
      version: '0',
      id: (entry as { EventId: string }).EventId,
      'detail-type': 'OrderAllocated',
      source: 'harvest.orders',
      account: '000000000000',
      time: '2026-06-11T01:02:03Z',
      region: 'ap-southeast-1',
      resources: [],
      detail: allocated('EU'),
    });
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(received['notify']![0]).toEqual(event);
    expect(received['notify']![0]).not.toBe(event);
  });

  test('a queue target receives the envelope as JSON', async () => {
    const queue = new LocalQueue({
      name: 'pickup',
      spec: {
        batchSize: 10,
        batchingWindowSeconds: 0,
        visibilityTimeoutSeconds: 1,
        maxReceiveCount: 5,
        maxConcurrency: 1,
      },
    });
    const bus = new LocalEventBus({
      name: 'harvest',
      rules: [
        { name: 'ToPickup', pattern: { 'detail-type': ['OrderAllocated'] }, target: queueTarget(queue) },
      ],
    });
    bus.putEvents([
      { source: SOURCES.orders, detailType: 'OrderAllocated', detail: JSON.stringify(allocated()) },
    ]);
    const [message] = queue.peek();
    expect(JSON.parse(message!.body)).toMatchObject({ 'detail-type': 'OrderAllocated', detail: allocated() });
    await queue.stop();
  });

  test('a failing target is counted and reported; the other targets still get the event', async () => {
    const failures: DeliveryFailure[] = [];
    const got: string[] = [];
    const bus = new LocalEventBus({
      name: 'harvest',
      onDeliveryError: (failure) => failures.push(failure),
      rules: [
        {
          name: 'Broken',
          pattern: { source: ['harvest.orders'] },
          target: () => {
            throw new Error('queue gone');
          },
        },
        {
          name: 'Async',
          pattern: { source: ['harvest.orders'] },
          target: async () => Promise.reject(new Error('later')),
        },
        { name: 'Fine', pattern: { source: ['harvest.orders'] }, target: (e) => void got.push(e.id) },
      ],
    });
    bus.putEvents([{ source: 'harvest.orders', detailType: 'OrderCancelled', detail: { orderId: 'o' } }]);
    await bus.settled();
    expect(got).toHaveLength(1);
    expect(failures.map((f) => f.rule)).toEqual(['Broken', 'Async']);
    expect(bus.stats().byRule).toEqual({
      Broken: { matched: 1, failed: 1 },
      Async: { matched: 1, failed: 1 },
      Fine: { matched: 1, failed: 0 },
    });
    expect(bus.failedDeliveries()).toHaveLength(2);
  });

  test('keeps a bounded archive of the last N events', () => {
    const { bus } = topologyBus({ archiveSize: 3 });
    for (let i = 0; i < 5; i += 1) {
      bus.putEvents([{ source: SOURCES.stock, detailType: 'StockReported', detail: { n: i } }]);
    }
    expect(bus.archive().map((e) => (e.detail as unknown as { n: number }).n)).toEqual([2, 3, 4]);
  });

  test('rejects an invalid rule pattern at construction', () => {
    expect(
      () =>
        new LocalEventBus({
          name: 'harvest',
          rules: [{ name: 'Bad', pattern: { source: [] }, target: () => {} }],
        }),
    ).toThrow(/rule Bad has an invalid pattern/);
  });
});

describe('LocalEventBus PutEvents limits', () => {
  const ok: PutEventsEntry = {
    source: 'harvest.orders',
    detailType: 'OrderCancelled',
    detail: { orderId: 'o-1' },
  };

  test('more than 10 entries (or none) fails the whole call', () => {
    const { bus } = topologyBus();
    expect(() => bus.putEvents(Array.from({ length: 11 }, () => ok))).toThrow(PutEventsValidationError);
    expect(() => bus.putEvents([])).toThrow(/between 1 and 10/);
    expect(bus.putEvents(Array.from({ length: 10 }, () => ok)).FailedEntryCount).toBe(0);
  });

  test('F05 bad entries fail one by one; the good ones are delivered (HTTP 200 with FailedEntryCount)', () => {
    const { bus, received } = topologyBus();
    const result = bus.putEvents([
      ok,
      { ...ok, detail: ['not', 'an', 'object'] },
      { ...ok, detail: '{"truncated": ' },
      { ...ok, detail: null },
      { ...ok, detail: { blob: 'x'.repeat(256 * 1024) } },
      { ...ok, source: '' },
      { ...ok, detailType: '' },
      { ...ok, source: 'aws.events' },
      { ...ok, eventBusName: 'harvets' },
      { ...ok, eventBusName: 'harvest' },
    ]);
    expect(result.FailedEntryCount).toBe(8);
    expect(result.Entries.map((e) => ('ErrorCode' in e ? e.ErrorCode : 'ok'))).toEqual([
      'ok',
      'MalformedDetail',
      'MalformedDetail',
      'MalformedDetail',
      'InvalidArgument',
      'InvalidArgument',
      'InvalidArgument',
      'NotAuthorizedForSourceException',
      'ResourceNotFoundException',
      'ok',
    ]);
    expect(result.Entries[1]).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
    expect(received['allocation']).toHaveLength(2);
    expect(bus.stats()).toMatchObject({ entries: 10, failedEntries: 8, byDetailType: { OrderCancelled: 2 } });
  });
});
