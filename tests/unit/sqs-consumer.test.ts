/**
 * The queue consumer every function goes through (F01, F02): partial batch responses carry exactly
 * the failed records' message ids, a fully failed batch is never answered with an empty failure
 * list, and no message is lost: poison messages and last-attempt failures go to the DeadLetterPort
 * with a reason, and when that forward fails the record is reported failed instead.
 */
import { FullBatchFailureError } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { BusEvent } from '../../events/catalog.js';
import {
  buildSqsConsumer,
  catalogEventParser,
  type DeadLetterPort,
  PermanentError,
} from '../../shared/adapters/sqs-consumer.js';
import { createLogger } from '../../shared/observability.js';

const logger = createLogger('test', { logLevel: 'SILENT' });
const context = { getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function orderReceived(orderId: string) {
  return {
    version: '0',
    id: `evt-${orderId}`,
    'detail-type': 'OrderReceived',
    source: 'harvest.orders',
    account: '000000000000',
    time: '2026-06-18T01:00:00Z',
    region: 'ap-southeast-1',
    resources: [],
    detail: {
      version: 1,
      correlationId: `corr-${orderId}`,
      orderId,
      channel: 'portal',
      externalId: `EXT-${orderId}`,
      receivedAt: '2026-06-18T01:00:00.000Z',
      lines: [{ sku: 'LYCHEE-LN-5KG', quantity: 1 }],
      totalVnd: 200_000,
    },
  };
}

function sqsRecord(messageId: string, body: string, receiveCount = 1): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '1781744400000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1781744400000',
    },
    messageAttributes: {},
    md5OfBody: 'd41d8cd98f00b204e9800998ecf8427e',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:ap-southeast-1:000000000000:allocation',
    awsRegion: 'ap-southeast-1',
  };
}

/** An allocation-style record: an OrderReceived envelope whose message id is derived from the order. */
const orderRecord = (orderId: string, receiveCount = 1) =>
  sqsRecord(`msg-${orderId}`, JSON.stringify(orderReceived(orderId)), receiveCount);

const eventOf = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

/** A DeadLetterPort that remembers what it was given (and can be told to fail). */
function recordingDeadLetter(fail?: Error) {
  const sent: Array<{ messageId: string; body: string; reason: string }> = [];
  const port: DeadLetterPort = {
    async send(record, reason) {
      if (fail) throw fail;
      sent.push({ messageId: record.messageId, body: record.body, reason });
    },
  };
  return { sent, port };
}

type Handle = (message: BusEvent<'OrderReceived'>, record: SQSRecord) => Promise<void>;

function consumer(
  handle: Handle,
  options: { deadLetter?: DeadLetterPort; maxReceiveCount?: number; parallel?: boolean } = {},
) {
  const handled: string[] = [];
  const consume = buildSqsConsumer<BusEvent<'OrderReceived'>>({
    parse: catalogEventParser(['OrderReceived']),
    handle: async (message, record) => {
      handled.push(message.detail.orderId);
      await handle(message, record);
    },
    logger,
    deadLetter: options.deadLetter,
    maxReceiveCount: options.maxReceiveCount ?? 5,
    parallel: options.parallel,
  });
  return { consume, handled };
}

const failedIds = (response: SQSBatchResponse) =>
  response.batchItemFailures.map((f) => f.itemIdentifier).sort();

describe('buildSqsConsumer: F01 all records of a batch fail', () => {
  it('F01 all records of a batch fail: the whole batch is rethrown, with one error per record (never an empty failure list)', async () => {
    const { consume, handled } = consumer(async () => {
      throw new Error('stock table unavailable');
    });
    const event = eventOf(orderRecord('ord_a'), orderRecord('ord_b'));

    const outcome = await consume(event, context).then(
      (response) => ({ response }),
      (error: unknown) => ({ error }),
    );

    // The implementation rethrows (Powertools' FullBatchFailureError): Lambda then fails the
    // invocation and SQS redelivers both messages. An empty failure list would delete both.
    expect(outcome).not.toHaveProperty('response');
    const error = (outcome as { error: unknown }).error;
    expect(error).toBeInstanceOf(FullBatchFailureError);
    const recordErrors = (error as FullBatchFailureError).recordErrors;
    expect(recordErrors).toHaveLength(2);
    expect(recordErrors.map((e) => e.message)).toEqual([
      'stock table unavailable',
      'stock table unavailable',
    ]);
    expect(handled.sort()).toEqual(['ord_a', 'ord_b']);
  });

  it('F01 all records fail in sequential mode too: rethrown, not an empty list', async () => {
    const { consume } = consumer(
      async () => {
        throw new Error('stock table unavailable');
      },
      { parallel: false },
    );
    await expect(
      consume(eventOf(orderRecord('ord_a'), orderRecord('ord_b')), context),
    ).rejects.toBeInstanceOf(FullBatchFailureError);
  });

  it('F01 a handler throwing a non-Error value (a string, an object) still counts as that record’s failure', async () => {
    const { consume } = consumer(async (message) => {
      const { orderId } = message.detail;
      if (orderId === 'ord_string') throw 'stock table said no';
      if (orderId === 'ord_object') throw { code: 'Throttled', retryable: true };
      if (orderId === 'ord_undefined') throw undefined;
    });
    const response = await consume(
      eventOf(
        orderRecord('ord_string'),
        orderRecord('ord_ok'),
        orderRecord('ord_object'),
        orderRecord('ord_undefined'),
      ),
      context,
    );
    expect(failedIds(response)).toEqual(['msg-ord_object', 'msg-ord_string', 'msg-ord_undefined']);
  });

  it('F01 a batch where every handler throws a non-Error value is rethrown, naming what was thrown', async () => {
    const { consume } = consumer(async (message) => {
      throw message.detail.orderId === 'ord_a' ? 'plain string' : { code: 'Throttled' };
    });
    const error = await consume(eventOf(orderRecord('ord_a'), orderRecord('ord_b')), context).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FullBatchFailureError);
    const messages = (error as FullBatchFailureError).recordErrors.map((e) => e.message).sort();
    expect(messages).toEqual(['non-Error thrown: "plain string"', 'non-Error thrown: {"code":"Throttled"}']);
  });
});

describe('buildSqsConsumer: F02 partial-batch response shape', () => {
  it.each([
    ['in parallel', true],
    ['sequentially', false],
  ])(
    'F02 partial-batch response shape: 3 records, record 2 fails → only record 2 is reported (%s)',
    async (_, parallel) => {
      const { consume, handled } = consumer(
        async (message) => {
          if (message.detail.orderId === 'ord_2') throw new Error('conditional check failed');
        },
        { parallel },
      );
      const records = [orderRecord('ord_1'), orderRecord('ord_2'), orderRecord('ord_3')];
      const response = await consume(eventOf(...records), context);
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: records[1]!.messageId }] });
      expect(JSON.parse(JSON.stringify(response))).toStrictEqual({
        batchItemFailures: [{ itemIdentifier: 'msg-ord_2' }],
      });
      expect(handled.sort()).toEqual(['ord_1', 'ord_2', 'ord_3']);
    },
  );

  it('a batch with no failure answers an empty failure list', async () => {
    const { consume } = consumer(async () => {});
    await expect(consume(eventOf(orderRecord('ord_1'), orderRecord('ord_2')), context)).resolves.toEqual({
      batchItemFailures: [],
    });
  });

  it('one consumer invoked concurrently (the local runtime does) keeps each invocation’s failures apart', async () => {
    // Invocation A: a1 fails at once, a2 is slow. Invocation B starts while A is still running.
    const { consume } = consumer(async (message) => {
      const { orderId } = message.detail;
      if (orderId === 'ord_a1') throw new Error('a1 failed');
      if (orderId === 'ord_a2') await sleep(40);
      if (orderId === 'ord_b2') throw new Error('b2 failed');
    });
    const first = consume(eventOf(orderRecord('ord_a1'), orderRecord('ord_a2')), context);
    await sleep(10);
    const second = consume(
      eventOf(orderRecord('ord_b1'), orderRecord('ord_b2'), orderRecord('ord_b3')),
      context,
    );
    const [a, b] = await Promise.all([first, second]);
    expect(a).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-ord_a1' }] });
    expect(b).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-ord_b2' }] });
  });
});

describe('buildSqsConsumer: poison messages and the last attempt go to the DLQ with a reason', () => {
  it('a poison body goes to the DeadLetterPort with a reason naming the problem and is not reported failed', async () => {
    const dlq = recordingDeadLetter();
    const { consume, handled } = consumer(async () => {}, { deadLetter: dlq.port });
    const cancelled = {
      ...orderReceived('ord_x'),
      'detail-type': 'OrderCancelled',
      detail: { version: 1, correlationId: 'c', orderId: 'ord_x', reason: 'buyer cancelled' },
    };
    const missingOrderId = orderReceived('ord_y') as { detail: Record<string, unknown> };
    delete missingOrderId.detail.orderId;
    const unknownType = { ...orderReceived('ord_z'), 'detail-type': 'OrderTeleported' };

    const records = [
      sqsRecord('msg-not-json', '{"detail-type": "OrderReceived", '),
      sqsRecord('msg-wrong-type', JSON.stringify(cancelled)),
      sqsRecord('msg-missing-field', JSON.stringify(missingOrderId)),
      sqsRecord('msg-unknown-type', JSON.stringify(unknownType)),
      orderRecord('ord_good'),
    ];
    const response = await consume(eventOf(...records), context);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(handled).toEqual(['ord_good']);
    const reasons = Object.fromEntries(dlq.sent.map((s) => [s.messageId, s.reason]));
    expect(Object.keys(reasons).sort()).toEqual([
      'msg-missing-field',
      'msg-not-json',
      'msg-unknown-type',
      'msg-wrong-type',
    ]);
    expect(reasons['msg-not-json']).toMatch(/^poison message: SyntaxError: .*JSON/);
    expect(reasons['msg-wrong-type']).toMatch(
      /^poison message: PermanentError: expected OrderReceived, got OrderCancelled/,
    );
    expect(reasons['msg-missing-field']).toMatch(
      /^poison message: PermanentError: not a valid catalog event: .*orderId/s,
    );
    expect(reasons['msg-unknown-type']).toMatch(
      /not a valid catalog event: unknown detail-type "OrderTeleported"/,
    );
    // The body goes on unchanged so the message can be redriven once fixed.
    expect(dlq.sent.find((s) => s.messageId === 'msg-not-json')?.body).toBe(records[0]!.body);
  });

  it('a batch made only of poison messages is answered, not rethrown, once they are all in the DLQ', async () => {
    const dlq = recordingDeadLetter();
    const { consume } = consumer(async () => {}, { deadLetter: dlq.port });
    const response = await consume(eventOf(sqsRecord('m1', 'not json'), sqsRecord('m2', '[]')), context);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(dlq.sent.map((s) => s.messageId)).toEqual(['m1', 'm2']);
  });

  it('a failure on the last allowed attempt (ApproximateReceiveCount = maxReceiveCount) is forwarded with the error message as reason', async () => {
    const dlq = recordingDeadLetter();
    const { consume } = consumer(
      async () => {
        throw new Error('could not reserve stock for ord_last after 12 attempts (contention)');
      },
      { deadLetter: dlq.port, maxReceiveCount: 5 },
    );
    const last = orderRecord('ord_last', 5);
    const earlier = orderRecord('ord_earlier', 4);

    const response = await consume(eventOf(last, earlier), context);

    // Attempt 4 of 5: reported failed, SQS retries it. Attempt 5 of 5: in the DLQ with its reason.
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: earlier.messageId }] });
    expect(dlq.sent).toEqual([
      {
        messageId: last.messageId,
        body: last.body,
        reason: 'Error: could not reserve stock for ord_last after 12 attempts (contention)',
      },
    ]);
  });

  it('a receive count above maxReceiveCount is forwarded too, and a non-Error reason is described', async () => {
    const dlq = recordingDeadLetter();
    const { consume } = consumer(
      async () => {
        throw { code: 'Throttled' };
      },
      { deadLetter: dlq.port, maxReceiveCount: 3 },
    );
    const response = await consume(eventOf(orderRecord('ord_over', 7), orderRecord('ord_first', 1)), context);
    expect(failedIds(response)).toEqual(['msg-ord_first']);
    expect(dlq.sent.map((s) => [s.messageId, s.reason])).toEqual([
      ['msg-ord_over', 'non-Error thrown: {"code":"Throttled"}'],
    ]);
  });

  it('a PermanentError goes to the DLQ on its first attempt', async () => {
    const dlq = recordingDeadLetter();
    const { consume } = consumer(
      async () => {
        throw new PermanentError('order references an unknown product');
      },
      { deadLetter: dlq.port },
    );
    const response = await consume(eventOf(orderRecord('ord_p', 1), orderRecord('ord_q', 1)), context);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(dlq.sent.map((s) => s.reason)).toEqual([
      'PermanentError: order references an unknown product',
      'PermanentError: order references an unknown product',
    ]);
  });

  it('when the DeadLetterPort itself throws, the record is reported failed (nothing lost)', async () => {
    const dlq = recordingDeadLetter(new Error('SQS SendMessage: AccessDenied'));
    const { consume } = consumer(
      async (message) => {
        if (message.detail.orderId === 'ord_last') throw new Error('still failing');
      },
      { deadLetter: dlq.port, maxReceiveCount: 5 },
    );
    const poison = sqsRecord('msg-poison', 'not json');
    const last = orderRecord('ord_last', 5);
    const good = orderRecord('ord_good', 1);

    const response = await consume(eventOf(poison, last, good), context);

    expect(failedIds(response)).toEqual(['msg-ord_last', 'msg-poison']);
    expect(dlq.sent).toEqual([]);
  });

  it('when the DeadLetterPort throws for every record, the whole batch is rethrown', async () => {
    const dlq = recordingDeadLetter(new Error('DLQ unreachable'));
    const { consume } = consumer(async () => {}, { deadLetter: dlq.port });
    await expect(
      consume(eventOf(sqsRecord('m1', 'x'), sqsRecord('m2', 'y')), context),
    ).rejects.toBeInstanceOf(FullBatchFailureError);
  });

  it('without a DeadLetterPort a poison message is reported failed (the redrive policy moves it later)', async () => {
    const { consume } = consumer(async () => {});
    const response = await consume(
      eventOf(sqsRecord('msg-poison', 'not json'), orderRecord('ord_good')),
      context,
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-poison' }] });
  });
});

describe('batch-level I/O (begin once before the records, commit once after)', () => {
  const parse = catalogEventParser(['OrderReceived']);

  it('begins with every readable message, lets each record add to the batch, and commits once', async () => {
    const begun: string[][] = [];
    const committed: string[][] = [];
    const consume = buildSqsConsumer<BusEvent<'OrderReceived'>, string[]>({
      logger,
      maxReceiveCount: 5,
      deadLetter: recordingDeadLetter().port,
      parse,
      batch: {
        begin: async (messages) => {
          begun.push(messages.map((m) => m.detail.orderId));
          return [];
        },
        commit: async (written) => {
          committed.push([...written].sort());
        },
      },
      handle: async (message, _record, _context, written) => {
        written.push(message.detail.orderId);
      },
    });

    const response = await consume(
      eventOf(orderRecord('ord_1'), sqsRecord('poison', 'not json'), orderRecord('ord_2')),
      context,
    );

    expect(response).toEqual({ batchItemFailures: [] });
    expect(begun).toEqual([['ord_1', 'ord_2']]);
    expect(committed).toEqual([['ord_1', 'ord_2']]);
  });

  it('a failed commit fails the whole batch, so every record comes back (nothing lost)', async () => {
    const consume = buildSqsConsumer<BusEvent<'OrderReceived'>, undefined>({
      logger,
      maxReceiveCount: 5,
      parse,
      batch: {
        begin: async () => undefined,
        commit: async () => {
          throw new Error('BatchWrite unavailable');
        },
      },
      handle: async () => {},
    });

    await expect(consume(eventOf(orderRecord('ord_1'), orderRecord('ord_2')), context)).rejects.toThrow(
      'BatchWrite unavailable',
    );
  });

  it('a record that fails is still reported on its own while the others commit', async () => {
    const committed: string[] = [];
    const consume = buildSqsConsumer<BusEvent<'OrderReceived'>, string[]>({
      logger,
      maxReceiveCount: 5,
      parse,
      batch: { begin: async () => [], commit: async (written) => void committed.push(...written) },
      handle: async (message, _record, _context, written) => {
        if (message.detail.orderId === 'ord_2') throw new Error('carrier down');
        written.push(message.detail.orderId);
      },
    });

    const response = await consume(eventOf(orderRecord('ord_1'), orderRecord('ord_2')), context);

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-ord_2' }] });
    expect(committed).toEqual(['ord_1']);
  });
});
