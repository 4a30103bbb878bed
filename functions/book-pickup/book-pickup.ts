/**
 * book-pickup: consumes the pickup queue (OrderAllocated, routed by AllocationsToPickup). Books one
 * courier pickup per allocation. The allocation id is the courier's client reference, so however
 * many times the message is redelivered (or the courier times out and we retry), the courier holds
 * at most one shipment for it (F15); the pickup item in the table is written conditionally too.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type BusEvent, domainEvent } from '../../events/catalog.js';
import type { AllocationStore } from '../../shared/adapters/dynamodb/allocation-store.js';
import { CooperativeDirectory } from '../../shared/adapters/dynamodb/cooperative-directory.js';
import { carrierDayGsi2pk, orderPk, pickupSk } from '../../shared/adapters/dynamodb/keys.js';
import type { OrderRecord, OrderStore } from '../../shared/adapters/dynamodb/order-store.js';
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
  orders: OrderStore;
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

export function buildBookPickupHandler(deps: BookPickupDeps) {
  const now = deps.now ?? (() => new Date());
  const cooperatives = new CooperativeDirectory(() => deps.allocations.loadCooperatives(), 300_000);

  async function book(event: BusEvent<'OrderAllocated'>, remainingMs: number): Promise<void> {
    const { orderId, allocationId, cooperativeId, lines, pickupDate, market, exporterId } = event.detail;
    const bundle = await deps.orders.getBundle(orderId);
    const order = bundle.find((i) => i.sk === 'ORDER') as OrderRecord | undefined;
    const contact = bundle.find((i) => i.sk === 'CONTACT') as BuyerContact | undefined;
    const existing = bundle.find((i) => i.sk === pickupSk(cooperativeId)) as PickupRecord | undefined;
    if (!order || !contact) throw new Error(`order ${orderId} or its contact is missing`);
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
      // The courier call must end before the Lambda does, or a retry races a still-running call.
      const signal = AbortSignal.timeout(Math.max(1_000, remainingMs - (deps.safetyMarginMs ?? 3_000)));
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
      try {
        await deps.doc.send(
          new PutCommand({
            TableName: deps.tableName,
            Item: {
              ...pickup,
              gsi2pk: carrierDayGsi2pk(carrierName, pickupDate),
              gsi2sk: `PICKUP#${allocationId}`,
            },
            ConditionExpression: 'attribute_not_exists(pk) OR trackingCode = :t',
            ExpressionAttributeValues: { ':t': booking.trackingCode },
          }),
        );
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') {
          throw new PermanentError(
            `allocation ${allocationId} already has a different pickup than ${booking.trackingCode}: check the courier for a duplicate`,
          );
        }
        throw error;
      }
    }
    await deps.publisher.publish([
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
    ]);
  }

  return buildSqsConsumer<BusEvent<'OrderAllocated'>>({
    logger: deps.logger,
    deadLetter: deps.deadLetter,
    maxReceiveCount: deps.maxReceiveCount,
    parse: catalogEventParser(['OrderAllocated']),
    handle: (event, _record, context) => book(event, context.getRemainingTimeInMillis()),
  });
}
