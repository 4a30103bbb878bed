/**
 * How long a backorder may wait for stock before it expires with a reason. Fresh lychee lasts
 * 3-5 days and the buyer ordered it for now: a day-long wait is already a bad delivery, so the
 * default is 12 h from the order; OCOP goods that keep for months may wait three days; perishable
 * OCOP goods (Yên Thế chicken) one day. One config object, overridable per deployment.
 */
import { findProduct } from './product.js';

export interface BackorderPolicy {
  /** Hours from the order's receipt a fresh-lychee backorder may wait. */
  freshHours: number;
  /** Hours for OCOP goods whose shelf life is at most `perishableShelfDays`. */
  perishableHours: number;
  perishableShelfDays: number;
  /** Hours for other (long-life) goods. */
  longLifeHours: number;
}

export const DEFAULT_BACKORDER_POLICY: BackorderPolicy = {
  freshHours: 12,
  perishableHours: 24,
  perishableShelfDays: 10,
  longLifeHours: 72,
};

export function backorderMaxWaitHours(
  sku: string,
  policy: BackorderPolicy = DEFAULT_BACKORDER_POLICY,
): number {
  const product = findProduct(sku);
  if (!product || product.kind === 'fresh-lychee') return policy.freshHours;
  return product.shelfLifeDays <= policy.perishableShelfDays ? policy.perishableHours : policy.longLifeHours;
}

/** When a backorder of `sku`, ordered at `receivedAt`, stops waiting. */
export function backorderExpiresAt(
  sku: string,
  receivedAt: string,
  policy: BackorderPolicy = DEFAULT_BACKORDER_POLICY,
): string {
  return new Date(Date.parse(receivedAt) + backorderMaxWaitHours(sku, policy) * 3_600_000).toISOString();
}
