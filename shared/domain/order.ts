/**
 * Orders as the pipeline knows them. Channel adapters turn a provider's payload into a `RawOrder`
 * (values as the source gave them); `normaliseOrder` (shared/domain/normalise-order.ts) turns that
 * into a `CanonicalOrder` (NFC text, E.164 phone, 2025 ward codes, integer VND) plus the reasons,
 * if any, why a person must review it before allocation.
 */
import type { ExportMarket } from './market.js';

export const CHANNELS = [
  'portal',
  'tiktok',
  'shopee',
  'lazada',
  'messenger',
  'zalo',
  'postmart',
  'voso',
  'haravan',
  'sapo',
  'chat',
] as const;
export type Channel = (typeof CHANNELS)[number];

export type OrderStatus =
  | 'received'
  | 'review'
  | 'allocated'
  | 'partially_allocated'
  /**
   * An allocation of the order was released (declined by its cooperative, or its growing-area code
   * suspended): its `pendingLines` wait for allocation again; its other allocations stay.
   */
  | 'reallocating'
  | 'backordered'
  | 'rejected'
  | 'cancelled'
  /** A backorder that waited longer than its product allows (see domain/backorder.ts). */
  | 'expired';

/** Statuses in which an order no longer waits for the pipeline to act on its own. */
export const SETTLED_STATUSES: readonly OrderStatus[] = [
  'review',
  'allocated',
  'partially_allocated',
  'backordered',
  'rejected',
  'cancelled',
  'expired',
];

export interface RawAddressParts {
  street?: string;
  ward?: string;
  district?: string;
  province?: string;
}

export interface RawOrderLine {
  sku: string;
  quantity: number | string;
  unitPrice: number | string;
}

export interface RawOrder {
  channel: Channel;
  /** The provider's own order id, kept as a string (some exceed 2^53). */
  externalId: string;
  /**
   * For channel `portal`: the direct seller (tenant) whose order number `externalId` is, from the
   * authenticated key (never from the body). Part of the dedupe key. Absent for other channels.
   */
  seller?: string;
  placedAt?: string | number;
  buyer: {
    name: string;
    phone: string;
    address: string | RawAddressParts;
    /** A free-text chat order: the buyer's own words, kept for the operator (personal data). */
    chatText?: string;
  };
  lines: RawOrderLine[];
  shippingFee?: number | string;
  paymentMethod?: 'cod' | 'prepaid';
  note?: string;
  export?: { market: ExportMarket; exporterId: string; destinationState?: string };
  /** Reasons the adapter already knows a person must look (a free-text chat it could not read surely). */
  reviewReasons?: ReviewReason[];
}

export interface OrderLine {
  sku: string;
  quantity: number;
  unitPriceVnd: number;
}

/** Province/ward level only: this is what events may carry (no street, no name, no phone). */
export interface Destination {
  provinceCode?: string;
  provinceName?: string;
  wardCode?: string;
  wardName?: string;
  scheme: '2025';
  resolution: 'exact' | 'ambiguous' | 'not_found';
}

/** Personal data: stored once, in its own item, read only by pickup booking and notifications. */
export interface BuyerContact {
  name: string;
  phoneE164: string;
  phoneNational: string;
  street?: string;
  addressRaw: string;
  legacyAddress?: { wardName?: string; districtName?: string; provinceName?: string; wardCode?: string };
  /** A free-text chat order: the buyer's own message, for the person who reviews it. */
  chatText?: string;
}

export type ReviewReason =
  | 'address_not_found'
  | 'address_ambiguous'
  | 'phone_invalid'
  | 'unknown_product'
  | 'total_mismatch'
  | 'uncertain_parse';

export interface CanonicalOrder {
  orderId: string;
  channel: Channel;
  externalId: string;
  /** The direct seller of a `portal` order (part of its dedupe key); absent for other channels. */
  seller?: string;
  placedAt: string;
  receivedAt: string;
  /** Business date (Asia/Ho_Chi_Minh) the order arrived on. */
  businessDate: string;
  lines: OrderLine[];
  subtotalVnd: number;
  shippingFeeVnd: number;
  totalVnd: number;
  paymentMethod: 'cod' | 'prepaid';
  destination: Destination;
  export?: { market: ExportMarket; exporterId: string; destinationState?: string };
  note?: string;
  contact: BuyerContact;
  reviewReasons: ReviewReason[];
}
