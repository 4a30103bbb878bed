/**
 * Allocation planning: pure functions, no I/O. Given an order's lines and the candidate stock
 * batches, decide which cooperative ships what. The DynamoDB adapter then reserves the plan in
 * one transaction; if a condition fails (someone else took the stock), it re-plans without the
 * batch that ran out.
 *
 * Eligibility: a batch must still be sellable at the estimated delivery date (freshness), must
 * carry a growing-area code valid for the destination market (export), and its cooperative must
 * have pick/pack capacity left for the pickup day. Ranking: see RankingWeights (FEFO, transit, fair
 * share across cooperatives over the day, fewest splits), and every plan explains itself.
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

/**
 * The ranking, in one place: every term is in "days of freshness" so the weights compare. A
 * cooperative's score for a line is
 *
 *   fefo × min(shelf-life days its earliest eligible batch still has at delivery, fefoHorizonDays)
 * + transit × estimated transit days from its packing site to the buyer
 * + fairShare × (its pick/pack utilisation today − the day's average utilisation)
 * + splits × (1 if taking it adds a cooperative to the order, else 0)
 *
 * and the lowest score wins. FEFO ships what expires first while still acceptable; fair share
 * makes a cooperative that already packed much of its capacity today yield to one that packed
 * little, so small cooperatives are not starved by big ones over a day (utilisation, not volume:
 * each gets work in proportion to what it can pack); the splits term keeps an order's lines at
 * one cooperative. A single cooperative that can fill a line alone always beats a split of it.
 */
export interface RankingWeights {
  fefo: number;
  transit: number;
  fairShare: number;
  splits: number;
}

export interface RankingConfig {
  weights: RankingWeights;
  /** FEFO stops discriminating past this many days left (cold-chain and OCOP goods last weeks). */
  fefoHorizonDays: number;
  /** Considered-but-not-chosen cooperatives kept per line in the explanation. */
  explainTop: number;
}

export const DEFAULT_RANKING: RankingConfig = {
  weights: { fefo: 1, transit: 1, fairShare: 3, splits: 10 },
  fefoHorizonDays: 10,
  explainTop: 3,
};

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
  /** Why a cooperative is excluded, for the explanation; default: its capacity for the day is used up. */
  exclusionReasons?: ReadonlyMap<string, string>;
  /** Ranking weights; DEFAULT_RANKING when absent. */
  ranking?: RankingConfig;
  /** Units packed so far on the pickup day and daily capacity, per cooperative (fair share). */
  dayLoad?: ReadonlyMap<string, { used: number; capacity: number }>;
  /** Estimated transit days from a cooperative to this order's buyer (absent = same for all). */
  transitDaysOf?: (cooperativeId: string) => number;
}

export interface PlannedPart {
  cooperativeId: string;
  lines: Array<{ sku: string; batchId: string; quantity: number }>;
  /** Why this cooperative was chosen, in words for the cooperative and the operator. */
  why: string[];
  /** Its ranking score (lower is better) when it was first chosen. */
  score?: number;
}

/** One cooperative considered for one line, and what became of it (the explanation). */
export interface Consideration {
  sku: string;
  cooperativeId: string;
  outcome: 'chosen' | 'ranked_lower' | 'too_small' | 'ineligible' | 'excluded';
  score?: number;
  reason: string;
}

export interface AllocationPlan {
  parts: PlannedPart[];
  unfilled: PlanLine[];
  /** Why lines could not be filled (no stock, none fresh enough, no valid code...). */
  unfilledReasons: string[];
  /** Cooperatives considered per line: chosen, ranked lower (top few), too small, ineligible. */
  considered: Consideration[];
}

export type Ineligibility = 'expires_before_delivery' | 'no_valid_growing_area_code' | 'no_stock';

export function eligibility(candidate: Candidate, ctx: PlanContext): Ineligibility | undefined {
  if (candidate.available <= 0) return 'no_stock';
  // Instants, not strings: batches carry +07:00 times, delivery dates Z times.
  if (Date.parse(candidate.expiresAt) < Date.parse(ctx.deliveryBy)) return 'expires_before_delivery';
  if (ctx.market) {
    const code = candidate.growingAreaCodes[ctx.market];
    if (!code || !ctx.validCodes?.has(code)) return 'no_valid_growing_area_code';
  }
  return undefined;
}

const byFefo = (a: Candidate, b: Candidate) =>
  Date.parse(a.expiresAt) - Date.parse(b.expiresAt) || (a.batchId < b.batchId ? -1 : 1);

const DAY_MS = 86_400_000;
const round2 = (n: number) => Math.round(n * 100) / 100;

interface Score {
  total: number;
  fefoDays: number;
  transit: number;
  utilisation?: number;
  averageUtilisation?: number;
  addsSplit: boolean;
}

function describeScore(s: Score): string {
  const parts = [`FEFO ${round2(s.fefoDays)} d left at delivery`];
  if (s.transit) parts.push(`transit ${round2(s.transit)} d`);
  if (s.utilisation !== undefined && s.averageUtilisation !== undefined)
    parts.push(
      `packed ${Math.round(s.utilisation * 100)} % of its capacity today vs ${Math.round(s.averageUtilisation * 100)} % on average`,
    );
  if (s.addsSplit) parts.push('would add a cooperative to the order');
  return `score ${round2(s.total)} (${parts.join(', ')})`;
}

export function planAllocation(
  lines: PlanLine[],
  candidates: readonly Candidate[],
  ctx: PlanContext,
): AllocationPlan {
  const ranking = ctx.ranking ?? DEFAULT_RANKING;
  const w = ranking.weights;
  const parts = new Map<string, PlannedPart>();
  const unfilled: PlanLine[] = [];
  const unfilledReasons: string[] = [];
  const considered: Consideration[] = [];
  // Work on copies: planning one line consumes stock and capacity the next line must not reuse.
  const stock = new Map(candidates.map((c) => [`${c.cooperativeId}/${c.batchId}`, { ...c }]));
  const capacity = new Map(ctx.capacityLeft);
  const deliveryMs = Date.parse(ctx.deliveryBy);

  let averageUtilisation: number | undefined;
  if (ctx.dayLoad && ctx.dayLoad.size > 0) {
    let used = 0;
    let cap = 0;
    for (const load of ctx.dayLoad.values()) {
      used += load.used;
      cap += load.capacity;
    }
    averageUtilisation = cap > 0 ? used / cap : undefined;
  }

  const scoreOf = (coop: string, earliest: Candidate): Score => {
    const fefoDays = Math.max(
      0,
      Math.min(ranking.fefoHorizonDays, (Date.parse(earliest.expiresAt) - deliveryMs) / DAY_MS),
    );
    const transit = ctx.transitDaysOf?.(coop) ?? 0;
    const load = ctx.dayLoad?.get(coop);
    const utilisation =
      load && load.capacity > 0 && averageUtilisation !== undefined ? load.used / load.capacity : undefined;
    const addsSplit = parts.size > 0 && !parts.has(coop);
    const total =
      w.fefo * fefoDays +
      w.transit * transit +
      (utilisation !== undefined && averageUtilisation !== undefined
        ? w.fairShare * (utilisation - averageUtilisation)
        : 0) +
      (addsSplit ? w.splits : 0);
    return { total, fefoDays, transit, utilisation, averageUtilisation, addsSplit };
  };

  const take = (c: Candidate, quantity: number, why: string, score: number) => {
    c.available -= quantity;
    if (capacity.has(c.cooperativeId))
      capacity.set(c.cooperativeId, (capacity.get(c.cooperativeId) ?? 0) - quantity);
    let part = parts.get(c.cooperativeId);
    if (!part) {
      part = { cooperativeId: c.cooperativeId, lines: [], why: [], score: round2(score) };
      parts.set(c.cooperativeId, part);
    }
    const existing = part.lines.find((l) => l.batchId === c.batchId && l.sku === c.sku);
    if (existing) existing.quantity += quantity;
    else part.lines.push({ sku: c.sku, batchId: c.batchId, quantity });
    if (!part.why.includes(why)) part.why.push(why);
  };

  for (const line of lines) {
    const rejected = new Map<Ineligibility, number>();
    const ineligibleByCoop = new Map<string, Set<Ineligibility>>();
    const eligible: Candidate[] = [];
    const excludedSeen = new Set<string>();
    for (const c of stock.values()) {
      if (c.sku !== line.sku) continue;
      if (ctx.excludedCooperatives?.has(c.cooperativeId)) {
        if (c.available > 0 && !excludedSeen.has(c.cooperativeId)) {
          excludedSeen.add(c.cooperativeId);
          if (excludedSeen.size > ranking.explainTop) continue;
          considered.push({
            sku: line.sku,
            cooperativeId: c.cooperativeId,
            outcome: 'excluded',
            reason:
              ctx.exclusionReasons?.get(c.cooperativeId) ?? 'no pick/pack capacity left for the pickup day',
          });
        }
        continue;
      }
      const why = eligibility(c, ctx);
      if (why) {
        rejected.set(why, (rejected.get(why) ?? 0) + 1);
        if (why !== 'no_stock') {
          const set = ineligibleByCoop.get(c.cooperativeId) ?? new Set();
          set.add(why);
          ineligibleByCoop.set(c.cooperativeId, set);
        }
      } else eligible.push(c);
    }
    eligible.sort(byFefo);
    const usable = (c: Candidate) =>
      Math.min(c.available, capacity.get(c.cooperativeId) ?? Number.POSITIVE_INFINITY);

    // Per cooperative: its earliest eligible batch (FEFO) and what it could ship of this line.
    const coops = new Map<string, { earliest: Candidate; total: number }>();
    for (const c of eligible) {
      const entry = coops.get(c.cooperativeId);
      if (entry) entry.total += c.available;
      else coops.set(c.cooperativeId, { earliest: c, total: c.available });
    }
    const fillable = (coop: string) =>
      Math.min(coops.get(coop)?.total ?? 0, capacity.get(coop) ?? Number.POSITIVE_INFINITY);
    const ranked = [...coops.entries()]
      .map(([coop, e]) => ({
        coop,
        score: scoreOf(coop, e.earliest),
        canFill: fillable(coop) >= line.quantity,
      }))
      .sort((a, b) => a.score.total - b.score.total || (a.coop < b.coop ? -1 : 1));

    // Fewest splits: the best-ranked cooperative that can fill the whole line on its own; only
    // when none can is the line split, best-ranked (earliest-expiring first by default) first.
    const single = ranked.find((r) => r.canFill);
    const order = single ? [single] : ranked;
    const reason = single
      ? `fills ${line.quantity} × ${line.sku} alone, best ranked: ${describeScore(single.score)}; earliest-expiring fresh batch first (FEFO)`
      : `part of a split: no single cooperative had ${line.quantity} × ${line.sku}; best ranked first, earliest-expiring batches first`;
    let remaining = line.quantity;
    const chosen = new Set<string>();
    for (const r of order) {
      if (remaining === 0) break;
      for (const c of eligible) {
        if (remaining === 0) break;
        if (c.cooperativeId !== r.coop) continue;
        const n = Math.min(usable(c), remaining);
        if (n <= 0) continue;
        take(
          c,
          n,
          ctx.market
            ? `${reason}; growing-area code ${c.growingAreaCodes[ctx.market]} valid for ${ctx.market}`
            : reason,
          r.score.total,
        );
        chosen.add(r.coop);
        remaining -= n;
      }
    }

    // The explanation: who got the line and why the others did not.
    const best = ranked.find((r) => chosen.has(r.coop));
    let lower = 0;
    for (const r of ranked) {
      if (chosen.has(r.coop)) {
        considered.push({
          sku: line.sku,
          cooperativeId: r.coop,
          outcome: 'chosen',
          score: round2(r.score.total),
          reason: `chosen: ${describeScore(r.score)}`,
        });
      } else if (single && !r.canFill) {
        if (lower++ < ranking.explainTop)
          considered.push({
            sku: line.sku,
            cooperativeId: r.coop,
            outcome: 'too_small',
            score: round2(r.score.total),
            reason: `could ship only ${fillable(r.coop)} of ${line.quantity} × ${line.sku} (stock or capacity left), and ${single.coop} could fill it alone`,
          });
      } else if (lower++ < ranking.explainTop) {
        considered.push({
          sku: line.sku,
          cooperativeId: r.coop,
          outcome: 'ranked_lower',
          score: round2(r.score.total),
          reason: `ranked lower: ${describeScore(r.score)}${best ? ` vs ${round2(best.score.total)} for ${best.coop}` : ''}`,
        });
      }
    }
    if (lower > ranking.explainTop)
      considered.push({
        sku: line.sku,
        cooperativeId: '*',
        outcome: 'ranked_lower',
        reason: `${lower - ranking.explainTop} more cooperative(s) with eligible stock ranked lower`,
      });
    let ineligible = 0;
    for (const [coop, whys] of ineligibleByCoop) {
      if (coops.has(coop)) continue; // it had another, eligible batch
      if (ineligible++ >= ranking.explainTop) continue;
      considered.push({
        sku: line.sku,
        cooperativeId: coop,
        outcome: 'ineligible',
        reason: `not eligible: ${[...whys].map((k) => k.replaceAll('_', ' ')).join(', ')}`,
      });
    }
    if (ineligible > ranking.explainTop)
      considered.push({
        sku: line.sku,
        cooperativeId: '*',
        outcome: 'ineligible',
        reason: `${ineligible - ranking.explainTop} more cooperative(s) had only ineligible batches`,
      });

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
  return { parts: [...parts.values()], unfilled, unfilledReasons, considered };
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

/** DynamoDB takes at most 100 items in one TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;

/**
 * Keeps the part of a plan that one reservation transaction can hold: each stock line is an item,
 * each cooperative adds two (its allocation and its capacity for the day), and `fixedItems` covers
 * the order's own items. What does not fit becomes unfilled, with the reason, instead of a
 * transaction DynamoDB would refuse on every retry. Only orders spread over dozens of small
 * batches reach this.
 */
export function fitPlanToTransaction(
  plan: AllocationPlan,
  fixedItems: number,
  maxItems = MAX_TRANSACTION_ITEMS,
): AllocationPlan {
  let budget = maxItems - fixedItems;
  const parts: PlannedPart[] = [];
  const left = new Map<string, number>();
  for (const part of plan.parts) {
    const room = Math.min(part.lines.length, budget - 2);
    if (room > 0) {
      parts.push(room === part.lines.length ? part : { ...part, lines: part.lines.slice(0, room) });
      budget -= room + 2;
    }
    for (const line of part.lines.slice(Math.max(0, room)))
      left.set(line.sku, (left.get(line.sku) ?? 0) + line.quantity);
  }
  if (left.size === 0) return plan;
  const unfilled = new Map(plan.unfilled.map((l) => [l.sku, l.quantity]));
  for (const [sku, quantity] of left) unfilled.set(sku, (unfilled.get(sku) ?? 0) + quantity);
  return {
    ...plan,
    parts,
    unfilled: [...unfilled].map(([sku, quantity]) => ({ sku, quantity })),
    unfilledReasons: [
      ...plan.unfilledReasons,
      ...[...left].map(
        ([sku, quantity]) =>
          `${quantity} × ${sku} left for later: spread over more stock batches than one reservation (${maxItems} items) can hold`,
      ),
    ],
  };
}
