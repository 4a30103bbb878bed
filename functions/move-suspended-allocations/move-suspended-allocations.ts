/**
 * move-suspended-allocations: consumes the suspension queue (GrowingAreaSuspended). A growing-area
 * code suspended mid-season for a market: every OPEN export allocation for that market whose
 * batches were packed under the code is released and re-allocated (the same primitive as a
 * decline, reason `growing_area_suspended: <code>`), to a batch under a valid code or, failing
 * that, to a backorder.
 *
 * "Open" = the allocation is still `reserved` (not cancelled, declined or moved), its pickup day
 * is on or after the suspension's effective date, and the fruit has not left the packing house
 * (no pickup booked, or booked and still awaiting the courier). Allocations picked up before the
 * effective date keep the code: the fruit was packed while the code was valid.
 *
 * Idempotent: a redelivery finds the allocations it released (by their release reason) and only
 * re-publishes their events; the order's version makes a second allocation run a no-op.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { BusEvent } from '../../events/catalog.js';
import type { GrowingAreaStore } from '../../shared/adapters/dynamodb/growing-area-store.js';
import type { Reallocator } from '../../shared/adapters/reallocation.js';
import {
  buildSqsConsumer,
  catalogEventParser,
  type DeadLetterPort,
} from '../../shared/adapters/sqs-consumer.js';
import { mapLimit } from '../../shared/concurrency.js';
import { businessDate } from '../../shared/normalise/time.js';

export interface MoveSuspendedDeps {
  growingAreas: GrowingAreaStore;
  reallocate: Reallocator;
  logger: Logger;
  deadLetter?: DeadLetterPort;
  maxReceiveCount: number;
  now?: () => Date;
}

export const suspensionReleaseReason = (code: string) => `growing_area_suspended: ${code}`;

const DAY_MS = 86_400_000;

export interface MoveResult {
  moved: number;
  republished: number;
  skipped: number;
}

export function buildSuspensionMover(deps: Omit<MoveSuspendedDeps, 'deadLetter' | 'maxReceiveCount'>) {
  const now = deps.now ?? (() => new Date());
  return async function move(detail: BusEvent<'GrowingAreaSuspended'>['detail']): Promise<MoveResult> {
    const reason = suspensionReleaseReason(detail.code);
    const today = businessDate(now());
    const from = detail.effectiveFrom;
    // Orders are picked up the day they arrive or the next business day: look two days ahead.
    const latest = businessDate(new Date(now().getTime() + 2 * DAY_MS));
    const open = await deps.growingAreas.openAllocationsUnder({
      cooperativeId: detail.cooperativeId,
      market: detail.market,
      code: detail.code,
      from,
      to: [latest, from].sort()[1] ?? from,
      releaseReason: reason,
    });
    const result: MoveResult = { moved: 0, republished: 0, skipped: 0 };
    // Few at a time: each is a transaction on its order and the batches it gives back.
    await mapLimit(open, 4, async (a) => {
      const outcome = await deps.reallocate({
        orderId: a.orderId,
        cooperativeId: a.cooperativeId,
        reason,
        exclude: false,
        sameRelease: (r) => r === reason,
      });
      if (outcome.kind === 'released') result.moved++;
      else if (outcome.kind === 'duplicate') result.republished++;
      else result.skipped++; // cancelled or declined meanwhile: nothing of it to move
    });
    deps.logger.info('allocations under a suspended growing-area code moved', {
      code: detail.code,
      market: detail.market,
      effectiveFrom: from,
      today,
      ...result,
    });
    return result;
  };
}

export function buildMoveSuspendedAllocationsHandler(deps: MoveSuspendedDeps) {
  const move = buildSuspensionMover(deps);
  return buildSqsConsumer<BusEvent<'GrowingAreaSuspended'>>({
    logger: deps.logger,
    deadLetter: deps.deadLetter,
    maxReceiveCount: deps.maxReceiveCount,
    parse: catalogEventParser(['GrowingAreaSuspended']),
    handle: async (event) => {
      await move(event.detail);
    },
  });
}
