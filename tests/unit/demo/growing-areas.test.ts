import { generateCooperatives } from '../../../shared/demo/cooperatives.js';
import {
  generateGrowingAreaCodes,
  lycheeSeason,
  PROVINCE_CODE_COUNTS,
} from '../../../shared/demo/growing-areas.js';
import { createRng } from '../../../shared/demo/random.js';
import { isGrowingAreaValid } from '../../../shared/domain/cooperative.js';

const cooperatives = generateCooperatives(createRng('codes').fork('coops'));
const season = lycheeSeason(2026);
const codes = generateGrowingAreaCodes(createRng('codes'), cooperatives, season);

describe('generateGrowingAreaCodes', () => {
  it("matches the province's counts per market (149 CN, 34 JP, 18 US, 18 AU, 2 TH) plus a dozen for the EU", () => {
    const counts: Record<string, number> = {};
    for (const c of codes) counts[c.market] = (counts[c.market] ?? 0) + 1;
    expect(counts).toEqual({ CN: 149, JP: 34, US: 18, AU: 18, TH: 2, EU: 12 });
    expect(PROVINCE_CODE_COUNTS).toEqual({ CN: 149, JP: 34, US: 18, AU: 18, TH: 2, EU: 12 });
  });

  it('is deterministic', () => {
    expect(generateGrowingAreaCodes(createRng('codes'), cooperatives, season)).toEqual(codes);
  });

  it('gives unique opaque codes to lychee cooperatives, bigger ones holding more', () => {
    expect(new Set(codes.map((c) => c.code)).size).toBe(codes.length);
    const byId = new Map(cooperatives.map((c) => [c.cooperativeId, c]));
    const held = new Map<string, number>();
    for (const code of codes) {
      expect(code.code).toMatch(/^VN-BG[A-Z]{2}-\d{4}$/);
      expect(code.packingHouseCode).toMatch(/^VN-BGPH-\d{4}$/);
      const holder = byId.get(code.cooperativeId);
      expect(holder?.kind).not.toBe('farm-household');
      held.set(code.cooperativeId, (held.get(code.cooperativeId) ?? 0) + 1);
    }
    const holders = cooperatives.filter((c) => held.has(c.cooperativeId));
    const others = cooperatives.filter((c) => !held.has(c.cooperativeId));
    const mean = (list: typeof cooperatives) =>
      list.reduce((a, c) => a + c.dailyCapacityUnits, 0) / Math.max(1, list.length);
    expect(mean(holders)).toBeGreaterThan(2 * mean(others));
    // Premium markets go to cooperatives that also hold China codes.
    const chinaHolders = new Set(codes.filter((c) => c.market === 'CN').map((c) => c.cooperativeId));
    for (const code of codes.filter((c) => c.market !== 'CN'))
      expect(chinaHolders.has(code.cooperativeId)).toBe(true);
  });

  it('spans the season, all active except a couple suspended', () => {
    for (const code of codes) {
      expect(code.validFrom <= season.from).toBe(true);
      expect(code.validTo >= season.to).toBe(true);
      expect(code.areaHa).toBeGreaterThan(0);
    }
    expect(codes.filter((c) => c.status === 'suspended')).toHaveLength(2);
    expect(codes.filter((c) => isGrowingAreaValid(c, '2026-06-18'))).toHaveLength(codes.length - 2);
  });
});
