/**
 * Retry with full-jitter exponential backoff (F16). A courier that answers 429 or 5xx is retried a
 * few times inside one invocation; what is still failing afterwards is rethrown so the queue
 * redelivers it later (its visibility timeout is the long backoff, not this loop).
 */
import { setTimeout as sleepTimer } from 'node:timers/promises';
import { UpstreamError } from '../../errors.js';

export interface RetryOptions {
  /** Total tries, the first included (1 = no retry). */
  attempts: number;
  /** Backoff cap of the first retry, ms; it doubles each retry up to maxMs. */
  baseMs: number;
  /** Largest backoff, ms. A Retry-After longer than this is not slept on: the error is rethrown. */
  maxMs: number;
  /** Uniform [0, 1) source; injectable so tests are deterministic. */
  rng?: () => number;
  /** Stops waiting and retrying (the function's own deadline, F11). */
  signal?: AbortSignal;
  /** Which failures are worth another try. Default: `UpstreamError` with `retryable: true`. */
  isRetryable?: (error: unknown) => boolean;
  /** Called before each wait, e.g. to log or count retries. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  /** Injectable for tests. Must reject when the signal aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function isRetryableError(error: unknown): boolean {
  return error instanceof UpstreamError && error.retryable;
}

/**
 * Delay before retry number `retry` (1-based): full jitter, `rng() * min(maxMs, baseMs * 2^(retry-1))`,
 * and never less than the server's Retry-After.
 */
export function backoffDelay(
  retry: number,
  options: Pick<RetryOptions, 'baseMs' | 'maxMs' | 'rng'>,
  retryAfterMs?: number,
): number {
  const rng = options.rng ?? Math.random;
  const cap = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, retry - 1));
  const jitter = Math.floor(rng() * cap);
  return retryAfterMs !== undefined ? Math.max(jitter, Math.ceil(retryAfterMs)) : jitter;
}

const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  sleepTimer(ms, undefined, signal ? { signal } : undefined);

/**
 * Runs `fn` until it succeeds, fails with a non-retryable error, or `attempts` run out; the last
 * error is rethrown unchanged (it keeps its `retryAfterMs` for the queue consumer).
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = Math.max(1, Math.floor(options.attempts));
  const isRetryable = options.isRetryable ?? isRetryableError;
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error) || options.signal?.aborted) throw error;
      const retryAfterMs = error instanceof UpstreamError ? error.retryAfterMs : undefined;
      // A server asking for more patience than this loop may spend: hand it back to the queue.
      if (retryAfterMs !== undefined && retryAfterMs > options.maxMs) throw error;
      const delayMs = backoffDelay(attempt, options, retryAfterMs);
      options.onRetry?.({ attempt, delayMs, error });
      try {
        await sleep(delayMs, options.signal);
      } catch {
        // The deadline came during the wait: the caller learns about the real failure, not the abort.
        throw error;
      }
    }
  }
}
