/**
 * cancel-order: consumes the cancellation queue (OrderCancelled, from any channel or an operator).
 * Releases what the order holds exactly once (F06):
 *
 * - order not seen yet → a tombstone keyed by its deterministic id; allocation checks it in the
 *   same transaction that would reserve stock, so the order is cancelled on arrival. The order is
 *   re-read after the tombstone is written: if it arrived meanwhile it is cancelled here.
 * - received / review / backordered → cancelled with a status + version condition (an allocation
 *   racing it fails its own condition and reserves nothing);
 * - allocated / partially allocated / reallocating (or backordered after a re-allocation, when it
 *   may still hold allocations) → one transaction: allocations reserved → released, batches
 *   available += q, capacity given back, order cancelled. A second cancel finds it cancelled.
 *
 * book-pickup skips released allocations and cancelled orders, so no courier is booked after.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type BusEvent, type DomainEvent, domainEvent } from '../../events/catalog.js';
import type { AllocationRecord, AllocationStore } from '../../shared/adapters/dynamodb/allocation-store.js';
import type { LifecycleStore } from '../../shared/adapters/dynamodb/lifecycle-store.js';
import type { OrderRecord } from '../../shared/adapters/dynamodb/order-store.js';
import type { EventPublisher } from '../../shared/adapters/event-publisher.js';
import {
  buildSqsConsumer,
  catalogEventParser,
  type DeadLetterPort,
} from '../../shared/adapters/sqs-consumer.js';

export interface CancelOrderDeps {
  lifecycle: LifecycleStore;
  allocations: AllocationStore;
  publisher: EventPublisher;
  logger: Logger;
  deadLetter?: DeadLetterPort;
  maxReceiveCount: number;
  now?: () => Date;
  maxAttempts?: number;
}

export type CancelOutcome = 'tombstone' | 'cancelled' | 'released' | 'already_settled';

export function releasedEvent(a: AllocationRecord, reason: string): DomainEvent {
  return domainEvent('AllocationReleased', {
    version: 1,
    correlationId: a.correlationId,
    orderId: a.orderId,
    allocationId: a.allocationId,
    cooperativeId: a.cooperativeId,
    lines: a.lines,
    reason,
    ...(a.market && a.exporterId
      ? { market: a.market, exporterId: a.exporterId, pickupDate: a.pickupDate }
      : {}),
  });
}

export function buildCancelOrder(deps: CancelOrderDeps) {
  const now = deps.now ?? (() => new Date());
  const maxAttempts = deps.maxAttempts ?? 8;

  /** One transaction: the order cancelled, every live allocation released, backorder items gone. */
  async function releaseAll(order: OrderRecord, reason: string): Promise<boolean> {
    const parts = await deps.lifecycle.orderParts(order.orderId);
    const result = await deps.lifecycle.cancelAllocated({
      order,
      ...parts,
      reason,
      now: now().toISOString(),
    });
    if (!result) return false;
    await deps.publisher.publish(result.released.map((a) => releasedEvent(a, reason)));
    deps.logger.info('order cancelled, stock released', {
      orderId: order.orderId,
      allocations: result.released.length,
    });
    return true;
  }

  return async function cancel(orderId: string, reason: string): Promise<CancelOutcome> {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let order = await deps.lifecycle.getOrder(orderId);
      if (!order) {
        await deps.lifecycle.putTombstone(orderId, reason, now());
        order = await deps.lifecycle.getOrder(orderId);
        if (!order) {
          deps.logger.info('cancel for an unknown order remembered (tombstone)', { orderId });
          return 'tombstone';
        }
      }
      switch (order.status) {
        case 'cancelled': {
          // A redelivery: the release happened; its events may not have been published.
          const { allocations } = await deps.lifecycle.orderParts(orderId);
          // Releases made by this cancel (not earlier declines, already published with their own reason).
          const released = allocations.filter(
            (a) =>
              a.status === 'released' && a.releasedAt !== undefined && a.releasedAt === order?.cancelledAt,
          );
          await deps.publisher.publish(released.map((a) => releasedEvent(a, a.releaseReason ?? reason)));
          return 'already_settled';
        }
        case 'expired':
        case 'rejected':
          return 'already_settled';
        case 'received':
        case 'review':
        case 'backordered': {
          // A re-allocated order waiting as a backorder may still hold allocations: release them.
          if (order.pendingLines) {
            const released = await releaseAll(order, reason);
            if (released) return 'released';
            break;
          }
          const done = await deps.allocations.cancelWaiting({
            orderId,
            orderVersion: order.version,
            fromStatus: order.status,
            reason,
            now: now().toISOString(),
            clearBackorderSkus:
              order.status === 'backordered' ? (order.backorderedLines ?? []).map((l) => l.sku) : undefined,
          });
          if (done) return 'cancelled';
          break; // it moved on (allocation, restock): read again
        }
        case 'allocated':
        case 'partially_allocated':
        case 'reallocating': {
          if (await releaseAll(order, reason)) return 'released';
          break;
        }
      }
    }
    throw new Error(`order ${orderId} kept changing while being cancelled (${maxAttempts} attempts)`);
  };
}

export function buildCancelOrderHandler(deps: CancelOrderDeps) {
  const cancel = buildCancelOrder(deps);
  return buildSqsConsumer<BusEvent<'OrderCancelled'>>({
    logger: deps.logger,
    deadLetter: deps.deadLetter,
    maxReceiveCount: deps.maxReceiveCount,
    parse: catalogEventParser(['OrderCancelled']),
    handle: async (event) => {
      await cancel(event.detail.orderId, event.detail.reason);
    },
  });
}
