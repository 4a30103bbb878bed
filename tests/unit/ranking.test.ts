/**
 * Ranking (pure): configurable weights, fair share across cooperatives over a day, and the
 * explanation every plan carries (who was chosen and why the others were not).
 */
import {
  type Candidate,
  DEFAULT_RANKING,
  type PlanContext,
  planAllocation,
  type RankingConfig,
} from '../../shared/domain/allocation.js';

const SKU = 'LYCHEE-LN-5KG';
const DELIVERY_BY = '2026-06-19T10:00:00.000Z';

const batch = (
  cooperativeId: string,
  available: number,
  expiresAt = '2026-06-21T10:00:00.000Z',
): Candidate => ({
  cooperativeId,
  batchId: `${cooperativeId}-1`,
  sku: SKU,
  available,
  expiresAt,
  coldChain: false,
  growingAreaCodes: {},
});

const ctx = (overrides: Partial<PlanContext> = {}): PlanContext => ({
  deliveryBy: DELIVERY_BY,
  capacityLeft: new Map(),
  ...overrides,
});

const withWeights = (weights: Partial<RankingConfig['weights']>): RankingConfig => ({
  ...DEFAULT_RANKING,
  weights: { ...DEFAULT_RANKING.weights, ...weights },
});

describe('ranking weights', () => {
  it('fair share: of two cooperatives with equally fresh stock, the one that packed less of its capacity today wins', () => {
    const dayLoad = new Map([
      ['coop-busy', { used: 80, capacity: 100 }],
      ['coop-idle', { used: 5, capacity: 100 }],
    ]);
    const plan = planAllocation(
      [{ sku: SKU, quantity: 1 }],
      [batch('coop-busy', 50), batch('coop-idle', 50)],
      ctx({ dayLoad }),
    );
    expect(plan.parts.map((p) => p.cooperativeId)).toEqual(['coop-idle']);
    expect(plan.parts[0]?.why.join(' ')).toMatch(/packed 5 % of its capacity today vs 43 % on average/);
    const lower = plan.considered.find((c) => c.cooperativeId === 'coop-busy');
    expect(lower).toMatchObject({ outcome: 'ranked_lower' });
    expect(lower?.reason).toMatch(/ranked lower: score .* packed 80 %.* vs .* for coop-idle/);
  });

  it('the weights are configuration: with fair share at 0, first-expired-first-out decides alone', () => {
    const dayLoad = new Map([
      ['coop-old-fruit', { used: 90, capacity: 100 }],
      ['coop-new-fruit', { used: 0, capacity: 100 }],
    ]);
    const candidates = [
      batch('coop-old-fruit', 50, '2026-06-20T10:00:00.000Z'),
      batch('coop-new-fruit', 50, '2026-06-22T10:00:00.000Z'),
    ];
    const fair = planAllocation([{ sku: SKU, quantity: 1 }], candidates, ctx({ dayLoad }));
    expect(fair.parts.map((p) => p.cooperativeId)).toEqual(['coop-new-fruit']);
    const fefoOnly = planAllocation(
      [{ sku: SKU, quantity: 1 }],
      candidates,
      ctx({ dayLoad, ranking: withWeights({ fairShare: 0 }) }),
    );
    expect(fefoOnly.parts.map((p) => p.cooperativeId)).toEqual(['coop-old-fruit']);
  });

  it('transit: with equal freshness and load, the cooperative closer to the buyer wins', () => {
    const transit = new Map([
      ['coop-far', 2],
      ['coop-near', 0],
    ]);
    const plan = planAllocation(
      [{ sku: SKU, quantity: 1 }],
      [batch('coop-far', 5), batch('coop-near', 5)],
      ctx({ transitDaysOf: (c) => transit.get(c) ?? 1 }),
    );
    expect(plan.parts.map((p) => p.cooperativeId)).toEqual(['coop-near']);
  });

  it('explains every line: chosen, ranked lower, too small, ineligible (with the reason)', () => {
    const plan = planAllocation(
      [{ sku: SKU, quantity: 4 }],
      [
        batch('coop-a', 10),
        batch('coop-b', 10, '2026-06-22T10:00:00.000Z'),
        batch('coop-small', 2),
        batch('coop-stale', 10, '2026-06-19T00:00:00.000Z'),
      ],
      ctx(),
    );
    const byCoop = Object.fromEntries(plan.considered.map((c) => [c.cooperativeId, c]));
    expect(byCoop['coop-a']).toMatchObject({ outcome: 'chosen' });
    expect(byCoop['coop-b']).toMatchObject({ outcome: 'ranked_lower' });
    expect(byCoop['coop-small']).toMatchObject({ outcome: 'too_small' });
    expect(byCoop['coop-small']?.reason).toMatch(/could ship only 2 of 4/);
    expect(byCoop['coop-stale']).toMatchObject({
      outcome: 'ineligible',
      reason: 'not eligible: expires before delivery',
    });
    expect(plan.parts[0]?.score).toBeCloseTo(2, 5);
  });

  it('the explanation stays small: a handful of cooperatives per line, the rest counted', () => {
    const many = Array.from({ length: 40 }, (_, i) => batch(`coop-${String(i).padStart(2, '0')}`, 5));
    const plan = planAllocation([{ sku: SKU, quantity: 1 }], many, ctx());
    expect(plan.considered.length).toBeLessThanOrEqual(DEFAULT_RANKING.explainTop + 2);
    const more = 40 - 1 - DEFAULT_RANKING.explainTop;
    expect(plan.considered.at(-1)?.reason).toBe(
      `${more} more cooperative(s) with eligible stock ranked lower`,
    );
  });
});

describe('fair share over a day', () => {
  /** One day of single-box orders, planned one after another like the allocation consumer does. */
  function day(ranking: RankingConfig, orders: number) {
    const coops = [
      { id: 'big', capacity: 1000, stock: 1000 },
      { id: 'small-1', capacity: 100, stock: 100 },
      { id: 'small-2', capacity: 100, stock: 100 },
      { id: 'small-3', capacity: 100, stock: 100 },
    ];
    const stock = new Map(coops.map((c) => [c.id, c.stock]));
    const used = new Map(coops.map((c) => [c.id, 0]));
    for (let i = 0; i < orders; i++) {
      const candidates = coops
        .filter((c) => (stock.get(c.id) ?? 0) > 0)
        .map((c) => batch(c.id, stock.get(c.id) ?? 0));
      const dayLoad = new Map(coops.map((c) => [c.id, { used: used.get(c.id) ?? 0, capacity: c.capacity }]));
      const capacityLeft = new Map(coops.map((c) => [c.id, c.capacity - (used.get(c.id) ?? 0)]));
      const plan = planAllocation(
        [{ sku: SKU, quantity: 1 }],
        candidates,
        ctx({ ranking, dayLoad, capacityLeft }),
      );
      for (const part of plan.parts) {
        const n = part.lines.reduce((s, l) => s + l.quantity, 0);
        stock.set(part.cooperativeId, (stock.get(part.cooperativeId) ?? 0) - n);
        used.set(part.cooperativeId, (used.get(part.cooperativeId) ?? 0) + n);
      }
    }
    return used;
  }

  it('small cooperatives are not starved by a big one: each gets work in proportion to its capacity', () => {
    const fair = day(DEFAULT_RANKING, 520);
    // 520 boxes over 1,300 units of capacity: 40 % each.
    expect(fair.get('big')).toBeGreaterThanOrEqual(390);
    expect(fair.get('big')).toBeLessThanOrEqual(410);
    for (const small of ['small-1', 'small-2', 'small-3']) {
      expect(fair.get(small)).toBeGreaterThanOrEqual(35);
      expect(fair.get(small)).toBeLessThanOrEqual(45);
    }
    // Without the fair-share term, equally fresh stock goes to whoever sorts first: one takes all.
    const unfair = day(withWeights({ fairShare: 0 }), 520);
    expect([...unfair.values()].filter((n) => n === 0).length).toBeGreaterThanOrEqual(2);
  });
});
