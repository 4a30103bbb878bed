import { CARRIERS, generateCooperatives } from '../../../shared/demo/cooperatives.js';
import { createRng } from '../../../shared/demo/random.js';
import { listWards, resolveAddress } from '../../../shared/normalise/address.js';

const cooperatives = generateCooperatives(createRng('coops'));

describe('generateCooperatives', () => {
  it('makes 200 by default, ids htx-0001…htx-0200', () => {
    expect(cooperatives).toHaveLength(200);
    expect(cooperatives[0]?.cooperativeId).toBe('htx-0001');
    expect(cooperatives[199]?.cooperativeId).toBe('htx-0200');
    expect(new Set(cooperatives.map((c) => c.name)).size).toBe(200);
  });

  it('is deterministic', () => {
    expect(generateCooperatives(createRng('coops'))).toEqual(cooperatives);
    expect(generateCooperatives(createRng('other'))).not.toEqual(cooperatives);
  });

  it('places every cooperative in a real 2025 ward of Bắc Ninh (24)', () => {
    const wards = new Map(listWards('24').map((w) => [w.code, w.name]));
    for (const c of cooperatives) {
      expect(c.provinceCode).toBe('24');
      expect(c.wardCode).toMatch(/^\d{5}$/);
      expect(wards.get(c.wardCode)).toBe(c.wardName);
    }
  });

  it('keeps the old commune and district, which resolve to the same ward', () => {
    for (const c of cooperatives) {
      const legacy = c.legacyCommune;
      expect(legacy).toBeDefined();
      const resolved = resolveAddress(`${legacy?.wardName}, ${legacy?.districtName}, Tỉnh Bắc Giang`);
      expect({ id: c.cooperativeId, status: resolved.status, ward: resolved.ward?.code }).toEqual({
        id: c.cooperativeId,
        status: 'exact',
        ward: c.wardCode,
      });
    }
  });

  it('sits mostly in the lychee districts, Lục Ngạn first', () => {
    const lychee = /Lục Ngạn|Chũ|Lục Nam|Sơn Động|Tân Yên|Lạng Giang|Yên Thế/u;
    const inLychee = cooperatives.filter((c) => lychee.test(c.legacyCommune?.districtName ?? '')).length;
    expect(inLychee / cooperatives.length).toBeGreaterThan(0.85);
    const lucNgan = cooperatives.filter((c) =>
      /Lục Ngạn|Chũ/u.test(c.legacyCommune?.districtName ?? ''),
    ).length;
    expect(lucNgan / cooperatives.length).toBeGreaterThan(0.3);
  });

  it('is mostly HTX, with some cooperative groups and farm households', () => {
    const kinds = new Map<string, number>();
    for (const c of cooperatives) kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
    expect(kinds.get('cooperative')).toBeGreaterThan(120);
    expect(kinds.get('cooperative-group')).toBeGreaterThan(5);
    expect(kinds.get('farm-household')).toBeGreaterThan(5);
    for (const c of cooperatives) {
      if (c.kind === 'cooperative') expect(c.name).toMatch(/^HTX /);
      if (c.kind === 'cooperative-group') expect(c.name).toMatch(/^Tổ hợp tác /);
      if (c.kind === 'farm-household') expect(c.name).toMatch(/^Hộ sản xuất /);
    }
  });

  it('has small and big packing capacities, Zalo ids and a carrier', () => {
    const capacities = cooperatives.map((c) => c.dailyCapacityUnits);
    expect(Math.min(...capacities)).toBeGreaterThanOrEqual(40);
    expect(Math.max(...capacities)).toBeLessThanOrEqual(2000);
    expect(capacities.filter((c) => c <= 150).length).toBeGreaterThan(30);
    expect(capacities.filter((c) => c >= 600).length).toBeGreaterThan(20);
    for (const c of cooperatives) {
      expect(c.zaloUserId).toMatch(/^[1-9]\d{18}$/);
      expect(CARRIERS).toContain(c.carrier);
    }
    expect(new Set(cooperatives.map((c) => c.carrier)).size).toBe(3);
  });
});
