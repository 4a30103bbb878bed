import { addressBook } from '../../../shared/demo/address-book.js';
import { generateCooperatives, lycheeCommunes } from '../../../shared/demo/cooperatives.js';
import { generateGrowingAreaCodes, lycheeSeason } from '../../../shared/demo/growing-areas.js';
import { createRng } from '../../../shared/demo/random.js';
test('scratch', () => {
  const t0 = performance.now();
  const b = addressBook();
  console.log(b.provinces.length, b.wards('24').length, b.legacyWards('24').length, performance.now() - t0);
  const lc = lycheeCommunes();
  console.log([...lc.entries()].map(([d, l]) => `${d}: ${l.length}`).join('\n'));
  const coops = generateCooperatives(createRng(1).fork('coops'));
  console.log(coops.slice(0, 12));
  const codes = generateGrowingAreaCodes(createRng(1).fork('codes'), coops, lycheeSeason(2026));
  console.log(codes.slice(0, 3), codes.filter((c) => c.status !== 'active'));
  const holders = new Map<string, number>();
  for (const c of codes) holders.set(c.cooperativeId, (holders.get(c.cooperativeId) ?? 0) + 1);
  console.log('holders', holders.size, [...holders.values()].sort((a, b) => b - a).slice(0, 10));
});
