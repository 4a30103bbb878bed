/**
 * retry-backorders: consumes the restock queue (StockReported). Finds the orders backordered for
 * that product (the BACKORDER#<sku> index, oldest order first) and, up to the units reported,
 * puts each back to `received` with a version bump and publishes its OrderReceived again:
 * allocation runs as for a new order, and its version check makes duplicates harmless.
 * Backorders past their wait limit (fresh lychee: hours) expire instead, with the reason.
 *
 * Exactly once: the reset is conditional on (backordered, version); a redelivery finds the order
 * already `received` at the version its backorder item was marked with and only re-publishes.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type BusEvent, type DomainEvent, domainEvent } from '../../events/catalog.js';
import { orderReceivedEvent } from '../../functions/ingest-http/ingest-http.js';
import { ORDER_SK, orderPk } from '../../shared/adapters/dynamodb/keys.js';
import {
  type BackorderItem,
  holdsPart,
  type LifecycleStore,
} from '../../shared/adapters/dynamodb/lifecycle-store.js';
import type { OrderRecord } from '../../shared/adapters/dynamodb/order-store.js';
import { batchGetAll } from '../../shared/adapters/dynamodb/query.js';
import { reallocationEvent } from '../../shared/adapters/reallocation.js';
import type { EventPublisher } from '../../shared/adapters/event-publisher.js';
import {
  buildSqsConsumer,
  catalogEventParser,
  type DeadLetterPort,
} from '../../shared/adapters/sqs-consumer.js';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backorderMaxWaitHours } from '../../shared/domain/backorder.js';
import { PRODUCTS } from '../../shared/domain/product.js';

export interface RetryBackordersDeps {
  doc: DynamoDBDocumentClient;
  tableName: string;
  lifecycle: LifecycleStore;
  publisher: EventPublisher;
  logger: Logger;
  deadLetter?: DeadLetterPort;
  maxReceiveCount: number;
  now?: () => Date;
}

/** A reset backorder still `received` after this long lost its OrderReceived: publish it again. */
const REPUBLISH_AFTER_MS = 60_000;

/** The order's OrderReceived; a re-allocated order's asks for its pending lines only. */
function allocationRequest(order: OrderRecord): DomainEvent {
  return order.pendingLines
    ? reallocationEvent(order, 'stock reported: re-allocation retried')
    : orderReceivedEvent(order);
}

export interface SweepResult {
  retried: number;
  republished: number;
  expired: number;
}

export function buildBackorderSweeper(deps: Omit<RetryBackordersDeps, 'deadLetter' | 'maxReceiveCount'>) {
  const now = deps.now ?? (() => new Date());

  /**
   * One product's backorders: expire those past their limit, retry the oldest others up to
   * `units` (Infinity to retry none: 0), re-publish resets whose OrderReceived may be lost.
   */
  return async function sweep(sku: string, units: number): Promise<SweepResult> {
    const result: SweepResult = { retried: 0, republished: 0, expired: 0 };
    const entries = await deps.lifecycle.backordersFor(sku);
    if (entries.length === 0) return result;
    const orders = new Map(
      (
        (await batchGetAll(
          deps.doc,
          deps.tableName,
          entries.map((e) => ({ pk: orderPk(e.orderId), sk: ORDER_SK })),
          { consistentRead: true },
        )) as unknown as OrderRecord[]
      ).map((o) => [o.orderId, o]),
    );
    const at = now();
    const events: DomainEvent[] = [];
    let budget = units;
    for (const entry of entries) {
      const order = orders.get(entry.orderId);
      if (!order) continue;
      if (
        (order.status === 'received' || order.status === 'reallocating') &&
        entry.retriedVersion === order.version
      ) {
        // Reset but not yet allocated: its OrderReceived is probably still on the queue, so only
        // re-publish once it has had time to arrive (it may have been lost before publishing).
        if (at.getTime() - Date.parse(order.updatedAt) >= REPUBLISH_AFTER_MS) {
          events.push(allocationRequest(order));
          result.republished++;
        }
        continue;
      }
      // Allocation or a cancel settles the item; a partly filled order waits for its remainder.
      if (order.status !== 'backordered' && order.status !== 'partially_allocated') continue;
      if (entry.expiresAt <= at.toISOString()) {
        const lines = order.backorderedLines?.length
          ? order.backorderedLines
          : [{ sku, quantity: entry.quantity }];
        const reason = `backorder expired: no ${lines.map((l) => l.sku).join(', ')} reported within ${backorderMaxWaitHours(sku)} h of the order`;
        // A re-allocated order may hold allocations for its other lines: those still ship.
        const holds = holdsPart(order)
          ? (await deps.lifecycle.orderParts(order.orderId)).allocations.some((a) => a.status === 'reserved')
          : false;
        if (
          await deps.lifecycle.expireBackorder(
            order,
            lines.map((l) => l.sku),
            reason,
            at.toISOString(),
            holds,
          )
        ) {
          events.push(
            domainEvent('OrderExpired', {
              version: 1,
              correlationId: order.correlationId,
              orderId: order.orderId,
              lines,
              reason,
            }),
          );
          result.expired++;
        }
        continue;
      }
      if (budget <= 0) continue;
      if (await deps.lifecycle.retryBackorder(order, [entry as BackorderItem], at.toISOString())) {
        events.push(
          allocationRequest({
            ...order,
            status: holdsPart(order) ? 'reallocating' : 'received',
            version: order.version + 1,
            pendingLines: holdsPart(order) ? (order.pendingLines ?? order.backorderedLines) : undefined,
          }),
        );
        budget -= entry.quantity;
        result.retried++;
      }
    }
    await deps.publisher.publish(events);
    if (result.retried + result.expired + result.republished > 0)
      deps.logger.info('backorders swept', { sku, ...result });
    return result;
  };
}

/** Every product's expired backorders (an operator's or a schedule's end-of-day sweep). */
export async function expireAllBackorders(
  sweep: ReturnType<typeof buildBackorderSweeper>,
): Promise<SweepResult> {
  const total: SweepResult = { retried: 0, republished: 0, expired: 0 };
  for (const product of PRODUCTS) {
    const r = await sweep(product.sku, 0);
    total.expired += r.expired;
    total.republished += r.republished;
  }
  return total;
}

/**
 * The scheduled sweep (EventBridge Scheduler every 15 min on AWS; a timer under `npm run serve`):
 * expires every product's backorders past their limit. Idempotent (each expiry is conditional on
 * the order's status and version), so an overlapping or repeated run expires nothing twice.
 */
export function buildExpireBackordersHandler(
  deps: Omit<RetryBackordersDeps, 'deadLetter' | 'maxReceiveCount'>,
) {
  const sweep = buildBackorderSweeper(deps);
  return async (event: unknown): Promise<SweepResult> => {
    const action = (event as { action?: unknown } | null)?.action;
    if (action !== 'expire-backorders')
      throw new Error(
        `expected a schedule event { "action": "expire-backorders" }, got ${JSON.stringify(event)}`,
      );
    const result = await expireAllBackorders(sweep);
    deps.logger.info('scheduled backorder sweep', { ...result });
    return result;
  };
}

export function buildRetryBackordersHandler(deps: RetryBackordersDeps) {
  const sweep = buildBackorderSweeper(deps);
  return buildSqsConsumer<BusEvent<'StockReported'>>({
    logger: deps.logger,
    deadLetter: deps.deadLetter,
    maxReceiveCount: deps.maxReceiveCount,
    parse: catalogEventParser(['StockReported']),
    handle: async (event) => {
      await sweep(event.detail.sku, event.detail.quantity);
    },
  });
}
