/**
 * Demo growing-area codes (mã số vùng trồng, PUC) with the packing-house codes (PHC) the fruit is
 * packed under. Counts follow the province's own figures (149 for China, 34 for Japan, 18 each for
 * the US and Australia, 2 for Thailand) plus a dozen GlobalGAP-equivalent codes for the EU.
 *
 * The code format (country, province, district, serial) is unverified: the strings are opaque and
 * only have to be unique.
 */
import type { Cooperative, GrowingAreaCode } from '../domain/cooperative.js';
import type { ExportMarket } from '../domain/market.js';
import type { Rng } from './random.js';

export const PROVINCE_CODE_COUNTS: Readonly<Record<ExportMarket, number>> = {
  CN: 149,
  JP: 34,
  US: 18,
  AU: 18,
  TH: 2,
  EU: 12,
};

/** Dates (YYYY-MM-DD) a season's codes must at least cover. */
export interface GrowingSeason {
  from: string;
  to: string;
}

/** The lychee season of `year`: early crop from late May, main crop until early August. */
export function lycheeSeason(year: number): GrowingSeason {
  return { from: `${year}-05-20`, to: `${year}-08-10` };
}

export interface GrowingAreaOptions {
  counts?: Partial<Record<ExportMarket, number>>;
  /** How many codes are suspended mid-season (the first goes to China, the next to Japan…). */
  suspended?: number;
}

const DISTRICT_ABBREVIATIONS: Readonly<Record<string, string>> = {
  'Huyện Lục Ngạn': 'LN',
  // Chũ was part of Lục Ngạn until 2025, when most codes were issued.
  'Thị xã Chũ': 'LN',
  'Huyện Lục Nam': 'LA',
  'Huyện Sơn Động': 'SD',
  'Huyện Tân Yên': 'TY',
  'Huyện Lạng Giang': 'LG',
  'Huyện Yên Thế': 'YT',
  'Huyện Hiệp Hòa': 'HH',
  'Thị xã Việt Yên': 'VY',
  'Thành phố Bắc Giang': 'BG',
};

/** Typical area of one code, hectares, per market (China codes are large contiguous areas). */
const AREA_HA: Readonly<Record<ExportMarket, readonly [number, number]>> = {
  CN: [20, 160],
  JP: [5, 40],
  US: [5, 40],
  AU: [5, 40],
  EU: [5, 30],
  TH: [20, 60],
};

const MARKET_ORDER: readonly ExportMarket[] = ['CN', 'JP', 'US', 'AU', 'EU', 'TH'];
const SUSPENSION_ORDER: readonly ExportMarket[] = ['CN', 'JP', 'US', 'CN', 'AU', 'EU'];

function addDays(date: string, days: number): string {
  const t = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/**
 * Codes per market held by lychee cooperatives: bigger cooperatives hold more, and the premium
 * markets (Japan, US, Australia, EU) go to large cooperatives that already hold China codes.
 */
export function generateGrowingAreaCodes(
  rng: Rng,
  cooperatives: readonly Cooperative[],
  season: GrowingSeason,
  options: GrowingAreaOptions = {},
): GrowingAreaCode[] {
  const counts = { ...PROVINCE_CODE_COUNTS, ...options.counts };
  const suspended = options.suspended ?? 2;

  const chinaCandidates: Array<readonly [Cooperative, number]> = cooperatives
    .filter((c) => c.kind !== 'farm-household')
    .map((c) => [c, c.dailyCapacityUnits * (c.kind === 'cooperative' ? 1 : 0.3)] as const);
  if (chinaCandidates.length === 0 && cooperatives.length > 0) {
    throw new Error('no cooperative can hold a growing-area code');
  }

  const packingHouse = new Map<string, string>();
  const serials = new Map<string, number>();
  const holdersCN = new Set<string>();
  const out: GrowingAreaCode[] = [];

  const nextCode = (coop: Cooperative) => {
    const abbr = DISTRICT_ABBREVIATIONS[coop.legacyCommune?.districtName ?? ''] ?? 'BN';
    const serial = (serials.get(abbr) ?? rng.int(0, 20)) + rng.int(1, 6);
    serials.set(abbr, serial);
    return `VN-BG${abbr}-${String(serial).padStart(4, '0')}`;
  };
  const phcOf = (coop: Cooperative) => {
    let phc = packingHouse.get(coop.cooperativeId);
    if (phc === undefined) {
      phc = `VN-BGPH-${String(packingHouse.size * 3 + rng.int(1, 3)).padStart(4, '0')}`;
      packingHouse.set(coop.cooperativeId, phc);
    }
    return phc;
  };

  for (const market of MARKET_ORDER) {
    const n = counts[market] ?? 0;
    let candidates = chinaCandidates;
    if (market !== 'CN') {
      // Premium markets: big cooperatives with China codes, weighted by capacity squared.
      const premium = chinaCandidates
        .filter(
          ([c]) => holdersCN.has(c.cooperativeId) && c.kind === 'cooperative' && c.dailyCapacityUnits >= 300,
        )
        .map(([c]) => [c, c.dailyCapacityUnits ** 2] as const);
      if (premium.length > 0) candidates = premium;
    }
    for (let i = 0; i < n; i++) {
      const coop = rng.weighted(candidates);
      if (market === 'CN') holdersCN.add(coop.cooperativeId);
      const [minHa, maxHa] = AREA_HA[market];
      out.push({
        code: nextCode(coop),
        market,
        cooperativeId: coop.cooperativeId,
        areaHa: Math.round(rng.float(minHa, maxHa) * 10) / 10,
        packingHouseCode: phcOf(coop),
        validFrom: addDays(season.from, -rng.int(0, 25)),
        validTo: addDays(season.to, rng.int(0, 50)),
        status: 'active',
      });
    }
  }

  // A couple of codes suspended mid-season (residue findings, lapsed supervision).
  for (let k = 0; k < suspended; k++) {
    const market = SUSPENSION_ORDER[k % SUSPENSION_ORDER.length] as ExportMarket;
    const active = out.filter((c) => c.market === market && c.status === 'active');
    const any = active.length > 0 ? active : out.filter((c) => c.status === 'active');
    if (any.length === 0) break;
    rng.pick(any).status = 'suspended';
  }
  return out;
}
