import { backoffDelay, withRetry } from '../../../shared/adapters/carriers/retry.js';
import { UpstreamError, ValidationError } from '../../../shared/errors.js';

/** Records waits instead of sleeping. */
function recordingSleep() {
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
  };
  return { waits, sleep };
}

const failing = (errors: unknown[]) => {
  let call = 0;
  return jest.fn(async () => {
    const error = errors[call++];
    if (error !== undefined) throw error;
    return 'ok';
  });
};

describe('withRetry', () => {
  it('retries retryable failures until one succeeds', async () => {
    const { waits, sleep } = recordingSleep();
    const fn = failing([new UpstreamError('busy', true), new UpstreamError('busy', true)]);

    await expect(
      withRetry(fn, { attempts: 5, baseMs: 100, maxMs: 1_000, rng: () => 0.5, sleep }),
    ).resolves.toBe('ok');

    expect(fn).toHaveBeenCalledTimes(3);
    expect(waits).toEqual([50, 100]);
  });

  it('rethrows the last error when attempts run out', async () => {
    const { sleep } = recordingSleep();
    const last = new UpstreamError('still busy', true);
    const fn = failing([new UpstreamError('busy', true), new UpstreamError('busy', true), last]);

    await expect(withRetry(fn, { attempts: 3, baseMs: 10, maxMs: 100, sleep })).rejects.toBe(last);
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('F16 does not retry a non-retryable failure', async () => {
    const { waits, sleep } = recordingSleep();
    const fn = failing([new UpstreamError('bad request', false)]);

    await expect(withRetry(fn, { attempts: 5, baseMs: 10, maxMs: 100, sleep })).rejects.toThrow(
      'bad request',
    );
    expect(fn).toHaveBeenCalledTimes(1);
    expect(waits).toEqual([]);
  });

  it('does not retry errors that are not upstream failures', async () => {
    const fn = failing([new ValidationError([{ field: 'pickupDate', message: 'bad' }])]);

    await expect(withRetry(fn, { attempts: 5, baseMs: 10, maxMs: 100 })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('F16 waits at least Retry-After even when the jitter is smaller', async () => {
    const { waits, sleep } = recordingSleep();
    const fn = failing([new UpstreamError('429', true, { retryAfterMs: 700 })]);

    await withRetry(fn, { attempts: 2, baseMs: 10, maxMs: 1_000, rng: () => 0, sleep });

    expect(waits).toEqual([700]);
  });

  it('F16 hands a Retry-After longer than maxMs back to the caller instead of sleeping on it', async () => {
    const { waits, sleep } = recordingSleep();
    const error = new UpstreamError('429', true, { retryAfterMs: 60_000 });

    await expect(withRetry(failing([error]), { attempts: 5, baseMs: 10, maxMs: 5_000, sleep })).rejects.toBe(
      error,
    );
    expect(waits).toEqual([]);
  });

  it('stops when the signal aborts during a wait and rethrows the real failure', async () => {
    const controller = new AbortController();
    const error = new UpstreamError('busy', true);
    const fn = failing([error, error, error]);
    const promise = withRetry(fn, {
      attempts: 3,
      baseMs: 10_000,
      maxMs: 10_000,
      rng: () => 0.9,
      signal: controller.signal,
    });

    setTimeout(() => controller.abort(), 20);

    await expect(promise).rejects.toBe(error);
    expect(fn).toHaveBeenCalledTimes(1);
  });
});

describe('backoffDelay (full jitter)', () => {
  it('caps the exponential growth at maxMs', () => {
    const rng = () => 0.999_999;
    const delays = [1, 2, 3, 4, 5, 6].map((retry) => backoffDelay(retry, { baseMs: 100, maxMs: 1_000, rng }));

    expect(delays).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('spreads retries over [0, cap)', () => {
    expect(backoffDelay(3, { baseMs: 100, maxMs: 1_000, rng: () => 0 })).toBe(0);
    expect(backoffDelay(3, { baseMs: 100, maxMs: 1_000, rng: () => 0.25 })).toBe(100);
  });
});
