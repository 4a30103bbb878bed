import { createHash } from 'node:crypto';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { LocalEventBus, queueTarget } from '../../../infra/local/event-bus.js';
import {
  drainAll,
  judgeBatchResponse,
  LocalQueue,
  type LocalQueueOptions,
  type LocalQueueSpec,
  PARTIAL_FAILURE_REASON,
  type QueueConsumer,
  type QueueErrorInfo,
} from '../../../infra/local/queue.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const spec = (overrides: Partial<LocalQueueSpec> = {}): LocalQueueSpec => ({
  batchSize: 10,
  batchingWindowSeconds: 0,
  visibilityTimeoutSeconds: 30,
  maxReceiveCount: 5,
  maxConcurrency: 2,
  ...overrides,
});

/** Real queue timings scaled down: 30 s of visibility timeout lasts 60 ms. */
const SCALE = 0.002;

const created: LocalQueue[] = [];
function queue(options: Omit<LocalQueueOptions, 'name'> & { name?: string }): LocalQueue {
  const q = new LocalQueue({ name: 'orders', timeScale: SCALE, ...options });
  created.push(q);
  return q;
}

afterEach(async () => {
  await Promise.all(created.splice(0).map((q) => q.stop()));
});

interface Delivery {
  at: number;
  records: SQSRecord[];
  context: Context;
}

/** A consumer that records every invocation and answers with `respond(invocationIndex, event)`. */
function recorder(respond: (call: number, event: SQSEvent) => unknown | Promise<unknown>) {
  const calls: Delivery[] = [];
  const consumer = (async (event: SQSEvent, context: Context) => {
    calls.push({ at: Date.now(), records: event.Records, context });
    return respond(calls.length - 1, event);
  }) as QueueConsumer;
  return { calls, consumer };
}

const bodies = (delivery: Delivery | undefined) => delivery?.records.map((r) => r.body);
const receiveCounts = (delivery: Delivery | undefined) =>
  delivery?.records.map((r) => r.attributes.ApproximateReceiveCount);

describe('LocalQueue: partial batch responses (ReportBatchItemFailures)', () => {
  test('F02 partial-batch response: only record 2 of 3 redelivered', async () => {
    const { calls, consumer } = recorder((call, event) =>
      call === 0
        ? { batchItemFailures: [{ itemIdentifier: event.Records[1]!.messageId }] }
        : { batchItemFailures: [] },
    );
    const q = queue({ spec: spec({ batchSize: 3, maxConcurrency: 1 }), consumer });
    const ids = q.sendBatch(['order-1', 'order-2', 'order-3']);
    q.start();
    await q.drain({ timeoutMs: 2000 });

    expect(calls).toHaveLength(2);
    expect(bodies(calls[0])).toEqual(['order-1', 'order-2', 'order-3']);
    expect(receiveCounts(calls[0])).toEqual(['1', '1', '1']);
    expect(bodies(calls[1])).toEqual(['order-2']);
    expect(calls[1]!.records[0]!.messageId).toBe(ids[1]);
    expect(receiveCounts(calls[1])).toEqual(['2']);
    // Each receive has its own receipt handle.
    expect(calls[1]!.records[0]!.receiptHandle).not.toBe(calls[0]!.records[1]!.receiptHandle);
    expect(q.stats()).toMatchObject({
      sent: 3,
      deleted: 3,
      visible: 0,
      inFlight: 0,
      deadLettered: 0,
      invocations: 2,
    });
  });

  test('F01 all records of a batch fail: a thrown Error keeps every record', async () => {
    const { calls, consumer } = recorder((call) => {
      if (call === 0) throw new Error('stock table unavailable');
    });
    const errors: QueueErrorInfo[] = [];
    const q = queue({ spec: spec({ maxConcurrency: 1 }), consumer, onError: (info) => errors.push(info) });
    q.sendBatch(['order-1', 'order-2']);
    q.start();
    await q.drain({ timeoutMs: 2000 });

    expect(calls).toHaveLength(2);
    expect(bodies(calls[1])).toEqual(['order-1', 'order-2']);
    expect(receiveCounts(calls[1])).toEqual(['2', '2']);
    expect(errors[0]).toMatchObject({ kind: 'invocation-error', queue: 'orders' });
    expect(errors[0]!.messageIds).toHaveLength(2);
    expect(errors[0]!.reason).toContain('stock table unavailable');
    expect(q.stats()).toMatchObject({ failedInvocations: 1, deleted: 2 });
  });

  test.each([
    ['a string', 'boom'],
    ['a plain object', { code: 'ConditionalCheckFailed' }],
    ['undefined', undefined],
  ])(
    'F01 all records of a batch fail: throwing %s (not an Error) keeps every record',
    async (_label, thrown) => {
      const { calls, consumer } = recorder((call) => {
        if (call === 0) return Promise.reject(thrown);
        return undefined;
      });
      const q = queue({ spec: spec({ maxConcurrency: 1 }), consumer });
      q.sendBatch(['order-1', 'order-2']);
      q.start();
      await q.drain({ timeoutMs: 2000 });

      expect(calls).toHaveLength(2);
      expect(bodies(calls[1])).toEqual(['order-1', 'order-2']);
      expect(receiveCounts(calls[1])).toEqual(['2', '2']);
    },
  );

  test('F01 all records of a batch fail: a response listing every id keeps every record', async () => {
    const { calls, consumer } = recorder((call, event) =>
      call === 0
        ? { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) }
        : undefined,
    );
    const q = queue({ spec: spec({ maxConcurrency: 1 }), consumer });
    q.sendBatch(['order-1', 'order-2']);
    q.start();
    await q.drain({ timeoutMs: 2000 });

    expect(calls).toHaveLength(2);
    expect(bodies(calls[1])).toEqual(['order-1', 'order-2']);
  });

  test.each([
    ['an empty list', { batchItemFailures: [] }],
    ['a null list', { batchItemFailures: null }],
    ['an empty response', {}],
    ['no response', undefined],
  ])('%s deletes the whole batch', async (_label, response) => {
    const { calls, consumer } = recorder(() => response);
    const q = queue({ spec: spec(), consumer });
    q.sendBatch(['order-1', 'order-2']);
    q.start();
    await q.drain({ timeoutMs: 2000 });
    expect(calls).toHaveLength(1);
    expect(q.stats()).toMatchObject({ deleted: 2, failedInvocations: 0 });
  });

  test.each([
    [
      'an id that is not in the batch',
      () => ({ batchItemFailures: [{ itemIdentifier: 'not-a-message-of-this-batch' }] }),
    ],
    ['an empty itemIdentifier', () => ({ batchItemFailures: [{ itemIdentifier: '' }] })],
    ['a null itemIdentifier', () => ({ batchItemFailures: [{ itemIdentifier: null }] })],
    ['a bad key name', (event: SQSEvent) => ({ batchItemFailures: [{ id: event.Records[0]!.messageId }] })],
    ['a non-list batchItemFailures', () => ({ batchItemFailures: 'order-1' })],
    ['a non-object response', () => 'ok'],
  ])('an invalid response (%s) fails the whole batch', async (_label, invalid) => {
    const errors: QueueErrorInfo[] = [];
    const { calls, consumer } = recorder((call, event) => (call === 0 ? invalid(event) : undefined));
    const q = queue({ spec: spec({ maxConcurrency: 1 }), consumer, onError: (info) => errors.push(info) });
    q.sendBatch(['order-1', 'order-2', 'order-3']);
    q.start();
    await q.drain({ timeoutMs: 2000 });

    expect(calls).toHaveLength(2);
    expect(bodies(calls[1])).toEqual(['order-1', 'order-2', 'order-3']);
    expect(receiveCounts(calls[1])).toEqual(['2', '2', '2']);
    expect(errors[0]?.kind).toBe('invalid-response');
  });

  test('judgeBatchResponse follows Lambda’s success and failure conditions', () => {
    const ids = new Set(['a', 'b']);
    expect(judgeBatchResponse({ batchItemFailures: [{ itemIdentifier: 'b' }] }, ids)).toEqual({
      ok: true,
      failed: new Set(['b']),
    });
    expect(judgeBatchResponse(null, ids)).toEqual({ ok: true, failed: new Set() });
    expect(judgeBatchResponse({ batchItemFailures: [{ itemIdentifier: 1 }] }, ids).ok).toBe(false);
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(judgeBatchResponse(circular, ids)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('invalid JSON'),
    });
  });
});

describe('LocalQueue: redrive policy and dead letters', () => {
  test('a message that keeps failing goes to the DLQ after maxReceiveCount, with the reason', async () => {
    const { calls, consumer } = recorder(() => {
      throw new Error('poison: unknown sku VAI-THIEU-99');
    });
    const dlq = queue({ name: 'orders-dlq', spec: spec() });
    const q = queue({
      spec: spec({ maxReceiveCount: 3, visibilityTimeoutSeconds: 10 }),
      consumer,
      deadLetter: dlq,
    });
    const [id] = q.sendBatch(['order-1']);
    q.start();
    await q.drain({ timeoutMs: 3000 });

    expect(calls).toHaveLength(3);
    expect(receiveCounts(calls[2])).toEqual(['3']);
    expect(q.stats()).toMatchObject({ deadLettered: 1, visible: 0, inFlight: 0, deleted: 0 });
    const [letter] = dlq.peek();
    expect(letter).toMatchObject({ messageId: id, body: 'order-1' });
    expect(letter!.attributes['deadLetterReason']).toContain('poison: unknown sku VAI-THIEU-99');
    expect(letter!.attributes['deadLetterReceiveCount']).toBe('3');
    expect(q.deadLetters()).toEqual([
      {
        messageId: id,
        body: 'order-1',
        receiveCount: 3,
        reason: expect.stringContaining('poison: unknown sku'),
      },
    ]);
  });

  test('without a DLQ queue, dead letters are kept in a list; a partial failure is named as such', async () => {
    const { calls, consumer } = recorder((_call, event) => ({
      batchItemFailures: [{ itemIdentifier: event.Records[0]!.messageId }],
    }));
    const q = queue({ spec: spec({ maxReceiveCount: 2, visibilityTimeoutSeconds: 10 }), consumer });
    q.send('order-1');
    q.start();
    await q.drain({ timeoutMs: 3000 });

    expect(calls).toHaveLength(2);
    expect(q.deadLetters()).toEqual([
      { messageId: expect.any(String), body: 'order-1', receiveCount: 2, reason: PARTIAL_FAILURE_REASON },
    ]);
  });

  test('moveToDeadLetter takes a poison message out at once, even in flight', async () => {
    let q!: LocalQueue;
    const { calls, consumer } = recorder((_call, event) => {
      expect(q.moveToDeadLetter(event.Records[0]!.messageId, 'detail is not valid JSON')).toBe(true);
      return { batchItemFailures: [{ itemIdentifier: event.Records[0]!.messageId }] };
    });
    q = queue({ spec: spec(), consumer });
    q.send('{not json');
    q.start();
    await q.drain({ timeoutMs: 2000 });

    expect(calls).toHaveLength(1);
    expect(q.deadLetters()).toEqual([
      {
        messageId: expect.any(String),
        body: '{not json',
        receiveCount: 1,
        reason: 'detail is not valid JSON',
      },
    ]);
    expect(q.moveToDeadLetter('no-such-message', 'x')).toBe(false);
  });

  test.each([
    ['an internal list', false],
    ['a DLQ queue', true],
  ])('redrive moves dead letters from %s back with the receive count reset', async (_label, withDlq) => {
    let healthy = false;
    const { calls, consumer } = recorder(() => {
      if (!healthy) throw new Error('carrier API down');
    });
    const dlq = withDlq ? queue({ name: 'orders-dlq', spec: spec() }) : undefined;
    const q = queue({ spec: spec({ maxReceiveCount: 1 }), consumer, deadLetter: dlq });
    const [id] = q.sendBatch(['order-1']);
    q.start();
    await q.drain({ timeoutMs: 2000 });
    expect(q.deadLetters()).toHaveLength(1);

    healthy = true;
    expect(q.redrive()).toBe(1);
    await q.drain({ timeoutMs: 2000 });

    expect(calls).toHaveLength(2);
    expect(calls[1]!.records[0]).toMatchObject({ messageId: id, body: 'order-1' });
    expect(receiveCounts(calls[1])).toEqual(['1']);
    expect(calls[1]!.records[0]!.messageAttributes).toEqual({});
    expect(q.deadLetters()).toEqual([]);
    expect(dlq?.peek() ?? []).toEqual([]);
    expect(q.stats()).toMatchObject({ redriven: 1, deleted: 1 });
  });
});

describe('LocalQueue: visibility timeout, concurrency, batching, timeouts', () => {
  test('a failed message is not redelivered before its visibility timeout expires', async () => {
    const { calls, consumer } = recorder((call) => {
      if (call === 0) throw new Error('transient');
    });
    const visibilityMs = 75 * 1000 * SCALE; // 150 ms
    const q = queue({ spec: spec({ visibilityTimeoutSeconds: 75 }), consumer });
    q.send('order-1');
    q.start();
    await sleep(visibilityMs / 2);
    expect(calls).toHaveLength(1);
    expect(q.stats()).toMatchObject({ visible: 0, inFlight: 1, awaitingRetry: 1 });
    await q.drain({ timeoutMs: 2000 });

    expect(calls).toHaveLength(2);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(visibilityMs - 5);
  });

  test('F03 a consumer slower than the visibility timeout sees the message again (at-least-once)', async () => {
    const { calls, consumer } = recorder(async (call) => {
      if (call === 0) await sleep(150);
    });
    const q = queue({ spec: spec({ visibilityTimeoutSeconds: 25, maxConcurrency: 2 }), consumer }); // 50 ms
    q.send('order-1');
    q.start();
    await q.drain({ timeoutMs: 2000 });

    expect(calls).toHaveLength(2);
    expect(receiveCounts(calls[1])).toEqual(['2']);
    expect(calls[1]!.at).toBeLessThan(calls[0]!.at + 150);
    expect(q.stats().deleted).toBe(1);
  });

  test('with an in-flight hold (the local runtime), a slow consumer keeps its message while it runs', async () => {
    const { calls, consumer } = recorder(async (call) => {
      if (call === 0) await sleep(150);
    });
    // Scaled visibility 50 ms, as in F03 above; the running invocation holds the message 1 s.
    const q = queue({
      spec: spec({ visibilityTimeoutSeconds: 25, maxConcurrency: 2 }),
      consumer,
      inflightVisibilityMs: 1000,
    });
    q.send('order-1');
    q.start();
    await q.drain({ timeoutMs: 2000 });

    expect(calls).toHaveLength(1);
    expect(q.stats()).toMatchObject({ deleted: 1 });
  });

  test('with an in-flight hold, a failure is still retried after the scaled visibility timeout', async () => {
    const { calls, consumer } = recorder((call) => {
      if (call === 0) throw new Error('transient');
    });
    const visibilityMs = 25 * 1000 * SCALE; // 50 ms
    const q = queue({ spec: spec({ visibilityTimeoutSeconds: 25 }), consumer, inflightVisibilityMs: 5000 });
    q.send('order-1');
    q.start();
    await q.drain({ timeoutMs: 2000 });

    expect(calls).toHaveLength(2);
    const gap = calls[1]!.at - calls[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(visibilityMs - 5);
    expect(gap).toBeLessThan(1000);
  });

  test('F04 the concurrency cap is never exceeded, and is used', async () => {
    let running = 0;
    let peak = 0;
    const consumer: QueueConsumer = async () => {
      running += 1;
      peak = Math.max(peak, running);
      await sleep(5);
      running -= 1;
    };
    const q = queue({ spec: spec({ batchSize: 1, maxConcurrency: 3 }), consumer });
    q.sendBatch(Array.from({ length: 30 }, (_, i) => `order-${i}`));
    q.start();
    await q.drain({ timeoutMs: 3000 });

    expect(peak).toBe(3);
    expect(q.stats()).toMatchObject({ maxInFlightSeen: 3, invocations: 30, deleted: 30 });
  });

  test('the batching window fills batches and flushes a partial batch when it passes', async () => {
    const { calls, consumer } = recorder(() => undefined);
    const windowMs = 100 * 1000 * SCALE; // 200 ms
    const q = queue({
      spec: spec({ batchSize: 10, batchingWindowSeconds: 100, maxConcurrency: 5 }),
      consumer,
    });
    q.start();
    const firstSend = Date.now();
    for (let i = 0; i < 4; i += 1) {
      q.send(`early-${i}`);
      await sleep(5);
    }
    await q.drain({ timeoutMs: 2000 });
    expect(calls).toHaveLength(1);
    expect(bodies(calls[0])).toEqual(['early-0', 'early-1', 'early-2', 'early-3']);
    expect(calls[0]!.at - firstSend).toBeGreaterThanOrEqual(windowMs - 5);

    q.sendBatch(Array.from({ length: 25 }, (_, i) => `burst-${i}`));
    await q.drain({ timeoutMs: 2000 });
    expect(calls.slice(1).map((c) => c.records.length)).toEqual([10, 10, 5]);
  });

  test('an invocation past the function timeout fails the whole batch; its late success is ignored', async () => {
    const errors: QueueErrorInfo[] = [];
    const { calls, consumer } = recorder(async (call) => {
      if (call === 0) await sleep(80); // function timeout 60 ms, visibility 120 ms
    });
    const q = queue({
      spec: spec({ visibilityTimeoutSeconds: 60, maxConcurrency: 1 }),
      functionTimeoutSeconds: 30,
      consumer,
      onError: (info) => errors.push(info),
    });
    q.send('order-1');
    q.start();
    await q.drain({ timeoutMs: 2000 });

    expect(calls).toHaveLength(2);
    expect(receiveCounts(calls[1])).toEqual(['2']);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(118);
    expect(calls[0]!.context.getRemainingTimeInMillis()).toBe(0);
    expect(errors.map((e) => e.kind)).toEqual(['timeout', 'late-result']);
    expect(errors[0]!.reason).toMatch(/^Task timed out after 0\.06 seconds$/);
    expect(q.stats()).toMatchObject({ timedOutInvocations: 1, deleted: 1 });
  });
});

describe('LocalQueue: records, lifecycle', () => {
  test('records are shaped like Lambda’s SQS records', async () => {
    const { calls, consumer } = recorder(() => undefined);
    const q = queue({ spec: spec(), consumer });
    const before = Date.now();
    const id = q.send('{"orderId":"o-1"}', { correlationId: 'c-1' });
    q.start();
    await q.drain({ timeoutMs: 2000 });

    const record = calls[0]!.records[0]!;
    expect(record).toEqual({
      messageId: id,
      receiptHandle: expect.any(String),
      body: '{"orderId":"o-1"}',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d{13}$/),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
      },
      messageAttributes: {
        correlationId: { stringValue: 'c-1', stringListValues: [], binaryListValues: [], dataType: 'String' },
      },
      md5OfBody: createHash('md5').update('{"orderId":"o-1"}').digest('hex'),
      md5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:ap-southeast-1:000000000000:orders',
      awsRegion: 'ap-southeast-1',
    });
    expect(Number(record.attributes.SentTimestamp)).toBeGreaterThanOrEqual(before);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(calls[0]!.context.functionName).toBe('orders-consumer');
  });

  test('send rejects what SQS rejects', () => {
    const q = queue({ spec: spec() });
    expect(() => q.send('')).toThrow(/empty/);
    expect(() => q.send('bad \u0000 byte')).toThrow(/InvalidMessageContents/);
    expect(() => q.send('x'.repeat(1024 * 1024 + 1))).toThrow(/exceeds/);
    expect(() => q.send('ok', {}, { delaySeconds: 901 })).toThrow(/delaySeconds/);
  });

  test('delaySeconds keeps a message invisible, then delivers it', async () => {
    const { calls, consumer } = recorder(() => undefined);
    const q = queue({ spec: spec(), consumer });
    q.start();
    q.send('later', {}, { delaySeconds: 25 }); // 50 ms
    expect(q.stats()).toMatchObject({ delayed: 1, visible: 0 });
    await q.drain({ timeoutMs: 2000 });
    expect(calls).toHaveLength(1);
  });

  test('drain rejects with the queue’s name and stats when it cannot finish', async () => {
    const q = queue({ name: 'pickup', spec: spec() });
    q.send('order-1');
    await expect(q.drain({ timeoutMs: 20 })).rejects.toThrow(
      /LocalQueue pickup did not drain within 20 ms.*"visible":1/,
    );
  });

  test('stop waits for running invocations and leaves no timer behind', async () => {
    // Track every timer created from here on: each must have fired or been cleared after stop().
    const pending = new Set<NodeJS.Timeout>();
    const realSetTimeout = global.setTimeout;
    const realClearTimeout = global.clearTimeout;
    const setSpy = jest.spyOn(global, 'setTimeout').mockImplementation(((
      callback: (...args: unknown[]) => void,
      ms?: number,
      ...args: unknown[]
    ) => {
      const handle = realSetTimeout(() => {
        pending.delete(handle);
        callback(...args);
      }, ms);
      pending.add(handle);
      return handle;
    }) as typeof setTimeout);
    const clearSpy = jest.spyOn(global, 'clearTimeout').mockImplementation(((handle?: NodeJS.Timeout) => {
      if (handle !== undefined) pending.delete(handle);
      realClearTimeout(handle);
    }) as typeof clearTimeout);
    try {
      let finished = false;
      const consumer: QueueConsumer = async (event) => {
        await sleep(30);
        finished = true;
        throw new Error(`fail ${event.Records.length}`);
      };
      // Long visibility timeout, batching window and function timeout: timers that would keep the process alive.
      const q = queue({
        name: 'notify',
        timeScale: 1,
        spec: spec({
          batchSize: 10,
          batchingWindowSeconds: 20,
          visibilityTimeoutSeconds: 600,
          maxConcurrency: 1,
        }),
        consumer,
        functionTimeoutSeconds: 100,
      });
      q.sendBatch(Array.from({ length: 12 }, (_, i) => `n-${i}`));
      q.start();
      await sleep(10);
      // Visibility heap, function timeout, the consumer's sleep (no batching-window timer while the
      // only concurrency slot is taken).
      expect(pending.size).toBe(3);
      const pendingDrain = q.drain({ timeoutMs: 60_000 });
      await q.stop();
      expect(finished).toBe(true);
      await expect(pendingDrain).rejects.toThrow(/stopped before it drained/);
      expect(pending.size).toBe(0);
      expect(q.stats()).toMatchObject({ inFlight: 10, visible: 2, inFlightInvocations: 0 });
    } finally {
      setSpy.mockRestore();
      clearSpy.mockRestore();
    }
  });
});

describe('LocalQueue: throughput', () => {
  test('5,000 orders fan out through 4 queues quickly (no per-message timers, no quadratic scans)', async () => {
    const topologySpec = spec({ batchSize: 10, batchingWindowSeconds: 1, visibilityTimeoutSeconds: 180 });
    let bus!: LocalEventBus;
    const make = (name: string, maxConcurrency: number, forward: boolean) =>
      queue({
        name,
        spec: { ...topologySpec, maxConcurrency },
        timeScale: 0.01,
        consumer: async (event) => {
          await new Promise((resolve) => setImmediate(resolve));
          if (!forward) return;
          for (let at = 0; at < event.Records.length; at += 10) {
            const entries = event.Records.slice(at, at + 10).map((record, i) => ({
              source: 'harvest.orders',
              detailType: 'OrderAllocated',
              detail: { orderId: record.messageId, ...(i % 3 === 0 ? { market: 'EU' } : {}) },
            }));
            expect(bus.putEvents(entries).FailedEntryCount).toBe(0);
          }
        },
      });
    const queues = [
      make('allocation', 8, true),
      make('pickup', 6, false),
      make('notify', 4, false),
      make('lot', 2, false),
    ];
    const [allocation, pickup, notify, lot] = queues as [LocalQueue, LocalQueue, LocalQueue, LocalQueue];
    bus = new LocalEventBus({
      name: 'harvest',
      rules: [
        {
          name: 'ToAllocation',
          pattern: { 'detail-type': ['OrderReceived'] },
          target: queueTarget(allocation),
        },
        { name: 'ToPickup', pattern: { 'detail-type': ['OrderAllocated'] }, target: queueTarget(pickup) },
        { name: 'ToNotify', pattern: { 'detail-type': ['OrderAllocated'] }, target: queueTarget(notify) },
        {
          name: 'ToLot',
          pattern: { 'detail-type': ['OrderAllocated'], detail: { market: [{ exists: true }] } },
          target: queueTarget(lot),
        },
      ],
    });
    for (const q of queues) q.start();
    const started = Date.now();
    for (let n = 0; n < 5000; n += 10) {
      bus.putEvents(
        Array.from({ length: 10 }, (_, i) => ({
          source: 'harvest.orders',
          detailType: 'OrderReceived',
          detail: { orderId: `o-${n + i}`, note: 'Cho mình 2 thùng vải thiều Lục Ngạn' },
        })),
      );
    }
    await drainAll(queues, { timeoutMs: 30_000 });
    const elapsed = Date.now() - started;

    expect(queues.map((q) => q.stats().deleted)).toEqual([5000, 5000, 5000, 2000]);
    expect(queues.map((q) => q.stats().maxInFlightSeen)).toEqual([8, 6, 4, 2]);
    expect(elapsed).toBeLessThan(10_000);
  }, 30_000);
});
