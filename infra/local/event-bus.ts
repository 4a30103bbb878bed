/**
 * The local twin of an EventBridge custom bus. `putEvents` validates entries as PutEvents does
 * (1-10 entries per call, else the whole call fails; per-entry errors for a malformed detail, a
 * missing source or detail-type, an `aws.` source, an unknown bus name, an entry over 256 KB), builds
 * the envelope EventBridge delivers, and hands it to the target of every rule whose pattern matches
 * (the same `matchesPattern` the rules are declared with, so routing is identical to AWS).
 *
 * Delivery happens before `putEvents` returns: a queue target has the message when the publisher's
 * call completes. Each target gets its own copy of the envelope (parsed from its JSON, as a target
 * on AWS would). A target that throws or rejects is counted and reported through `onDeliveryError`
 * (console.error by default) and kept in `failedDeliveries()`: nothing is dropped silently.
 */
import { randomUUID } from 'node:crypto';
import type { BusEvent } from '../../events/catalog.js';
import { type EventPattern, matchesPattern, validatePattern } from './event-pattern.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './lambda-context.js';

export type BusTarget = (event: BusEvent) => void | Promise<void>;

export interface LocalBusRule {
  name: string;
  pattern: EventPattern;
  target: BusTarget;
}

export interface PutEventsEntry {
  source: string;
  detailType: string;
  /** A JSON object, or its JSON text. */
  detail: unknown;
  time?: Date;
  resources?: string[];
  /** When given, must name this bus (or be its ARN), as on AWS. */
  eventBusName?: string;
}

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: PutEventsResultEntry[];
}

export interface DeliveryFailure {
  rule: string;
  eventId: string;
  detailType: string;
  error: unknown;
}

export interface LocalEventBusOptions {
  name: string;
  rules: readonly LocalBusRule[];
  account?: string;
  region?: string;
  /** Keep the last N events for inspection (`archive()`). Default 0: none. */
  archiveSize?: number;
  onDeliveryError?: (failure: DeliveryFailure) => void;
}

export interface LocalEventBusStats {
  putEventsCalls: number;
  entries: number;
  failedEntries: number;
  /** Accepted events per detail-type. */
  byDetailType: Record<string, number>;
  /** Per rule: events matched, deliveries that failed. */
  byRule: Record<string, { matched: number; failed: number }>;
  pendingDeliveries: number;
}

/** PutEvents rejected as a whole (AWS answers with a ValidationException, not per-entry errors). */
export class PutEventsValidationError extends Error {
  override readonly name = 'ValidationException';
}

export const MAX_ENTRIES_PER_PUT_EVENTS = 10;
/** Maximum PutEvents entry size, computed as EventBridge documents it. */
export const MAX_ENTRY_BYTES = 256 * 1024;
const MAX_KEPT_FAILURES = 1000;

function entrySize(entry: PutEventsEntry, detailJson: string): number {
  let size = entry.time !== undefined ? 14 : 0;
  size += Buffer.byteLength(entry.source, 'utf8') + Buffer.byteLength(entry.detailType, 'utf8');
  size += Buffer.byteLength(detailJson, 'utf8');
  for (const resource of entry.resources ?? []) size += Buffer.byteLength(resource, 'utf8');
  return size;
}

/** EventBridge's `time`: RFC 3339 in UTC, whole seconds. */
function eventTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function entryError(code: string, message: string): PutEventsResultEntry {
  return { ErrorCode: code, ErrorMessage: message };
}

export class LocalEventBus {
  readonly name: string;
  readonly arn: string;
  private readonly account: string;
  private readonly region: string;
  private readonly rules: readonly LocalBusRule[];
  private readonly archiveSize: number;
  private readonly archived: BusEvent[] = [];
  private archiveNext = 0;
  private readonly onDeliveryError: (failure: DeliveryFailure) => void;
  private readonly failures: DeliveryFailure[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly counters = {
    putEventsCalls: 0,
    entries: 0,
    failedEntries: 0,
    byDetailType: new Map<string, number>(),
    byRule: new Map<string, { matched: number; failed: number }>(),
  };

  constructor(options: LocalEventBusOptions) {
    if (!/^[A-Za-z0-9._-]{1,256}$/.test(options.name))
      throw new Error(`LocalEventBus: invalid bus name "${options.name}"`);
    this.name = options.name;
    this.account = options.account ?? LOCAL_ACCOUNT_ID;
    this.region = options.region ?? LOCAL_REGION;
    this.arn = `arn:aws:events:${this.region}:${this.account}:event-bus/${this.name}`;
    const names = new Set<string>();
    for (const rule of options.rules) {
      if (names.has(rule.name))
        throw new Error(`LocalEventBus ${this.name}: duplicate rule name "${rule.name}"`);
      names.add(rule.name);
      try {
        validatePattern(rule.pattern);
      } catch (error) {
        throw new Error(
          `LocalEventBus ${this.name}: rule ${rule.name} has an invalid pattern: ${(error as Error).message}`,
        );
      }
      this.counters.byRule.set(rule.name, { matched: 0, failed: 0 });
    }
    this.rules = [...options.rules];
    this.archiveSize = Math.max(0, Math.floor(options.archiveSize ?? 0));
    this.onDeliveryError =
      options.onDeliveryError ??
      ((failure) => {
        console.error(
          `[local bus ${this.name}] rule ${failure.rule} failed to deliver ${failure.detailType} ${failure.eventId}:`,
          failure.error,
        );
      });
  }

  putEvents(entries: readonly PutEventsEntry[]): PutEventsResult {
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES_PER_PUT_EVENTS) {
      const count = Array.isArray(entries) ? entries.length : 'no';
      throw new PutEventsValidationError(
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES_PER_PUT_EVENTS} (got ${count} entries)`,
      );
    }
    this.counters.putEventsCalls += 1;
    const results: PutEventsResultEntry[] = [];
    const accepted: Array<{ envelope: BusEvent; json: string }> = [];
    for (const entry of entries) {
      const checked = this.check(entry);
      if ('error' in checked) {
        results.push(checked.error);
        continue;
      }
      const envelope = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.detailType,
        source: entry.source,
        account: this.account,
        time: eventTime(entry.time ?? new Date()),
        region: this.region,
        resources: [...(entry.resources ?? [])],
        detail: checked.detail,
      } as BusEvent;
      results.push({ EventId: envelope.id });
      accepted.push({ envelope, json: JSON.stringify(envelope) });
    }
    const failed = results.filter((r) => 'ErrorCode' in r).length;
    this.counters.entries += entries.length;
    this.counters.failedEntries += failed;
    for (const { envelope, json } of accepted) this.deliver(envelope, json);
    return { FailedEntryCount: failed, Entries: results };
  }

  private check(
    entry: PutEventsEntry,
  ): { detail: Record<string, unknown> } | { error: PutEventsResultEntry } {
    if (typeof entry?.source !== 'string' || entry.source === '') {
      return {
        error: entryError(
          'InvalidArgument',
          'Parameter Source is not valid. Reason: Source is a required argument.',
        ),
      };
    }
    if (typeof entry.detailType !== 'string' || entry.detailType === '') {
      return {
        error: entryError(
          'InvalidArgument',
          'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
        ),
      };
    }
    if (entry.source.startsWith('aws.')) {
      return { error: entryError('NotAuthorizedForSourceException', 'Not authorized for the source.') };
    }
    if (
      entry.eventBusName !== undefined &&
      entry.eventBusName !== this.name &&
      entry.eventBusName !== this.arn
    ) {
      return {
        error: entryError('ResourceNotFoundException', `Event bus ${entry.eventBusName} does not exist.`),
      };
    }
    if (entry.time !== undefined && !(entry.time instanceof Date && Number.isFinite(entry.time.getTime()))) {
      return { error: entryError('InvalidArgument', 'Parameter Time is not valid.') };
    }
    let detailJson: string | undefined;
    let detail: unknown;
    try {
      detailJson = typeof entry.detail === 'string' ? entry.detail : JSON.stringify(entry.detail);
      detail = detailJson === undefined ? undefined : JSON.parse(detailJson);
    } catch {
      detail = undefined;
    }
    if (detailJson === undefined || !isPlainObject(detail)) {
      return { error: entryError('MalformedDetail', 'Detail is malformed.') };
    }
    const size = entrySize(entry, detailJson);
    if (size > MAX_ENTRY_BYTES) {
      return {
        error: entryError(
          'InvalidArgument',
          `Event entry size ${size} bytes exceeds the maximum of ${MAX_ENTRY_BYTES} bytes.`,
        ),
      };
    }
    return { detail };
  }

  private deliver(envelope: BusEvent, json: string): void {
    const detailType = envelope['detail-type'];
    this.counters.byDetailType.set(detailType, (this.counters.byDetailType.get(detailType) ?? 0) + 1);
    if (this.archiveSize > 0) {
      this.archived[this.archiveNext] = JSON.parse(json) as BusEvent;
      this.archiveNext = (this.archiveNext + 1) % this.archiveSize;
    }
    for (const rule of this.rules) {
      if (!matchesPattern(rule.pattern, envelope)) continue;
      this.counters.byRule.get(rule.name)!.matched += 1;
      const fail = (error: unknown) =>
        this.recordFailure({ rule: rule.name, eventId: envelope.id, detailType, error });
      try {
        const result = rule.target(JSON.parse(json) as BusEvent);
        if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
          const tracked: Promise<void> = Promise.resolve(result).then(
            () => undefined,
            (error: unknown) => fail(error),
          );
          this.pending.add(tracked);
          void tracked.finally(() => this.pending.delete(tracked));
        }
      } catch (error) {
        fail(error);
      }
    }
  }

  private recordFailure(failure: DeliveryFailure): void {
    this.counters.byRule.get(failure.rule)!.failed += 1;
    this.failures.push(failure);
    if (this.failures.length > MAX_KEPT_FAILURES) this.failures.shift();
    try {
      this.onDeliveryError(failure);
    } catch {
      // An observer must not break publishing.
    }
  }

  /** Resolves when every asynchronous target delivery started so far has finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  stats(): LocalEventBusStats {
    const byRule: Record<string, { matched: number; failed: number }> = {};
    for (const [name, counts] of this.counters.byRule) byRule[name] = { ...counts };
    return {
      putEventsCalls: this.counters.putEventsCalls,
      entries: this.counters.entries,
      failedEntries: this.counters.failedEntries,
      byDetailType: Object.fromEntries(this.counters.byDetailType),
      byRule,
      pendingDeliveries: this.pending.size,
    };
  }

  /** The last `archiveSize` accepted events, oldest first (copies). */
  archive(): BusEvent[] {
    if (this.archiveSize === 0) return [];
    const full = this.archived.length === this.archiveSize;
    const ordered = full
      ? [...this.archived.slice(this.archiveNext), ...this.archived.slice(0, this.archiveNext)]
      : [...this.archived];
    return ordered.map((event) => structuredClone(event));
  }

  /** Target failures kept so far (the last 1000). */
  failedDeliveries(): DeliveryFailure[] {
    return [...this.failures];
  }
}

/** A rule target that sends the envelope's JSON to a queue, as an EventBridge SQS target does. */
export function queueTarget(queue: { send(body: string): string }): BusTarget {
  return (event) => {
    queue.send(JSON.stringify(event));
  };
}
