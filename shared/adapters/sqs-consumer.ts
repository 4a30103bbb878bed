/**
 * Every queue consumer goes through here: Powertools' BatchProcessor reports partial batch
 * failures (only the failed records come back; F01/F02), and no failed message is lost without a
 * reason: a poison message (unreadable, invalid) or one failing its last allowed attempt is
 * forwarded to the queue's DLQ with the reason attached, then removed from the source queue.
 * If that forward itself fails, the record is reported failed and SQS's redrive policy still
 * moves it to the DLQ after maxReceiveCount.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type BusEvent, type DetailType, parseBusEvent } from '../../events/catalog.js';

/** An error that no retry can fix (a malformed message): straight to the DLQ. */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
}

export interface DeadLetterPort {
  send(record: SQSRecord, reason: string): Promise<void>;
}

export function sqsDeadLetter(client: SQSClient, queueUrl: string): DeadLetterPort {
  return {
    async send(record, reason) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: record.body,
          MessageAttributes: {
            deadLetterReason: { DataType: 'String', StringValue: reason.slice(0, 4000) },
            sourceMessageId: { DataType: 'String', StringValue: record.messageId },
            receiveCount: { DataType: 'Number', StringValue: record.attributes.ApproximateReceiveCount },
          },
        }),
      );
    },
  };
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return `non-Error thrown: ${JSON.stringify(error)}`;
  } catch {
    return `non-Error thrown: ${String(error)}`;
  }
}

export interface ConsumerOptions<T, S = undefined> {
  /** Parses and validates one message body; throw PermanentError (or any error) when unreadable. */
  parse: (body: unknown) => T;
  handle: (message: T, record: SQSRecord, context: Context, batch: S) => Promise<void>;
  /**
   * Optional batch-level I/O: `begin` runs once before the records (e.g. one BatchGetItem for
   * what every record needs), `commit` once after them (e.g. one BatchWriteItem of what they
   * produced). DynamoDB charges per request far more than per item, so this is where a batch
   * of ten costs one round trip instead of ten. If either fails, the whole batch is retried:
   * handlers using it must be idempotent (they all are).
   */
  batch?: { begin: (messages: T[]) => Promise<S>; commit: (state: S) => Promise<void> };
  logger: Logger;
  deadLetter?: DeadLetterPort;
  maxReceiveCount: number;
  /** Records are independent: process them concurrently within a batch. */
  parallel?: boolean;
}

type Parsed<T> = { ok: true; message: T } | { ok: false; error: unknown };

export function buildSqsConsumer<T, S = undefined>(options: ConsumerOptions<T, S>) {
  function parse(record: SQSRecord): Parsed<T> {
    try {
      return { ok: true, message: options.parse(JSON.parse(record.body)) };
    } catch (error) {
      return { ok: false, error };
    }
  }

  async function processRecord(
    record: SQSRecord,
    parsed: Parsed<T>,
    context: Context,
    batch: S,
  ): Promise<void> {
    if (!parsed.ok) {
      await forwardOrThrow(record, `poison message: ${describeError(parsed.error)}`, parsed.error);
      return;
    }
    try {
      await options.handle(parsed.message, record, context, batch);
    } catch (error) {
      const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1');
      const permanent = error instanceof PermanentError;
      options.logger.warn('record failed', {
        messageId: record.messageId,
        receiveCount,
        permanent,
        reason: describeError(error),
      });
      if (permanent || receiveCount >= options.maxReceiveCount) {
        await forwardOrThrow(record, describeError(error), error);
        return;
      }
      throw error instanceof Error ? error : new Error(describeError(error));
    }
  }

  async function forwardOrThrow(record: SQSRecord, reason: string, cause: unknown): Promise<void> {
    if (!options.deadLetter) throw cause instanceof Error ? cause : new Error(reason);
    await options.deadLetter.send(record, reason);
    options.logger.error('message moved to DLQ', { messageId: record.messageId, reason });
  }

  return async function consume(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    const parsed = new Map(event.Records.map((record) => [record, parse(record)] as const));
    const messages = [...parsed.values()].flatMap((p) => (p.ok ? [p.message] : []));
    const batch = (options.batch ? await options.batch.begin(messages) : undefined) as S;
    // One processor per invocation: a BatchProcessor keeps the batch's records, failures and
    // context as instance state (outside Lambda's InvokeStore), so a processor shared by
    // concurrent invocations (the local runtime runs several at once) mixes up their failure lists.
    const processor = new BatchProcessor(EventType.SQS);
    const response = await processPartialResponse(
      event,
      (record: SQSRecord) => processRecord(record, parsed.get(record) ?? parse(record), context, batch),
      processor,
      { context, processInParallel: options.parallel ?? true },
    );
    if (options.batch) await options.batch.commit(batch);
    return response;
  };
}

/**
 * Parses a queue message as a catalog event of one of the expected types; anything else is a
 * poison message (PermanentError), not something a retry could fix.
 */
export function catalogEventParser<T extends DetailType>(
  expected: readonly T[],
): (body: unknown) => BusEvent<T> {
  return (body) => {
    let event: BusEvent;
    try {
      event = parseBusEvent(body);
    } catch (error) {
      throw new PermanentError(`not a valid catalog event: ${(error as Error).message}`);
    }
    if (!(expected as readonly string[]).includes(event['detail-type'])) {
      throw new PermanentError(`expected ${expected.join(' or ')}, got ${event['detail-type']}`);
    }
    return event as BusEvent<T>;
  };
}
