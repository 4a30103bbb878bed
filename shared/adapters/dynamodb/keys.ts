/**
 * The single-table model: every entity's key builders and item shape in one place, so the CDK
 * table, the local table and every query agree. Access patterns (DESIGN.md "Data"):
 *
 * | pattern                                   | keys                                                        |
 * |-------------------------------------------|-------------------------------------------------------------|
 * | order by id (+ its contact, allocations,  | pk ORDER#<orderId>; sk ORDER, CONTACT, ALLOC#<coop>,        |
 * |   pickups, notifications)                 |   PICKUP#<coop>, NOTIFY#<coop>                              |
 * | order by (channel, external id): dedupe   | orderId is derived from channelOrderKey (channel, external  |
 * |   (portal: (seller, external id))         |   id; portal: seller too), so a                             |
 * |                                           |   conditional put on pk dedupes (no index needed)           |
 * | a cooperative's profile and stock batches | pk COOP#<coopId>; sk PROFILE, BATCH#<sku>#<batchId>         |
 * | candidate stock for a product (FEFO)      | gsi1 STOCK#<sku> / <expiresAt>#<coopId>#<batchId>           |
 * | growing-area codes for a market           | pk COOP#<coopId> sk PUC#<market>#<code>; gsi1 PUC#<market>  |
 * | a cooperative's allocations by day        | gsi2 COOPDAY#<coopId>#<date> / ALLOC#<orderId>              |
 * | pickups by partner and day                | gsi2 CARRIERDAY#<carrier>#<date> / PICKUP#<allocationId>    |
 * | a lot with its event history              | pk LOT#<lotId>; sk LOT, EVENT#<eventId>, MEMBER#<id>   |
 * | lots by exporter and market               | gsi1 EXPORTER#<exporterId>#<market> / <pickupDate>#<lotId>  |
 * | all cooperatives                          | gsi2 COOPS / <wardCode>#<coopId>                            |
 * | cancel for an order not seen yet (F06)    | pk ORDER#<orderId> sk CANCEL (the tombstone: the id is      |
 * |                                           |   derived from channel + external id, so it can precede it) |
 * | backorders waiting for a product, oldest  | pk ORDER#<orderId> sk BACKORDER#<sku>;                      |
 * |   first (retried when stock is reported)  |   gsi1 BACKORDER#<sku> / <receivedAt>#<orderId>             |
 * | every cooperative's load on a day (fair   | pk COOP#<coopId> sk CAPACITY#<date>, read by key            |
 * |   share across cooperatives)              |   (BatchGetItem; no index on these hot items)               |
 *
 * Index keys are only written when they have a value: an empty string in a key is an error (F09).
 */
import { createHash } from 'node:crypto';

export const orderPk = (orderId: string) => `ORDER#${orderId}`;
export const ORDER_SK = 'ORDER';
export const CONTACT_SK = 'CONTACT';
export const allocationSk = (cooperativeId: string) => `ALLOC#${cooperativeId}`;
export const pickupSk = (cooperativeId: string) => `PICKUP#${cooperativeId}`;
export const notificationSk = (cooperativeId: string) => `NOTIFY#${cooperativeId}`;

export const cooperativePk = (cooperativeId: string) => `COOP#${cooperativeId}`;
export const PROFILE_SK = 'PROFILE';
export const batchSk = (sku: string, batchId: string) => `BATCH#${sku}#${batchId}`;
export const stockGsi1pk = (sku: string) => `STOCK#${sku}`;
export const stockGsi1sk = (expiresAt: string, cooperativeId: string, batchId: string) =>
  `${expiresAt}#${cooperativeId}#${batchId}`;
export const pucSk = (market: string, code: string) => `PUC#${market}#${code}`;
export const pucGsi1pk = (market: string) => `PUC#${market}`;
export const COOPS_GSI2PK = 'COOPS';

/** A cancel that arrived before its order: applied by allocation when the order shows up (F06). */
export const TOMBSTONE_SK = 'CANCEL';
/** One item per backordered product of an order: few, small, and indexed by product. */
export const backorderSk = (sku: string) => `BACKORDER#${sku}`;
export const backorderGsi1pk = (sku: string) => `BACKORDER#${sku}`;
export const backorderGsi1sk = (receivedAt: string, orderId: string) => `${receivedAt}#${orderId}`;
export const capacitySk = (date: string) => `CAPACITY#${date}`;

export const coopDayGsi2pk = (cooperativeId: string, date: string) => `COOPDAY#${cooperativeId}#${date}`;
export const carrierDayGsi2pk = (carrier: string, date: string) => `CARRIERDAY#${carrier}#${date}`;

export const lotPk = (lotId: string) => `LOT#${lotId}`;
export const LOT_SK = 'LOT';
/** Lot events are keyed by a deterministic id so a redelivered message records nothing twice. */
export const lotEventSk = (eventId: string) => `EVENT#${eventId}`;
export const lotMemberSk = (allocationId: string) => `MEMBER#${allocationId}`;
export const exporterGsi1pk = (exporterId: string, market: string) => `EXPORTER#${exporterId}#${market}`;

/**
 * Whose order number an external id is: a marketplace's (one namespace per channel: TikTok,
 * Shopee, Postmart …, whether the order came by webhook, relay or spreadsheet export), or, for the
 * `portal` channel, one direct seller's own (each seller numbers its orders from 1001, so the
 * seller is part of the key).
 */
export interface ChannelOrderRef {
  channel: string;
  externalId: string;
  /** The direct seller (tenant) id: required for channel `portal`, absent otherwise. */
  seller?: string | undefined;
}

/** The dedupe key of an order: (channel, external id), or (portal, seller, external id). */
export function channelOrderKey(ref: ChannelOrderRef): string {
  if (ref.channel === 'portal') {
    if (ref.seller === undefined || ref.seller === '')
      throw new Error('a portal order is keyed by its seller: seller is missing');
    // Seller ids are plain (portal-keys.ts), so the separator cannot be smuggled in.
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(ref.seller)) throw new Error(`not a seller id: ${ref.seller}`);
    return `portal\u0000${ref.seller}\u0000${ref.externalId}`;
  }
  if (ref.seller !== undefined) throw new Error(`a ${ref.channel} order is not keyed by seller`);
  return `${ref.channel}\u0000${ref.externalId}`;
}

/**
 * The internal order id is a pure function of the order's dedupe key (channelOrderKey): every
 * redelivery of the same provider order maps to the same id, and a conditional put on it is the
 * dedupe. Two sellers' equal order numbers are two ids.
 */
export function orderIdFor(ref: ChannelOrderRef): string {
  const digest = createHash('sha256').update(channelOrderKey(ref)).digest('base64url');
  return `ord_${digest.slice(0, 22)}`;
}

/** One allocation per (order, cooperative): a split line gives one allocation per cooperative. */
export function allocationIdFor(orderId: string, cooperativeId: string): string {
  return `${orderId}.${cooperativeId}`;
}

export function parseAllocationId(allocationId: string): { orderId: string; cooperativeId: string } {
  const dot = allocationId.indexOf('.');
  if (dot < 0) throw new Error(`not an allocation id: ${allocationId}`);
  return { orderId: allocationId.slice(0, dot), cooperativeId: allocationId.slice(dot + 1) };
}
