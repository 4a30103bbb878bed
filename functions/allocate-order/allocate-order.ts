/**
 * allocate-order: consumes the allocation queue (OrderReceived, routed by the OrdersToAllocation
 * rule). For each order: plan from cached candidate stock, reserve the plan in one DynamoDB
 * transaction, and on cancellation re-plan from the per-item reasons (F08). Publishes one
 * OrderAllocated per cooperative part, or OrderBackordered for what nobody could fill.
 *
 * Idempotent: the order's status/version condition makes a second delivery a no-op; if a previous
 * attempt reserved but died before publishing, the redelivery re-publishes the stored allocations.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type BusEvent, type DomainEvent, domainEvent } from '../../events/catalog.js';
import type { AllocationRecord, AllocationStore } from '../../shared/adapters/dynamodb/allocation-store.js';
import { CooperativeDirectory } from '../../shared/adapters/dynamodb/cooperative-directory.js';
import type { OrderRecord, OrderStore } from '../../shared/adapters/dynamodb/order-store.js';
import type { EventPublisher } from '../../shared/adapters/event-publisher.js';
import {
  buildSqsConsumer,
  catalogEventParser,
  type DeadLetterPort,
} from '../../shared/adapters/sqs-consumer.js';
import { type Candidate, planAllocation, transitDays } from '../../shared/domain/allocation.js';
import { isGrowingAreaValid } from '../../shared/domain/cooperative.js';
import type { ExportMarket } from '../../shared/domain/market.js';
import type { OrderStatus } from '../../shared/domain/order.js';
import { businessDate } from '../../shared/normalise/time.js';

export interface AllocateDeps {
  orders: OrderStore;
  allocations: AllocationStore;
  publisher: EventPublisher;
  logger: Logger;
  deadLetter?: DeadLetterPort;
  maxReceiveCount: number;
  now?: () => Date;
  /** How long cached candidate stock may be trusted; the transaction's conditions keep it safe. */
  candidateTtlMs?: number;
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Orders received after this local hour are picked up the next business day. */
const PICKUP_CUTOFF_HOUR = 16;
const DAY_MS = 86_400_000;

export function pickupDateFor(receivedAt: Date): string {
  const local = new Date(receivedAt.getTime() + 7 * 3_600_000);
  const sameDay = local.getUTCHours() < PICKUP_CUTOFF_HOUR;
  return businessDate(new Date(receivedAt.getTime() + (sameDay ? 0 : DAY_MS)));
}

export function allocatedEvent(a: AllocationRecord): DomainEvent {
  return domainEvent('OrderAllocated', {
    version: 1,
    correlationId: a.correlationId,
    orderId: a.orderId,
    allocationId: a.allocationId,
    cooperativeId: a.cooperativeId,
    lines: a.lines,
    pickupDate: a.pickupDate,
    receivedAt: a.receivedAt,
    market: a.market,
    exporterId: a.exporterId,
  });
}

export function buildAllocateOrderHandler(deps: AllocateDeps) {
  const now = deps.now ?? (() => new Date());
  const ttl = deps.candidateTtlMs ?? 1_000;
  const maxAttempts = deps.maxAttempts ?? 12;
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));

  const candidateCache = new Map<string, { at: number; list: Candidate[]; loading?: Promise<Candidate[]> }>();
  const codeCache = new Map<ExportMarket, { at: number; loading: Promise<Set<string>> }>();
  /** Units this container reserved per cooperative and pickup day; the table's condition is the truth. */
  const usedByCoopDay = new Map<string, number>();
  const fullCoopDays = new Set<string>();

  const cooperatives = new CooperativeDirectory(() => deps.allocations.loadCooperatives(), 60_000);

  async function candidates(sku: string, fresh: boolean): Promise<Candidate[]> {
    const cached = candidateCache.get(sku);
    if (cached && !fresh && Date.now() - cached.at < ttl) return cached.loading ?? cached.list;
    const loading = deps.allocations.loadCandidates(sku);
    const entry: { at: number; list: Candidate[]; loading?: Promise<Candidate[]> } = {
      at: Date.now(),
      list: cached?.list ?? [],
      loading,
    };
    candidateCache.set(sku, entry);
    entry.list = await loading;
    entry.loading = undefined;
    return entry.list;
  }

  async function validCodes(market: ExportMarket, onDate: string): Promise<Set<string>> {
    const cached = codeCache.get(market);
    if (cached && Date.now() - cached.at < 30_000) return cached.loading;
    const loading = deps.allocations
      .loadGrowingAreaCodes(market)
      .then((codes) => new Set(codes.filter((c) => isGrowingAreaValid(c, onDate)).map((c) => c.code)));
    codeCache.set(market, { at: Date.now(), loading });
    return loading;
  }

  function consumeCached(allocations: AllocationRecord[]): void {
    for (const a of allocations) {
      const key = `${a.cooperativeId}#${a.pickupDate}`;
      usedByCoopDay.set(key, (usedByCoopDay.get(key) ?? 0) + a.lines.reduce((s, l) => s + l.quantity, 0));
      for (const line of a.lines) {
        const c = candidateCache
          .get(line.sku)
          ?.list.find((x) => x.batchId === line.batchId && x.cooperativeId === a.cooperativeId);
        if (c) c.available -= line.quantity;
      }
    }
  }

  async function republish(order: OrderRecord): Promise<void> {
    if (order.status === 'allocated' || order.status === 'partially_allocated') {
      const existing = await deps.allocations.getAllocations(order.orderId);
      await deps.publisher.publish(existing.filter((a) => a.status === 'reserved').map(allocatedEvent));
    }
  }

  async function allocate(event: BusEvent<'OrderReceived'>): Promise<void> {
    const { orderId } = event.detail;
    const order = await deps.orders.get(orderId);
    if (!order) throw new Error(`order ${orderId} not found (OrderReceived before the order was stored?)`);
    if (order.status !== 'received') {
      await republish(order);
      return;
    }
    const received = new Date(order.receivedAt);
    const pickupDate = pickupDateFor(received);
    const market = order.export?.market;
    const deliveryBy = new Date(
      Date.parse(`${pickupDate}T17:00:00+07:00`) +
        transitDays(order.destination.provinceCode, market) * DAY_MS,
    ).toISOString();
    const coops = await cooperatives.all();
    const codes = market ? await validCodes(market, pickupDate) : undefined;
    const excluded = new Set<string>();

    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const fresh = attempt > 1;
      const skus = [...new Set(order.lines.map((l) => l.sku))];
      const pool = (await Promise.all(skus.map((sku) => candidates(sku, fresh)))).flat();
      const capacityLeft = new Map<string, number>();
      for (const c of pool) {
        const coop = coops.get(c.cooperativeId);
        if (!coop || capacityLeft.has(c.cooperativeId)) continue;
        const key = `${c.cooperativeId}#${pickupDate}`;
        if (fullCoopDays.has(key)) excluded.add(c.cooperativeId);
        capacityLeft.set(c.cooperativeId, coop.dailyCapacityUnits - (usedByCoopDay.get(key) ?? 0));
      }
      const plan = planAllocation(
        order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
        pool,
        { deliveryBy, market, validCodes: codes, capacityLeft, excludedCooperatives: excluded },
      );

      if (plan.parts.length === 0) {
        const reason = plan.unfilledReasons.join('; ');
        const done = await deps.allocations.markBackordered({
          orderId,
          orderVersion: order.version,
          lines: plan.unfilled,
          reason,
          now: now().toISOString(),
        });
        if (done) {
          await deps.publisher.publish([
            domainEvent('OrderBackordered', {
              version: 1,
              correlationId: order.correlationId,
              orderId,
              lines: plan.unfilled,
              reason,
            }),
          ]);
        }
        return;
      }

      const nextStatus: OrderStatus = plan.unfilled.length > 0 ? 'partially_allocated' : 'allocated';
      const outcome = await deps.allocations.reserve({
        orderId,
        orderVersion: order.version,
        plan,
        nextStatus,
        pickupDate,
        receivedAt: order.receivedAt,
        market,
        exporterId: order.export?.exporterId,
        correlationId: order.correlationId,
        now: now().toISOString(),
        capacityOf: (id) => coops.get(id)?.dailyCapacityUnits,
      });
      switch (outcome.kind) {
        case 'reserved':
          consumeCached(outcome.allocations);
          await deps.publisher.publish(outcome.allocations.map(allocatedEvent));
          return;
        case 'order_changed': {
          const current = await deps.orders.get(orderId);
          if (current) await republish(current);
          return;
        }
        case 'stale':
          for (const b of outcome.batches) {
            const c = candidateCache
              .get(b.sku)
              ?.list.find((x) => x.batchId === b.batchId && x.cooperativeId === b.cooperativeId);
            if (c) c.available = b.available ?? 0;
          }
          for (const coop of outcome.fullCooperatives) {
            fullCoopDays.add(`${coop}#${pickupDate}`);
            excluded.add(coop);
          }
          break;
        case 'retry':
          await sleep(Math.random() * Math.min(1_000, 20 * 2 ** attempt));
          break;
      }
    }
    throw new Error(`could not reserve stock for ${orderId} after ${maxAttempts} attempts (contention)`);
  }

  return buildSqsConsumer<BusEvent<'OrderReceived'>>({
    logger: deps.logger,
    deadLetter: deps.deadLetter,
    maxReceiveCount: deps.maxReceiveCount,
    parse: catalogEventParser(['OrderReceived']),
    handle: (event) => allocate(event),
  });
}
