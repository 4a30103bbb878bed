/**
 * How long a batch stays sellable once it travels. A batch's `expiresAt` is its life where it is
 * stored: ambient, or — for cold-chain batches — the 3-5 weeks lychee keeps at 2-5 °C. A domestic
 * parcel travels without cold chain (only export pickups ask for a refrigerated vehicle), so a box
 * taken out of the cold room has its ambient shelf life left from the moment the courier collects
 * it, not the weeks it had in the cold room.
 */
import { findProduct } from './product.js';

const DAY_MS = 86_400_000;

/** The courier collects at 07:00 in Bắc Ninh on the pickup date (GHN `pickup_time` default). */
export const pickupInstant = (pickupDate: string): string => `${pickupDate}T07:00:00+07:00`;

/**
 * When a batch's units stop being sellable if they leave storage at `leavesStoreAt` and travel
 * refrigerated or not (epoch ms): the earlier of its storage expiry and, for a cold-chain batch
 * travelling ambient, the product's ambient shelf life counted from collection.
 */
export function shelfLifeEndMs(
  batch: { sku: string; expiresAt: string; coldChain: boolean },
  travel: { leavesStoreAt: string; refrigerated: boolean },
): number {
  const stored = Date.parse(batch.expiresAt);
  if (!batch.coldChain || travel.refrigerated) return stored;
  const ambientDays = findProduct(batch.sku)?.shelfLifeDays ?? 4;
  return Math.min(stored, Date.parse(travel.leavesStoreAt) + ambientDays * DAY_MS);
}
