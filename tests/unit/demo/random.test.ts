import { createRng, WeightedTable } from '../../../shared/demo/random.js';

const draws = (seed: number | string, n = 1000) => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.next());
};

describe('createRng', () => {
  it('gives the same stream for the same seed', () => {
    expect(draws(42)).toEqual(draws(42));
    expect(draws('harvest')).toEqual(draws('harvest'));
  });

  it('gives different streams for different seeds', () => {
    expect(draws(1)).not.toEqual(draws(2));
    expect(draws('1')).toEqual(draws(1)); // numbers and their strings are one seed
  });

  it('stays in [0, 1) and is roughly uniform', () => {
    const values = draws(7, 20_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean).toBeGreaterThan(0.49);
    expect(mean).toBeLessThan(0.51);
  });

  it('draws integers within inclusive bounds, reaching both ends', () => {
    const rng = createRng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(rng.int(1, 6));
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => rng.int(5, 1)).toThrow(RangeError);
  });

  it('forks streams that depend on the label, not on draws made before', () => {
    const a = createRng(9);
    const b = createRng(9);
    for (let i = 0; i < 100; i++) b.next();
    expect(a.fork('stock').next()).toBe(b.fork('stock').next());
    expect(a.fork('stock').next()).not.toBe(a.fork('orders').next());
  });

  it('makes digit strings without a leading zero', () => {
    const rng = createRng(5);
    for (let i = 0; i < 200; i++) expect(rng.digits(19)).toMatch(/^[1-9]\d{18}$/);
  });

  it('draws from a prebuilt table exactly as from the weighted list', () => {
    const entries = [
      ['a', 5],
      ['b', 0],
      ['c', 2.5],
      ['d', 10],
    ] as const;
    const table = new WeightedTable(entries);
    const x = createRng('t');
    const y = createRng('t');
    for (let i = 0; i < 5000; i++) expect(x.draw(table)).toBe(y.weighted(entries));
  });

  it('never picks a zero-weight entry', () => {
    const rng = createRng(11);
    for (let i = 0; i < 5000; i++) {
      expect(
        rng.weighted([
          ['x', 0],
          ['y', 1],
        ]),
      ).toBe('y');
    }
  });
});
