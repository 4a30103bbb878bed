/**
 * The per-channel partial-fill policy (pure): which policy an order gets, what each policy decides
 * on a plan, and the PARTIAL_FILL_POLICY override parsed at cold start.
 */
import { allocationConfig, loadConfig } from '../../shared/config.js';
import { type Candidate, planAllocation } from '../../shared/domain/allocation.js';
import {
  DEFAULT_PARTIAL_FILL,
  decidePartialFill,
  partialFillPolicyFor,
} from '../../shared/domain/partial-fill.js';

const SKU = 'LYCHEE-LN-5KG';
const OTHER = 'LYCHEE-LN-10KG';
const batch = (cooperativeId: string, sku: string, available: number): Candidate => ({
  cooperativeId,
  batchId: `${cooperativeId}-${sku}`,
  sku,
  available,
  expiresAt: '2026-06-22T00:00:00.000Z',
  coldChain: false,
  growingAreaCodes: {},
});
const plan = (lines: Array<{ sku: string; quantity: number }>, stock: Candidate[]) =>
  planAllocation(lines, stock, { deliveryBy: '2026-06-19T10:00:00.000Z', capacityLeft: new Map() });

const ORDER = [
  { sku: SKU, quantity: 5 },
  { sku: OTHER, quantity: 2 },
];
const PARTIAL_STOCK = [batch('coop-a', SKU, 3), batch('coop-a', OTHER, 2)];

describe('partialFillPolicyFor', () => {
  it('gives export orders the export policy whatever their channel', () => {
    expect(partialFillPolicyFor('tiktok', true)).toBe('wait');
    expect(partialFillPolicyFor('portal', true)).toBe('wait');
  });

  it('ships partial on marketplaces and other domestic channels by default', () => {
    expect(partialFillPolicyFor('shopee', false)).toBe('ship_partial');
    expect(partialFillPolicyFor('zalo', false)).toBe('ship_partial');
  });

  it('uses a channel entry before the domestic default', () => {
    const config = { ...DEFAULT_PARTIAL_FILL, byChannel: { lazada: 'reject' as const } };
    expect(partialFillPolicyFor('lazada', false, config)).toBe('reject');
    expect(partialFillPolicyFor('shopee', false, config)).toBe('ship_partial');
  });
});

describe('decidePartialFill', () => {
  it('reserves an order filled whole under every policy', () => {
    const whole = plan(ORDER, [batch('coop-a', SKU, 9), batch('coop-a', OTHER, 9)]);
    for (const policy of ['ship_partial', 'wait', 'reject'] as const) {
      const decision = decidePartialFill(whole, ORDER, policy);
      expect(decision.kind).toBe('reserve');
      expect(decision.record).toMatchObject({ policy, outcome: 'filled' });
    }
  });

  it('ship_partial reserves what the plan found and backorders the rest', () => {
    const partial = plan(ORDER, PARTIAL_STOCK);
    const decision = decidePartialFill(partial, ORDER, 'ship_partial');
    expect(decision.kind).toBe('reserve');
    if (decision.kind !== 'reserve') return;
    expect(decision.plan.unfilled).toEqual([{ sku: SKU, quantity: 2 }]);
    expect(decision.record.outcome).toBe('shipped_partial');
    expect(decision.record.detail).toContain('5 of 7');
  });

  it('wait reserves nothing and backorders every line at its full quantity', () => {
    const decision = decidePartialFill(plan(ORDER, PARTIAL_STOCK), ORDER, 'wait');
    expect(decision.kind).toBe('backorder');
    if (decision.kind !== 'backorder') return;
    expect(decision.lines).toEqual(ORDER);
    expect(decision.record.outcome).toBe('waited');
    expect(decision.reason).toContain('only 5 of 7 unit(s)');
  });

  it('wait sums an order that lists a product twice into one backorder line', () => {
    const lines = [
      { sku: SKU, quantity: 2 },
      { sku: SKU, quantity: 3 },
    ];
    const decision = decidePartialFill(plan(lines, [batch('coop-a', SKU, 4)]), lines, 'wait');
    expect(decision.kind === 'backorder' && decision.lines).toEqual([{ sku: SKU, quantity: 5 }]);
  });

  it('reject reserves nothing and rejects with insufficient_stock, partial or empty', () => {
    for (const stock of [PARTIAL_STOCK, []]) {
      const decision = decidePartialFill(plan(ORDER, stock), ORDER, 'reject');
      expect(decision.kind).toBe('reject');
      if (decision.kind !== 'reject') return;
      expect(decision.reason).toMatch(/^insufficient_stock: /);
      expect(decision.record.outcome).toBe('rejected');
    }
  });

  it('backorders an order nothing could be filled for under ship_partial and wait', () => {
    for (const policy of ['ship_partial', 'wait'] as const) {
      const decision = decidePartialFill(plan(ORDER, []), ORDER, policy);
      expect(decision.kind).toBe('backorder');
      if (decision.kind !== 'backorder') return;
      expect(decision.lines).toEqual(ORDER);
      expect(decision.record.outcome).toBe('backordered');
    }
  });
});

describe('PARTIAL_FILL_POLICY', () => {
  const env = (extra: Record<string, string>) => ({
    TABLE_NAME: 'harvest',
    DLQ_URL: 'https://sqs.ap-southeast-1.amazonaws.com/1/dlq',
    MAX_RECEIVE_COUNT: '5',
    EVENT_BUS_NAME: 'harvest',
    ...extra,
  });

  it('defaults to the documented policies when unset', () => {
    expect(loadConfig(allocationConfig, env({})).PARTIAL_FILL_POLICY).toEqual(DEFAULT_PARTIAL_FILL);
  });

  it('overrides channels, the domestic default and export, keeping the rest', () => {
    const config = loadConfig(
      allocationConfig,
      env({ PARTIAL_FILL_POLICY: '{"tiktok":"reject","domestic":"wait","export":"reject"}' }),
    ).PARTIAL_FILL_POLICY;
    expect(partialFillPolicyFor('tiktok', false, config)).toBe('reject');
    expect(partialFillPolicyFor('shopee', false, config)).toBe('ship_partial');
    expect(partialFillPolicyFor('portal', false, config)).toBe('wait');
    expect(partialFillPolicyFor('portal', true, config)).toBe('reject');
  });

  it('fails the cold start naming the variable and the bad entry', () => {
    expect(() => loadConfig(allocationConfig, env({ PARTIAL_FILL_POLICY: '{"tiktok":"later"}' }))).toThrow(
      /PARTIAL_FILL_POLICY: .*tiktok/,
    );
    expect(() => loadConfig(allocationConfig, env({ PARTIAL_FILL_POLICY: '{"amazon":"wait"}' }))).toThrow(
      /PARTIAL_FILL_POLICY: Unrecognized key: "amazon" \(keys are channel names, "domestic" and "export"\)/,
    );
    expect(() => loadConfig(allocationConfig, env({ PARTIAL_FILL_POLICY: 'wait' }))).toThrow(
      /PARTIAL_FILL_POLICY: must be JSON/,
    );
  });
});

describe('PARTIAL_FILL_POLICY in the local runtime', () => {
  it('fails with a ConfigurationError naming the variable, before anything starts', async () => {
    const { partialFillFromEnv, ConfigurationError } = await import('../../shared/config.js');
    expect(() => partialFillFromEnv({ PARTIAL_FILL_POLICY: '{"tiktok":"rejct"}' })).toThrow(
      ConfigurationError,
    );
    expect(() => partialFillFromEnv({ PARTIAL_FILL_POLICY: '{"tiktok":"rejct"}' })).toThrow(
      /^Invalid configuration: PARTIAL_FILL_POLICY: tiktok: /,
    );
    expect(partialFillFromEnv({})).toEqual(DEFAULT_PARTIAL_FILL);
  });
});
