/**
 * book-pickup: consumes the pickup queue (OrderAllocated, routed by AllocationsToPickup). Books one
 * courier pickup per allocation. The allocation id is the courier's client reference, so however
 * many times the message is redelivered (or the courier times out and we retry), the courier holds
 * at most one shipment for it (F15); the pickup item in the table is written conditionally too.
 *
 * A released allocation (cancelled order, declined, suspended area) gets no courier: the pickup is
 * recorded only while its allocation is still `reserved` (one transaction per batch, see
 * pickup-store.ts). If the release won the race after the courier was called, the booking just made
 * is cancelled here; a redelivery for a released allocation asks the courier whether an earlier
 * attempt booked it before dying, and cancels that too. cancel-pickup handles releases that come
 * after the pickup was recorded.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSRecord } from 'aws-lambda';
import { type BusEvent, type DomainEvent, domainEvent } from '../../events/catalog.js';
import { remainingTimeSignal } from '../../shared/adapters/carriers/deadline.js';
import type { AllocationRecord, AllocationStore } from '../../shared/adapters/dynamodb/allocation-store.js';
import { CooperativeDirectory } from '../../shared/adapters/dynamodb/cooperative-directory.js';
import {
  allocationSk,
  CONTACT_SK,
  ORDER_SK,
  orderPk,
  pickupSk,
} from '../../shared/adapters/dynamodb/keys.js';
import { type PickupRecord, PickupStore } from '../../shared/adapters/dynamodb/pickup-store.js';
import { batchGetAll } from '../../shared/adapters/dynamodb/query.js';
import type { OrderRecord } from '../../shared/adapters/dynamodb/order-store.js';
import type { EventPublisher } from '../../shared/adapters/event-publisher.js';
import {
  buildSqsConsumer,
  catalogEventParser,
  type DeadLetterPort,
  PermanentError,
} from '../../shared/adapters/sqs-consumer.js';
import type { BuyerContact } from '../../shared/domain/order.js';
import type { CarrierClient, PickupRequest } from '../../shared/domain/pickup.js';
import { findProduct } from '../../shared/domain/product.js';
import { UpstreamError } from '../../shared/errors.js';
import { buildCourierCancellation } from '../cancel-pickup/cancel-pickup.js';

export type { PickupRecord } from '../../shared/adapters/dynamodb/pickup-store.js';

export interface BookPickupDeps {
  doc: DynamoDBDocumentClient;
  tableName: string;
  allocations: AllocationStore;
  carriers: Record<string, CarrierClient>;
  /** Used when a cooperative's preferred courier has no client configured here. */
  defaultCarrier: string;
  publisher: EventPublisher;
  logger: Logger;
  deadLetter?: DeadLetterPort;
  maxReceiveCount: number;
  now?: () => Date;
  /** Margin kept below the Lambda's remaining time for the courier call (F11). */
  safetyMarginMs?: number;
}

interface BatchState {
  items: Map<string, Record<string, unknown>>;
  /** Bookings made in this batch, recorded at commit (with the PickupBooked each announces). */
  pickups: Array<{ record: PickupRecord; event: DomainEvent; correlationId: string }>;
  /** PickupBooked of pickups recorded before (a redelivery re-announces them). */
  events: DomainEvent[];
  context?: Context;
}

export function buildBookPickupHandler(deps: BookPickupDeps) {
  const now = deps.now ?? (() => new Date());
  const cooperatives = new CooperativeDirectory(() => deps.allocations.loadCooperatives(), 300_000);
  const pickupStore = new PickupStore(deps.doc, deps.tableName);
  const cancelAtCourier = buildCourierCancellation({
    pickups: pickupStore,
    carriers: deps.carriers,
    publisher: deps.publisher,
    logger: deps.logger,
    now,
  });
  const courierSignal = (context: Context | undefined) =>
    context ? remainingTimeSignal(context, deps.safetyMarginMs ?? 3_000) : AbortSignal.timeout(10_000);

  /**
   * One BatchGetItem for the whole batch: each allocation's order, buyer contact, pickup and the
   * allocation itself (a released allocation, e.g. of a cancelled order, gets no courier).
   */
  async function begin(events: Array<BusEvent<'OrderAllocated'>>): Promise<BatchState> {
    const keys = events.flatMap(({ detail }) => [
      { pk: orderPk(detail.orderId), sk: ORDER_SK },
      { pk: orderPk(detail.orderId), sk: CONTACT_SK },
      { pk: orderPk(detail.orderId), sk: pickupSk(detail.cooperativeId) },
      { pk: orderPk(detail.orderId), sk: allocationSk(detail.cooperativeId) },
    ]);
    const items = await batchGetAll(deps.doc, deps.tableName, keys, { consistentRead: true });
    return { items: new Map(items.map((i) => [`${i.pk}|${i.sk}`, i])), pickups: [], events: [] };
  }

  /**
   * One TransactWriteItems for the pickups the batch booked, each conditional on its allocation
   * still being reserved; bookings whose allocation was released meanwhile are cancelled at the
   * courier (nobody else would: the release's consumer found no pickup to cancel). Then the events.
   */
  async function commit(state: BatchState): Promise<void> {
    // One item per allocation: a message delivered twice in one batch booked the same shipment.
    const byAllocation = new Map(state.pickups.map((p) => [p.record.allocationId, p.record]));
    const { released } = await pickupStore.recordBooked([...byAllocation.values()]);
    const unwanted = new Set(released.map((p) => p.allocationId));
    for (const p of state.pickups) {
      if (!unwanted.has(p.record.allocationId) || byAllocation.get(p.record.allocationId) !== p.record)
        continue;
      deps.logger.info('allocation released while its courier was being booked: cancelling the booking', {
        allocationId: p.record.allocationId,
      });
      await cancelAtCourier({
        pickup: p.record,
        existing: false,
        releaseReason: 'released while the courier was being booked',
        correlationId: p.correlationId,
        signal: courierSignal(state.context),
      });
    }
    await deps.publisher.publish([
      ...state.events,
      ...state.pickups.filter((p) => !unwanted.has(p.record.allocationId)).map((p) => p.event),
    ]);
  }

  /**
   * A redelivery for a released allocation: an earlier attempt may have booked the courier and died
   * before recording it. Ask the courier by our reference, and cancel what it holds.
   */
  async function cancelUnrecorded(
    event: BusEvent<'OrderAllocated'>,
    carrierName: string,
    receivedAt: string,
    context: Context,
  ): Promise<void> {
    const { orderId, allocationId, cooperativeId, pickupDate, market } = event.detail;
    const carrier = deps.carriers[carrierName];
    if (!carrier) return;
    const signal = courierSignal(context);
    const found = await carrier.findByClientReference(allocationId, { signal });
    if (!found) return;
    await cancelAtCourier({
      pickup: {
        pk: orderPk(orderId),
        sk: pickupSk(cooperativeId),
        type: 'pickup',
        allocationId,
        orderId,
        cooperativeId,
        carrier: carrierName,
        trackingCode: found.trackingCode,
        pickupDate,
        receivedAt,
        bookedAt: now().toISOString(),
        status: 'awaiting_pickup',
        market,
        feeVnd: found.feeVnd,
      },
      existing: false,
      releaseReason: 'released before an earlier booking attempt was recorded',
      correlationId: event.detail.correlationId,
      signal,
    });
  }

  async function book(
    event: BusEvent<'OrderAllocated'>,
    record: SQSRecord,
    context: Context,
    state: BatchState,
  ): Promise<void> {
    state.context = context;
    const { orderId, allocationId, cooperativeId, lines, pickupDate, market, exporterId } = event.detail;
    const item = (sk: string) => state.items.get(`${orderPk(orderId)}|${sk}`);
    const order = item(ORDER_SK) as OrderRecord | undefined;
    const contact = item(CONTACT_SK) as BuyerContact | undefined;
    const existing = item(pickupSk(cooperativeId)) as PickupRecord | undefined;
    if (!order || !contact) throw new Error(`order ${orderId} or its contact is missing`);
    const allocation = item(allocationSk(cooperativeId)) as AllocationRecord | undefined;
    if (existing && existing.status !== 'awaiting_pickup') return; // booked, then cancelled
    if (!existing && (order.status === 'cancelled' || allocation?.status !== 'reserved')) {
      deps.logger.info('pickup skipped: allocation released or order cancelled', {
        orderId,
        allocationId,
        orderStatus: order.status,
      });
      if (allocation?.status === 'released' && Number(record.attributes.ApproximateReceiveCount) > 1) {
        const coop = await cooperatives.get(cooperativeId);
        const carrierName = coop && deps.carriers[coop.carrier] ? coop.carrier : deps.defaultCarrier;
        await cancelUnrecorded(event, carrierName, order.receivedAt, context);
      }
      return;
    }
    const coop = await cooperatives.get(cooperativeId);
    if (!coop) throw new PermanentError(`cooperative ${cooperativeId} is unknown`);
    const carrierName = deps.carriers[coop.carrier] ? coop.carrier : deps.defaultCarrier;
    const carrier = deps.carriers[carrierName];
    if (!carrier) throw new PermanentError(`no courier client configured for ${carrierName}`);

    let pickup = existing;
    if (!pickup) {
      const weightGrams = lines.reduce(
        (s, l) => s + l.quantity * (findProduct(l.sku)?.unitWeightGrams ?? 1000),
        0,
      );
      const value = lines.reduce(
        (s, l) => s + l.quantity * (order.lines.find((ol) => ol.sku === l.sku)?.unitPriceVnd ?? 0),
        0,
      );
      const request: PickupRequest = {
        clientReference: allocationId,
        pickupDate,
        from: {
          name: coop.name,
          phoneNational: coop.contactPhone ?? '0204000000',
          wardCode: coop.wardCode,
          wardName: coop.wardName,
          provinceName: 'Bắc Ninh',
        },
        to: {
          name: contact.name,
          phoneNational: contact.phoneNational,
          street: contact.street,
          wardCode: order.destination.wardCode,
          wardName: order.destination.wardName,
          provinceName: order.destination.provinceName,
          addressRaw: contact.addressRaw,
        },
        weightGrams,
        codAmountVnd: order.paymentMethod === 'cod' ? value : 0,
        items: lines.map((l) => ({
          name: findProduct(l.sku)?.name ?? l.sku,
          quantity: l.quantity,
          weightGrams: findProduct(l.sku)?.unitWeightGrams ?? 1000,
        })),
        note: order.note,
        refrigerated: Boolean(market),
      };
      // The courier call must end before the Lambda does, or a retry races a still-running call (F11).
      const signal = remainingTimeSignal(context, deps.safetyMarginMs ?? 3_000);
      let booking: Awaited<ReturnType<CarrierClient['bookPickup']>>;
      try {
        booking = await carrier.bookPickup(request, { signal });
      } catch (error) {
        if (error instanceof UpstreamError && !error.retryable) {
          await deps.publisher.publish([
            domainEvent('PickupFailed', {
              version: 1,
              correlationId: event.detail.correlationId,
              allocationId,
              orderId,
              carrier: carrierName,
              reason: error.message,
              retryable: false,
            }),
          ]);
          throw new PermanentError(`courier ${carrierName} refused the pickup: ${error.message}`);
        }
        throw error;
      }
      pickup = {
        pk: orderPk(orderId),
        sk: pickupSk(cooperativeId),
        type: 'pickup',
        allocationId,
        orderId,
        cooperativeId,
        carrier: carrierName,
        trackingCode: booking.trackingCode,
        pickupDate,
        receivedAt: order.receivedAt,
        bookedAt: now().toISOString(),
        status: 'awaiting_pickup',
        market,
        feeVnd: booking.feeVnd,
      };
      // Written at commit with the batch's other pickups, each only while its allocation is
      // still reserved; the courier keys shipments by our client reference, so every retry gets
      // the same tracking code.
    }
    const booked = domainEvent('PickupBooked', {
      version: 1,
      correlationId: event.detail.correlationId,
      allocationId,
      orderId,
      cooperativeId,
      carrier: pickup.carrier,
      trackingCode: pickup.trackingCode,
      pickupDate,
      market,
      exporterId,
    });
    if (existing) state.events.push(booked);
    else state.pickups.push({ record: pickup, event: booked, correlationId: event.detail.correlationId });
  }

  return buildSqsConsumer<BusEvent<'OrderAllocated'>, BatchState>({
    logger: deps.logger,
    deadLetter: deps.deadLetter,
    maxReceiveCount: deps.maxReceiveCount,
    parse: catalogEventParser(['OrderAllocated']),
    batch: { begin, commit },
    handle: (event, record, context, state) => book(event, record, context, state),
  });
}
