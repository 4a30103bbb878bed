/**
 * Demo stock batches reported on the harvest day: fresh lychee boxes picked that morning or one to
 * two days before (some kept in cold storage), and OCOP goods at the cooperatives that make them.
 *
 * Supply is set per SKU relative to the demand it must meet: by default most SKUs have 10-50 %
 * headroom while the 5 kg box and Yên Thế chicken run short, so a default day backorders a few
 * percent of its orders.
 */
import type { Cooperative, GrowingAreaCode, StockBatch } from '../domain/cooperative.js';
import { EXPORT_MARKETS, type ExportMarket } from '../domain/market.js';
import { findProduct } from '../domain/product.js';
import { estimateDemand, SKU } from './demand.js';
import type { Rng } from './random.js';

/** Supply ÷ demand per SKU before `supplyRatio`. Below 1 means the SKU sells out. */
export const DEFAULT_SKU_SUPPLY: Readonly<Record<string, number>> = {
  [SKU.lychee2]: 1.15,
  [SKU.lychee3]: 1.12,
  [SKU.lychee5]: 0.84,
  [SKU.lychee10]: 1.3,
  [SKU.driedLychee]: 1.3,
  [SKU.chuNoodles]: 1.5,
  [SKU.honey]: 1.3,
  [SKU.yenTheChicken]: 0.75,
};

export interface StockOptions {
  /** Units per SKU the day is expected to sell (domestic and export). Default: a 5,000-order day. */
  demandUnits?: Readonly<Record<string, number>>;
  /** Of the 10 kg demand, the boxes each export market needs (held under that market's codes). */
  exportDemandUnits?: Readonly<Partial<Record<ExportMarket, number>>>;
  /** Multiplies every SKU's supply: 1 is the default mix, 0.5 a disastrous day, 2 a glut. */
  supplyRatio?: number;
  /** Per-SKU supply ÷ demand, overriding DEFAULT_SKU_SUPPLY. */
  skuSupply?: Readonly<Partial<Record<string, number>>>;
}

const FRESH_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  [SKU.lychee2, 30],
  [SKU.lychee3, 22],
  [SKU.lychee5, 28],
  [SKU.lychee10, 20],
];

const HARVEST_OFFSET: ReadonlyArray<readonly [number, number]> = [
  [0, 45],
  [1, 38],
  [2, 17],
];

/** Days before the harvest day an OCOP batch was made: [min, max]. */
const OCOP_AGE_DAYS: Readonly<Record<string, readonly [number, number]>> = {
  [SKU.driedLychee]: [3, 25],
  [SKU.chuNoodles]: [2, 20],
  [SKU.honey]: [20, 120],
  [SKU.yenTheChicken]: [0, 1],
};

interface Draft {
  coop: Cooperative;
  sku: string;
  ageDays: number;
  minuteOfDay: number;
  coldChain: boolean;
  weight: number;
  quantity: number;
  growingAreaCodes: Partial<Record<ExportMarket, string>>;
}

/** `2026-06-18` minus `days`, as `YYYY-MM-DD`. */
function shiftDate(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** ISO 8601 in Vietnam time (+07:00), e.g. `2026-06-17T05:30:00+07:00`. */
function vietnamTime(date: string, minuteOfDay: number): string {
  const hh = String(Math.floor(minuteOfDay / 60)).padStart(2, '0');
  const mm = String(minuteOfDay % 60).padStart(2, '0');
  return `${date}T${hh}:${mm}:00+07:00`;
}

/** Splits `total` over `weights` in integers (largest remainder), every share at least `min`. */
export function apportion(total: number, weights: readonly number[], min = 1): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (weights.length === 0) return [];
  if (!(sum > 0)) return weights.map(() => Math.max(min, Math.floor(total / weights.length)));
  const exact = weights.map((w) => (total * w) / sum);
  const out = exact.map((x) => Math.floor(x));
  let left = Math.round(total) - out.reduce((a, b) => a + b, 0);
  const order = exact
    .map((x, i) => [x - Math.floor(x), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0 && order.length > 0; k = (k + 1) % order.length, left--) {
    const i = order[k]?.[1] ?? 0;
    out[i] = (out[i] ?? 0) + 1;
  }
  return out.map((q) => Math.max(min, q));
}

/**
 * Stock batches for `cooperatives` on `harvestDay` (YYYY-MM-DD): 1-4 fresh lychee batches each,
 * plus OCOP batches at some. Fresh batches list, per market, one of the holder's growing-area codes.
 */
export function generateStockBatches(
  rng: Rng,
  cooperatives: readonly Cooperative[],
  codes: readonly GrowingAreaCode[],
  harvestDay: string,
  options: StockOptions = {},
): StockBatch[] {
  const demand = options.demandUnits ?? estimateDemand(5000);
  const ratio = options.supplyRatio ?? 1;
  const factor = (sku: string) => (options.skuSupply?.[sku] ?? DEFAULT_SKU_SUPPLY[sku] ?? 1.2) * ratio;

  const codesByCoop = new Map<string, Map<ExportMarket, GrowingAreaCode[]>>();
  for (const code of codes) {
    const markets = codesByCoop.get(code.cooperativeId) ?? new Map<ExportMarket, GrowingAreaCode[]>();
    const list = markets.get(code.market) ?? [];
    list.push(code);
    markets.set(code.market, list);
    codesByCoop.set(code.cooperativeId, markets);
  }
  const codesFor = (coop: Cooperative) => {
    const markets = codesByCoop.get(coop.cooperativeId);
    const out: Partial<Record<ExportMarket, string>> = {};
    if (!markets) return out;
    for (const market of EXPORT_MARKETS) {
      const list = markets.get(market);
      if (list && list.length > 0) out[market] = rng.pick(list).code;
    }
    return out;
  };

  const drafts: Draft[] = [];
  const fresh = (coop: Cooperative, sku: string, ageDays: number) => {
    const holder = codesByCoop.has(coop.cooperativeId);
    const big = coop.dailyCapacityUnits >= 600;
    const pCold = Math.min(0.9, 0.15 + (big ? 0.4 : 0) + (holder ? 0.2 : 0) + (ageDays >= 2 ? 0.4 : 0));
    drafts.push({
      coop,
      sku,
      ageDays,
      minuteOfDay: 270 + 5 * rng.int(0, 60), // picked 04:30-09:30, before the heat
      coldChain: rng.chance(pCold),
      // Sub-linear in capacity: a small household still reports a few dozen boxes.
      weight: coop.dailyCapacityUnits ** 0.7 * rng.float(0.6, 1.4) * (holder && sku === SKU.lychee10 ? 3 : 1),
      quantity: 0,
      growingAreaCodes: codesFor(coop),
    });
  };
  const ocop = (coop: Cooperative, sku: string) => {
    const [minAge, maxAge] = OCOP_AGE_DAYS[sku] ?? [1, 10];
    drafts.push({
      coop,
      sku,
      ageDays: rng.int(minAge, maxAge),
      minuteOfDay: 360 + 5 * rng.int(0, 96),
      coldChain: sku === SKU.yenTheChicken,
      weight: Math.sqrt(coop.dailyCapacityUnits) * rng.float(0.5, 1.5),
      quantity: 0,
      growingAreaCodes: {},
    });
  };

  for (const coop of cooperatives) {
    const holder = codesByCoop.has(coop.cooperativeId);
    const cap = coop.dailyCapacityUnits;
    const n =
      coop.kind !== 'cooperative' || cap < 150 ? rng.int(1, 2) : cap < 600 ? rng.int(2, 3) : rng.int(3, 4);
    // Distinct SKUs drawn by weight; code holders mostly pack 10 kg export boxes.
    const skus: string[] = holder && rng.chance(0.85) ? [SKU.lychee10] : [];
    while (skus.length < n) {
      const candidates = FRESH_WEIGHTS.filter(([sku]) => !skus.includes(sku));
      if (candidates.length === 0) break;
      skus.push(rng.weighted(candidates));
    }
    for (const sku of skus) fresh(coop, sku, rng.weighted(HARVEST_OFFSET));
    // An older batch of the same box next to today's: first-expired-first-out has a choice.
    const first = skus[0];
    if (first !== undefined && skus.length < 4 && rng.chance(0.15)) fresh(coop, first, 2);

    const district = coop.legacyCommune?.districtName ?? '';
    const lucNgan = /Lục Ngạn|Chũ|Lục Nam/u.test(district);
    if (lucNgan && rng.chance(0.2)) ocop(coop, SKU.driedLychee);
    if (/Chũ/u.test(district) ? rng.chance(0.45) : /Lục Ngạn/u.test(district) && rng.chance(0.05)) {
      ocop(coop, SKU.chuNoodles);
    }
    if (rng.chance(0.1)) ocop(coop, SKU.honey);
    if (
      /Yên Thế/u.test(district) ? rng.chance(0.6) : /Lạng Giang|Tân Yên/u.test(district) && rng.chance(0.1)
    ) {
      ocop(coop, SKU.yenTheChicken);
    }
  }

  // Every SKU that sells has at least two producers.
  const bySize = cooperatives.slice().sort((a, b) => b.dailyCapacityUnits - a.dailyCapacityUnits);
  for (const sku of Object.keys(demand)) {
    if ((demand[sku] ?? 0) <= 0 || !findProduct(sku)) continue;
    const producers = new Set(drafts.filter((d) => d.sku === sku).map((d) => d.coop.cooperativeId));
    for (const coop of bySize) {
      if (producers.size >= 2) break;
      if (producers.has(coop.cooperativeId)) continue;
      producers.add(coop.cooperativeId);
      if (findProduct(sku)?.kind === 'ocop') ocop(coop, sku);
      else fresh(coop, sku, 0);
    }
  }

  // Quantities: each SKU's supply split over its batches by weight.
  for (const sku of Object.keys(demand)) {
    const batches = drafts.filter((d) => d.sku === sku);
    const total = Math.round((demand[sku] ?? 0) * factor(sku));
    const shares = apportion(
      total,
      batches.map((d) => d.weight),
      3,
    );
    batches.forEach((d, i) => {
      d.quantity = shares[i] ?? 1;
    });
  }
  for (const d of drafts) if (d.quantity === 0) d.quantity = Math.max(1, Math.round(d.weight / 20));

  // Export markets draw 10 kg boxes only from batches under their own (active) codes: top those up.
  const activeCodes = new Set(codes.filter((c) => c.status === 'active').map((c) => c.code));
  for (const market of EXPORT_MARKETS) {
    const need = Math.round((options.exportDemandUnits?.[market] ?? 0) * factor(SKU.lychee10));
    if (need <= 0) continue;
    const eligible = (d: Draft) => {
      const code = d.growingAreaCodes[market];
      return d.sku === SKU.lychee10 && code !== undefined && activeCodes.has(code);
    };
    let batches = drafts.filter(eligible);
    if (batches.length === 0) {
      const holder = bySize.find((c) =>
        codes.some(
          (k) => k.cooperativeId === c.cooperativeId && k.market === market && k.status === 'active',
        ),
      );
      if (!holder) continue;
      fresh(holder, SKU.lychee10, 0);
      const added = drafts[drafts.length - 1];
      if (added) {
        const code = codes.find(
          (k) => k.cooperativeId === holder.cooperativeId && k.market === market && k.status === 'active',
        );
        if (code) added.growingAreaCodes[market] = code.code;
        added.quantity = 0;
      }
      batches = drafts.filter(eligible);
    }
    const have = batches.reduce((a, d) => a + d.quantity, 0);
    if (have >= need) continue;
    const extra = apportion(
      need - have,
      batches.map((d) => d.quantity + 1),
      0,
    );
    batches.forEach((d, i) => {
      d.quantity += extra[i] ?? 0;
    });
  }

  const counters = new Map<string, number>();
  return drafts.map((d) => {
    const product = findProduct(d.sku);
    const date = shiftDate(harvestDay, -d.ageDays);
    const shelf = product ? (d.coldChain ? product.coldShelfLifeDays : product.shelfLifeDays) : 4;
    const k = (counters.get(d.coop.cooperativeId) ?? 0) + 1;
    counters.set(d.coop.cooperativeId, k);
    return {
      cooperativeId: d.coop.cooperativeId,
      batchId: `${d.coop.cooperativeId}-${date.slice(2).replaceAll('-', '')}-${k}`,
      sku: d.sku,
      harvestedAt: vietnamTime(date, d.minuteOfDay),
      expiresAt: vietnamTime(shiftDate(date, shelf), d.minuteOfDay),
      coldChain: d.coldChain,
      quantity: d.quantity,
      available: d.quantity,
      growingAreaCodes: d.growingAreaCodes,
    };
  });
}
