/**
 * Allocation planning (pure) and the reading of a cancelled reservation transaction (F08).
 */
import {
  type CancellationReason,
  classifyCancellation,
  type TxItemRole,
} from '../../shared/adapters/dynamodb/allocation-store.js';
import {
  type Candidate,
  fitPlanToTransaction,
  type PlanContext,
  planAllocation,
} from '../../shared/domain/allocation.js';

const SKU = 'LYCHEE-LN-5KG';
const OTHER_SKU = 'LYCHEE-LN-10KG';
const DELIVERY_BY = '2026-06-19T10:00:00.000Z';

function batch(overrides: Partial<Candidate> & Pick<Candidate, 'cooperativeId' | 'batchId'>): Candidate {
  return {
    sku: SKU,
    available: 10,
    expiresAt: '2026-06-22T00:00:00.000Z',
    coldChain: false,
    growingAreaCodes: {},
    ...overrides,
  };
}

const ctx = (overrides: Partial<PlanContext> = {}): PlanContext => ({
  deliveryBy: DELIVERY_BY,
  capacityLeft: new Map(),
  ...overrides,
});

/** The plan as `coop/batch:qty` strings, in plan order. */
const taken = (plan: ReturnType<typeof planAllocation>) =>
  plan.parts.flatMap((p) => p.lines.map((l) => `${p.cooperativeId}/${l.batchId}:${l.quantity}`));

describe('planAllocation', () => {
  it('FEFO: takes the earliest-expiring batch of a cooperative first', () => {
    const plan = planAllocation(
      [{ sku: SKU, quantity: 4 }],
      [
        batch({ cooperativeId: 'coop-a', batchId: 'late', expiresAt: '2026-06-23T00:00:00.000Z' }),
        batch({
          cooperativeId: 'coop-a',
          batchId: 'early',
          available: 3,
          expiresAt: '2026-06-20T00:00:00.000Z',
        }),
        batch({ cooperativeId: 'coop-a', batchId: 'middle', expiresAt: '2026-06-21T00:00:00.000Z' }),
      ],
      ctx(),
    );
    expect(taken(plan)).toEqual(['coop-a/early:3', 'coop-a/middle:1']);
    expect(plan.unfilled).toEqual([]);
    expect(plan.parts[0]?.why.join(' ')).toContain('FEFO');
  });

  it('FEFO across cooperatives: of two that can each fill the line, the one with the earlier-expiring batch wins', () => {
    const plan = planAllocation(
      [{ sku: SKU, quantity: 2 }],
      [
        batch({ cooperativeId: 'coop-late', batchId: 'b1', expiresAt: '2026-06-22T00:00:00.000Z' }),
        batch({ cooperativeId: 'coop-early', batchId: 'b2', expiresAt: '2026-06-21T00:00:00.000Z' }),
      ],
      ctx(),
    );
    expect(taken(plan)).toEqual(['coop-early/b2:2']);
  });

  it('a single cooperative that can fill the line beats a split, even when another has an earlier batch', () => {
    const plan = planAllocation(
      [{ sku: SKU, quantity: 5 }],
      [
        batch({
          cooperativeId: 'coop-small',
          batchId: 'b-early',
          available: 3,
          expiresAt: '2026-06-20T00:00:00.000Z',
        }),
        batch({
          cooperativeId: 'coop-big',
          batchId: 'b-late',
          available: 6,
          expiresAt: '2026-06-22T00:00:00.000Z',
        }),
      ],
      ctx(),
    );
    expect(plan.parts).toHaveLength(1);
    expect(taken(plan)).toEqual(['coop-big/b-late:5']);
    expect(plan.parts[0]?.why.join(' ')).toMatch(/fills 5 × LYCHEE-LN-5KG alone/);
  });

  it('a cooperative filling the line from several of its own batches still beats a split', () => {
    const plan = planAllocation(
      [{ sku: SKU, quantity: 5 }],
      [
        batch({
          cooperativeId: 'coop-x',
          batchId: 'x1',
          available: 4,
          expiresAt: '2026-06-20T00:00:00.000Z',
        }),
        batch({
          cooperativeId: 'coop-y',
          batchId: 'y1',
          available: 3,
          expiresAt: '2026-06-21T00:00:00.000Z',
        }),
        batch({
          cooperativeId: 'coop-y',
          batchId: 'y2',
          available: 3,
          expiresAt: '2026-06-22T00:00:00.000Z',
        }),
      ],
      ctx(),
    );
    expect(taken(plan)).toEqual(['coop-y/y1:3', 'coop-y/y2:2']);
  });

  it('splits, earliest expiry first, when no single cooperative can fill the line', () => {
    const plan = planAllocation(
      [{ sku: SKU, quantity: 6 }],
      [
        batch({ cooperativeId: 'coop-b', batchId: 'b', available: 4, expiresAt: '2026-06-22T00:00:00.000Z' }),
        batch({ cooperativeId: 'coop-a', batchId: 'a', available: 3, expiresAt: '2026-06-21T00:00:00.000Z' }),
      ],
      ctx(),
    );
    expect(taken(plan)).toEqual(['coop-a/a:3', 'coop-b/b:3']);
    expect(plan.unfilled).toEqual([]);
    for (const part of plan.parts) expect(part.why.join(' ')).toMatch(/split/);
  });

  it('reports what it could not fill, with the reason', () => {
    const plan = planAllocation(
      [{ sku: SKU, quantity: 10 }],
      [
        batch({ cooperativeId: 'coop-a', batchId: 'a', available: 3 }),
        batch({ cooperativeId: 'coop-b', batchId: 'b', available: 1 }),
        batch({ cooperativeId: 'coop-c', batchId: 'stale', expiresAt: '2026-06-19T09:59:59.000Z' }),
      ],
      ctx(),
    );
    expect(taken(plan).sort()).toEqual(['coop-a/a:3', 'coop-b/b:1']);
    expect(plan.unfilled).toEqual([{ sku: SKU, quantity: 6 }]);
    expect(plan.unfilledReasons).toEqual([
      '6 × LYCHEE-LN-5KG unfilled: eligible stock ran out (1 batch(es) expires before delivery)',
    ]);
  });

  it('reports "no eligible stock" for a product nobody has, and keeps planning the other lines', () => {
    const plan = planAllocation(
      [
        { sku: OTHER_SKU, quantity: 1 },
        { sku: SKU, quantity: 2 },
      ],
      [batch({ cooperativeId: 'coop-a', batchId: 'a' })],
      ctx(),
    );
    expect(taken(plan)).toEqual(['coop-a/a:2']);
    expect(plan.unfilled).toEqual([{ sku: OTHER_SKU, quantity: 1 }]);
    expect(plan.unfilledReasons).toEqual(['1 × LYCHEE-LN-10KG unfilled: no eligible stock']);
  });

  it('freshness: a batch expiring before the delivery date is excluded, even when it expires first', () => {
    const plan = planAllocation(
      [{ sku: SKU, quantity: 2 }],
      [
        batch({ cooperativeId: 'coop-a', batchId: 'too-old', expiresAt: '2026-06-19T09:00:00.000Z' }),
        batch({ cooperativeId: 'coop-b', batchId: 'just-fresh', expiresAt: DELIVERY_BY }),
      ],
      ctx(),
    );
    expect(taken(plan)).toEqual(['coop-b/just-fresh:2']);
  });

  it('freshness: when every batch expires before delivery, nothing is planned and the reason says so', () => {
    const plan = planAllocation(
      [{ sku: SKU, quantity: 2 }],
      [
        batch({ cooperativeId: 'coop-a', batchId: 'a', expiresAt: '2026-06-19T00:00:00.000Z' }),
        batch({ cooperativeId: 'coop-b', batchId: 'b', expiresAt: '2026-06-18T00:00:00.000Z' }),
      ],
      ctx(),
    );
    expect(plan.parts).toEqual([]);
    expect(plan.unfilled).toEqual([{ sku: SKU, quantity: 2 }]);
    expect(plan.unfilledReasons[0]).toBe(
      '2 × LYCHEE-LN-5KG unfilled: no eligible stock (2 batch(es) expires before delivery)',
    );
  });

  it('export eligibility: the batch’s growing-area code for the market must be among the valid codes', () => {
    const validCodes = new Set(['VN-BGJP-0101']);
    const candidates = [
      batch({ cooperativeId: 'coop-nocode', batchId: 'n', expiresAt: '2026-06-20T00:00:00.000Z' }),
      batch({
        cooperativeId: 'coop-revoked',
        batchId: 'r',
        expiresAt: '2026-06-20T12:00:00.000Z',
        growingAreaCodes: { JP: 'VN-BGJP-0999' },
      }),
      batch({
        cooperativeId: 'coop-other-market',
        batchId: 'o',
        expiresAt: '2026-06-20T18:00:00.000Z',
        growingAreaCodes: { US: 'VN-BGJP-0101' },
      }),
      batch({
        cooperativeId: 'coop-valid',
        batchId: 'v',
        expiresAt: '2026-06-22T00:00:00.000Z',
        growingAreaCodes: { JP: 'VN-BGJP-0101' },
      }),
    ];
    const plan = planAllocation([{ sku: SKU, quantity: 3 }], candidates, ctx({ market: 'JP', validCodes }));
    expect(taken(plan)).toEqual(['coop-valid/v:3']);
    expect(plan.parts[0]?.why.join(' ')).toContain('growing-area code VN-BGJP-0101 valid for JP');

    // A domestic order takes the earliest batch, code or not.
    expect(taken(planAllocation([{ sku: SKU, quantity: 3 }], candidates, ctx()))).toEqual([
      'coop-nocode/n:3',
    ]);
  });

  it('export eligibility: with no valid code (or no code list) the line is unfilled, naming the reason', () => {
    const candidates = [
      batch({ cooperativeId: 'coop-a', batchId: 'a', growingAreaCodes: { JP: 'VN-BGJP-0101' } }),
    ];
    for (const validCodes of [new Set<string>(), undefined]) {
      const plan = planAllocation([{ sku: SKU, quantity: 1 }], candidates, ctx({ market: 'JP', validCodes }));
      expect(plan.parts).toEqual([]);
      expect(plan.unfilledReasons).toEqual([
        '1 × LYCHEE-LN-5KG unfilled: no eligible stock (1 batch(es) no valid growing area code)',
      ]);
    }
  });

  it('capacity: a cooperative with stock but no pick/pack capacity left cannot fill the line alone', () => {
    const candidates = [
      batch({
        cooperativeId: 'coop-busy',
        batchId: 'busy',
        available: 50,
        expiresAt: '2026-06-20T00:00:00.000Z',
      }),
      batch({
        cooperativeId: 'coop-free',
        batchId: 'free',
        available: 5,
        expiresAt: '2026-06-22T00:00:00.000Z',
      }),
    ];
    const capacityLeft = new Map([
      ['coop-busy', 2],
      ['coop-free', 100],
    ]);
    expect(taken(planAllocation([{ sku: SKU, quantity: 4 }], candidates, ctx({ capacityLeft })))).toEqual([
      'coop-free/free:4',
    ]);
    // Nobody can fill 7 alone: the split takes only what capacity allows at the busy one.
    const split = planAllocation([{ sku: SKU, quantity: 7 }], candidates, ctx({ capacityLeft }));
    expect(taken(split)).toEqual(['coop-busy/busy:2', 'coop-free/free:5']);
    expect(split.unfilled).toEqual([]);
    // And 8 leaves one unit unfilled rather than overrunning the busy cooperative.
    const over = planAllocation([{ sku: SKU, quantity: 8 }], candidates, ctx({ capacityLeft }));
    expect(taken(over)).toEqual(['coop-busy/busy:2', 'coop-free/free:5']);
    expect(over.unfilled).toEqual([{ sku: SKU, quantity: 1 }]);
  });

  it('capacity used by one line is not reused by the next line of the same order', () => {
    const plan = planAllocation(
      [
        { sku: SKU, quantity: 2 },
        { sku: OTHER_SKU, quantity: 2 },
      ],
      [
        batch({ cooperativeId: 'coop-a', batchId: 'a5' }),
        batch({ cooperativeId: 'coop-a', batchId: 'a10', sku: OTHER_SKU }),
      ],
      ctx({ capacityLeft: new Map([['coop-a', 3]]) }),
    );
    expect(taken(plan)).toEqual(['coop-a/a5:2', 'coop-a/a10:1']);
    expect(plan.unfilled).toEqual([{ sku: OTHER_SKU, quantity: 1 }]);
  });

  it('stock used by one line is not reused by a second line of the same product', () => {
    const plan = planAllocation(
      [
        { sku: SKU, quantity: 3 },
        { sku: SKU, quantity: 3 },
      ],
      [batch({ cooperativeId: 'coop-a', batchId: 'a', available: 4 })],
      ctx(),
    );
    expect(plan.parts).toHaveLength(1);
    expect(plan.parts[0]?.lines).toEqual([{ sku: SKU, batchId: 'a', quantity: 4 }]);
    expect(plan.unfilled).toEqual([{ sku: SKU, quantity: 2 }]);
  });

  it('prefers, for a second line, a cooperative already chosen for the first', () => {
    const plan = planAllocation(
      [
        { sku: OTHER_SKU, quantity: 1 },
        { sku: SKU, quantity: 1 },
      ],
      [
        batch({ cooperativeId: 'coop-b', batchId: 'b10', sku: OTHER_SKU }),
        batch({ cooperativeId: 'coop-a', batchId: 'a5', expiresAt: '2026-06-20T00:00:00.000Z' }),
        batch({ cooperativeId: 'coop-b', batchId: 'b5', expiresAt: '2026-06-22T00:00:00.000Z' }),
      ],
      ctx(),
    );
    expect(plan.parts.map((p) => p.cooperativeId)).toEqual(['coop-b']);
    expect(taken(plan)).toEqual(['coop-b/b10:1', 'coop-b/b5:1']);
  });

  it('skips excluded cooperatives and batches with no stock, and does not touch its inputs', () => {
    const candidates = [
      batch({ cooperativeId: 'coop-full', batchId: 'f', expiresAt: '2026-06-20T00:00:00.000Z' }),
      batch({
        cooperativeId: 'coop-empty',
        batchId: 'e',
        available: 0,
        expiresAt: '2026-06-20T00:00:00.000Z',
      }),
      batch({ cooperativeId: 'coop-ok', batchId: 'o', available: 2 }),
    ];
    const before = structuredClone(candidates);
    const capacityLeft = new Map([['coop-ok', 5]]);
    const plan = planAllocation(
      [{ sku: SKU, quantity: 2 }],
      candidates,
      ctx({ capacityLeft, excludedCooperatives: new Set(['coop-full']) }),
    );
    expect(taken(plan)).toEqual(['coop-ok/o:2']);
    expect(candidates).toEqual(before);
    expect(capacityLeft.get('coop-ok')).toBe(5);
  });
});

describe('planAllocation: why an excluded cooperative was passed over', () => {
  it('names the reason it was given (a decline), and capacity by default', () => {
    const candidates = [
      batch({ cooperativeId: 'coop-declined', batchId: 'd', available: 5 }),
      batch({ cooperativeId: 'coop-full', batchId: 'f', available: 5 }),
      batch({ cooperativeId: 'coop-ok', batchId: 'o', available: 5 }),
    ];
    const plan = planAllocation(
      [{ sku: SKU, quantity: 2 }],
      candidates,
      ctx({
        excludedCooperatives: new Set(['coop-declined', 'coop-full']),
        exclusionReasons: new Map([
          ['coop-declined', 'its part of this order was released (declined: hết xe)'],
        ]),
      }),
    );
    expect(taken(plan)).toEqual(['coop-ok/o:2']);
    const excluded = plan.considered.filter((c) => c.outcome === 'excluded');
    expect(Object.fromEntries(excluded.map((c) => [c.cooperativeId, c.reason]))).toEqual({
      'coop-declined': 'its part of this order was released (declined: hết xe)',
      'coop-full': 'no pick/pack capacity left for the pickup day',
    });
  });
});

describe('classifyCancellation: F08 transaction cancelled for different reasons', () => {
  // The reservation transaction's items, in order: a batch decrement, the cooperative's capacity
  // for the day, the allocation put, then the order's status/version check.
  const roles: TxItemRole[] = [
    { role: 'batch', cooperativeId: 'coop-a', batchId: 'B-1', sku: SKU },
    { role: 'capacity', cooperativeId: 'coop-a' },
    { role: 'allocation', cooperativeId: 'coop-a' },
    { role: 'batch', cooperativeId: 'coop-b', batchId: 'B-2', sku: SKU },
    { role: 'capacity', cooperativeId: 'coop-b' },
    { role: 'allocation', cooperativeId: 'coop-b' },
    { role: 'order' },
  ];
  const none: CancellationReason = { Code: 'None' };
  /** Reasons for all seven items: 'None' except the ones given by index. */
  const reasons = (at: Record<number, CancellationReason>): CancellationReason[] =>
    roles.map((_, i) => at[i] ?? none);

  /** The ALL_OLD image DynamoDB returns for a failed batch condition: low-level AttributeValues. */
  const oldBatch = (available: number): Record<string, unknown> => ({
    pk: { S: 'COOP#coop-b' },
    sk: { S: `BATCH#${SKU}#B-2` },
    available: { N: String(available) },
    reserved: { N: '20' },
    quantity: { N: String(20 + available) },
  });

  it('F08 (a) stock ran out: a batch ConditionalCheckFailed → stale, naming that batch with its available from ALL_OLD', () => {
    const outcome = classifyCancellation(
      roles,
      reasons({
        3: {
          Code: 'ConditionalCheckFailed',
          Item: oldBatch(0),
          Message: 'The conditional request failed',
        } as CancellationReason,
      }),
    );
    expect(outcome).toEqual({
      kind: 'stale',
      batches: [{ cooperativeId: 'coop-b', batchId: 'B-2', sku: SKU, available: 0 }],
      fullCooperatives: [],
    });
  });

  it('F08 (a) reads a non-zero available and a minimal ALL_OLD item in AttributeValue shape', () => {
    const outcome = classifyCancellation(
      roles,
      reasons({ 0: { Code: 'ConditionalCheckFailed', Item: { available: { N: '2' } } } }),
    );
    expect(outcome).toEqual({
      kind: 'stale',
      batches: [{ cooperativeId: 'coop-a', batchId: 'B-1', sku: SKU, available: 2 }],
      fullCooperatives: [],
    });
  });

  it('F08 (a) without an ALL_OLD item the batch is still named stale, its available unknown', () => {
    const outcome = classifyCancellation(roles, reasons({ 0: { Code: 'ConditionalCheckFailed' } }));
    expect(outcome).toEqual({
      kind: 'stale',
      batches: [{ cooperativeId: 'coop-a', batchId: 'B-1', sku: SKU, available: undefined }],
      fullCooperatives: [],
    });
  });

  it('F08 (a) a capacity ConditionalCheckFailed → stale, naming the full cooperative', () => {
    const outcome = classifyCancellation(roles, reasons({ 4: { Code: 'ConditionalCheckFailed' } }));
    expect(outcome).toEqual({ kind: 'stale', batches: [], fullCooperatives: ['coop-b'] });
  });

  it('F08 (a) several batches and cooperatives failing are all named', () => {
    const outcome = classifyCancellation(
      roles,
      reasons({
        0: { Code: 'ConditionalCheckFailed', Item: { available: { N: '1' } } },
        3: { Code: 'ConditionalCheckFailed', Item: oldBatch(0) },
        4: { Code: 'ConditionalCheckFailed' },
      }),
    );
    expect(outcome).toEqual({
      kind: 'stale',
      batches: [
        { cooperativeId: 'coop-a', batchId: 'B-1', sku: SKU, available: 1 },
        { cooperativeId: 'coop-b', batchId: 'B-2', sku: SKU, available: 0 },
      ],
      fullCooperatives: ['coop-b'],
    });
  });

  it('F08 (b) the order item ConditionalCheckFailed (a retry already allocated it) → order_changed', () => {
    expect(classifyCancellation(roles, reasons({ 6: { Code: 'ConditionalCheckFailed' } }))).toEqual({
      kind: 'order_changed',
    });
  });

  it('F08 (b) an allocation put that finds its allocation already there → order_changed', () => {
    expect(classifyCancellation(roles, reasons({ 2: { Code: 'ConditionalCheckFailed' } }))).toEqual({
      kind: 'order_changed',
    });
  });

  it('F08 (c) a TransactionConflict → retry, with the code', () => {
    expect(classifyCancellation(roles, reasons({ 0: { Code: 'TransactionConflict' } }))).toEqual({
      kind: 'retry',
      codes: ['TransactionConflict'],
    });
  });

  it('F08 (c) throttling on an item → retry too', () => {
    expect(
      classifyCancellation(
        roles,
        reasons({ 1: { Code: 'ThrottlingError' }, 6: { Code: 'ProvisionedThroughputExceeded' } }),
      ),
    ).toEqual({ kind: 'retry', codes: ['ThrottlingError', 'ProvisionedThroughputExceeded'] });
  });

  it('F08 a cancellation with no per-item reason at all is retried, never taken for success or stale', () => {
    expect(classifyCancellation(roles, [])).toEqual({ kind: 'retry', codes: ['Unknown'] });
    expect(classifyCancellation(roles, reasons({}))).toEqual({ kind: 'retry', codes: ['Unknown'] });
  });

  it('F08 mixed: order_changed wins over a stale batch and over a conflict', () => {
    expect(
      classifyCancellation(
        roles,
        reasons({
          0: { Code: 'ConditionalCheckFailed', Item: { available: { N: '0' } } },
          3: { Code: 'TransactionConflict' },
          6: { Code: 'ConditionalCheckFailed' },
        }),
      ),
    ).toEqual({ kind: 'order_changed' });
    expect(
      classifyCancellation(
        roles,
        reasons({ 4: { Code: 'ConditionalCheckFailed' }, 5: { Code: 'ConditionalCheckFailed' } }),
      ),
    ).toEqual({ kind: 'order_changed' });
  });

  it('F08 mixed: a stale batch together with a conflict elsewhere → stale (re-plan without it), not a blind retry', () => {
    expect(
      classifyCancellation(
        roles,
        reasons({
          0: { Code: 'TransactionConflict' },
          3: { Code: 'ConditionalCheckFailed', Item: oldBatch(0) },
        }),
      ),
    ).toEqual({
      kind: 'stale',
      batches: [{ cooperativeId: 'coop-b', batchId: 'B-2', sku: SKU, available: 0 }],
      fullCooperatives: [],
    });
  });

  it('F08 reads reasons by position: the same code on a different item means something else', () => {
    const onBatch = classifyCancellation(roles, reasons({ 0: { Code: 'ConditionalCheckFailed' } }));
    const onOrder = classifyCancellation(roles, reasons({ 6: { Code: 'ConditionalCheckFailed' } }));
    expect(onBatch.kind).toBe('stale');
    expect(onOrder.kind).toBe('order_changed');
  });
});

describe('fitPlanToTransaction (DynamoDB takes at most 100 items per transaction)', () => {
  const wide = {
    parts: Array.from({ length: 40 }, (_, p) => ({
      cooperativeId: `coop-${p}`,
      lines: [
        { sku: 'LYCHEE-LN-10KG', batchId: `b-${p}-1`, quantity: 2 },
        { sku: 'LYCHEE-LN-10KG', batchId: `b-${p}-2`, quantity: 1 },
      ],
      why: [],
    })),
    unfilled: [],
    unfilledReasons: [],
    considered: [],
  };

  it('keeps a plan that fits unchanged', () => {
    const small = { ...wide, parts: wide.parts.slice(0, 3) };
    expect(fitPlanToTransaction(small, 2)).toBe(small);
  });

  it('cuts a plan spread over too many batches so the transaction stays within 100 items, and says what is left', () => {
    const fitted = fitPlanToTransaction(wide, 2);
    const items = fitted.parts.reduce((n, p) => n + p.lines.length + 2, 0) + 2;
    expect(items).toBeLessThanOrEqual(100);
    const kept = fitted.parts.flatMap((p) => p.lines).reduce((n, l) => n + l.quantity, 0);
    expect(kept + (fitted.unfilled[0]?.quantity ?? 0)).toBe(120);
    expect(fitted.unfilled).toEqual([{ sku: 'LYCHEE-LN-10KG', quantity: 120 - kept }]);
    expect(fitted.unfilledReasons.join(' ')).toContain('more stock batches than one reservation');
  });
});
