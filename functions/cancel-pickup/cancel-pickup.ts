/**
 * cancel-pickup: consumes the pickup-cancellation queue (AllocationReleased, routed by the
 * ReleasesToPickupCancellation rule). An allocation released after its courier was booked — a
 * cancelled order, a cooperative's decline, a suspended growing area: every release is treated
 * the same — must not be collected: the courier booking is cancelled (GHN switch-status/cancel)
 * and the pickup recorded `cancelled`, once.
 *
 * - no pickup item: nothing was recorded, and none can be any more (book-pickup records a booking
 *   only while the allocation is still reserved, and cancels what it booked otherwise; see
 *   shared/adapters/dynamodb/pickup-store.ts for why the write order makes that airtight);
 * - `awaiting_pickup`: cancel at the courier, then `awaiting_pickup → cancelled` conditionally;
 * - the courier refuses (parcel already collected): `cancel_refused`, PickupCancelRefused on the
 *   bus and an error log the operators' alarm counts — not retried, since no retry changes it;
 * - already `cancelled` / `cancel_refused`: a redelivery, nothing to do.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { type BusEvent, domainEvent } from '../../events/catalog.js';
import { remainingTimeSignal } from '../../shared/adapters/carriers/deadline.js';
import type { PickupRecord, PickupStore } from '../../shared/adapters/dynamodb/pickup-store.js';
import type { EventPublisher } from '../../shared/adapters/event-publisher.js';
import {
  buildSqsConsumer,
  catalogEventParser,
  type DeadLetterPort,
  PermanentError,
} from '../../shared/adapters/sqs-consumer.js';
import { CANCEL_REFUSED_LOG, type CarrierClient } from '../../shared/domain/pickup.js';
import { UpstreamError } from '../../shared/errors.js';

export interface CourierCancellationDeps {
  pickups: PickupStore;
  carriers: Record<string, CarrierClient>;
  publisher: EventPublisher;
  logger: Logger;
  now?: () => Date;
}

export type CourierCancellationOutcome = 'cancelled' | 'cancel_refused' | 'already_settled';

/**
 * Cancels one booked pickup at its courier and records the outcome. `existing` says whether the
 * pickup item is in the table (`awaiting_pickup`, updated) or not yet (book-pickup's compensation:
 * inserted as cancelled). Used by cancel-pickup and by book-pickup.
 */
export function buildCourierCancellation(deps: CourierCancellationDeps) {
  const now = deps.now ?? (() => new Date());
  return async function cancelAtCourier(input: {
    pickup: PickupRecord;
    existing: boolean;
    releaseReason: string;
    correlationId: string;
    signal?: AbortSignal;
  }): Promise<CourierCancellationOutcome> {
    const { pickup } = input;
    const carrier = deps.carriers[pickup.carrier];
    if (!carrier) throw new PermanentError(`no courier client configured for ${pickup.carrier}`);
    let answer: Awaited<ReturnType<CarrierClient['cancelPickup']>>;
    try {
      answer = await carrier.cancelPickup(pickup.trackingCode, { signal: input.signal });
    } catch (error) {
      if (error instanceof UpstreamError && !error.retryable)
        throw new PermanentError(`courier ${pickup.carrier} would not take the cancel: ${error.message}`);
      throw error;
    }
    const status = answer.outcome === 'cancelled' ? 'cancelled' : 'cancel_refused';
    const refusedReason = answer.outcome === 'refused' ? answer.reason : undefined;
    const at = now().toISOString();
    const reason = `allocation released: ${input.releaseReason}`;
    let changed = false;
    if (!input.existing) {
      changed = await deps.pickups.recordUnwanted({
        ...pickup,
        status,
        cancelledAt: at,
        cancelReason: reason,
        ...(refusedReason ? { cancelRefusedReason: refusedReason } : {}),
      });
    }
    if (!changed) {
      changed = await deps.pickups.markCancelled({
        orderId: pickup.orderId,
        cooperativeId: pickup.cooperativeId,
        status,
        reason,
        refusedReason,
        now: at,
      });
    }
    if (!changed) return 'already_settled';
    const common = {
      version: 1 as const,
      correlationId: input.correlationId,
      allocationId: pickup.allocationId,
      orderId: pickup.orderId,
      cooperativeId: pickup.cooperativeId,
      carrier: pickup.carrier,
      trackingCode: pickup.trackingCode,
    };
    if (answer.outcome === 'cancelled') {
      await deps.publisher.publish([domainEvent('PickupCancelled', { ...common, reason })]);
      deps.logger.info('courier booking cancelled for a released allocation', {
        allocationId: pickup.allocationId,
        trackingCode: pickup.trackingCode,
      });
      return 'cancelled';
    }
    await deps.publisher.publish([
      domainEvent('PickupCancelRefused', {
        ...common,
        reason: answer.reason,
        releaseReason: input.releaseReason,
      }),
    ]);
    deps.logger.error(CANCEL_REFUSED_LOG, {
      allocationId: pickup.allocationId,
      orderId: pickup.orderId,
      trackingCode: pickup.trackingCode,
      courierSaid: answer.reason,
      action: 'stop the parcel by hand: call the courier and tell the cooperative',
    });
    return 'cancel_refused';
  };
}

export interface CancelPickupDeps extends CourierCancellationDeps {
  deadLetter?: DeadLetterPort;
  maxReceiveCount: number;
  /** Margin kept below the Lambda's remaining time for the courier call (F11). */
  safetyMarginMs?: number;
}

export function buildCancelPickupHandler(deps: CancelPickupDeps) {
  const cancelAtCourier = buildCourierCancellation(deps);

  async function onRelease(event: BusEvent<'AllocationReleased'>, context: Context): Promise<void> {
    const { orderId, cooperativeId, allocationId, reason, correlationId } = event.detail;
    const pickup = await deps.pickups.get(orderId, cooperativeId);
    if (!pickup || pickup.allocationId !== allocationId) {
      deps.logger.info('released before any courier was booked: nothing to cancel', { allocationId });
      return;
    }
    if (pickup.status !== 'awaiting_pickup') return; // a redelivery: settled already
    await cancelAtCourier({
      pickup,
      existing: true,
      releaseReason: reason,
      correlationId,
      signal: remainingTimeSignal(context, deps.safetyMarginMs ?? 3_000),
    });
  }

  return buildSqsConsumer<BusEvent<'AllocationReleased'>>({
    logger: deps.logger,
    deadLetter: deps.deadLetter,
    maxReceiveCount: deps.maxReceiveCount,
    parse: catalogEventParser(['AllocationReleased']),
    handle: (event, _record, context) => onRelease(event, context),
  });
}
