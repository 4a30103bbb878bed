/**
 * What buyers put in their carts on a harvest day: which products, how many lines, how many boxes.
 * Shared by the order generator and by the stock generator, whose supply is set relative to the
 * demand these mixes produce.
 */
import type { RawOrder } from '../domain/order.js';
import { PRODUCTS } from '../domain/product.js';
import { createRng, type Rng, WeightedTable } from './random.js';

export const SKU = {
  lychee2: 'LYCHEE-LN-2KG',
  lychee3: 'LYCHEE-LN-3KG',
  lychee5: 'LYCHEE-LN-5KG',
  lychee10: 'LYCHEE-LN-10KG',
  driedLychee: 'LYCHEE-DRIED-500G',
  chuNoodles: 'OCOP-MIEN-CHU-1KG',
  honey: 'OCOP-MAT-ONG-500ML',
  yenTheChicken: 'OCOP-GA-YEN-THE',
} as const;

export const FRESH_SKUS: readonly string[] = PRODUCTS.filter((p) => p.kind === 'fresh-lychee').map(
  (p) => p.sku,
);
export const OCOP_SKUS: readonly string[] = PRODUCTS.filter((p) => p.kind === 'ocop').map((p) => p.sku);

/** The first (usually only) line of a domestic order. */
const FIRST_LINE: ReadonlyArray<readonly [string, number]> = [
  [SKU.lychee2, 28],
  [SKU.lychee3, 20],
  [SKU.lychee5, 26],
  [SKU.lychee10, 8],
  [SKU.driedLychee, 6],
  [SKU.chuNoodles, 4],
  [SKU.honey, 5],
  [SKU.yenTheChicken, 3],
];

/** Lines added to a first one: local specialities ride along with the lychee. */
const EXTRA_LINE: ReadonlyArray<readonly [string, number]> = [
  [SKU.lychee2, 10],
  [SKU.lychee3, 8],
  [SKU.lychee5, 8],
  [SKU.lychee10, 2],
  [SKU.driedLychee, 20],
  [SKU.chuNoodles, 15],
  [SKU.honey, 20],
  [SKU.yenTheChicken, 10],
];

const LINE_COUNT = new WeightedTable<number>([
  [1, 80],
  [2, 15],
  [3, 5],
]);

const QUANTITY = new WeightedTable<number>([
  [1, 55],
  [2, 25],
  [3, 10],
  [4, 5],
  [5, 5],
]);

const FIRST_LINE_TABLE = new WeightedTable(FIRST_LINE);

export interface DrawnLine {
  sku: string;
  quantity: number;
}

/** A domestic order's lines: 1-3 distinct SKUs (mostly 1) of 1-5 boxes, or 10-50 for a B2B buyer. */
export function drawLines(rng: Rng, options: { b2b?: boolean } = {}): DrawnLine[] {
  const count = rng.draw(LINE_COUNT);
  const lines: DrawnLine[] = [];
  const used = new Set<string>();
  for (let i = 0; i < count; i++) {
    const sku =
      i === 0 ? rng.draw(FIRST_LINE_TABLE) : rng.weighted(EXTRA_LINE.filter(([extra]) => !used.has(extra)));
    used.add(sku);
    const quantity = options.b2b ? 5 * rng.int(2, 10) : rng.draw(QUANTITY);
    lines.push({ sku, quantity });
  }
  return lines;
}

/** Units per SKU of a list of orders (export orders included). */
export function demandOf(orders: readonly RawOrder[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const order of orders) {
    for (const line of order.lines) {
      const q =
        typeof line.quantity === 'number' ? line.quantity : Number.parseInt(String(line.quantity), 10);
      if (Number.isFinite(q)) out[line.sku] = (out[line.sku] ?? 0) + q;
    }
  }
  return out;
}

const estimates = new Map<number, Record<string, number>>();

/**
 * Expected domestic units per SKU for `orders` orders, estimated once by drawing the mixes with a
 * fixed seed (the B2B share is small and left out). Used when no actual demand is given.
 */
export function estimateDemand(orders: number): Record<string, number> {
  const sampleSize = 20_000;
  let perOrder = estimates.get(sampleSize);
  if (!perOrder) {
    const rng = createRng('demand-estimate');
    const totals: Record<string, number> = {};
    for (let i = 0; i < sampleSize; i++) {
      for (const line of drawLines(rng)) totals[line.sku] = (totals[line.sku] ?? 0) + line.quantity;
    }
    perOrder = {};
    for (const [sku, units] of Object.entries(totals)) perOrder[sku] = units / sampleSize;
    estimates.set(sampleSize, perOrder);
  }
  const out: Record<string, number> = {};
  for (const [sku, units] of Object.entries(perOrder)) out[sku] = Math.round(units * orders);
  return out;
}
