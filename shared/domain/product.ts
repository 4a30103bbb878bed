/**
 * The sale units the cooperatives pack. Quantities everywhere are integers of the product's sale
 * unit (a box, a pack); shelf life decides freshness checks in allocation.
 */
export type ProductKind = 'fresh-lychee' | 'ocop';

export interface Product {
  sku: string;
  name: string;
  kind: ProductKind;
  /** Net weight of one sale unit, grams (couriers price by weight). */
  unitWeightGrams: number;
  /** Days the product stays sellable after harvest/production at ambient temperature. */
  shelfLifeDays: number;
  /** Days with cold chain (2-5 °C); equal to shelfLifeDays when cold chain does not matter. */
  coldShelfLifeDays: number;
  /** Typical retail price per unit, VND (the demo data draws prices around it). */
  listPriceVnd: number;
  /** Only fresh lychee can go to export markets (needs growing-area codes). */
  exportable: boolean;
}

const lychee = (kg: number, price: number): Product => ({
  sku: `LYCHEE-LN-${kg}KG`,
  name: `Vải thiều Lục Ngạn thùng ${kg}kg`,
  kind: 'fresh-lychee',
  unitWeightGrams: kg * 1000,
  shelfLifeDays: 4,
  coldShelfLifeDays: 28,
  listPriceVnd: price,
  exportable: true,
});

export const PRODUCTS: readonly Product[] = [
  lychee(2, 90_000),
  lychee(3, 130_000),
  lychee(5, 200_000),
  lychee(10, 380_000),
  {
    sku: 'LYCHEE-DRIED-500G',
    name: 'Vải thiều sấy khô 500g',
    kind: 'ocop',
    unitWeightGrams: 500,
    shelfLifeDays: 180,
    coldShelfLifeDays: 180,
    listPriceVnd: 120_000,
    exportable: false,
  },
  {
    sku: 'OCOP-MIEN-CHU-1KG',
    name: 'Mì Chũ 1kg (OCOP 4 sao)',
    kind: 'ocop',
    unitWeightGrams: 1000,
    shelfLifeDays: 180,
    coldShelfLifeDays: 180,
    listPriceVnd: 65_000,
    exportable: false,
  },
  {
    sku: 'OCOP-MAT-ONG-500ML',
    name: 'Mật ong vải thiều 500ml (OCOP)',
    kind: 'ocop',
    unitWeightGrams: 700,
    shelfLifeDays: 365,
    coldShelfLifeDays: 365,
    listPriceVnd: 150_000,
    exportable: false,
  },
  {
    sku: 'OCOP-GA-YEN-THE',
    name: 'Gà đồi Yên Thế (con ~1.8kg, hút chân không)',
    kind: 'ocop',
    unitWeightGrams: 1800,
    shelfLifeDays: 5,
    coldShelfLifeDays: 10,
    listPriceVnd: 260_000,
    exportable: false,
  },
];

const bySku = new Map(PRODUCTS.map((p) => [p.sku, p]));

export function findProduct(sku: string): Product | undefined {
  return bySku.get(sku);
}
