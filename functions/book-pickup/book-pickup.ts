/**
 * book-pickup: consumes the pickup queue (OrderAllocated, routed by AllocationsToPickup). Books one
 * courier pickup per allocation. The allocation id is the courier's client reference, so however
 * many times the message is redelivered (or the courier times out and we retry), the courier holds
 * at most one shipment for it (F15); the pickup item in the table is written conditionally too.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { type BusEvent, type DomainEvent, domainEvent } from '../../events/catalog.js';
import { remainingTimeSignal } from '../../shared/adapters/carriers/deadline.js';
import { batchPutAll } from '../../shared/adapters/dynamodb/batch-write.js';
import type { AllocationRecord, AllocationStore } from '../../shared/adapters/dynamodb/allocation-store.js';
import { CooperativeDirectory } from '../../shared/adapters/dynamodb/cooperative-directory.js';
import {
  allocationSk,
  CONTACT_SK,
  carrierDayGsi2pk,
  ORDER_SK,
  orderPk,
  pickupSk,
} from '../../shared/adapters/dynamodb/keys.js';
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

export interface PickupRecord {
  pk: string;
  sk: string;
  type: 'pickup';
  allocationId: string;
  orderId: string;
  cooperativeId: string;
  carrier: string;
  trackingCode: string;
  pickupDate: string;
  receivedAt: string;
  bookedAt: string;
  status: 'awaiting_pickup';
  market?: string;
  feeVnd?: number;
}

interface BatchState {
  items: Map<string, Record<string, unknown>>;
  pickups: PickupRecord[];
  events: DomainEvent[];
}

export function buildBookPickupHandler(deps: BookPickupDeps) {
  const now = deps.now ?? (() => new Date());
  const cooperatives = new CooperativeDirectory(() => deps.allocations.loadCooperatives(), 300_000);

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

  /** One BatchWriteItem for the pickups the batch booked, then their events. */
  async function commit(state: BatchState): Promise<void> {
    await batchPutAll(
      deps.doc,
      deps.tableName,
      state.pickups.map((p) => ({
        ...p,
        gsi2pk: carrierDayGsi2pk(p.carrier, p.pickupDate),
        gsi2sk: `PICKUP#${p.allocationId}`,
      })),
    );
    await deps.publisher.publish(state.events);
  }

  async function book(event: BusEvent<'OrderAllocated'>, context: Context, state: BatchState): Promise<void> {
    const { orderId, allocationId, cooperativeId, lines, pickupDate, market, exporterId } = event.detail;
    const item = (sk: string) => state.items.get(`${orderPk(orderId)}|${sk}`);
    const order = item(ORDER_SK) as OrderRecord | undefined;
    const contact = item(CONTACT_SK) as BuyerContact | undefined;
    const existing = item(pickupSk(cooperativeId)) as PickupRecord | undefined;
    if (!order || !contact) throw new Error(`order ${orderId} or its contact is missing`);
    const allocation = item(allocationSk(cooperativeId)) as AllocationRecord | undefined;
    if (!existing && (order.status === 'cancelled' || allocation?.status !== 'reserved')) {
      deps.logger.info('pickup skipped: allocation released or order cancelled', {
        orderId,
        allocationId,
        orderStatus: order.status,
      });
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
      // Written at commit with the batch's other pickups. No condition is needed: the courier
      // keys shipments by our client reference, so every retry gets the same tracking code.
      state.pickups.push(pickup);
    }
    state.events.push(
      domainEvent('PickupBooked', {
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
      }),
    );
  }

  return buildSqsConsumer<BusEvent<'OrderAllocated'>, BatchState>({
    logger: deps.logger,
    deadLetter: deps.deadLetter,
    maxReceiveCount: deps.maxReceiveCount,
    parse: catalogEventParser(['OrderAllocated']),
    batch: { begin, commit },
    handle: (event, _record, context, state) => book(event, context, state),
  });
}
