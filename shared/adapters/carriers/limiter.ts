/**
 * Per-carrier concurrency cap inside one Lambda container (F16). The pickup queue's event-source
 * maximum concurrency bounds the number of containers; this bounds the calls each one has in flight,
 * so containers × limit stays under the courier's rate limit.
 */

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export class ConcurrencyLimiter {
  #active = 0;
  #maxObserved = 0;
  readonly #queue: Waiter[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`Concurrency limit must be a positive integer, got ${limit}`);
    }
  }

  /** Calls running now. */
  get inFlight(): number {
    return this.#active;
  }

  /** Calls waiting for a slot. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Highest `inFlight` seen since creation (for tests and metrics). */
  get maxInFlight(): number {
    return this.#maxObserved;
  }

  /** Runs `fn` once a slot is free (FIFO). A waiter whose signal aborts leaves the queue. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.#acquire(signal);
    try {
      return await fn();
    } finally {
      this.#release();
    }
  }

  #acquire(signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    if (this.#active < this.limit) {
      this.#take();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.#queue.indexOf(waiter);
          if (index >= 0) this.#queue.splice(index, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#queue.push(waiter);
    });
  }

  #take(): void {
    this.#active++;
    if (this.#active > this.#maxObserved) this.#maxObserved = this.#active;
  }

  #release(): void {
    this.#active--;
    const next = this.#queue.shift();
    if (!next) return;
    if (next.signal && next.onAbort) next.signal.removeEventListener('abort', next.onAbort);
    this.#take();
    next.resolve();
  }
}

const limiters = new Map<string, ConcurrencyLimiter>();

/**
 * The container-wide limiter for one carrier: every client of that carrier in this container shares
 * it. Asking again with another limit is a wiring mistake and throws rather than silently using two.
 */
export function carrierLimiter(carrier: string, limit: number): ConcurrencyLimiter {
  const existing = limiters.get(carrier);
  if (existing) {
    if (existing.limit !== limit) {
      throw new Error(
        `Carrier ${carrier} already has a concurrency limit of ${existing.limit} in this container; got ${limit}`,
      );
    }
    return existing;
  }
  const limiter = new ConcurrencyLimiter(limit);
  limiters.set(carrier, limiter);
  return limiter;
}
