/**
 * The event catalog: every event on the bus has a source, a detail-type, a version and a zod
 * schema for its detail, and a sample under events/samples/<DetailType>.json (tests check each
 * sample against its schema). Events carry ids, quantities, money and places at province/ward
 * level only: never a buyer's name, phone or street (personal data stays in its own item).
 */
import { z } from 'zod';
import { EXPORT_MARKETS } from '../shared/domain/market.js';
import { CHANNELS } from '../shared/domain/order.js';

export const SOURCES = {
  orders: 'harvest.orders',
  stock: 'harvest.stock',
  logistics: 'harvest.logistics',
  lots: 'harvest.lots',
} as const;

const id = z.string().min(1);
const qty = z.number().int().positive();
const vnd = z.number().int().nonnegative();
const isoTime = z.iso.datetime({ offset: true });
const market = z.enum(EXPORT_MARKETS);

const base = {
  version: z.literal(1),
  correlationId: id,
};

const line = z.object({ sku: id, quantity: qty });
const allocationLine = z.object({ sku: id, quantity: qty, batchId: id });

export const orderReceived = z.object({
  ...base,
  orderId: id,
  channel: z.enum(CHANNELS),
  externalId: id,
  receivedAt: isoTime,
  lines: z.array(line).min(1),
  totalVnd: vnd,
  destinationProvinceCode: z.string().optional(),
  destinationWardCode: z.string().optional(),
  market: market.optional(),
  exporterId: z.string().optional(),
  /** The stored order's version when published; allocation checks it instead of re-reading. */
  orderVersion: z.number().int().positive().optional(),
  /**
   * Set when only part of the order is to be allocated again (an allocation was declined or its
   * growing-area code suspended): `lines` are that remainder; allocation re-reads the order.
   */
  reallocation: z.object({ reason: z.string() }).optional(),
});

export const orderRejected = z.object({
  ...base,
  orderId: id,
  channel: z.enum(CHANNELS),
  reasons: z.array(z.string()).min(1),
});

export const orderAllocated = z.object({
  ...base,
  orderId: id,
  allocationId: id,
  cooperativeId: id,
  lines: z.array(allocationLine).min(1),
  pickupDate: z.iso.date(),
  receivedAt: isoTime,
  market: market.optional(),
  exporterId: z.string().optional(),
});

export const orderBackordered = z.object({
  ...base,
  orderId: id,
  lines: z.array(line).min(1),
  reason: z.string(),
});

export const orderCancelled = z.object({ ...base, orderId: id, reason: z.string() });

/** A backorder that waited longer than its product allows (fresh lychee: hours, not days). */
export const orderExpired = z.object({
  ...base,
  orderId: id,
  lines: z.array(line).min(1),
  reason: z.string(),
});

export const stockReported = z.object({
  ...base,
  cooperativeId: id,
  batchId: id,
  sku: id,
  quantity: qty,
  harvestedAt: isoTime,
});

export const allocationReleased = z.object({
  ...base,
  orderId: id,
  allocationId: id,
  cooperativeId: id,
  lines: z.array(allocationLine).min(1),
  reason: z.string(),
  /** Set for an export allocation: its lot (exporter, market, pickup day) drops it. */
  market: market.optional(),
  exporterId: z.string().optional(),
  pickupDate: z.iso.date().optional(),
});

/** An operator suspended a growing-area code for a market (mid-season): its open allocations move. */
export const growingAreaSuspended = z.object({
  ...base,
  code: id,
  market,
  cooperativeId: id,
  reason: z.string(),
  /** Business date (Asia/Ho_Chi_Minh) from which pickups may no longer use the code. */
  effectiveFrom: z.iso.date(),
});

export const pickupRequested = z.object({
  ...base,
  allocationId: id,
  orderId: id,
  carrier: id,
});

export const pickupBooked = z.object({
  ...base,
  allocationId: id,
  orderId: id,
  cooperativeId: id,
  carrier: id,
  trackingCode: id,
  pickupDate: z.iso.date(),
  market: market.optional(),
  exporterId: z.string().optional(),
});

export const pickupFailed = z.object({
  ...base,
  allocationId: id,
  orderId: id,
  carrier: id,
  reason: z.string(),
  retryable: z.boolean(),
});

/** The courier booking of a released allocation was cancelled at the courier. */
export const pickupCancelled = z.object({
  ...base,
  allocationId: id,
  orderId: id,
  cooperativeId: id,
  carrier: id,
  trackingCode: id,
  reason: z.string(),
});

/**
 * The courier refused to cancel the booking of a released allocation (already collected): an
 * operator must stop the parcel by hand. Not retried: no retry changes the courier's answer.
 */
export const pickupCancelRefused = z.object({
  ...base,
  allocationId: id,
  orderId: id,
  cooperativeId: id,
  carrier: id,
  trackingCode: id,
  reason: z.string(),
  releaseReason: z.string(),
});

export const shipmentStatusChanged = z.object({
  ...base,
  allocationId: id,
  carrier: id,
  trackingCode: id,
  status: z.enum([
    'created',
    'awaiting_pickup',
    'picked_up',
    'in_transit',
    'out_for_delivery',
    'delivered',
    'delivery_failed',
    'returning',
    'returned',
    'cancelled',
    'lost_or_damaged',
  ]),
  carrierStatus: z.string(),
  at: isoTime,
});

export const lotOpened = z.object({
  ...base,
  lotId: id,
  exporterId: id,
  market,
  pickupDate: z.iso.date(),
});

export const lotEventRecorded = z.object({
  ...base,
  lotId: id,
  eventId: id,
  /** EPCIS-like business steps; `decommissioning`: an allocation left the lot (it was released). */
  step: z.enum(['commissioning', 'packing', 'inspecting', 'shipping', 'receiving', 'decommissioning']),
  at: isoTime,
});

export const lotComplianceFailed = z.object({
  ...base,
  lotId: id,
  market,
  reasons: z.array(z.string()).min(1),
});

export const EVENT_CATALOG = {
  OrderReceived: { source: SOURCES.orders, schema: orderReceived },
  OrderRejected: { source: SOURCES.orders, schema: orderRejected },
  OrderAllocated: { source: SOURCES.orders, schema: orderAllocated },
  OrderBackordered: { source: SOURCES.orders, schema: orderBackordered },
  OrderCancelled: { source: SOURCES.orders, schema: orderCancelled },
  OrderExpired: { source: SOURCES.orders, schema: orderExpired },
  StockReported: { source: SOURCES.stock, schema: stockReported },
  AllocationReleased: { source: SOURCES.stock, schema: allocationReleased },
  GrowingAreaSuspended: { source: SOURCES.stock, schema: growingAreaSuspended },
  PickupRequested: { source: SOURCES.logistics, schema: pickupRequested },
  PickupBooked: { source: SOURCES.logistics, schema: pickupBooked },
  PickupFailed: { source: SOURCES.logistics, schema: pickupFailed },
  PickupCancelled: { source: SOURCES.logistics, schema: pickupCancelled },
  PickupCancelRefused: { source: SOURCES.logistics, schema: pickupCancelRefused },
  ShipmentStatusChanged: { source: SOURCES.logistics, schema: shipmentStatusChanged },
  LotOpened: { source: SOURCES.lots, schema: lotOpened },
  LotEventRecorded: { source: SOURCES.lots, schema: lotEventRecorded },
  LotComplianceFailed: { source: SOURCES.lots, schema: lotComplianceFailed },
} as const;

export type DetailType = keyof typeof EVENT_CATALOG;
export type EventDetail<T extends DetailType> = z.infer<(typeof EVENT_CATALOG)[T]['schema']>;

/** A domain event as handlers publish it; adapters turn it into a PutEvents entry or a local event. */
export interface DomainEvent<T extends DetailType = DetailType> {
  detailType: T;
  detail: EventDetail<T>;
}

export function domainEvent<T extends DetailType>(detailType: T, detail: EventDetail<T>): DomainEvent<T> {
  return { detailType, detail };
}

/** The envelope EventBridge delivers (and the local bus builds). */
export interface BusEvent<T extends DetailType = DetailType> {
  version: '0';
  id: string;
  'detail-type': T;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: EventDetail<T>;
}

/** Parses an envelope coming off a queue: validates the detail against the catalog. */
export function parseBusEvent(value: unknown): BusEvent {
  const envelope = z
    .object({ 'detail-type': z.string(), source: z.string(), detail: z.unknown() })
    .loose()
    .parse(value);
  const entry = EVENT_CATALOG[envelope['detail-type'] as DetailType];
  if (!entry) throw new Error(`unknown detail-type "${envelope['detail-type']}"`);
  if (entry.source !== envelope.source) {
    throw new Error(
      `detail-type ${envelope['detail-type']} must come from ${entry.source}, not ${envelope.source}`,
    );
  }
  const detail = entry.schema.parse(envelope.detail);
  return { ...(value as BusEvent), detail };
}
