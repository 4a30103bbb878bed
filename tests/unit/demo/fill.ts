/**
 * A naive allocation over a scenario, for tests of the demo data's shape only: orders in delivery
 * order, lines filled first-expired-first-out from any batch of the SKU (export lines only from
 * batches under an active code of their market), within each cooperative's daily capacity.
 */
import type { Scenario } from '../../../shared/demo/scenario.js';

export interface FillResult {
  considered: number;
  filled: number;
  backordered: number;
  backorderedBySku: Record<string, number>;
}

export function simulateFill(scenario: Scenario): FillResult {
  const active = new Set(scenario.growingAreaCodes.filter((c) => c.status === 'active').map((c) => c.code));
  const capacity = new Map(scenario.cooperatives.map((c) => [c.cooperativeId, c.dailyCapacityUnits]));
  const batches = scenario.stockBatches
    .map((b) => ({ ...b }))
    .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt) || a.batchId.localeCompare(b.batchId));
  const bySku = new Map<string, typeof batches>();
  for (const b of batches) bySku.set(b.sku, [...(bySku.get(b.sku) ?? []), b]);

  const result: FillResult = { considered: 0, filled: 0, backordered: 0, backorderedBySku: {} };
  for (const { order, expected } of scenario.orders) {
    if (expected.quality === 'bad') continue; // goes to review, not to allocation
    result.considered++;
    let complete = true;
    for (const line of order.lines) {
      let need = Number(line.quantity);
      for (const batch of bySku.get(line.sku) ?? []) {
        if (need === 0) break;
        if (order.export) {
          const code = batch.growingAreaCodes[order.export.market];
          if (code === undefined || !active.has(code)) continue;
        }
        const cap = capacity.get(batch.cooperativeId) ?? 0;
        const take = Math.min(need, batch.available, cap);
        if (take <= 0) continue;
        batch.available -= take;
        capacity.set(batch.cooperativeId, cap - take);
        need -= take;
      }
      if (need > 0) {
        complete = false;
        result.backorderedBySku[line.sku] = (result.backorderedBySku[line.sku] ?? 0) + 1;
      }
    }
    if (complete) result.filled++;
    else result.backordered++;
  }
  return result;
}
