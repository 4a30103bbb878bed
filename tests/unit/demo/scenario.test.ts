import { createHash } from 'node:crypto';
import { generateScenario, type Scenario, scenarioStats } from '../../../shared/demo/scenario.js';
import { CHANNELS } from '../../../shared/domain/order.js';
import { findProduct } from '../../../shared/domain/product.js';
import { resolveAddress } from '../../../shared/normalise/address.js';
import { parseVnd } from '../../../shared/normalise/money.js';
import { normalisePhone } from '../../../shared/normalise/phone.js';
import { businessDate, parseInstant } from '../../../shared/normalise/time.js';
import { simulateFill } from './fill.js';

const hash = (s: Scenario) => createHash('sha256').update(JSON.stringify(s)).digest('hex');

let scenario: Scenario;
beforeAll(() => {
  scenario = generateScenario({ seed: 2026 });
});

describe('determinism', () => {
  it('gives byte-identical output for the same seed', () => {
    const again = generateScenario({ seed: 2026 });
    expect(again).toEqual(scenario);
    expect(hash(again)).toBe(hash(scenario));
  });

  it('gives a different day for another seed', () => {
    const other = generateScenario({ seed: 2027, orders: 500 });
    const small = generateScenario({ seed: 2026, orders: 500 });
    expect(hash(other)).not.toBe(hash(small));
    expect(other.orders.map((o) => o.order.externalId)).not.toEqual(
      small.orders.map((o) => o.order.externalId),
    );
  });
});

describe('the harvest day', () => {
  it('has 5,000 orders sorted by delivery time, on the harvest day', () => {
    expect(scenario.orders).toHaveLength(5000);
    expect(scenario.harvestDay).toBe('2026-06-18');
    for (let i = 1; i < scenario.orders.length; i++) {
      expect(scenario.orders[i]?.at).toBeGreaterThanOrEqual(scenario.orders[i - 1]?.at ?? 0);
    }
    const start = parseInstant(scenario.startsAt).getTime();
    for (const { order, at } of scenario.orders) {
      const placed = parseInstant(order.placedAt ?? '').getTime();
      expect(businessDate(new Date(placed))).toBe('2026-06-18');
      expect(placed - start).toBeLessThanOrEqual(at);
    }
  });

  it('comes through every channel', () => {
    const stats = scenarioStats(scenario);
    for (const channel of CHANNELS) expect(stats.byChannel[channel] ?? 0).toBeGreaterThan(0);
    expect(stats.byChannel.haravan ?? 0).toBeLessThan(stats.byChannel.shopee ?? 0);
  });

  it('spikes 10-30x during the 20:00 livestream on TikTok', () => {
    const minute = 60_000;
    const inSale = scenario.orders.filter((o) => o.flashSale);
    expect(inSale.length).toBeGreaterThan(500);
    expect(inSale.every((o) => o.order.channel === 'tiktok')).toBe(true);
    const webhooks = scenario.orders.filter((o) => o.importBatch === undefined);
    const perMinuteDay = webhooks.length / 1440;
    const window = webhooks.filter((o) => o.at >= 1200 * minute && o.at < 1230 * minute).length / 30;
    expect(window / perMinuteDay).toBeGreaterThan(10);
    expect(window / perMinuteDay).toBeLessThan(30);
    const night = webhooks.filter((o) => o.at >= 180 * minute && o.at < 240 * minute).length / 60;
    expect(night).toBeLessThan(perMinuteDay);
  });

  it('batches spreadsheet rows into uploads that share a delivery time', () => {
    const sheets = scenario.orders.filter(
      (o) => o.order.channel === 'postmart' || o.order.channel === 'voso',
    );
    expect(sheets.every((o) => o.importBatch !== undefined)).toBe(true);
    const batches = new Map<string, Set<number>>();
    for (const o of sheets)
      batches.set(o.importBatch ?? '', (batches.get(o.importBatch ?? '') ?? new Set()).add(o.at));
    expect(batches.size).toBeGreaterThan(20);
    for (const times of batches.values()) expect(times.size).toBe(1);
  });

  it('uses realistic provider ids, unique per channel', () => {
    const seen = new Set<string>();
    for (const { order } of scenario.orders) {
      const key = `${order.channel}:${order.externalId}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
      const id = order.externalId;
      switch (order.channel) {
        case 'tiktok':
          expect(id).toMatch(/^\d{18,19}$/);
          expect(BigInt(id) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
          break;
        case 'shopee':
          expect(id).toMatch(/^260618[0-9A-Z]{8}$/);
          break;
        case 'lazada':
          expect(id).toMatch(/^1[23]\d{14}$/);
          break;
        case 'postmart':
          expect(id).toMatch(/^PM\d{13}$/);
          break;
        case 'voso':
          expect(id).toMatch(/^VS\d{13}$/);
          break;
        case 'zalo':
          expect(id).toMatch(/^[0-9a-f]{32}$/);
          break;
        case 'messenger':
          expect(id).toMatch(/^m_[\w-]{40}$/);
          break;
        case 'portal':
          expect(id).toMatch(order.export ? /^PO-[A-Z]+-260618-\d{4}$/ : /^GHV-260618-\d{6}$/);
          break;
        default:
          expect(id.length).toBeGreaterThan(6);
      }
    }
  });

  it('redelivers about 3% of orders once or twice', () => {
    const redelivered = scenario.orders.filter((o) => o.redeliveries > 0);
    expect(redelivered.length / scenario.orders.length).toBeGreaterThan(0.02);
    expect(redelivered.length / scenario.orders.length).toBeLessThan(0.045);
    for (const o of scenario.orders) expect([0, 1, 2]).toContain(o.redeliveries);
  });

  it('sells 1-3 lines of 1-5 boxes, B2B portal orders up to 50, mostly COD, at prices near list', () => {
    let cod = 0;
    const lineCounts = [0, 0, 0, 0];
    for (const { order } of scenario.orders) {
      if (order.paymentMethod === 'cod') cod++;
      expect(order.lines.length).toBeGreaterThanOrEqual(1);
      expect(order.lines.length).toBeLessThanOrEqual(3);
      lineCounts[order.lines.length] = (lineCounts[order.lines.length] ?? 0) + 1;
      if (order.export) continue;
      for (const line of order.lines) {
        const q = Number(line.quantity);
        expect(q).toBeGreaterThanOrEqual(1);
        expect(q).toBeLessThanOrEqual(order.channel === 'portal' ? 50 : 5);
        const price = parseVnd(line.unitPrice, 'unitPrice');
        expect(price % 1000).toBe(0);
        const list = findProduct(line.sku)?.listPriceVnd ?? 0;
        expect(price / list).toBeGreaterThan(0.7); // livestream prices go ~20% below list
        expect(price / list).toBeLessThan(1.2);
      }
      if (order.shippingFee !== undefined)
        expect(parseVnd(order.shippingFee, 'shippingFee')).toBeLessThan(60_000);
    }
    expect(cod / scenario.orders.length).toBeGreaterThan(0.65);
    expect((lineCounts[1] ?? 0) / scenario.orders.length).toBeGreaterThan(0.7);
  });
});

describe('exports', () => {
  it('are 2-3% of orders, of 10 kg boxes, to every market, China most', () => {
    const exports = scenario.orders.filter((o) => o.order.export);
    expect(exports.length / scenario.orders.length).toBeGreaterThanOrEqual(0.02);
    expect(exports.length / scenario.orders.length).toBeLessThanOrEqual(0.03);
    const markets: Record<string, number> = {};
    for (const { order } of exports) {
      const market = order.export?.market ?? '';
      markets[market] = (markets[market] ?? 0) + 1;
      expect(order.channel).toBe('portal');
      expect(order.lines.every((l) => l.sku === 'LYCHEE-LN-10KG' && Number(l.quantity) >= 10)).toBe(true);
      expect(scenario.exporters.map((e) => e.exporterId)).toContain(order.export?.exporterId);
    }
    expect(Object.keys(markets).sort()).toEqual(['AU', 'CN', 'EU', 'JP', 'TH', 'US']);
    expect(Math.max(...Object.values(markets))).toBe(markets.CN);
  });

  it('ship to the US mostly outside Florida and Hawaii, with a couple that are not allowed', () => {
    const us = scenario.orders.filter((o) => o.order.export?.market === 'US');
    const states = us.map((o) => o.order.export?.destinationState);
    expect(states.every((s) => s !== undefined)).toBe(true);
    expect(states.filter((s) => s === 'FL' || s === 'HI')).toHaveLength(2);
  });

  it("are delivered to the exporter's site in Bắc Ninh or Hà Nội", () => {
    for (const { order, expected: e } of scenario.orders.filter((o) => o.order.export)) {
      expect(['24', '01']).toContain(e.provinceCode);
      const resolved = resolveAddress(order.buyer.address);
      expect(resolved.ward?.code).toBe(e.wardCode);
    }
    for (const exporter of scenario.exporters) expect(exporter.exporterId).toMatch(/^exp-[a-z]+$/);
  });
});

describe('buyer input', () => {
  it('is messy in about the configured share, and bad in about 0.5%', () => {
    const stats = scenarioStats(scenario);
    expect(stats.byQuality.messy / 5000).toBeGreaterThan(0.12);
    expect(stats.byQuality.messy / 5000).toBeLessThan(0.18);
    expect(stats.byQuality.bad / 5000).toBeGreaterThan(0.002);
    expect(stats.byQuality.bad / 5000).toBeLessThan(0.01);
    const calm = scenarioStats(generateScenario({ seed: 2026, orders: 2000, messyShare: 0.3, badShare: 0 }));
    expect(calm.byQuality.messy / 2000).toBeGreaterThan(0.26);
    expect(calm.byQuality.messy / 2000).toBeLessThan(0.34);
    expect(calm.byQuality.bad).toBe(0);
  });

  it('has a phone normalisePhone accepts for every clean and messy order', () => {
    const failures = scenario.orders
      .filter((o) => o.expected.phoneE164 !== undefined)
      .map((o) => ({
        phone: o.order.buyer.phone,
        want: o.expected.phoneE164,
        got: normalisePhone(o.order.buyer.phone),
      }))
      .filter((r) => !r.got.ok || r.got.e164 !== r.want);
    expect(failures).toEqual([]);
  });

  it('has an address that resolves exactly for every clean order', () => {
    const failures = scenario.orders
      .filter((o) => o.expected.quality === 'clean')
      .map((o) => ({
        address: o.order.buyer.address,
        want: o.expected.wardCode,
        got: resolveAddress(o.order.buyer.address),
      }))
      .filter((r) => r.got.status !== 'exact' || r.got.ward?.code !== r.want)
      .map((r) => ({ address: r.address, want: r.want, status: r.got.status, ward: r.got.ward?.code }));
    expect(failures).toEqual([]);
  });

  it('still resolves nearly every messy address', () => {
    const messy = scenario.orders.filter((o) => o.expected.quality === 'messy');
    const resolved = messy.filter((o) => {
      const r = resolveAddress(o.order.buyer.address);
      return r.status === 'exact' && r.ward?.code === o.expected.wardCode;
    });
    expect(resolved.length / messy.length).toBeGreaterThan(0.97);
  });

  it('writes money as text only where people type it, and it parses', () => {
    const textual = scenario.orders.filter((o) => o.expected.mess.includes('money'));
    expect(textual.length).toBeGreaterThan(50);
    for (const { order } of textual) {
      expect(['tiktok', 'shopee', 'lazada']).not.toContain(order.channel);
      for (const line of order.lines) {
        expect(typeof line.unitPrice).toBe('string');
        expect(parseVnd(line.unitPrice, 'unitPrice')).toBeGreaterThan(0);
      }
    }
  });

  it('sends bad input that normalisation must route to review', () => {
    for (const o of scenario.orders.filter((x) => x.expected.quality === 'bad')) {
      const addressBad = resolveAddress(o.order.buyer.address).status !== 'exact';
      const phoneBad = !normalisePhone(o.order.buyer.phone).ok;
      expect(addressBad || phoneBad).toBe(true);
    }
  });
});

describe('stock', () => {
  it('backorders a few percent of orders on a default day, mostly the short SKUs', () => {
    const result = simulateFill(scenario);
    const rate = result.backordered / result.considered;
    expect(rate).toBeGreaterThan(0.03);
    expect(rate).toBeLessThan(0.08);
    expect(Object.keys(result.backorderedBySku).sort()).toEqual(['LYCHEE-LN-5KG', 'OCOP-GA-YEN-THE']);
  });

  it('follows supplyRatio: a glut fills everything, a poor day backorders many', () => {
    const glut = simulateFill(generateScenario({ seed: 2026, orders: 1000, supplyRatio: 2 }));
    expect(glut.backordered).toBe(0);
    const poor = simulateFill(generateScenario({ seed: 2026, orders: 1000, supplyRatio: 0.6 }));
    expect(poor.backordered / poor.considered).toBeGreaterThan(0.1);
  });
});
