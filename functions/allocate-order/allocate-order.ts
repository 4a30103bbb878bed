/**
 * allocate-order: consumes the allocation queue (OrderReceived, routed by the OrdersToAllocation
 * rule). For each order: plan from cached candidate stock, reserve the plan in one DynamoDB
 * transaction, and on cancellation re-plan from the per-item reasons (F08). Publishes one
 * OrderAllocated per cooperative part, or OrderBackordered for what nobody could fill. An order
 * the stock cannot fill whole follows its channel's partial-fill policy (shared/domain/
 * partial-fill.ts), decided on the plan before the transaction: ship what there is, wait whole,
 * or reject (OrderRejected, `insufficient_stock`).
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
import {
  type AllocationPlan,
  type Candidate,
  DEFAULT_RANKING,
  fitPlanToTransaction,
  planAllocation,
  type RankingConfig,
  transitDays,
} from '../../shared/domain/allocation.js';
import { type BackorderPolicy, backorderExpiresAt } from '../../shared/domain/backorder.js';
import { isGrowingAreaValid } from '../../shared/domain/cooperative.js';
import type { ExportMarket } from '../../shared/domain/market.js';
import type { Channel, OrderStatus } from '../../shared/domain/order.js';
import {
  DEFAULT_PARTIAL_FILL,
  decidePartialFill,
  INSUFFICIENT_STOCK,
  type PartialFillConfig,
  partialFillPolicyFor,
} from '../../shared/domain/partial-fill.js';
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
  /** Ranking weights (FEFO, transit, fair share, splits); DEFAULT_RANKING when absent. */
  ranking?: RankingConfig;
  /** How long backorders wait for stock; DEFAULT_BACKORDER_POLICY when absent. */
  backorderPolicy?: BackorderPolicy;
  /** How often the day's load of every cooperative is re-read (fair share across containers). */
  dayLoadTtlMs?: number;
  /**
   * How long valid growing-area codes are cached. Safety does not depend on it (the reservation
   * transaction checks every code it uses is still valid); it bounds wasted re-plans.
   */
  codeTtlMs?: number;
  /** Per-channel partial-fill policy (wait, ship partial, reject); DEFAULT_PARTIAL_FILL when absent. */
  partialFill?: PartialFillConfig;
}

/** The part of an order allocation works from. */
interface AllocationSubject {
  orderId: string;
  channel: Channel;
  version: number;
  lines: Array<{ sku: string; quantity: number }>;
  receivedAt: string;
  provinceCode?: string;
  wardCode?: string;
  market?: ExportMarket;
  exporterId?: string;
  correlationId: string;
  /**
   * Set when only part of an order is allocated again (a decline or a suspended code released one
   * of its allocations): the order is `reallocating`, `lines` are its pending lines, and
   * cooperatives that already hold (or declined) an allocation of it are not candidates.
   */
  reallocation?: {
    excluded: string[];
    /** Why each excluded cooperative is, for the explanation it can read. */
    reasons?: Record<string, string>;
    /** Unfilled lines of its earlier partial allocation: they stay unfilled. */
    keepBackorderedLines: Array<{ sku: string; quantity: number }>;
  };
}

/** Lines summed per product (one backorder item per product). */
function mergeLines(
  lines: ReadonlyArray<{ sku: string; quantity: number }>,
): Array<{ sku: string; quantity: number }> {
  const bySku = new Map<string, number>();
  for (const l of lines) bySku.set(l.sku, (bySku.get(l.sku) ?? 0) + l.quantity);
  return [...bySku].map(([sku, quantity]) => ({ sku, quantity }));
}

/** Orders received after this local hour are picked up the next business day. */
const PICKUP_CUTOFF_HOUR = 16;
const DAY_MS = 86_400_000;

const skusOf = (lines: Array<{ sku: string }>) => [...new Set(lines.map((l) => l.sku))];

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

/**
 * The growing-area codes an export plan's batches are packed under, one per (cooperative, code):
 * the reservation checks each is still valid when it commits.
 */
function codeChecksOf(
  plan: AllocationPlan,
  pool: readonly Candidate[],
  market: ExportMarket | undefined,
): Array<{ cooperativeId: string; market: ExportMarket; code: string }> {
  if (!market) return [];
  const checks = new Map<string, { cooperativeId: string; market: ExportMarket; code: string }>();
  for (const part of plan.parts)
    for (const line of part.lines) {
      const batch = pool.find(
        (c) => c.cooperativeId === part.cooperativeId && c.batchId === line.batchId && c.sku === line.sku,
      );
      const code = batch?.growingAreaCodes[market];
      if (code)
        checks.set(`${part.cooperativeId}#${code}`, { cooperativeId: part.cooperativeId, market, code });
    }
  return [...checks.values()];
}

export function buildAllocateOrderHandler(deps: AllocateDeps) {
  const now = deps.now ?? (() => new Date());
  const ttl = deps.candidateTtlMs ?? 1_000;
  const maxAttempts = deps.maxAttempts ?? 12;
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));

  const candidateCache = new Map<string, { at: number; list: Candidate[]; loading?: Promise<Candidate[]> }>();
  // Keyed by market and day: validity depends on the pickup day (suspensions take effect on a date).
  const codeCache = new Map<string, { at: number; loading: Promise<Set<string>> }>();
  const codeTtl = deps.codeTtlMs ?? 5_000;
  /** Units this container reserved per cooperative and pickup day; the table's condition is the truth. */
  const usedByCoopDay = new Map<string, number>();
  const fullCoopDays = new Set<string>();

  const cooperatives = new CooperativeDirectory(() => deps.allocations.loadCooperatives(), 60_000);
  const ranking = deps.ranking ?? DEFAULT_RANKING;
  const dayLoadTtl = deps.dayLoadTtlMs ?? 2_000;
  const dayLoadRead = new Map<string, { at: number; loading: Promise<void> }>();

  /**
   * Fair share needs every cooperative's load today, not only what this container reserved: the
   * capacity items are read by key (BatchGetItem), every couple of seconds, and merged
   * with this container's own counts (the larger wins; the transaction's condition is the truth).
   */
  function refreshDayLoad(pickupDate: string, cooperativeIds: readonly string[]): Promise<void> {
    const cached = dayLoadRead.get(pickupDate);
    if (cached && Date.now() - cached.at < dayLoadTtl) return cached.loading;
    const loading = deps.allocations
      .loadDayLoad(pickupDate, cooperativeIds)
      .then((used) => {
        for (const [coop, n] of used) {
          const key = `${coop}#${pickupDate}`;
          usedByCoopDay.set(key, Math.max(usedByCoopDay.get(key) ?? 0, n));
        }
      })
      .catch((error: unknown) => {
        dayLoadRead.delete(pickupDate);
        throw error;
      });
    dayLoadRead.set(pickupDate, { at: Date.now(), loading });
    return loading;
  }

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

  async function validCodes(market: ExportMarket, onDate: string, fresh = false): Promise<Set<string>> {
    const cached = codeCache.get(`${market}#${onDate}`);
    if (cached && !fresh && Date.now() - cached.at < codeTtl) return cached.loading;
    const loading = deps.allocations
      .loadGrowingAreaCodes(market)
      .then((codes) => new Set(codes.filter((c) => isGrowingAreaValid(c, onDate)).map((c) => c.code)));
    codeCache.set(`${market}#${onDate}`, { at: Date.now(), loading });
    loading.catch(() => codeCache.delete(`${market}#${onDate}`));
    return loading;
  }

  const findCached = (sku: string, cooperativeId: string, batchId: string) =>
    candidateCache.get(sku)?.list.find((x) => x.batchId === batchId && x.cooperativeId === cooperativeId);

  /**
   * Holds a plan's units in the cached stock while its transaction is in flight, so concurrent
   * orders in this container plan against what is left instead of all racing for the same
   * earliest-expiring batch. Returns the undo. The table's conditions stay the only truth.
   */
  function hold(plan: AllocationPlan): () => void {
    const held: Array<{ candidate: Candidate; quantity: number }> = [];
    for (const part of plan.parts) {
      for (const line of part.lines) {
        const candidate = findCached(line.sku, part.cooperativeId, line.batchId);
        if (!candidate) continue;
        candidate.available -= line.quantity;
        held.push({ candidate, quantity: line.quantity });
      }
    }
    return () => {
      for (const h of held) h.candidate.available += h.quantity;
    };
  }

  function countCapacity(allocations: AllocationRecord[]): void {
    for (const a of allocations) {
      const key = `${a.cooperativeId}#${a.pickupDate}`;
      usedByCoopDay.set(key, (usedByCoopDay.get(key) ?? 0) + a.lines.reduce((s, l) => s + l.quantity, 0));
    }
  }

  async function republish(order: OrderRecord): Promise<void> {
    if (order.status === 'allocated' || order.status === 'partially_allocated') {
      const existing = await deps.allocations.getAllocations(order.orderId);
      await deps.publisher.publish(existing.filter((a) => a.status === 'reserved').map(allocatedEvent));
    }
    // A `reject` policy decision whose OrderRejected may have been lost before publishing.
    if (order.status === 'rejected' && order.rejectReasons?.includes(INSUFFICIENT_STOCK)) {
      await deps.publisher.publish([
        domainEvent('OrderRejected', {
          version: 1,
          correlationId: order.correlationId,
          orderId: order.orderId,
          channel: order.channel,
          reasons: order.rejectReasons,
        }),
      ]);
    }
  }

  /**
   * What allocation needs to know about the order. OrderReceived carries it (with the stored
   * version), which saves a read per order; older events without a version fall back to the table.
   */
  async function subjectOf(event: BusEvent<'OrderReceived'>): Promise<AllocationSubject | undefined> {
    const d = event.detail;
    if (d.reallocation) return reallocationSubject(d.orderId, d.orderVersion);
    if (d.orderVersion !== undefined) {
      return {
        orderId: d.orderId,
        channel: d.channel,
        version: d.orderVersion,
        lines: d.lines,
        receivedAt: d.receivedAt,
        provinceCode: d.destinationProvinceCode,
        wardCode: d.destinationWardCode,
        market: d.market,
        exporterId: d.exporterId,
        correlationId: d.correlationId,
      };
    }
    const order = await deps.orders.get(d.orderId);
    if (!order) throw new Error(`order ${d.orderId} not found (OrderReceived before the order was stored?)`);
    if (order.status !== 'received') {
      await republish(order);
      return undefined;
    }
    return {
      orderId: order.orderId,
      channel: order.channel,
      version: order.version,
      lines: order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
      receivedAt: order.receivedAt,
      provinceCode: order.destination.provinceCode,
      wardCode: order.destination.wardCode,
      market: order.export?.market,
      exporterId: order.export?.exporterId,
      correlationId: order.correlationId,
    };
  }

  /**
   * A re-allocation: the order is read (consistently) with its allocations, so only its pending
   * lines are allocated and never to a cooperative that declined it or already holds a part of it
   * (one allocation per cooperative and order). Anything else than `reallocating` at the version
   * the message carries means another run (or a cancel) got there first.
   */
  async function reallocationSubject(
    orderId: string,
    version: number | undefined,
  ): Promise<AllocationSubject | undefined> {
    const order = await deps.orders.get(orderId, true);
    if (!order) throw new Error(`order ${orderId} not found (re-allocation of an unknown order)`);
    if (order.status !== 'reallocating' || (version !== undefined && order.version !== version)) {
      await republish(order);
      return undefined;
    }
    const held = await deps.allocations.getAllocations(orderId, true);
    const pending = order.pendingLines?.length ? order.pendingLines : order.lines;
    return {
      orderId,
      channel: order.channel,
      version: order.version,
      lines: pending.map((l) => ({ sku: l.sku, quantity: l.quantity })),
      receivedAt: order.receivedAt,
      provinceCode: order.destination.provinceCode,
      wardCode: order.destination.wardCode,
      market: order.export?.market,
      exporterId: order.export?.exporterId,
      correlationId: order.correlationId,
      reallocation: {
        excluded: [...new Set([...(order.excludedCooperatives ?? []), ...held.map((a) => a.cooperativeId)])],
        // The most specific reason wins: a held or released allocation over the excluded list.
        reasons: Object.fromEntries([
          ...(order.excludedCooperatives ?? []).map((c): [string, string] => [
            c,
            'declined this order, or its part was moved off a suspended growing-area code',
          ]),
          ...held.map((a): [string, string] =>
            a.status === 'reserved'
              ? [
                  a.cooperativeId,
                  'already holds part of this order (one allocation per cooperative and order)',
                ]
              : [a.cooperativeId, `its part of this order was released (${a.releaseReason ?? 'released'})`],
          ),
        ]),
        keepBackorderedLines: order.backorderedLines ?? [],
      },
    };
  }

  /** The order moved on (a retry allocated it, or it is no longer waiting): re-publish what it has. */
  async function alreadyHandled(orderId: string): Promise<void> {
    const current = await deps.orders.get(orderId);
    if (current) await republish(current);
  }

  /** F06: the cancel came first and left a tombstone; the order is cancelled, nothing reserved. */
  async function cancelEarly(order: AllocationSubject): Promise<void> {
    const done = await deps.allocations.cancelWaiting({
      orderId: order.orderId,
      orderVersion: order.version,
      fromStatus: 'received',
      reason: 'cancelled before the order arrived (the cancel was kept and applied on arrival)',
      now: now().toISOString(),
    });
    if (!done) return alreadyHandled(order.orderId);
    deps.logger.info('order cancelled on arrival (tombstone)', { orderId: order.orderId });
  }

  async function allocate(event: BusEvent<'OrderReceived'>): Promise<void> {
    const order = await subjectOf(event);
    if (!order) return;
    const { orderId } = order;
    const pickupDate = pickupDateFor(new Date(order.receivedAt));
    const market = order.market;
    const deliveryBy = new Date(
      Date.parse(`${pickupDate}T17:00:00+07:00`) + transitDays(order.provinceCode, market) * DAY_MS,
    ).toISOString();
    const coops = await cooperatives.all();
    let codes = market ? await validCodes(market, pickupDate, order.reallocation !== undefined) : undefined;
    await refreshDayLoad(pickupDate, [...coops.keys()]);
    const transitDaysOf = (cooperativeId: string) => {
      const coop = coops.get(cooperativeId);
      if (!market && coop && order.wardCode && coop.wardCode === order.wardCode) return 0;
      if (!market && coop && coop.provinceCode === order.provinceCode) return 0.5;
      return transitDays(order.provinceCode, market);
    };
    // Retried backorders (version > 1) clear their backorder items in the same transaction.
    const clearBackorderSkus = order.version > 1 ? skusOf(order.lines) : undefined;
    const excluded = new Set<string>(order.reallocation?.excluded);
    const exclusionReasons = new Map(Object.entries(order.reallocation?.reasons ?? {}));
    const fromStatus: OrderStatus = order.reallocation ? 'reallocating' : 'received';
    const keepBackorderedLines = order.reallocation?.keepBackorderedLines ?? [];
    const channelPolicy = partialFillPolicyFor(
      order.channel,
      market !== undefined,
      deps.partialFill ?? DEFAULT_PARTIAL_FILL,
    );
    // A re-allocated part belongs to an order that already holds stock elsewhere: rejecting it
    // would strand those allocations, so `reject` waits for stock instead.
    const fillPolicy = order.reallocation && channelPolicy === 'reject' ? 'wait' : channelPolicy;
    const skus = [...new Set(order.lines.map((l) => l.sku))];
    let fresh = false;

    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const pool = (await Promise.all(skus.map((sku) => candidates(sku, fresh)))).flat();
      const capacityLeft = new Map<string, number>();
      const dayLoad = new Map<string, { used: number; capacity: number }>();
      for (const coop of coops.values()) {
        const used = usedByCoopDay.get(`${coop.cooperativeId}#${pickupDate}`) ?? 0;
        dayLoad.set(coop.cooperativeId, { used, capacity: coop.dailyCapacityUnits });
      }
      for (const c of pool) {
        const coop = coops.get(c.cooperativeId);
        if (!coop || capacityLeft.has(c.cooperativeId)) continue;
        const key = `${c.cooperativeId}#${pickupDate}`;
        if (fullCoopDays.has(key)) excluded.add(c.cooperativeId);
        capacityLeft.set(c.cooperativeId, coop.dailyCapacityUnits - (usedByCoopDay.get(key) ?? 0));
      }
      // The order item, the tombstone check, the backorder items to clear and one check per
      // growing-area code used share the transaction.
      const planned = planAllocation(order.lines, pool, {
        deliveryBy,
        market,
        validCodes: codes,
        capacityLeft,
        excludedCooperatives: excluded,
        exclusionReasons,
        ranking,
        dayLoad,
        transitDaysOf,
      });
      // Order, tombstone, backorder items to clear, and (at most one per product) what still waits.
      const fixedItems = 2 + (clearBackorderSkus?.length ?? 0) + skus.length;
      const plan = fitPlanToTransaction(planned, fixedItems + codeChecksOf(planned, pool, market).length);
      const growingAreaChecks = codeChecksOf(plan, pool, market);
      // Never backorder on a cached view: other orders' holds may still be rolled back.
      if (plan.unfilled.length > 0 && !fresh) {
        fresh = true;
        continue;
      }

      // The channel's partial-fill policy decides on the plan, before any transaction: `wait` and
      // `reject` reserve nothing, so nothing is reserved only to be released again.
      const fill = decidePartialFill(plan, order.lines, fillPolicy);
      const explanation = {
        at: now().toISOString(),
        weights: ranking.weights,
        considered: plan.considered,
        partialFill: fill.record,
      };

      if (fill.kind === 'reject') {
        const done = await deps.allocations.markRejected({
          orderId,
          orderVersion: order.version,
          rejectReasons: [INSUFFICIENT_STOCK],
          reason: fill.reason,
          now: now().toISOString(),
          explanation,
          clearBackorderSkus,
        });
        if (done === 'order_changed') return alreadyHandled(orderId);
        if (done === 'cancelled_early') return cancelEarly(order);
        await deps.publisher.publish([
          domainEvent('OrderRejected', {
            version: 1,
            correlationId: order.correlationId,
            orderId,
            channel: order.channel,
            reasons: [INSUFFICIENT_STOCK],
          }),
        ]);
        return;
      }

      if (fill.kind === 'backorder') {
        const reason = fill.reason;
        // A re-allocated part that nobody can fill waits together with what the order was already
        // waiting for (its earlier partial fill): the order must never shrink.
        const waiting = mergeLines([...fill.lines, ...keepBackorderedLines]);
        const done = await deps.allocations.markBackordered({
          orderId,
          orderVersion: order.version,
          fromStatus,
          lines: waiting.map((l) => ({
            ...l,
            expiresAt: backorderExpiresAt(l.sku, order.receivedAt, deps.backorderPolicy),
          })),
          reason,
          now: now().toISOString(),
          receivedAt: order.receivedAt,
          explanation,
          clearBackorderSkus,
        });
        if (done === 'order_changed') return alreadyHandled(orderId);
        if (done === 'cancelled_early') return cancelEarly(order);
        await deps.publisher.publish([
          domainEvent('OrderBackordered', {
            version: 1,
            correlationId: order.correlationId,
            orderId,
            lines: waiting,
            reason,
          }),
        ]);
        return;
      }

      const release = hold(plan);
      const nextStatus: OrderStatus =
        plan.unfilled.length > 0 || keepBackorderedLines.length > 0 ? 'partially_allocated' : 'allocated';
      let outcome: Awaited<ReturnType<AllocationStore['reserve']>>;
      try {
        outcome = await deps.allocations.reserve({
          orderId,
          orderVersion: order.version,
          plan,
          nextStatus,
          pickupDate,
          receivedAt: order.receivedAt,
          market,
          exporterId: order.exporterId,
          correlationId: order.correlationId,
          now: now().toISOString(),
          capacityOf: (id) => coops.get(id)?.dailyCapacityUnits,
          deliveryBy,
          explanation,
          clearBackorderSkus,
          fromStatus,
          keepBackorderedLines,
          growingAreaChecks,
          waitingLines: mergeLines([...keepBackorderedLines, ...plan.unfilled]).map((l) => ({
            ...l,
            expiresAt: backorderExpiresAt(l.sku, order.receivedAt, deps.backorderPolicy),
          })),
        });
      } catch (error) {
        release();
        throw error;
      }
      if (outcome.kind !== 'reserved') release();
      switch (outcome.kind) {
        case 'reserved':
          countCapacity(outcome.allocations);
          await deps.publisher.publish(outcome.allocations.map(allocatedEvent));
          return;
        case 'order_changed':
          return alreadyHandled(orderId);
        case 'cancelled_early':
          return cancelEarly(order);
        case 'stale':
          for (const b of outcome.batches) {
            const c = findCached(b.sku, b.cooperativeId, b.batchId);
            if (c) c.available = Math.min(c.available, b.available ?? 0);
          }
          for (const coop of outcome.fullCooperatives) {
            fullCoopDays.add(`${coop}#${pickupDate}`);
            excluded.add(coop);
          }
          if (outcome.suspendedCodes?.length && market) {
            // Suspended after this container cached the valid codes: read them again.
            codes = await validCodes(market, pickupDate, true);
            for (const code of outcome.suspendedCodes) codes.delete(code);
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
