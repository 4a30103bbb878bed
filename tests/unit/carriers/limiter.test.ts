import { setTimeout as sleep } from 'node:timers/promises';
import { ConcurrencyLimiter, carrierLimiter } from '../../../shared/adapters/carriers/limiter.js';

describe('ConcurrencyLimiter', () => {
  it('F16 never runs more than N calls at once', async () => {
    const limiter = new ConcurrencyLimiter(4);
    let running = 0;
    let peak = 0;
    const task = async (ms: number) => {
      running++;
      peak = Math.max(peak, running);
      await sleep(ms);
      running--;
    };

    await Promise.all(Array.from({ length: 40 }, (_, i) => limiter.run(() => task((i * 7) % 13))));

    expect(peak).toBe(4);
    expect(limiter.maxInFlight).toBe(4);
    expect(limiter.inFlight).toBe(0);
  });

  it('frees the slot when a call fails', async () => {
    const limiter = new ConcurrencyLimiter(1);

    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');

    await expect(limiter.run(async () => 'next')).resolves.toBe('next');
  });

  it('serves waiters first come, first served', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const order: number[] = [];

    await Promise.all(
      [1, 2, 3, 4].map((n) =>
        limiter.run(async () => {
          order.push(n);
          await sleep(1);
        }),
      ),
    );

    expect(order).toEqual([1, 2, 3, 4]);
  });

  it('drops a waiter whose signal aborts, without taking a slot', async () => {
    const limiter = new ConcurrencyLimiter(1);
    let release: () => void = () => {};
    const holder = limiter.run(() => new Promise<void>((resolve) => (release = resolve)));
    const controller = new AbortController();
    const waiter = limiter.run(async () => 'ran', controller.signal);

    controller.abort(new Error('deadline'));

    await expect(waiter).rejects.toThrow('deadline');
    expect(limiter.waiting).toBe(0);
    release();
    await holder;
    expect(limiter.inFlight).toBe(0);
  });

  it('rejects a limit that is not a positive integer', () => {
    expect(() => new ConcurrencyLimiter(0)).toThrow(RangeError);
  });
});

describe('carrierLimiter', () => {
  it('shares one limiter per carrier in a container', () => {
    expect(carrierLimiter('TEST-CARRIER-A', 3)).toBe(carrierLimiter('TEST-CARRIER-A', 3));
    expect(carrierLimiter('TEST-CARRIER-B', 3)).not.toBe(carrierLimiter('TEST-CARRIER-A', 3));
  });

  it('refuses a second, different limit for the same carrier', () => {
    carrierLimiter('TEST-CARRIER-C', 2);

    expect(() => carrierLimiter('TEST-CARRIER-C', 5)).toThrow(/already has a concurrency limit of 2/);
  });
});
