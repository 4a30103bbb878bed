/**
 * What to do with an order the stock on hand cannot fill whole: the per-channel partial-fill
 * policy (issue 4). Decided on the plan, before any transaction, so a policy that reserves
 * nothing never reserves-then-releases.
 *
 * - `ship_partial`: reserve what the plan found now, backorder the rest (the default: buyers of
 *   domestic channels get the boxes there are today, and marketplaces with strict ship-by SLAs —
 *   TikTok Shop, Shopee, Lazada penalise late shipment — need something handed to the courier);
 * - `wait`: reserve nothing; the whole order waits as a backorder and is retried when stock is
 *   reported, until its backorder limit (fresh lychee: 12 h). Default for EXPORT orders, whatever
 *   their channel: an export lot is packed, inspected and certified (phytosanitary certificate,
 *   growing-area and packing-house codes) for the quantity the exporter contracted; half a lot is
 *   not a shipment, and an afternoon harvest often fills the rest the same day, so waiting beats
 *   rejecting;
 * - `reject`: reserve nothing and reject the order now with reason `insufficient_stock`, for a
 *   channel whose buyers must hear "no" at once rather than wait (none by default; e.g. a B2B
 *   channel that re-sources elsewhere). It applies to any order not fillable whole, partial or not.
 *
 * An order nothing can be filled for backorders under `ship_partial` and `wait` alike (today's
 * behaviour). Overridable per deployment with PARTIAL_FILL_POLICY (shared/config.ts).
 */
import type { AllocationPlan, PlanLine } from './allocation.js';
import type { Channel } from './order.js';

export const PARTIAL_FILL_POLICIES = ['ship_partial', 'wait', 'reject'] as const;
export type PartialFillPolicy = (typeof PARTIAL_FILL_POLICIES)[number];

export interface PartialFillConfig {
  /** Policy for domestic orders of a channel; `domestic` when the channel is not listed. */
  byChannel: Partial<Record<Channel, PartialFillPolicy>>;
  /** Policy for domestic orders of channels not listed in `byChannel`. */
  domestic: PartialFillPolicy;
  /** Policy for export orders, whatever their channel (the lot needs the whole quantity). */
  export: PartialFillPolicy;
}

export const DEFAULT_PARTIAL_FILL: PartialFillConfig = {
  byChannel: { tiktok: 'ship_partial', shopee: 'ship_partial', lazada: 'ship_partial' },
  domestic: 'ship_partial',
  export: 'wait',
};

/** The reject reason an order gets under `reject` (the same words as the ingest edge's reasons). */
export const INSUFFICIENT_STOCK = 'insufficient_stock';

export function partialFillPolicyFor(
  channel: Channel | undefined,
  isExport: boolean,
  config: PartialFillConfig = DEFAULT_PARTIAL_FILL,
): PartialFillPolicy {
  if (isExport) return config.export;
  return (channel && config.byChannel[channel]) || config.domestic;
}

/** What happened to the order under its policy: counted in the report, kept in the explanation. */
export type PartialFillOutcome =
  /** Filled whole: the policy did not come into play. */
  | 'filled'
  /** `ship_partial`: what was found is reserved, the rest backordered. */
  | 'shipped_partial'
  /** `wait`: part could be filled, nothing was reserved, the whole order waits. */
  | 'waited'
  /** Nothing could be filled: the order waits (ship_partial or wait). */
  | 'backordered'
  /** `reject`: not fillable whole, rejected with `insufficient_stock`. */
  | 'rejected';

export interface PartialFillRecord {
  policy: PartialFillPolicy;
  outcome: PartialFillOutcome;
  detail: string;
}

export type PartialFillDecision =
  | { kind: 'reserve'; plan: AllocationPlan; record: PartialFillRecord }
  | { kind: 'backorder'; lines: PlanLine[]; reason: string; record: PartialFillRecord }
  | { kind: 'reject'; reason: string; record: PartialFillRecord };

const units = (lines: readonly PlanLine[]) => lines.reduce((s, l) => s + l.quantity, 0);

/** Sums an order's lines per product (an order may list a product twice). */
function bySku(lines: readonly PlanLine[]): PlanLine[] {
  const out = new Map<string, number>();
  for (const l of lines) out.set(l.sku, (out.get(l.sku) ?? 0) + l.quantity);
  return [...out].map(([sku, quantity]) => ({ sku, quantity }));
}

/**
 * Applies `policy` to a plan for `orderLines`. Pure: the caller reserves, backorders or rejects
 * according to the answer, and stores `record` with the order's allocation explanation.
 */
export function decidePartialFill(
  plan: AllocationPlan,
  orderLines: readonly PlanLine[],
  policy: PartialFillPolicy,
): PartialFillDecision {
  const ordered = units(orderLines);
  const missing = units(plan.unfilled);
  if (missing === 0) {
    return { kind: 'reserve', plan, record: { policy, outcome: 'filled', detail: 'filled whole' } };
  }
  const found = ordered - missing;
  const shortBy = plan.unfilledReasons.join('; ');
  if (policy === 'reject') {
    const detail = `policy reject: only ${found} of ${ordered} unit(s) could be filled now, so nothing was reserved and the order was rejected (${INSUFFICIENT_STOCK})`;
    return {
      kind: 'reject',
      reason: `${INSUFFICIENT_STOCK}: ${shortBy}`,
      record: { policy, outcome: 'rejected', detail },
    };
  }
  if (plan.parts.length === 0) {
    return {
      kind: 'backorder',
      lines: plan.unfilled,
      reason: shortBy,
      record: {
        policy,
        outcome: 'backordered',
        detail: `nothing could be filled now: the order waits for stock`,
      },
    };
  }
  if (policy === 'wait') {
    const detail = `policy wait: only ${found} of ${ordered} unit(s) could be filled now, so nothing was reserved and the whole order waits for stock`;
    return {
      kind: 'backorder',
      lines: bySku(orderLines),
      reason: `${detail} (${shortBy})`,
      record: { policy, outcome: 'waited', detail },
    };
  }
  return {
    kind: 'reserve',
    plan,
    record: {
      policy,
      outcome: 'shipped_partial',
      detail: `policy ship_partial: ${found} of ${ordered} unit(s) reserved now, ${missing} backordered`,
    },
  };
}
