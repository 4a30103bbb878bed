/** Cooperatives, their growing-area codes and their stock batches. */
import type { ExportMarket } from './market.js';

export type CooperativeKind = 'cooperative' | 'cooperative-group' | 'farm-household';

export interface Cooperative {
  cooperativeId: string;
  name: string;
  kind: CooperativeKind;
  /** 2025 scheme ward (xã/phường) of the packing site; province is Bắc Ninh (24). */
  provinceCode: string;
  wardCode: string;
  wardName: string;
  /** The commune's pre-2025 name and district, as the cooperative still writes it. */
  legacyCommune?: { wardName: string; districtName: string };
  /** Sale units it can pick and pack per business day. */
  dailyCapacityUnits: number;
  /** Where notifications go: a Zalo OA follower id (business contact, not a buyer). */
  zaloUserId: string;
  /** The packing site's phone couriers call at pickup (a business line, not a buyer's). */
  contactPhone?: string;
  /** Preferred courier for its pickups. */
  carrier: string;
}

export type GrowingAreaStatus = 'active' | 'suspended' | 'revoked';

/** Mã số vùng trồng (PUC), with the packing-house code (PHC) its fruit is packed under. */
export interface GrowingAreaCode {
  code: string;
  market: ExportMarket;
  cooperativeId: string;
  areaHa: number;
  packingHouseCode: string;
  validFrom: string;
  validTo: string;
  status: GrowingAreaStatus;
  /** Business date from which a suspended code may no longer be used (pickups before it may). */
  suspendedFrom?: string;
  suspensionReason?: string;
}

export interface StockBatch {
  cooperativeId: string;
  batchId: string;
  sku: string;
  harvestedAt: string;
  /** When the batch stops being sellable (harvest + shelf life, cold or ambient). */
  expiresAt: string;
  coldChain: boolean;
  /** Units reported. */
  quantity: number;
  /** Units not yet reserved. Never negative: every decrement is conditional. */
  available: number;
  /** Growing-area codes (by market) the batch was harvested under; empty for OCOP goods. */
  growingAreaCodes: Partial<Record<ExportMarket, string>>;
}

/**
 * Whether fruit packed under `code` may go to its market with a pickup on `onDate`: active and
 * within its validity dates. A suspended code stays usable only for pickups before its
 * `suspendedFrom` date (the allocation transaction checks the same thing on the stored item).
 */
export function isGrowingAreaValid(code: GrowingAreaCode, onDate: string): boolean {
  const usable =
    code.status === 'active' ||
    (code.status === 'suspended' && code.suspendedFrom !== undefined && onDate < code.suspendedFrom);
  return usable && code.validFrom <= onDate && onDate <= code.validTo;
}
