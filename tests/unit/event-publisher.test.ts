/**
 * F05 PutEvents partly fails with HTTP 200: only the failed entries are retried, with backoff;
 * when attempts run out the publish fails loudly naming the bus and the error code; more than 10
 * events go out in chunks of at most 10; an invalid detail is refused before anything is sent.
 */
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { type DomainEvent, domainEvent } from '../../events/catalog.js';
import {
  createEventPublisher,
  eventBridgePutEvents,
  PublishError,
} from '../../shared/adapters/event-publisher.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const BUS = 'harvest-bus-test';
const eventBridge = mockClient(EventBridgeClient);

beforeEach(() => {
  eventBridge.reset();
});

function publisher(options: { attempts?: number; busName?: string } = {}) {
  const delays: number[] = [];
  const client = new EventBridgeClient({
    region: 'ap-southeast-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const events = createEventPublisher({
    busName: options.busName ?? BUS,
    putEvents: eventBridgePutEvents(client),
    attempts: options.attempts,
    baseDelayMs: 50,
    sleep: async (ms) => {
      delays.push(ms);
    },
  });
  return { events, delays };
}

const received = (orderId: string): DomainEvent =>
  domainEvent('OrderReceived', {
    version: 1,
    correlationId: `corr-${orderId}`,
    orderId,
    channel: 'portal',
    externalId: `EXT-${orderId}`,
    receivedAt: '2026-06-18T01:00:00.000Z',
    lines: [{ sku: 'LYCHEE-LN-5KG', quantity: 2 }],
    totalVnd: 400_000,
  });

const allocated = (orderId: string): DomainEvent =>
  domainEvent('OrderAllocated', {
    version: 1,
    correlationId: `corr-${orderId}`,
    orderId,
    allocationId: `${orderId}.coop-1`,
    cooperativeId: 'coop-1',
    lines: [{ sku: 'LYCHEE-LN-5KG', quantity: 2, batchId: 'B-1' }],
    pickupDate: '2026-06-18',
    receivedAt: '2026-06-18T01:00:00.000Z',
  });

const backordered = (orderId: string): DomainEvent =>
  domainEvent('OrderBackordered', {
    version: 1,
    correlationId: `corr-${orderId}`,
    orderId,
    lines: [{ sku: 'LYCHEE-LN-5KG', quantity: 2 }],
    reason: '2 × LYCHEE-LN-5KG unfilled: eligible stock ran out',
  });

const sentEntries = (call: number): PutEventsRequestEntry[] =>
  (eventBridge.commandCalls(PutEventsCommand)[call]?.args[0].input.Entries ?? []) as PutEventsRequestEntry[];

const ok = (n: number) => ({
  FailedEntryCount: 0,
  Entries: Array.from({ length: n }, (_, i) => ({ EventId: `e-${i}` })),
});

describe('createEventPublisher with eventBridgePutEvents', () => {
  it('sends every event as one entry with the bus name, the catalog source and the validated detail', async () => {
    eventBridge.on(PutEventsCommand).resolves(ok(3));
    const { events, delays } = publisher();
    await events.publish([received('ord_1'), allocated('ord_1'), backordered('ord_2')]);

    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(sentEntries(0)).toEqual([
      {
        EventBusName: BUS,
        Source: 'harvest.orders',
        DetailType: 'OrderReceived',
        Detail: expect.any(String),
      },
      {
        EventBusName: BUS,
        Source: 'harvest.orders',
        DetailType: 'OrderAllocated',
        Detail: expect.any(String),
      },
      {
        EventBusName: BUS,
        Source: 'harvest.orders',
        DetailType: 'OrderBackordered',
        Detail: expect.any(String),
      },
    ]);
    expect(JSON.parse(sentEntries(0)[1]!.Detail!)).toEqual(allocated('ord_1').detail);
    expect(delays).toEqual([]);
  });

  it('F05 PutEvents partly fails with HTTP 200: FailedEntryCount 1 of 3 → the second call sends only the failed entry', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [
          { EventId: 'e-1' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service error' },
          { EventId: 'e-3' },
        ],
      })
      .resolves(ok(1));
    const { events, delays } = publisher();
    await events.publish([received('ord_1'), allocated('ord_1'), backordered('ord_2')]);

    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 2);
    const first = sentEntries(0);
    expect(first).toHaveLength(3);
    expect(sentEntries(1)).toEqual([first[1]]);
    expect(sentEntries(1)[0]?.DetailType).toBe('OrderAllocated');
    // One backoff between the two attempts.
    expect(delays).toHaveLength(1);
  });

  it('F05 keeps retrying only what is still failing, attempt after attempt', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: [{ ErrorCode: 'ThrottlingException' }, { EventId: 'e-2' }, { ErrorCode: 'InternalFailure' }],
      })
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: 'e-1' }, { ErrorCode: 'InternalFailure' }] })
      .resolves(ok(1));
    const { events, delays } = publisher();
    await events.publish([received('ord_1'), allocated('ord_1'), backordered('ord_2')]);

    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 3);
    expect(sentEntries(1).map((e) => e.DetailType)).toEqual(['OrderReceived', 'OrderBackordered']);
    expect(sentEntries(2).map((e) => e.DetailType)).toEqual(['OrderBackordered']);
    expect(delays).toHaveLength(2);
    // Jittered exponential backoff: below baseDelayMs × 2^attempt.
    expect(delays[0]).toBeLessThan(50 * 2);
    expect(delays[1]).toBeLessThan(50 * 4);
  });

  it('F05 exhausting the attempts throws a PublishError naming the bus and the error code', async () => {
    // The first call loses the second entry; every retry of it fails the same way.
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: 'e-1' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
      })
      .resolves({
        FailedEntryCount: 1,
        Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
      });
    const { events } = publisher({ attempts: 3 });
    const error = await events.publish([received('ord_1'), allocated('ord_1')]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PublishError);
    expect((error as Error).message).toContain(`"${BUS}"`);
    expect((error as Error).message).toContain('ThrottlingException');
    expect((error as Error).message).toContain('after 3 attempts');
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 3);
    expect(sentEntries(2).map((e) => e.DetailType)).toEqual(['OrderAllocated']);
  });

  it('F05 a FailedEntryCount without any entry naming the failure is an error, not a success', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ EventId: 'e-1' }] });
    const { events } = publisher();
    await expect(events.publish([received('ord_1')])).rejects.toThrow(PublishError);
  });

  it('F05 a wrong bus name fails the first publish loudly', async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejects(
        new ResourceNotFoundException({ message: 'Event bus harvest-typo does not exist.', $metadata: {} }),
      );
    const { events } = publisher({ busName: 'harvest-typo' });
    await expect(events.publish([received('ord_1')])).rejects.toThrow(
      'Event bus harvest-typo does not exist.',
    );
    expect(sentEntries(0)[0]?.EventBusName).toBe('harvest-typo');
  });

  it('more than 10 events are sent in chunks of at most 10, in order', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ok(input.Entries.length));
    const { events } = publisher();
    const all = Array.from({ length: 23 }, (_, i) => received(`ord_${String(i).padStart(2, '0')}`));
    await events.publish(all);

    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 3);
    const sizes = eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length);
    expect(sizes).toEqual([10, 10, 3]);
    const sentOrderIds = [0, 1, 2].flatMap((i) => sentEntries(i).map((e) => JSON.parse(e.Detail!).orderId));
    expect(sentOrderIds).toEqual(all.map((e) => (e.detail as { orderId: string }).orderId));
  });

  it('a failed entry in the second chunk is retried alone, by its own index in that chunk', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce(ok(10))
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: 'a' }, { ErrorCode: 'InternalFailure' }] })
      .resolves(ok(1));
    const { events } = publisher();
    const all = Array.from({ length: 12 }, (_, i) => received(`ord_${i}`));
    await events.publish(all);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 3);
    expect(sentEntries(2).map((e) => JSON.parse(e.Detail!).orderId)).toEqual(['ord_11']);
  });

  it('an invalid event detail is refused before any call (schema), even when it is the last of many', async () => {
    eventBridge.on(PutEventsCommand).resolves(ok(10));
    const { events } = publisher();
    // Built past the types on purpose: a bug elsewhere could hand the publisher exactly this.
    const invalid = {
      detailType: 'OrderAllocated',
      detail: {
        ...allocated('ord_bad').detail,
        lines: [{ sku: 'LYCHEE-LN-5KG', quantity: 0, batchId: 'B-1' }],
      },
    } as unknown as DomainEvent;
    const batch = [...Array.from({ length: 11 }, (_, i) => received(`ord_${i}`)), invalid];

    await expect(events.publish(batch)).rejects.toThrow(/quantity/);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);

    const noLines = {
      detailType: 'OrderBackordered',
      detail: { ...backordered('ord_x').detail, lines: [] },
    } as unknown as DomainEvent;
    await expect(events.publish([noLines])).rejects.toThrow();
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
  });
});
