/**
 * Release-and-re-allocate: the one primitive behind a cooperative declining an allocation and a
 * growing-area code suspended mid-season. For one allocation of an order:
 *
 * 1. one transaction (LifecycleStore.releaseForReallocation): the allocation reserved → released
 *    with the reason, its units back to their batches, its capacity given back, the order
 *    `reallocating` (version + 1) with the released lines pending and, for a decline, the
 *    cooperative excluded from this order;
 * 2. then `AllocationReleased` (book-pickup's and the courier consumer's cue) and an
 *    `OrderReceived` carrying `reallocation` and the pending lines: allocation allocates only those,
 *    elsewhere, or backorders them as usual.
 *
 * Exactly once: the allocation's `reserved` condition means a second decline, a cancel or a
 * suspension racing it release nothing twice; the loser re-reads and finds it released. A
 * redelivery (or an HTTP retry) of the same release re-publishes both events (consumers are
 * idempotent: the order's version makes a second allocation run a no-op).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type DomainEvent, domainEvent, type EventDetail } from '../../events/catalog.js';
import { releasedEvent } from '../../functions/cancel-order/cancel-order.js';
import { orderReceivedEvent } from '../../functions/ingest-http/ingest-http.js';
import type { AllocationRecord } from './dynamodb/allocation-store.js';
import { allocationSk } from './dynamodb/keys.js';
import type { LifecycleStore } from './dynamodb/lifecycle-store.js';
import type { OrderRecord } from './dynamodb/order-store.js';
import type { EventPublisher } from './event-publisher.js';

/** The allocation request for an order's pending lines (after a release, or a retried backorder). */
export function reallocationEvent(order: OrderRecord, reason: string): DomainEvent {
  const detail = orderReceivedEvent(order).detail as EventDetail<'OrderReceived'>;
  return domainEvent('OrderReceived', {
    ...detail,
    lines: (order.pendingLines?.length ? order.pendingLines : order.lines).map((l) => ({
      sku: l.sku,
      quantity: l.quantity,
    })),
    orderVersion: order.version,
    reallocation: { reason },
  });
}

/** Statuses in which an order may hold live allocations. */
const HOLDING = new Set(['allocated', 'partially_allocated', 'reallocating', 'backordered']);

export type ReleaseOutcome =
  | {
      kind: 'released';
      allocation: AllocationRecord;
      orderVersion: number;
      pendingLines: Array<{ sku: string; quantity: number }>;
    }
  /** Released before (by the same kind of release: a redelivery); its events were re-published. */
  | { kind: 'duplicate'; allocation: AllocationRecord }
  /** Released before for another reason (a cancel, a suspension, another decline). */
  | { kind: 'already_released'; allocation: AllocationRecord }
  | { kind: 'not_found' };

export interface ReallocatorDeps {
  lifecycle: LifecycleStore;
  publisher: EventPublisher;
  logger: Logger;
  now?: () => Date;
  maxAttempts?: number;
}

export function buildReallocator(deps: ReallocatorDeps) {
  const now = deps.now ?? (() => new Date());
  const maxAttempts = deps.maxAttempts ?? 8;

  /**
   * Releases the allocation of `cooperativeId` on `orderId` for re-allocation. `reason` is stored
   * on the allocation and published; `sameRelease` says whether an already released allocation was
   * released by this kind of request (its redelivery), judged from its stored reason.
   */
  return async function releaseAndReallocate(input: {
    orderId: string;
    cooperativeId: string;
    reason: string;
    /** Exclude the cooperative from this order from now on (a decline). */
    exclude: boolean;
    sameRelease: (releaseReason: string) => boolean;
  }): Promise<ReleaseOutcome> {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const order = await deps.lifecycle.getOrder(input.orderId);
      if (!order) return { kind: 'not_found' };
      const parts = await deps.lifecycle.orderParts(input.orderId);
      const allocation = parts.allocations.find((a) => a.sk === allocationSk(input.cooperativeId));
      if (!allocation) return { kind: 'not_found' };
      if (allocation.status !== 'reserved') {
        const reason = allocation.releaseReason ?? '';
        if (!input.sameRelease(reason)) return { kind: 'already_released', allocation };
        // A redelivery: the release happened, its events may not have been published.
        const events: DomainEvent[] = [releasedEvent(allocation, reason)];
        if (order.status === 'reallocating') events.push(reallocationEvent(order, reason));
        await deps.publisher.publish(events);
        return { kind: 'duplicate', allocation };
      }
      if (!HOLDING.has(order.status)) {
        // A reserved allocation on an order that holds nothing would be a bug elsewhere: say so.
        throw new Error(
          `order ${order.orderId} is ${order.status} but allocation ${allocation.allocationId} is reserved`,
        );
      }
      const at = now().toISOString();
      const done = await deps.lifecycle.releaseForReallocation({
        order,
        allocation,
        backorders: parts.backorders,
        reason: input.reason,
        now: at,
        exclude: input.exclude,
      });
      if (!done) continue; // the order or the allocation moved on: read again
      const released: AllocationRecord = {
        ...allocation,
        status: 'released',
        releasedAt: at,
        releaseReason: input.reason,
      };
      await deps.publisher.publish([
        releasedEvent(released, input.reason),
        reallocationEvent(
          { ...order, status: 'reallocating', version: done.orderVersion, pendingLines: done.pendingLines },
          input.reason,
        ),
      ]);
      deps.logger.info('allocation released for re-allocation', {
        orderId: order.orderId,
        allocationId: allocation.allocationId,
        reason: input.reason,
      });
      return { kind: 'released', allocation: released, ...done };
    }
    throw new Error(
      `order ${input.orderId} kept changing while releasing an allocation (${maxAttempts} attempts)`,
    );
  };
}

export type Reallocator = ReturnType<typeof buildReallocator>;
