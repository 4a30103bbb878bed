/**
 * Allocation planning: pure functions, no I/O. Given an order's lines and the candidate stock
 * batches, decide which cooperative ships what. The DynamoDB adapter then reserves the plan in
 * one transaction; if a condition fails (someone else took the stock), it re-plans without the
 * batch that ran out.
 *
 * Eligibility: a batch must still be sellable at the estimated delivery date (freshness), must
 * carry a growing-area code valid for the destination market (export), and its cooperative must
 * have pick/pack capacity left for the pickup day. Ranking: a single cooperative that can fill a
 * whole line beats a split (fewest splits), then first-expired-first-out among acceptable batches.
 */
import type { ExportMarket } from './market.js';

export interface Candidate {
  cooperativeId: string;
  batchId: string;
  sku: string;
  available: number;
  expiresAt: string;
  coldChain: boolean;
  growingAreaCodes: Partial<Record<ExportMarket, string>>;
}

export interface PlanLine {
  sku: string;
  quantity: number;
}

export interface PlanContext {
  /** ISO instant by which the buyer (or the export packing house) receives the goods. */
  deliveryBy: string;
  market?: ExportMarket;
  /** Growing-area codes valid for `market` on the pickup date. */
  validCodes?: ReadonlySet<string>;
  /** Units each cooperative can still pick and pack on the pickup day (absent = unknown = no limit). */
  capacityLeft: ReadonlyMap<string, number>;
  /** Cooperatives excluded for this order (capacity exhausted, declined). */
  excludedCooperatives?: ReadonlySet<string>;
}

export interface PlannedPart {
  cooperativeId: string;
  lines: Array<{ sku: string; batchId: string; quantity: number }>;
  /** Why this cooperative was chosen, in words for the cooperative and the operator. */
  why: string[];
}

export interface AllocationPlan {
  parts: PlannedPart[];
  unfilled: PlanLine[];
  /** Why lines could not be filled (no stock, none fresh enough, no valid code...). */
  unfilledReasons: string[];
}

export type Ineligibility = 'expires_before_delivery' | 'no_valid_growing_area_code' | 'no_stock';

export function eligibility(candidate: Candidate, ctx: PlanContext): Ineligibility | undefined {
  if (candidate.available <= 0) return 'no_stock';
  if (candidate.expiresAt < ctx.deliveryBy) return 'expires_before_delivery';
  if (ctx.market) {
    const code = candidate.growingAreaCodes[ctx.market];
    if (!code || !ctx.validCodes?.has(code)) return 'no_valid_growing_area_code';
  }
  return undefined;
}

const byFefo = (a: Candidate, b: Candidate) =>
  a.expiresAt < b.expiresAt ? -1 : a.expiresAt > b.expiresAt ? 1 : a.batchId < b.batchId ? -1 : 1;

export function planAllocation(
  lines: PlanLine[],
  candidates: readonly Candidate[],
  ctx: PlanContext,
): AllocationPlan {
  const parts = new Map<string, PlannedPart>();
  const unfilled: PlanLine[] = [];
  const unfilledReasons: string[] = [];
  // Work on copies: planning one line consumes stock and capacity the next line must not reuse.
  const stock = new Map(candidates.map((c) => [`${c.cooperativeId}/${c.batchId}`, { ...c }]));
  const capacity = new Map(ctx.capacityLeft);

  const take = (c: Candidate, quantity: number, why: string) => {
    c.available -= quantity;
    if (capacity.has(c.cooperativeId))
      capacity.set(c.cooperativeId, (capacity.get(c.cooperativeId) ?? 0) - quantity);
    let part = parts.get(c.cooperativeId);
    if (!part) {
      part = { cooperativeId: c.cooperativeId, lines: [], why: [] };
      parts.set(c.cooperativeId, part);
    }
    const existing = part.lines.find((l) => l.batchId === c.batchId && l.sku === c.sku);
    if (existing) existing.quantity += quantity;
    else part.lines.push({ sku: c.sku, batchId: c.batchId, quantity });
    if (!part.why.includes(why)) part.why.push(why);
  };

  for (const line of lines) {
    const rejected = new Map<Ineligibility, number>();
    const eligible: Candidate[] = [];
    for (const c of stock.values()) {
      if (c.sku !== line.sku) continue;
      if (ctx.excludedCooperatives?.has(c.cooperativeId)) continue;
      const why = eligibility(c, ctx);
      if (why) rejected.set(why, (rejected.get(why) ?? 0) + 1);
      else eligible.push(c);
    }
    eligible.sort(byFefo);
    const usable = (c: Candidate) =>
      Math.min(c.available, capacity.get(c.cooperativeId) ?? Number.POSITIVE_INFINITY);

    // Fewest splits: the first cooperative (in FEFO order of its earliest batch) that can fill the
    // whole line on its own, preferring one already chosen for another line of this order.
    const totals = new Map<string, number>();
    for (const c of eligible) totals.set(c.cooperativeId, (totals.get(c.cooperativeId) ?? 0) + c.available);
    const canFill = (coop: string) =>
      Math.min(totals.get(coop) ?? 0, capacity.get(coop) ?? Number.POSITIVE_INFINITY) >= line.quantity;
    const alreadyChosen = [...parts.keys()].find(canFill);
    const single = alreadyChosen ?? eligible.find((c) => canFill(c.cooperativeId))?.cooperativeId;

    let remaining = line.quantity;
    const pool = single ? eligible.filter((c) => c.cooperativeId === single) : eligible;
    const reason = single
      ? `fills ${line.quantity} × ${line.sku} alone from its earliest-expiring fresh batch (FEFO)`
      : `part of a split: no single cooperative had ${line.quantity} × ${line.sku}; earliest-expiring batches first`;
    for (const c of pool) {
      if (remaining === 0) break;
      const n = Math.min(usable(c), remaining);
      if (n <= 0) continue;
      take(
        c,
        n,
        ctx.market
          ? `${reason}; growing-area code ${c.growingAreaCodes[ctx.market]} valid for ${ctx.market}`
          : reason,
      );
      remaining -= n;
    }
    if (remaining > 0) {
      unfilled.push({ sku: line.sku, quantity: remaining });
      const detail = [...rejected.entries()]
        .map(([k, n]) => `${n} batch(es) ${k.replaceAll('_', ' ')}`)
        .join(', ');
      unfilledReasons.push(
        `${remaining} × ${line.sku} unfilled: ${eligible.length === 0 ? 'no eligible stock' : 'eligible stock ran out'}${detail ? ` (${detail})` : ''}`,
      );
    }
  }
  return { parts: [...parts.values()], unfilled, unfilledReasons };
}

/** Transit days from Bắc Ninh by destination province code (2025 codes; unverified averages). */
export function transitDays(destinationProvinceCode: string | undefined, market?: ExportMarket): number {
  if (market) return 1; // to the exporter's packing house in the region, then cold chain
  if (!destinationProvinceCode) return 3;
  if (destinationProvinceCode === '24') return 1; // Bắc Ninh itself
  const north = new Set(['01', '04', '08', '11', '12', '14', '15', '19', '20', '22', '25', '31', '33', '37']);
  if (north.has(destinationProvinceCode)) return 1;
  return 2;
}
