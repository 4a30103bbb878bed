import { generateScenario } from '../../../shared/demo/scenario.js';
import { apportion } from '../../../shared/demo/stock.js';
import { findProduct } from '../../../shared/domain/product.js';
import { parseInstant } from '../../../shared/normalise/time.js';

const scenario = generateScenario({ seed: 'stock', orders: 2000 });
const DAY = 86_400_000;

describe('generateStockBatches (through the scenario)', () => {
  const fresh = scenario.stockBatches.filter((b) => findProduct(b.sku)?.kind === 'fresh-lychee');
  const ocop = scenario.stockBatches.filter((b) => findProduct(b.sku)?.kind === 'ocop');

  it('gives every cooperative 1-4 fresh lychee batches', () => {
    for (const coop of scenario.cooperatives) {
      const n = fresh.filter((b) => b.cooperativeId === coop.cooperativeId).length;
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(4);
    }
    expect(new Set(fresh.map((b) => b.sku))).toEqual(
      new Set(['LYCHEE-LN-2KG', 'LYCHEE-LN-3KG', 'LYCHEE-LN-5KG', 'LYCHEE-LN-10KG']),
    );
  });

  it('harvests fresh lychee on the day or 1-2 days before, in Vietnam time, with shelf life', () => {
    const day = parseInstant('2026-06-18T00:00:00+07:00').getTime();
    for (const b of fresh) {
      expect(b.harvestedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\+07:00$/);
      const harvested = parseInstant(b.harvestedAt).getTime();
      expect(harvested).toBeGreaterThanOrEqual(day - 2 * DAY);
      expect(harvested).toBeLessThan(day + DAY);
      const days = (parseInstant(b.expiresAt).getTime() - harvested) / DAY;
      expect(days).toBe(b.coldChain ? 28 : 4);
      expect(b.available).toBe(b.quantity);
      expect(b.quantity).toBeGreaterThan(0);
    }
    expect(fresh.some((b) => b.coldChain)).toBe(true);
    expect(fresh.some((b) => !b.coldChain)).toBe(true);
  });

  it("lists the holder's own growing-area codes on fresh batches, none on OCOP goods", () => {
    const codes = new Map(scenario.growingAreaCodes.map((c) => [c.code, c]));
    for (const b of fresh) {
      for (const [market, code] of Object.entries(b.growingAreaCodes)) {
        expect(codes.get(code)?.cooperativeId).toBe(b.cooperativeId);
        expect(codes.get(code)?.market).toBe(market);
      }
    }
    for (const b of ocop) expect(b.growingAreaCodes).toEqual({});
    expect(fresh.filter((b) => Object.keys(b.growingAreaCodes).length > 0).length).toBeGreaterThan(50);
  });

  it('has OCOP goods (dried lychee, Mì Chũ, honey, Yên Thế chicken) at a subset of cooperatives', () => {
    expect(new Set(ocop.map((b) => b.sku))).toEqual(
      new Set(['LYCHEE-DRIED-500G', 'OCOP-MIEN-CHU-1KG', 'OCOP-MAT-ONG-500ML', 'OCOP-GA-YEN-THE']),
    );
    const makers = new Set(ocop.map((b) => b.cooperativeId));
    expect(makers.size).toBeLessThan(scenario.cooperatives.length / 2);
  });

  it('has unique batch ids', () => {
    expect(new Set(scenario.stockBatches.map((b) => b.batchId)).size).toBe(scenario.stockBatches.length);
  });
});

describe('apportion', () => {
  it('splits a total in integers by weight, exactly', () => {
    expect(apportion(10, [1, 1, 1], 0)).toEqual([4, 3, 3]);
    expect(apportion(100, [3, 1], 0)).toEqual([75, 25]);
    expect(apportion(7, [0.2, 0.5, 0.3], 0).reduce((a, b) => a + b, 0)).toBe(7);
  });
});
