/**
 * Publishing domain events. The EventBridge adapter retries only the entries PutEvents reports as
 * failed (HTTP 200 with FailedEntryCount > 0, F05), with jittered backoff, and fails loudly when
 * attempts run out; a wrong bus name surfaces on the first publish as an error, never silently.
 */
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { type DomainEvent, EVENT_CATALOG } from '../../events/catalog.js';

export interface EventPublisher {
  publish(events: DomainEvent[]): Promise<void>;
}

export class PublishError extends Error {
  override readonly name = 'PublishError';
}

/** The raw PutEvents call: EventBridge on AWS, the in-process bus locally. */
export type PutEvents = (entries: PutEventsRequestEntry[]) => Promise<{
  FailedEntryCount?: number;
  Entries?: Array<{ EventId?: string; ErrorCode?: string; ErrorMessage?: string }>;
}>;

export function eventBridgePutEvents(client: EventBridgeClient): PutEvents {
  return (entries) => client.send(new PutEventsCommand({ Entries: entries }));
}

const MAX_ENTRIES = 10;

export function createEventPublisher(options: {
  busName: string;
  putEvents: PutEvents;
  attempts?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}): EventPublisher {
  const attempts = options.attempts ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 50;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));

  async function putChunk(chunk: PutEventsRequestEntry[]): Promise<void> {
    let pending = chunk;
    for (let attempt = 1; ; attempt++) {
      const result = await options.putEvents(pending);
      if (!result.FailedEntryCount) return;
      const failed: PutEventsRequestEntry[] = [];
      const errors: string[] = [];
      (result.Entries ?? []).forEach((entry, index) => {
        const original = pending[index];
        if (entry.ErrorCode && original) {
          failed.push(original);
          errors.push(`${original.DetailType}: ${entry.ErrorCode} ${entry.ErrorMessage ?? ''}`.trim());
        }
      });
      if (failed.length === 0) {
        throw new PublishError(
          `PutEvents reported ${result.FailedEntryCount} failed entries without naming them`,
        );
      }
      if (attempt >= attempts) {
        throw new PublishError(
          `PutEvents to bus "${options.busName}" failed for ${failed.length} entries after ${attempts} attempts: ${errors.join('; ')}`,
        );
      }
      pending = failed;
      await sleep(Math.random() * baseDelayMs * 2 ** attempt);
    }
  }

  return {
    async publish(events) {
      const entries = events.map((event): PutEventsRequestEntry => {
        const spec = EVENT_CATALOG[event.detailType];
        return {
          EventBusName: options.busName,
          Source: spec.source,
          DetailType: event.detailType,
          // Validate on the way out: a malformed event is a bug here, not a consumer's problem.
          Detail: JSON.stringify(spec.schema.parse(event.detail)),
        };
      });
      for (let i = 0; i < entries.length; i += MAX_ENTRIES) {
        await putChunk(entries.slice(i, i + MAX_ENTRIES));
      }
    },
  };
}
