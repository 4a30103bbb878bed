/**
 * The local twin of an SQS standard queue together with the Lambda event source mapping that drains
 * it (ReportBatchItemFailures on, maximum concurrency set), so consumers see what they see on AWS:
 *
 * - at-least-once delivery; a received message is invisible for the visibility timeout counted from
 *   the receive, whatever the consumer does, and reappears when it expires (even while a slow
 *   invocation still runs: F03 reproduces locally);
 * - every receive increments the receive count (`ApproximateReceiveCount`) and issues a fresh receipt
 *   handle; a message whose next receive would exceed maxReceiveCount goes to the dead-letter queue
 *   instead, with the reason of the failure that last affected it (F04);
 * - batches of up to batchSize records (and at most 6 MB, Lambda's payload limit), waiting up to the
 *   batching window for a batch to fill, never longer;
 * - at most maxConcurrency invocations in flight;
 * - the batch response is judged as Lambda documents it ("Success and failure conditions" of
 *   services-sqs-errorhandling): null/empty response or list → every record succeeded; listed
 *   itemIdentifiers → only those stay; a thrown error (any value), an invalid JSON response, a null,
 *   empty or misnamed itemIdentifier, or one naming a message not in the batch → the whole batch
 *   failed (F01, F02). An invocation still running at the function timeout is a failure of the whole
 *   batch; its later result is ignored.
 *
 * Cost per message is O(log n): visible messages sit in a FIFO, invisible ones in an indexed min-heap
 * keyed on the time they become visible, with ONE timer for the earliest of them. The only other
 * timers are one batching-window timer per queue and one timeout per running invocation (at most
 * maxConcurrency). `stop()` clears them all.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Context, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { createLambdaContext, LOCAL_ACCOUNT_ID, LOCAL_REGION } from './lambda-context.js';

export interface LocalQueueSpec {
  batchSize: number;
  batchingWindowSeconds: number;
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  maxConcurrency: number;
}

/** What a consumer may return; anything else is judged at run time as Lambda would judge it. */
export type QueueConsumerResult =
  | { batchItemFailures?: Array<{ itemIdentifier: string }> | null }
  | undefined
  // biome-ignore lint/suspicious/noConfusingVoidType: consumers are Lambda handlers, which may return nothing
  | void;

export type QueueConsumer = (
  event: SQSEvent,
  context: Context,
) => Promise<QueueConsumerResult> | QueueConsumerResult;

export type QueueErrorKind =
  /** The consumer threw or rejected: every record of the batch failed. */
  | 'invocation-error'
  /** The consumer ran past the function timeout: every record of the batch failed. */
  | 'timeout'
  /** The consumer's response was not a valid batch response: every record of the batch failed. */
  | 'invalid-response'
  /** The consumer reported some records as failed. */
  | 'partial-failure'
  /** A message was moved to the dead-letter queue. */
  | 'dead-lettered'
  /** A consumer that had already timed out finished later; its result was ignored. */
  | 'late-result';

export interface QueueErrorInfo {
  queue: string;
  kind: QueueErrorKind;
  messageIds: string[];
  reason: string;
  error?: unknown;
}

export interface LocalQueueOptions {
  name: string;
  spec: LocalQueueSpec;
  consumer?: QueueConsumer;
  /** Name the consumer's Lambda context carries. Default `<queue name>-consumer`. */
  functionName?: string;
  /** The consumer's function timeout. Without it no timeout is enforced. */
  functionTimeoutSeconds?: number;
  memoryMb?: number;
  deadLetter?: LocalQueue;
  /** Multiplies every duration: 0.01 makes a 180 s visibility timeout 1.8 s. Default 1. */
  timeScale?: number;
  /**
   * Real milliseconds a received message stays invisible while the invocation holding it still
   * runs; after the invocation reports it failed, the (scaled) visibility timeout from its receive
   * applies. On AWS the visibility timeout is ≥ 6× the function timeout (F03), so a running handler
   * is never overtaken by a redelivery; a scaled-down local run keeps that guarantee with this and
   * still retries failures quickly. Default: the scaled visibility timeout (plain SQS semantics).
   */
  inflightVisibilityMs?: number;
  onError?: (info: QueueErrorInfo) => void;
  region?: string;
  accountId?: string;
}

export interface SendOptions {
  /** SQS DelaySeconds (0-900): the message stays invisible this long (× timeScale) after sending. */
  delaySeconds?: number;
}

export interface LocalQueueStats {
  /** Messages that can be received now. */
  visible: number;
  /** Received and not deleted (SQS's "not visible"): held by a running invocation or awaiting retry. */
  inFlight: number;
  /** Of `inFlight`: failed or abandoned receives waiting for their visibility timeout to expire. */
  awaitingRetry: number;
  /** Sent with a delay that has not elapsed yet. */
  delayed: number;
  /** Messages moved to the dead-letter queue (or the internal dead-letter list) so far. */
  deadLettered: number;
  /** SendMessage calls (messages moved in by a redrive policy or `redrive()` are not counted). */
  sent: number;
  deleted: number;
  redriven: number;
  invocations: number;
  failedInvocations: number;
  timedOutInvocations: number;
  /** Invocations running now (not counting ones abandoned at their timeout). */
  inFlightInvocations: number;
  /** The most invocations ever in flight at once: never above spec.maxConcurrency. */
  maxInFlightSeen: number;
}

export interface DeadLetter {
  messageId: string;
  body: string;
  receiveCount: number;
  reason: string;
}

/** What a queue holds, for inspection (e.g. the contents of a dead-letter queue). */
export interface QueuedMessage {
  messageId: string;
  body: string;
  attributes: Record<string, string>;
  receiveCount: number;
  state: 'visible' | 'in-flight' | 'delayed';
  sentTimestamp: number;
}

/** SQS's maximum message size (1 MiB since January 2026). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Lambda's synchronous invocation payload limit, which also caps an SQS batch. */
const MAX_BATCH_PAYLOAD_BYTES = 6 * 1024 * 1024;
const MAX_DELAY_SECONDS = 900;
const MAX_REASON_CHARS = 16 * 1024;
const SENDER_ID = 'AIDALOCALRUNTIME00000';
export const DEAD_LETTER_REASON_ATTRIBUTE = 'deadLetterReason';
export const DEAD_LETTER_RECEIVE_COUNT_ATTRIBUTE = 'deadLetterReceiveCount';
export const DEAD_LETTER_SOURCE_ATTRIBUTE = 'deadLetterSourceQueue';
/** Characters SQS accepts in a message body (anything else is InvalidMessageContents). */
const INVALID_SQS_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export const PARTIAL_FAILURE_REASON = 'batch item failure reported by consumer';

type MessageState = 'visible' | 'inflight' | 'waiting' | 'delayed' | 'deleted';

interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly bytes: number;
  readonly attributes: Readonly<Record<string, string>>;
  readonly md5OfBody: string;
  readonly md5OfMessageAttributes: string | undefined;
  readonly sentTimestamp: number;
  readonly deadLetterSourceArn: string | undefined;
  firstReceiveTimestamp: number | undefined;
  receiveCount: number;
  receiptHandle: string | undefined;
  state: MessageState;
  /** When the current receive started. */
  receivedAt: number | undefined;
  /** For inflight/waiting/delayed: when the message becomes visible (the heap key). */
  visibleAt: number;
  /** When the message last became visible (the batching window runs from the oldest). */
  visibleSince: number;
  heapIndex: number;
  /** Order of entry into the heap: ties on `visibleAt` keep send/receive order. */
  heapSeq: number;
  /** Bumped each time the message enters the FIFO; older FIFO entries are stale. */
  fifoToken: number;
  lastFailure: string | undefined;
}

function earlier(a: StoredMessage, b: StoredMessage): boolean {
  return a.visibleAt < b.visibleAt || (a.visibleAt === b.visibleAt && a.heapSeq < b.heapSeq);
}

/** Min-heap on (`visibleAt`, entry order) whose elements know their index, so removal is O(log n). */
class VisibilityHeap {
  private readonly items: StoredMessage[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  peek(): StoredMessage | undefined {
    return this.items[0];
  }

  push(message: StoredMessage): void {
    this.seq += 1;
    message.heapSeq = this.seq;
    message.heapIndex = this.items.length;
    this.items.push(message);
    this.up(message.heapIndex);
  }

  remove(message: StoredMessage): void {
    const index = message.heapIndex;
    if (index < 0) return;
    message.heapIndex = -1;
    const last = this.items.pop()!;
    if (index === this.items.length) return;
    this.items[index] = last;
    last.heapIndex = index;
    this.down(index);
    this.up(last.heapIndex);
  }

  private up(start: number): void {
    let index = start;
    const item = this.items[index]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = this.items[parentIndex]!;
      if (!earlier(item, parent)) break;
      this.items[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    this.items[index] = item;
    item.heapIndex = index;
  }

  private down(start: number): void {
    let index = start;
    const length = this.items.length;
    const item = this.items[index]!;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && earlier(this.items[right]!, this.items[left]!)) child = right;
      const childItem = this.items[child]!;
      if (!earlier(childItem, item)) break;
      this.items[index] = childItem;
      childItem.heapIndex = index;
      index = child;
    }
    this.items[index] = item;
    item.heapIndex = index;
  }
}

/** FIFO with O(1) amortised shift; entries are validated lazily (see `fifoToken`). */
class Fifo {
  private items: Array<{ message: StoredMessage; token: number }> = [];
  private head = 0;

  push(message: StoredMessage): void {
    this.items.push({ message, token: message.fifoToken });
  }

  /** The oldest entry that is still a visible message, discarding stale entries on the way. */
  peekLive(): StoredMessage | undefined {
    while (this.head < this.items.length) {
      const entry = this.items[this.head]!;
      if (entry.message.state === 'visible' && entry.message.fifoToken === entry.token) return entry.message;
      this.head += 1;
    }
    this.compact();
    return undefined;
  }

  shift(): void {
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.items.length) this.compact();
  }

  private compact(): void {
    this.items = this.items.slice(this.head);
    this.head = 0;
  }
}

interface Delivery {
  message: StoredMessage;
  receiptHandle: string;
}

interface Invocation {
  readonly deliveries: Delivery[];
  readonly ids: ReadonlySet<string>;
  settled: boolean;
  timer: NodeJS.Timeout | undefined;
  readonly done: Promise<void>;
  resolveDone: () => void;
}

type Outcome = { kind: 'result'; value: unknown } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

type Verdict =
  | { kind: 'success' }
  | { kind: 'partial'; failed: ReadonlySet<string> }
  | { kind: 'all-failed'; errorKind: QueueErrorKind; reason: string; error?: unknown };

interface DrainWaiter {
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

function md5(data: string | Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/** SQS's MD5 of message attributes: name, type, transport type 1 (String), value; sorted by name. */
function md5OfAttributes(attributes: Readonly<Record<string, string>>): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const parts: Buffer[] = [];
  const lengthPrefixed = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of names) {
    lengthPrefixed(name);
    lengthPrefixed('String');
    parts.push(Buffer.from([1]));
    lengthPrefixed(attributes[name]!);
  }
  return md5(Buffer.concat(parts));
}

function toMessageAttributes(attributes: Readonly<Record<string, string>>): SQSMessageAttributes {
  const result: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes)) {
    result[name] = { stringValue: value, stringListValues: [], binaryListValues: [], dataType: 'String' };
  }
  return result;
}

/** A failure as a human-readable reason: stack (or message) for errors, JSON for other values. */
export function describeFailure(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  let rendered: string;
  try {
    rendered = JSON.stringify(error) ?? String(error);
  } catch {
    rendered = String(error);
  }
  return `non-Error value thrown: ${rendered}`;
}

function truncate(text: string): string {
  return text.length <= MAX_REASON_CHARS ? text : `${text.slice(0, MAX_REASON_CHARS)}… (truncated)`;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}`;
}

/**
 * Judges a consumer's response as Lambda does with ReportBatchItemFailures. The value is first put
 * through JSON, as Lambda serialises it: what cannot be serialised is "an invalid JSON response".
 */
export function judgeBatchResponse(
  value: unknown,
  batchIds: ReadonlySet<string>,
): { ok: true; failed: ReadonlySet<string> } | { ok: false; reason: string } {
  if (value === undefined || value === null) return { ok: true, failed: new Set() };
  let response: unknown;
  try {
    const json = JSON.stringify(value);
    response = json === undefined ? null : JSON.parse(json);
  } catch (error) {
    return {
      ok: false,
      reason: `invalid JSON response: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  if (response === null) return { ok: true, failed: new Set() };
  if (typeof response !== 'object' || Array.isArray(response)) {
    return {
      ok: false,
      reason: `invalid batch response: expected {"batchItemFailures":[...]}, got ${JSON.stringify(response).slice(0, 200)}`,
    };
  }
  const failures = (response as Record<string, unknown>)['batchItemFailures'];
  if (failures === undefined || failures === null) return { ok: true, failed: new Set() };
  if (!Array.isArray(failures))
    return { ok: false, reason: 'invalid batch response: batchItemFailures is not a list' };
  const failed = new Set<string>();
  for (const [index, item] of failures.entries()) {
    const where = `batchItemFailures[${index}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      return { ok: false, reason: `invalid batch response: ${where} is not an object` };
    }
    if (!Object.hasOwn(item, 'itemIdentifier')) {
      return { ok: false, reason: `invalid batch response: ${where} has no itemIdentifier (bad key name?)` };
    }
    const id = (item as Record<string, unknown>)['itemIdentifier'];
    if (id === null) return { ok: false, reason: `invalid batch response: ${where}.itemIdentifier is null` };
    if (typeof id !== 'string')
      return { ok: false, reason: `invalid batch response: ${where}.itemIdentifier is not a string` };
    if (id === '')
      return { ok: false, reason: `invalid batch response: ${where}.itemIdentifier is an empty string` };
    if (!batchIds.has(id)) {
      return {
        ok: false,
        reason: `invalid batch response: ${where}.itemIdentifier "${id}" is not a message of this batch`,
      };
    }
    failed.add(id);
  }
  return { ok: true, failed };
}

export class LocalQueue {
  readonly name: string;
  readonly arn: string;
  readonly spec: Readonly<LocalQueueSpec>;

  private readonly consumer: QueueConsumer | undefined;
  private readonly functionName: string;
  private readonly functionTimeoutSeconds: number | undefined;
  private readonly memoryMb: number;
  private readonly deadLetterQueue: LocalQueue | undefined;
  private readonly timeScale: number;
  private readonly onError: (info: QueueErrorInfo) => void;
  private readonly region: string;
  private readonly accountId: string;
  private readonly visibilityMs: number;
  private readonly inflightVisibilityMs: number;
  private readonly windowMs: number;
  private readonly functionTimeoutMs: number | undefined;

  private readonly messages = new Map<string, StoredMessage>();
  private readonly fifo = new Fifo();
  private readonly heap = new VisibilityHeap();
  private readonly internalDeadLetters: Array<DeadLetter & { attributes: Record<string, string> }> = [];
  private readonly liveInvocations = new Set<Invocation>();
  private drainWaiters: DrainWaiter[] = [];

  private running = false;
  private pumpScheduled = false;
  private heapTimer: NodeJS.Timeout | undefined;
  private heapTimerAt = Number.POSITIVE_INFINITY;
  private windowTimer: NodeJS.Timeout | undefined;
  private windowTimerAt = Number.POSITIVE_INFINITY;

  private counts = { visible: 0, inflight: 0, waiting: 0, delayed: 0 };
  private counters = {
    sent: 0,
    deleted: 0,
    deadLettered: 0,
    redriven: 0,
    invocations: 0,
    failedInvocations: 0,
    timedOutInvocations: 0,
    maxInFlightSeen: 0,
  };

  constructor(options: LocalQueueOptions) {
    const { name, spec } = options;
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
      throw new Error(`LocalQueue: invalid queue name "${name}" (1-80 of A-Z a-z 0-9 _ -)`);
    }
    const requireInt = (value: number, field: string, min: number) => {
      if (!Number.isInteger(value) || value < min)
        throw new Error(`LocalQueue ${name}: ${field} must be an integer ≥ ${min}, got ${value}`);
    };
    requireInt(spec.batchSize, 'batchSize', 1);
    requireInt(spec.maxReceiveCount, 'maxReceiveCount', 1);
    requireInt(spec.maxConcurrency, 'maxConcurrency', 1);
    if (!(spec.visibilityTimeoutSeconds >= 0))
      throw new Error(`LocalQueue ${name}: visibilityTimeoutSeconds must be ≥ 0`);
    if (!(spec.batchingWindowSeconds >= 0))
      throw new Error(`LocalQueue ${name}: batchingWindowSeconds must be ≥ 0`);
    const timeScale = options.timeScale ?? 1;
    if (!(timeScale > 0)) throw new Error(`LocalQueue ${name}: timeScale must be > 0, got ${timeScale}`);
    if (options.functionTimeoutSeconds !== undefined && !(options.functionTimeoutSeconds > 0)) {
      throw new Error(`LocalQueue ${name}: functionTimeoutSeconds must be > 0`);
    }
    if (options.deadLetter === this)
      throw new Error(`LocalQueue ${name}: a queue cannot be its own dead-letter queue`);

    this.name = name;
    this.spec = { ...spec };
    this.consumer = options.consumer;
    this.functionName = options.functionName ?? `${name}-consumer`;
    this.functionTimeoutSeconds = options.functionTimeoutSeconds;
    this.memoryMb = options.memoryMb ?? 128;
    this.deadLetterQueue = options.deadLetter;
    this.timeScale = timeScale;
    this.onError = options.onError ?? (() => {});
    this.region = options.region ?? LOCAL_REGION;
    this.accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
    this.arn = `arn:aws:sqs:${this.region}:${this.accountId}:${name}`;
    this.visibilityMs = spec.visibilityTimeoutSeconds * 1000 * timeScale;
    this.inflightVisibilityMs = Math.max(this.visibilityMs, options.inflightVisibilityMs ?? 0);
    this.windowMs = spec.batchingWindowSeconds * 1000 * timeScale;
    this.functionTimeoutMs =
      options.functionTimeoutSeconds === undefined
        ? undefined
        : options.functionTimeoutSeconds * 1000 * timeScale;
  }

  // ------------------------------------------------------------------------------------------
  // Sending
  // ------------------------------------------------------------------------------------------

  /** SendMessage: stores the message and returns its id. Throws on what SQS would reject. */
  send(body: string, attributes: Record<string, string> = {}, options: SendOptions = {}): string {
    const messageId = randomUUID();
    this.enqueue(
      this.createMessage({ messageId, body, attributes, receiveCount: 0 }),
      options.delaySeconds ?? 0,
    );
    this.counters.sent += 1;
    return messageId;
  }

  /** Sends each body as its own message; returns the ids in order. */
  sendBatch(bodies: readonly string[], attributes: Record<string, string> = {}): string[] {
    return bodies.map((body) => this.send(body, attributes));
  }

  private createMessage(input: {
    messageId: string;
    body: string;
    attributes: Record<string, string>;
    receiveCount: number;
    sentTimestamp?: number;
    deadLetterSourceArn?: string;
  }): StoredMessage {
    const { body } = input;
    if (typeof body !== 'string')
      throw new TypeError(`LocalQueue ${this.name}: message body must be a string`);
    if (body.length === 0)
      throw new Error(`LocalQueue ${this.name}: message body must not be empty (MissingParameter)`);
    if (INVALID_SQS_CHARACTER.test(body)) {
      throw new Error(
        `LocalQueue ${this.name}: message body contains characters outside the SQS allowed set (InvalidMessageContents)`,
      );
    }
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > MAX_MESSAGE_BYTES) {
      throw new Error(
        `LocalQueue ${this.name}: message of ${bytes} bytes exceeds the ${MAX_MESSAGE_BYTES}-byte SQS limit`,
      );
    }
    const attributes: Record<string, string> = {};
    for (const [key, value] of Object.entries(input.attributes)) {
      if (typeof value !== 'string')
        throw new TypeError(`LocalQueue ${this.name}: attribute ${key} must be a string`);
      attributes[key] = value;
    }
    const now = Date.now();
    return {
      messageId: input.messageId,
      body,
      bytes,
      attributes,
      md5OfBody: md5(body),
      md5OfMessageAttributes: md5OfAttributes(attributes),
      sentTimestamp: input.sentTimestamp ?? now,
      deadLetterSourceArn: input.deadLetterSourceArn,
      firstReceiveTimestamp: undefined,
      receiveCount: input.receiveCount,
      receiptHandle: undefined,
      receivedAt: undefined,
      state: 'deleted',
      visibleAt: now,
      visibleSince: now,
      heapIndex: -1,
      heapSeq: 0,
      fifoToken: 0,
      lastFailure: undefined,
    };
  }

  private enqueue(message: StoredMessage, delaySeconds: number): void {
    if (!(delaySeconds >= 0 && delaySeconds <= MAX_DELAY_SECONDS)) {
      throw new Error(`LocalQueue ${this.name}: delaySeconds must be between 0 and ${MAX_DELAY_SECONDS}`);
    }
    this.messages.set(message.messageId, message);
    const now = Date.now();
    if (delaySeconds > 0) {
      message.visibleAt = now + delaySeconds * 1000 * this.timeScale;
      this.setState(message, 'delayed');
      this.heap.push(message);
      this.armHeapTimer();
    } else {
      this.makeVisible(message, now);
    }
  }

  // ------------------------------------------------------------------------------------------
  // State bookkeeping
  // ------------------------------------------------------------------------------------------

  private setState(message: StoredMessage, next: MessageState): void {
    const previous = message.state;
    if (previous !== 'deleted') this.counts[previous] -= 1;
    if (next !== 'deleted') this.counts[next] += 1;
    message.state = next;
  }

  private makeVisible(message: StoredMessage, now: number): void {
    this.setState(message, 'visible');
    message.visibleSince = now;
    message.fifoToken += 1;
    this.fifo.push(message);
    this.schedulePump();
  }

  private removeFromHeap(message: StoredMessage): void {
    if (message.heapIndex < 0) return;
    this.heap.remove(message);
    if (this.heap.size === 0) this.clearHeapTimer();
  }

  /** Deletes a message for good (DeleteMessage, or moved to a dead-letter queue). */
  private forget(message: StoredMessage): void {
    this.removeFromHeap(message);
    this.setState(message, 'deleted');
    this.messages.delete(message.messageId);
  }

  // ------------------------------------------------------------------------------------------
  // Timers
  // ------------------------------------------------------------------------------------------

  private armHeapTimer(): void {
    if (!this.running) return;
    const top = this.heap.peek();
    if (top === undefined) {
      this.clearHeapTimer();
      return;
    }
    // A timer that fires no later than the new earliest wake-up can stay: it re-arms when it fires.
    if (this.heapTimer !== undefined && this.heapTimerAt <= top.visibleAt) return;
    if (this.heapTimer !== undefined) clearTimeout(this.heapTimer);
    this.heapTimerAt = top.visibleAt;
    this.heapTimer = setTimeout(() => this.onHeapTimer(), Math.max(0, top.visibleAt - Date.now()));
  }

  private clearHeapTimer(): void {
    if (this.heapTimer !== undefined) clearTimeout(this.heapTimer);
    this.heapTimer = undefined;
    this.heapTimerAt = Number.POSITIVE_INFINITY;
  }

  private onHeapTimer(): void {
    this.heapTimer = undefined;
    this.heapTimerAt = Number.POSITIVE_INFINITY;
    this.releaseDueMessages(Date.now());
    this.armHeapTimer();
  }

  /** Makes every message whose visibility timeout (or delay) has expired visible again. */
  private releaseDueMessages(now: number): void {
    for (let top = this.heap.peek(); top !== undefined && top.visibleAt <= now; top = this.heap.peek()) {
      this.heap.remove(top);
      if (top.state === 'inflight') {
        // The consumer is still running (F03): SQS hands the message out again regardless.
        top.lastFailure = `visibility timeout (${seconds(this.inflightVisibilityMs)} s) expired while receive #${top.receiveCount} was still being processed`;
      }
      this.makeVisible(top, now);
    }
  }

  private armWindowTimer(dueAt: number): void {
    if (this.windowTimer !== undefined && this.windowTimerAt <= dueAt) return;
    if (this.windowTimer !== undefined) clearTimeout(this.windowTimer);
    this.windowTimerAt = dueAt;
    this.windowTimer = setTimeout(
      () => {
        this.windowTimer = undefined;
        this.windowTimerAt = Number.POSITIVE_INFINITY;
        this.pump();
      },
      Math.max(0, dueAt - Date.now()),
    );
  }

  private clearWindowTimer(): void {
    if (this.windowTimer !== undefined) clearTimeout(this.windowTimer);
    this.windowTimer = undefined;
    this.windowTimerAt = Number.POSITIVE_INFINITY;
  }

  // ------------------------------------------------------------------------------------------
  // Delivery
  // ------------------------------------------------------------------------------------------

  private schedulePump(): void {
    if (this.pumpScheduled || !this.running || this.consumer === undefined) return;
    this.pumpScheduled = true;
    queueMicrotask(() => this.pump());
  }

  private pump(): void {
    this.pumpScheduled = false;
    if (!this.running || this.consumer === undefined) return;
    while (this.liveInvocations.size < this.spec.maxConcurrency && this.counts.visible > 0) {
      const now = Date.now();
      if (this.counts.visible < this.spec.batchSize && this.windowMs > 0) {
        const oldest = this.fifo.peekLive();
        if (oldest === undefined) break;
        const dueAt = oldest.visibleSince + this.windowMs;
        if (now < dueAt) {
          this.armWindowTimer(dueAt);
          break;
        }
      }
      const batch = this.receiveBatch(now);
      if (batch.length > 0) this.invoke(batch, now);
    }
    if (this.counts.visible === 0) this.clearWindowTimer();
    this.checkIdle();
  }

  /** ReceiveMessage for the event source mapping: up to batchSize visible messages. */
  private receiveBatch(now: number): Delivery[] {
    const batch: Delivery[] = [];
    let payloadBytes = 0;
    while (batch.length < this.spec.batchSize) {
      const message = this.fifo.peekLive();
      if (message === undefined) break;
      if (batch.length > 0 && payloadBytes + message.bytes > MAX_BATCH_PAYLOAD_BYTES) break;
      this.fifo.shift();
      if (message.receiveCount >= this.spec.maxReceiveCount) {
        // This receive would exceed maxReceiveCount: the redrive policy moves it instead.
        this.deadLetter(
          message,
          message.lastFailure ?? `maxReceiveCount (${this.spec.maxReceiveCount}) exceeded`,
        );
        continue;
      }
      message.receiveCount += 1;
      message.firstReceiveTimestamp ??= now;
      message.receiptHandle = Buffer.from(
        `${this.name}/${message.messageId}/${message.receiveCount}/${randomUUID()}`,
      ).toString('base64');
      message.receivedAt = now;
      message.visibleAt = now + this.inflightVisibilityMs;
      this.setState(message, 'inflight');
      this.heap.push(message);
      payloadBytes += message.bytes;
      batch.push({ message, receiptHandle: message.receiptHandle });
    }
    if (batch.length > 0) this.armHeapTimer();
    return batch;
  }

  private toRecord({ message, receiptHandle }: Delivery): SQSRecord {
    const record: SQSRecord = {
      messageId: message.messageId,
      receiptHandle,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentTimestamp),
        SenderId: SENDER_ID,
        ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? message.sentTimestamp),
      },
      messageAttributes: toMessageAttributes(message.attributes),
      md5OfBody: message.md5OfBody,
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: this.region,
    };
    if (message.deadLetterSourceArn !== undefined)
      record.attributes.DeadLetterQueueSourceArn = message.deadLetterSourceArn;
    if (message.md5OfMessageAttributes !== undefined)
      record.md5OfMessageAttributes = message.md5OfMessageAttributes;
    return record;
  }

  private invoke(deliveries: Delivery[], now: number): void {
    const consumer = this.consumer!;
    let resolveDone!: () => void;
    const invocation: Invocation = {
      deliveries,
      ids: new Set(deliveries.map((d) => d.message.messageId)),
      settled: false,
      timer: undefined,
      done: new Promise<void>((resolve) => {
        resolveDone = resolve;
      }),
      resolveDone: () => resolveDone(),
    };
    this.liveInvocations.add(invocation);
    this.counters.invocations += 1;
    this.counters.maxInFlightSeen = Math.max(this.counters.maxInFlightSeen, this.liveInvocations.size);

    const event: SQSEvent = { Records: deliveries.map((d) => this.toRecord(d)) };
    const context = createLambdaContext(
      this.functionName,
      this.functionTimeoutSeconds ?? Math.max(this.spec.visibilityTimeoutSeconds, 1),
      this.memoryMb,
      { timeScale: this.timeScale, startedAt: now, region: this.region, accountId: this.accountId },
    );
    if (this.functionTimeoutMs !== undefined) {
      invocation.timer = setTimeout(
        () => this.settle(invocation, { kind: 'timeout' }),
        this.functionTimeoutMs,
      );
    }
    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(consumer(event, context));
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (value) => this.settle(invocation, { kind: 'result', value }),
      (error: unknown) => this.settle(invocation, { kind: 'error', error }),
    );
  }

  private judge(invocation: Invocation, outcome: Outcome): Verdict {
    switch (outcome.kind) {
      case 'timeout':
        return {
          kind: 'all-failed',
          errorKind: 'timeout',
          reason: `Task timed out after ${seconds(this.functionTimeoutMs ?? 0)} seconds`,
        };
      case 'error':
        return {
          kind: 'all-failed',
          errorKind: 'invocation-error',
          reason: describeFailure(outcome.error),
          error: outcome.error,
        };
      case 'result': {
        const judged = judgeBatchResponse(outcome.value, invocation.ids);
        if (!judged.ok) return { kind: 'all-failed', errorKind: 'invalid-response', reason: judged.reason };
        return judged.failed.size === 0 ? { kind: 'success' } : { kind: 'partial', failed: judged.failed };
      }
    }
  }

  private settle(invocation: Invocation, outcome: Outcome): void {
    if (invocation.settled) {
      // A consumer abandoned at its timeout finished after all: Lambda would have killed it.
      if (outcome.kind !== 'timeout') {
        this.report({
          kind: 'late-result',
          messageIds: [...invocation.ids],
          reason: 'consumer finished after the function timeout; its result was ignored',
          error: outcome.kind === 'error' ? outcome.error : undefined,
        });
      }
      return;
    }
    invocation.settled = true;
    if (invocation.timer !== undefined) clearTimeout(invocation.timer);
    this.liveInvocations.delete(invocation);

    const verdict = this.judge(invocation, outcome);
    if (verdict.kind === 'all-failed') {
      this.counters.failedInvocations += 1;
      if (verdict.errorKind === 'timeout') this.counters.timedOutInvocations += 1;
    }
    const failedIds: string[] = [];
    let rearm = false;
    for (const { message, receiptHandle } of invocation.deliveries) {
      // A stale receipt (message re-received after its visibility expired, deleted or dead-lettered)
      // no longer controls the message.
      if (message.state === 'deleted' || message.receiptHandle !== receiptHandle) continue;
      const failed =
        verdict.kind === 'all-failed' ||
        (verdict.kind === 'partial' && verdict.failed.has(message.messageId));
      if (failed) {
        message.lastFailure = truncate(
          verdict.kind === 'all-failed' ? verdict.reason : PARTIAL_FAILURE_REASON,
        );
        // It stays invisible until the visibility timeout that started at the receive expires.
        if (message.state === 'inflight') {
          this.setState(message, 'waiting');
          const due = (message.receivedAt ?? Date.now()) + this.visibilityMs;
          if (due < message.visibleAt) {
            this.heap.remove(message);
            message.visibleAt = due;
            this.heap.push(message);
            rearm = true;
          }
        }
        failedIds.push(message.messageId);
      } else {
        this.forget(message);
        this.counters.deleted += 1;
      }
    }
    if (verdict.kind === 'all-failed') {
      this.report({
        kind: verdict.errorKind,
        messageIds: [...invocation.ids],
        reason: verdict.reason,
        error: verdict.error,
      });
    } else if (verdict.kind === 'partial') {
      this.report({
        kind: 'partial-failure',
        messageIds: [...verdict.failed],
        reason: PARTIAL_FAILURE_REASON,
      });
    }
    if (rearm) {
      // Failed receives now wait for the visibility timeout from their receive, not the in-flight hold.
      this.releaseDueMessages(Date.now());
      this.armHeapTimer();
    }
    invocation.resolveDone();
    this.schedulePump();
    this.checkIdle();
  }

  private report(info: Omit<QueueErrorInfo, 'queue'>): void {
    try {
      this.onError({ queue: this.name, ...info });
    } catch {
      // An observer must not break delivery.
    }
  }

  // ------------------------------------------------------------------------------------------
  // Dead letters
  // ------------------------------------------------------------------------------------------

  private deadLetter(message: StoredMessage, reason: string): void {
    const fullReason = truncate(reason);
    this.forget(message);
    this.counters.deadLettered += 1;
    const attributes = {
      ...message.attributes,
      [DEAD_LETTER_REASON_ATTRIBUTE]: fullReason,
      [DEAD_LETTER_RECEIVE_COUNT_ATTRIBUTE]: String(message.receiveCount),
      [DEAD_LETTER_SOURCE_ATTRIBUTE]: this.name,
    };
    if (this.deadLetterQueue !== undefined) {
      this.deadLetterQueue.acceptDeadLetter({
        messageId: message.messageId,
        body: message.body,
        attributes,
        receiveCount: message.receiveCount,
        sentTimestamp: message.sentTimestamp,
        sourceArn: this.arn,
      });
    } else {
      this.internalDeadLetters.push({
        messageId: message.messageId,
        body: message.body,
        receiveCount: message.receiveCount,
        reason: fullReason,
        attributes: { ...message.attributes },
      });
    }
    this.report({ kind: 'dead-lettered', messageIds: [message.messageId], reason: fullReason });
    this.checkIdle();
  }

  /** Called by a source queue's redrive policy. Keeps the message id, body and receive count. */
  private acceptDeadLetter(input: {
    messageId: string;
    body: string;
    attributes: Record<string, string>;
    receiveCount: number;
    sentTimestamp: number;
    sourceArn: string;
  }): void {
    const messageId = this.messages.has(input.messageId) ? randomUUID() : input.messageId;
    const message = this.createMessage({
      messageId,
      body: input.body,
      attributes: input.attributes,
      receiveCount: input.receiveCount,
      sentTimestamp: input.sentTimestamp,
      deadLetterSourceArn: input.sourceArn,
    });
    // Like SQS's NumberOfMessagesSent, a message moved here by a redrive policy is not "sent".
    this.enqueue(message, 0);
  }

  /**
   * Moves a message to the dead-letter queue now (a consumer that knows it is poison). Works on a
   * message in flight too: that invocation's result then no longer affects it. Returns false when
   * the queue no longer holds the message.
   */
  moveToDeadLetter(messageId: string, reason: string): boolean {
    const message = this.messages.get(messageId);
    if (message === undefined) return false;
    this.deadLetter(message, reason);
    this.schedulePump();
    return true;
  }

  /** The messages this queue dead-lettered and that still wait in its dead-letter queue (or list). */
  deadLetters(): DeadLetter[] {
    if (this.deadLetterQueue === undefined) {
      return this.internalDeadLetters.map(({ messageId, body, receiveCount, reason }) => ({
        messageId,
        body,
        receiveCount,
        reason,
      }));
    }
    return this.deadLetterQueue.storedFrom(this.arn).map((m) => ({
      messageId: m.messageId,
      body: m.body,
      receiveCount: Number(m.attributes[DEAD_LETTER_RECEIVE_COUNT_ATTRIBUTE] ?? m.receiveCount),
      reason: m.attributes[DEAD_LETTER_REASON_ATTRIBUTE] ?? '',
    }));
  }

  private storedFrom(sourceArn: string): StoredMessage[] {
    return [...this.messages.values()].filter((m) => m.deadLetterSourceArn === sourceArn);
  }

  /** Takes messages dead-lettered from `sourceArn` out of this (dead-letter) queue, except those in flight. */
  private takeDeadLettersFrom(sourceArn: string): StoredMessage[] {
    const taken = this.storedFrom(sourceArn).filter((m) => m.state !== 'inflight');
    for (const message of taken) this.forget(message);
    if (taken.length > 0) this.checkIdle();
    return taken;
  }

  /**
   * Moves every dead-lettered message back to this queue with its receive count reset (like
   * StartMessageMoveTask; the message id is kept so it can be traced). Returns how many moved.
   */
  redrive(): number {
    const strip = (attributes: Readonly<Record<string, string>>) => {
      const {
        [DEAD_LETTER_REASON_ATTRIBUTE]: _reason,
        [DEAD_LETTER_RECEIVE_COUNT_ATTRIBUTE]: _count,
        [DEAD_LETTER_SOURCE_ATTRIBUTE]: _source,
        ...rest
      } = attributes;
      return rest;
    };
    const letters =
      this.deadLetterQueue === undefined
        ? this.internalDeadLetters.splice(0)
        : this.deadLetterQueue.takeDeadLettersFrom(this.arn);
    for (const letter of letters) {
      const messageId = this.messages.has(letter.messageId) ? randomUUID() : letter.messageId;
      this.enqueue(
        this.createMessage({
          messageId,
          body: letter.body,
          attributes: strip(letter.attributes),
          receiveCount: 0,
        }),
        0,
      );
      this.counters.redriven += 1;
    }
    return letters.length;
  }

  // ------------------------------------------------------------------------------------------
  // Introspection and lifecycle
  // ------------------------------------------------------------------------------------------

  stats(): LocalQueueStats {
    return {
      visible: this.counts.visible,
      inFlight: this.counts.inflight + this.counts.waiting,
      awaitingRetry: this.counts.waiting,
      delayed: this.counts.delayed,
      deadLettered: this.counters.deadLettered,
      sent: this.counters.sent,
      deleted: this.counters.deleted,
      redriven: this.counters.redriven,
      invocations: this.counters.invocations,
      failedInvocations: this.counters.failedInvocations,
      timedOutInvocations: this.counters.timedOutInvocations,
      inFlightInvocations: this.liveInvocations.size,
      maxInFlightSeen: this.counters.maxInFlightSeen,
    };
  }

  /** Every message the queue holds, oldest first by send time. */
  peek(): QueuedMessage[] {
    return [...this.messages.values()]
      .map((m) => ({
        messageId: m.messageId,
        body: m.body,
        attributes: { ...m.attributes },
        receiveCount: m.receiveCount,
        state:
          m.state === 'visible'
            ? ('visible' as const)
            : m.state === 'delayed'
              ? ('delayed' as const)
              : ('in-flight' as const),
        sentTimestamp: m.sentTimestamp,
      }))
      .sort((a, b) => a.sentTimestamp - b.sentTimestamp);
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** No message visible, in flight, delayed or waiting for its visibility timeout, and no invocation running. */
  isIdle(): boolean {
    return this.messages.size === 0 && this.liveInvocations.size === 0;
  }

  /** Starts the event source mapping (no-op without a consumer, or when already running). */
  start(): this {
    if (this.running) return this;
    this.running = true;
    this.releaseDueMessages(Date.now());
    this.armHeapTimer();
    this.schedulePump();
    return this;
  }

  /**
   * Stops delivering, waits for running invocations to settle (each is bounded by the function
   * timeout; consumers abandoned at their timeout are not awaited), clears every timer and rejects
   * pending `drain()` calls. Messages stay in the queue; `start()` resumes.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.clearWindowTimer();
    this.clearHeapTimer();
    await Promise.all([...this.liveInvocations].map((invocation) => invocation.done));
    this.clearWindowTimer();
    this.clearHeapTimer();
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      if (this.isIdle()) waiter.resolve();
      else
        waiter.reject(
          new Error(`LocalQueue ${this.name} was stopped before it drained: ${JSON.stringify(this.stats())}`),
        );
    }
  }

  /**
   * Resolves once the queue is idle (see `isIdle`); rejects after `timeoutMs` with the queue's name
   * and stats. A stopped queue with messages never drains.
   */
  drain(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    const timeoutMs = options.timeoutMs ?? 30_000;
    return new Promise<void>((resolve, reject) => {
      const waiter: DrainWaiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.drainWaiters = this.drainWaiters.filter((w) => w !== waiter);
          reject(
            new Error(
              `LocalQueue ${this.name} did not drain within ${timeoutMs} ms${this.running ? '' : ' (queue is stopped)'}: ${JSON.stringify(this.stats())}`,
            ),
          );
        }, timeoutMs),
      };
      this.drainWaiters.push(waiter);
    });
  }

  private checkIdle(): void {
    if (this.drainWaiters.length === 0 || !this.isIdle()) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve();
    }
  }
}

/**
 * Waits until every queue is idle at the same moment: a consumer of one queue may feed another (via
 * the bus), so draining them one after the other is not enough.
 */
export async function drainAll(
  queues: readonly LocalQueue[],
  options: { timeoutMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const busy = queues.filter((q) => !q.isIdle()).map((q) => `${q.name} ${JSON.stringify(q.stats())}`);
      throw new Error(`queues did not drain within ${timeoutMs} ms: ${busy.join('; ')}`);
    }
    await Promise.all(queues.map((q) => q.drain({ timeoutMs: remaining })));
    if (queues.every((q) => q.isIdle())) return;
  }
}
