/**
 * The allocation side of the pipeline on one DynamoDB Local table, without the HTTP edge: the
 * real handlers (allocate-order, cancel-order, retry-backorders, move-suspended-allocations,
 * book-pickup with a recording courier; the decline primitive as `reallocate`) fed by a tiny bus that turns every published event into an SQS record for the
 * consumer its topology rule targets, redelivering failed records with their receive count (and
 * DLQ'ing after maxReceiveCount, as the consumers do themselves).
 */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type DetailType, type DomainEvent, EVENT_CATALOG } from '../../events/catalog.js';
import { buildAllocateOrderHandler } from '../../functions/allocate-order/allocate-order.js';
import { buildBookPickupHandler } from '../../functions/book-pickup/book-pickup.js';
import { buildCancelOrderHandler } from '../../functions/cancel-order/cancel-order.js';
import { buildMoveSuspendedAllocationsHandler } from '../../functions/move-suspended-allocations/move-suspended-allocations.js';
import { buildCancelPickupHandler } from '../../functions/cancel-pickup/cancel-pickup.js';
import { PickupStore } from '../../shared/adapters/dynamodb/pickup-store.js';
import { buildRetryBackordersHandler } from '../../functions/retry-backorders/retry-backorders.js';
import { AllocationStore } from '../../shared/adapters/dynamodb/allocation-store.js';
import { GrowingAreaStore } from '../../shared/adapters/dynamodb/growing-area-store.js';
import { LifecycleStore } from '../../shared/adapters/dynamodb/lifecycle-store.js';
import { OrderStore } from '../../shared/adapters/dynamodb/order-store.js';
import { StockStore } from '../../shared/adapters/dynamodb/stock-store.js';
import type { EventPublisher } from '../../shared/adapters/event-publisher.js';
import { buildReallocator } from '../../shared/adapters/reallocation.js';
import type { DeadLetterPort } from '../../shared/adapters/sqs-consumer.js';
import type { Cooperative } from '../../shared/domain/cooperative.js';
import type { RawOrder } from '../../shared/domain/order.js';
import type { PartialFillConfig } from '../../shared/domain/partial-fill.js';
import type { CarrierClient, PickupBooking, PickupRequest } from '../../shared/domain/pickup.js';
import { createLogger } from '../../shared/observability.js';
import type { TestDynamo } from './dynamodb.js';

export const context = {
  functionName: 'test',
  awsRequestId: 'test-request',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

const logger = createLogger('test', { logLevel: 'SILENT' });
let sequence = 0;

export const cooperative = (cooperativeId: string, dailyCapacityUnits = 10_000): Cooperative => ({
  cooperativeId,
  name: `HTX vải thiều ${cooperativeId}`,
  kind: 'cooperative',
  provinceCode: '24',
  wardCode: '07420',
  wardName: 'Xã Lục Ngạn',
  dailyCapacityUnits,
  zaloUserId: `zalo-${cooperativeId}`,
  contactPhone: '0912345678',
  carrier: 'ghn',
});

export const rawOrder = (externalId: string, sku: string, quantity = 1): RawOrder => ({
  channel: 'portal',
  seller: 'ghv-local',
  externalId,
  buyer: {
    name: 'Nguyễn Thị Hồng',
    phone: '0912 345 678',
    address: { street: 'Số 5 ngõ 2', ward: 'Phường Quế Võ', province: 'Tỉnh Bắc Ninh' },
  },
  lines: [{ sku, quantity, unitPrice: 200_000 }],
  paymentMethod: 'cod',
});

export function envelope(event: DomainEvent, receiveCount = 1, messageId?: string): SQSRecord {
  const id = messageId ?? `msg-${++sequence}`;
  return {
    messageId: id,
    receiptHandle: `rh-${id}-${receiveCount}`,
    body: JSON.stringify({
      version: '0',
      id: `evt-${id}`,
      'detail-type': event.detailType,
      source: EVENT_CATALOG[event.detailType].source,
      account: '000000000000',
      time: new Date().toISOString(),
      region: 'ap-southeast-1',
      resources: [],
      detail: event.detail,
    }),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(Date.now()),
      SenderId: 'AROAEVENTBRIDGE',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: 'not-checked',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:ap-southeast-1:000000000000:test',
    awsRegion: 'ap-southeast-1',
  };
}

type Consumer = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export function startPipeline(
  dynamo: TestDynamo,
  table: string,
  options: { now: () => Date; partialFill?: PartialFillConfig },
) {
  const orders = new OrderStore(dynamo.doc, table);
  const allocations = new AllocationStore(dynamo.doc, table);
  const lifecycle = new LifecycleStore(dynamo.doc, table);
  const stock = new StockStore(dynamo.doc, table);
  const published: DomainEvent[] = [];
  const pending: Array<{ event: DomainEvent; receiveCount: number; messageId?: string }> = [];
  const deadLetters: Array<{ reason: string; body: string }> = [];
  const booked: PickupRequest[] = [];

  const publisher: EventPublisher = {
    async publish(batch) {
      for (const event of batch) EVENT_CATALOG[event.detailType].schema.parse(event.detail);
      published.push(...batch);
      for (const event of batch) pending.push({ event, receiveCount: 1 });
    },
  };
  const deadLetter: DeadLetterPort = {
    async send(record, reason) {
      deadLetters.push({ reason, body: record.body });
    },
  };
  /** The courier's own ledger: reference → shipment and its status (`ready_to_pick`, `cancel`…). */
  const shipments = new Map<string, { trackingCode: string; status: string }>();
  const cancels: string[] = [];
  const hooks: {
    /** Runs after the courier booked, before it answers (e.g. a release racing the booking). */
    afterBook?: (request: PickupRequest) => Promise<void>;
    /** Fails the answer after the booking was made (a timeout after commit). */
    failAfterBook?: (request: PickupRequest) => boolean;
  } = {};
  const courier: CarrierClient = {
    carrier: 'ghn',
    async bookPickup(request: PickupRequest) {
      const existing = shipments.get(request.clientReference);
      if (!existing) {
        booked.push(request);
        shipments.set(request.clientReference, {
          trackingCode: `TRK-${request.clientReference}`,
          status: 'ready_to_pick',
        });
      }
      await hooks.afterBook?.(request);
      if (hooks.failAfterBook?.(request)) throw new Error('courier timed out after booking');
      const booking: PickupBooking = {
        carrier: 'ghn',
        clientReference: request.clientReference,
        trackingCode: `TRK-${request.clientReference}`,
        feeVnd: 30_000,
        existing: Boolean(existing),
      };
      return booking;
    },
    async findByClientReference(reference) {
      const found = shipments.get(reference);
      return found
        ? { carrier: 'ghn', clientReference: reference, trackingCode: found.trackingCode, existing: true }
        : undefined;
    },
    async cancelPickup(trackingCode) {
      cancels.push(trackingCode);
      const found = [...shipments.values()].find((s) => s.trackingCode === trackingCode);
      if (!found) return { outcome: 'refused', trackingCode, reason: 'no such order' };
      if (found.status !== 'ready_to_pick' && found.status !== 'picking' && found.status !== 'cancel')
        return { outcome: 'refused', trackingCode, reason: `order is ${found.status}, cannot cancel` };
      found.status = 'cancel';
      return { outcome: 'cancelled', trackingCode };
    },
  };
  const common = { publisher, logger, deadLetter, maxReceiveCount: 5, now: options.now };
  const growingAreas = new GrowingAreaStore(dynamo.doc, table);
  const reallocate = buildReallocator({ lifecycle, publisher, logger, now: options.now });
  const routes: Partial<Record<DetailType, Consumer[]>> = {
    OrderReceived: [
      buildAllocateOrderHandler({
        ...common,
        orders,
        allocations,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms / 10)),
        partialFill: options.partialFill,
      }),
    ],
    OrderCancelled: [buildCancelOrderHandler({ ...common, lifecycle, allocations })],
    GrowingAreaSuspended: [buildMoveSuspendedAllocationsHandler({ ...common, growingAreas, reallocate })],
    StockReported: [buildRetryBackordersHandler({ ...common, doc: dynamo.doc, tableName: table, lifecycle })],
    AllocationReleased: [
      buildCancelPickupHandler({
        ...common,
        pickups: new PickupStore(dynamo.doc, table),
        carriers: { ghn: courier },
      }),
    ],
    OrderAllocated: [
      buildBookPickupHandler({
        ...common,
        doc: dynamo.doc,
        tableName: table,
        allocations,
        carriers: { ghn: courier },
        defaultCarrier: 'ghn',
      }),
    ],
  };

  async function deliver(item: { event: DomainEvent; receiveCount: number; messageId?: string }) {
    for (const consume of routes[item.event.detailType] ?? []) {
      const record = envelope(item.event, item.receiveCount, item.messageId);
      // A thrown invocation (Powertools throws when every record failed) is redelivered whole, as SQS does.
      const response = await consume({ Records: [record] }, context).catch(() => ({
        batchItemFailures: [{ itemIdentifier: record.messageId }],
      }));
      if (response.batchItemFailures.length > 0)
        pending.push({ ...item, receiveCount: item.receiveCount + 1, messageId: record.messageId });
    }
  }

  return {
    orders,
    allocations,
    lifecycle,
    stock,
    growingAreas,
    reallocate,
    publisher,
    published,
    deadLetters,
    booked,
    shipments,
    cancels,
    courierHooks: hooks,
    of<T extends DetailType>(type: T) {
      return published.filter((e) => e.detailType === type).map((e) => e.detail as DomainEvent<T>['detail']);
    },
    /** Delivers everything published (and what that publishes) until nothing is left. */
    async drain(options: { parallel?: boolean } = {}) {
      while (pending.length > 0) {
        const wave = pending.splice(0);
        if (options.parallel === false) for (const item of wave) await deliver(item);
        else await Promise.all(wave.map(deliver));
      }
    },
    /** Delivers one event right away (and leaves what it publishes pending). */
    async deliverNow(event: DomainEvent) {
      await deliver({ event, receiveCount: 1 });
    },
  };
}
