/**
 * The end-of-run report. Every figure about what happened is read back from DynamoDB (and the
 * courier sandbox's own ledger), not from what the code believes it did: the invariants are
 * checks on the stored state.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parallelScanAll } from '../../shared/adapters/dynamodb/query.js';
import type { OrderRecord } from '../../shared/adapters/dynamodb/order-store.js';
import type { AllocationRecord } from '../../shared/adapters/dynamodb/allocation-store.js';
import { SETTLED_STATUSES } from '../../shared/domain/order.js';
import { DEFAULT_RANKING, type RankingWeights } from '../../shared/domain/allocation.js';
import { pickupInstant, shelfLifeEndMs } from '../../shared/domain/freshness.js';
import { findProduct } from '../../shared/domain/product.js';
import type { LifecycleFacts } from './scenario-lifecycle.js';

export interface RunFacts {
  /** Internal order ids the ingest edge accepted (2xx) during the run. */
  acceptedOrderIds: ReadonlySet<string>;
  startedAt: number;
  finishedAt: number;
  http: Record<string, number>;
  /** Refused requests (4xx/5xx) by "status channel: error", as the API answered them. */
  refused?: Record<string, number>;
  requestsSent: number;
  redeliveriesSent: number;
  deadLetters: Record<string, Array<{ reason: string }>>;
  /** The courier's own shipments (client reference = our allocation id) and their status (`cancel`…). */
  carrierLedger: Array<{ clientOrderCode: string; status?: string }>;
  /** "Pack this" messages to cooperatives (one per allocation). */
  notificationsSent: number;
  /** "Do not pack" messages for released allocations (cancel, suspension, the cooperative's decline). */
  releaseNotificationsSent?: number;
  seed: number;
  ordersRequested: number;
  /** DynamoDB requests during the run (seeding excluded), by operation. */
  dynamoRequests: Record<string, { count: number; totalMs: number }>;
  /** Cancellations, afternoon restock and the evening backorder sweep, when the run had them. */
  lifecycle?: LifecycleFacts;
  rankingWeights?: RankingWeights;
}

export interface HarvestReport {
  seed: number;
  ordersRequested: number;
  orders: {
    received: number;
    allocated: number;
    partiallyAllocated: number;
    backordered: number;
    rejected: number;
    review: number;
    cancelled: number;
    byStatus: Record<string, number>;
    reviewReasons: Record<string, number>;
    rejectReasons: Record<string, number>;
    exportOrders: number;
  };
  channels: Record<string, number>;
  allocations: { count: number; splitOrders: number; cooperativesUsed: number; unitsReserved: number };
  /**
   * `booked`: every courier booking recorded; `cancelled`: booked, then cancelled at the courier
   * because the allocation was released; `cancelRefused`: the courier would not cancel (collected).
   */
  pickups: {
    booked: number;
    byCarrier: Record<string, number>;
    cancelled: number;
    cancelRefused: number;
  };
  /** `sent`: "pack this" messages, one per allocation; `released`: "do not pack" ones, one per release. */
  notifications: { sent: number; released: number };
  lots: { open: number; members: number; events: number; byMarket: Record<string, number> };
  http: {
    requests: number;
    redeliveries: number;
    byStatus: Record<string, number>;
    /** Refused requests by "status channel: error" (the scenario's deliberately bad input shows here). */
    refused: Record<string, number>;
  };
  deadLetters: Record<string, { count: number; reasons: Record<string, number> }>;
  throughput: { ordersPerSecond: number; durationSeconds: number };
  dynamodb: {
    requests: number;
    requestsPerSecond: number;
    requestsPerOrder: number;
    byOperation: Record<string, { count: number; avgMs: number }>;
  };
  latencyMs: { p50: number; p90: number; p99: number; max: number; samples: number };
  /** How good the allocation was, read back from the stored allocations, batches and orders. */
  allocationQuality: {
    /** Allocated in full or in part, of the orders that went to allocation (not rejected, held or cancelled). */
    allocatedShare: number;
    /**
     * Days of shelf life the shipped units still had at the estimated delivery, unit-weighted, for
     * the chain they travel (shared/domain/freshness.ts): export parcels are refrigerated and keep
     * their cold-room life; domestic ones travel ambient.
     */
    avgShelfLifeDaysAtDelivery: number;
    /** The same for fresh lychee only (OCOP goods keep for months and would hide it). */
    avgShelfLifeDaysAtDeliveryFresh: number;
    /** Fresh lychee by how it travels: domestic parcels (ambient) and export lots (refrigerated). */
    avgShelfLifeDaysAtDeliveryFreshByChain: { domestic: number; export: number };
    /** Gini coefficient of units shipped across all cooperatives (0 = equal volumes). */
    giniVolume: number;
    /** Gini of units shipped ÷ daily capacity (0 = every cooperative equally busy for its size). */
    giniUtilisation: number;
    /** Cooperatives per allocated order (1 = never split). */
    cooperativesPerOrder: number;
    backorders: { filledLater: number; expired: number; stillWaiting: number };
    /**
     * Releases by cancels only (declines and suspensions are under `reallocation`; `pickups` counts
     * every cancelled booking). `withPickupBooked`: released after its courier was booked; of those,
     * `pickupsCancelled` were cancelled at the courier and `cancelRefused` refused by it (the
     * operator is alerted).
     */
    cancellations: {
      cancelled: number;
      allocationsReleased: number;
      unitsReleased: number;
      withPickupBooked: number;
      pickupsCancelled: number;
      cancelRefused: number;
    };
    /**
     * Allocations released to be allocated again: declined by their cooperative, or moved because
     * their growing-area code was suspended; and what became of those orders.
     */
    reallocation: {
      declined: number;
      movedBySuspension: number;
      /** Orders re-allocated at least once that hold allocations again (allocated, partly or fully). */
      reallocated: number;
      /** Orders re-allocated at least once that nobody else could fill (backordered or expired). */
      backorderedAfterRelease: number;
      /** Still waiting for re-allocation when the run ended (should be 0: it is not a settled state). */
      stillReallocating: number;
    };
    rankingWeights: RankingWeights;
    /**
     * Orders by their channel's partial-fill policy and what it last decided for them (filled,
     * shipped_partial, waited, backordered, rejected), read from each order's allocation explanation.
     */
    partialFill: Record<string, Record<string, number>>;
    lifecycle?: LifecycleFacts;
  };
  invariants: {
    oversoldUnits: number;
    negativeStockBatches: number;
    reservationMismatches: number;
    lostOrders: number;
    duplicateOrders: number;
    duplicatePickups: number;
    /**
     * Released allocations the courier would still collect: a pickup recorded live
     * (`awaiting_pickup`), or a shipment in the courier's ledger that is not cancelled, when the
     * courier did not refuse the cancel. Booked-then-cancelled is fine and not counted here.
     */
    pickupsAfterRelease: number;
    /** Live allocations held by a cooperative that declined that order. */
    reallocatedToDecliner: number;
    /**
     * Export lots whose units or member count differ from their live members', plus live members
     * whose allocation was released (a lot must never promise fruit that is not coming).
     */
    lotMismatches: number;
  };
}

/** Gini coefficient of non-negative values (0 = all equal, → 1 = one holds everything). */
export function gini(values: readonly number[]): number {
  const sorted = values.filter((v) => v >= 0).sort((a, b) => a - b);
  const n = sorted.length;
  const total = sorted.reduce((s, v) => s + v, 0);
  if (n === 0 || total === 0) return 0;
  let weighted = 0;
  sorted.forEach((v, i) => {
    weighted += (i + 1) * v;
  });
  return (2 * weighted) / (n * total) - (n + 1) / n;
}

const bump = (map: Record<string, number>, key: string, by = 1) => {
  map[key] = (map[key] ?? 0) + by;
};

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

export async function buildReport(
  doc: DynamoDBDocumentClient,
  tableName: string,
  facts: RunFacts,
): Promise<HarvestReport> {
  const items = await parallelScanAll(doc, { TableName: tableName });
  const orders = items.filter((i) => i.type === 'order') as unknown as OrderRecord[];
  const allocations = items.filter((i) => i.type === 'allocation') as unknown as AllocationRecord[];
  const pickups = items.filter((i) => i.type === 'pickup') as Array<Record<string, unknown>>;
  const batches = items.filter((i) => i.type === 'stock-batch');
  const lots = items.filter((i) => i.type === 'lot');

  const byStatus: Record<string, number> = {};
  const channels: Record<string, number> = {};
  const reviewReasons: Record<string, number> = {};
  const rejectReasons: Record<string, number> = {};
  const externalKeys = new Map<string, number>();
  for (const o of orders) {
    bump(byStatus, o.status);
    bump(channels, o.channel);
    for (const r of o.reviewReasons ?? []) bump(reviewReasons, r);
    for (const r of o.rejectReasons ?? []) bump(rejectReasons, r);
    const key = `${o.channel}\u0000${o.externalId}`;
    externalKeys.set(key, (externalKeys.get(key) ?? 0) + 1);
  }

  // Stock: what the batches say they reserved must equal what live allocations hold.
  const reservedByBatch = new Map<string, number>();
  for (const a of allocations) {
    if (a.status !== 'reserved') continue;
    for (const l of a.lines) {
      const key = `${a.cooperativeId}/${l.batchId}`;
      reservedByBatch.set(key, (reservedByBatch.get(key) ?? 0) + l.quantity);
    }
  }
  let oversoldUnits = 0;
  let negativeStockBatches = 0;
  let reservationMismatches = 0;
  for (const b of batches) {
    const available = Number(b.available);
    const quantity = Number(b.quantity);
    const held = reservedByBatch.get(`${b.cooperativeId}/${b.batchId}`) ?? 0;
    if (available < 0) negativeStockBatches++;
    oversoldUnits += Math.max(0, held - quantity) + Math.max(0, -available);
    if (quantity - available !== held) reservationMismatches++;
  }

  // Pickups: at most one per allocation in our table and in the courier's own ledger.
  const pickupsByAllocation = new Map<string, number>();
  for (const p of pickups)
    pickupsByAllocation.set(
      String(p.allocationId),
      (pickupsByAllocation.get(String(p.allocationId)) ?? 0) + 1,
    );
  const ledger = new Map<string, number>();
  for (const s of facts.carrierLedger)
    ledger.set(s.clientOrderCode, (ledger.get(s.clientOrderCode) ?? 0) + 1);
  let duplicatePickups = 0;
  for (const n of pickupsByAllocation.values()) duplicatePickups += n - 1;
  for (const n of ledger.values()) duplicatePickups += n - 1;
  let duplicateOrders = 0;
  for (const n of externalKeys.values()) duplicateOrders += n - 1;

  // Lost: accepted at the edge but missing, never settled, or allocated without a pickup.
  const orderById = new Map(orders.map((o) => [o.orderId, o]));
  const pickupKeys = new Set(pickups.map((p) => String(p.allocationId)));
  const allocationsByOrder = new Map<string, AllocationRecord[]>();
  for (const a of allocations) {
    const list = allocationsByOrder.get(a.orderId) ?? [];
    list.push(a);
    allocationsByOrder.set(a.orderId, list);
  }
  let lostOrders = 0;
  for (const id of facts.acceptedOrderIds) {
    const o = orderById.get(id);
    if (!o || !SETTLED_STATUSES.includes(o.status)) {
      lostOrders++;
      continue;
    }
    const live = (allocationsByOrder.get(id) ?? []).filter((a) => a.status === 'reserved');
    if (
      (o.status === 'allocated' || o.status === 'partially_allocated') &&
      (live.length === 0 || live.some((a) => !pickupKeys.has(a.allocationId)))
    ) {
      lostOrders++;
    }
  }

  // Latency: order received → its last pickup booked.
  const lastBooked = new Map<string, number>();
  for (const p of pickups) {
    const id = String(p.orderId);
    const booked = Date.parse(String(p.bookedAt)) - Date.parse(String(p.receivedAt));
    lastBooked.set(id, Math.max(lastBooked.get(id) ?? 0, booked));
  }
  const latencies = [...lastBooked.values()].sort((a, b) => a - b);

  const byCarrier: Record<string, number> = {};
  for (const p of pickups) bump(byCarrier, String(p.carrier));
  const lotsByMarket: Record<string, number> = {};
  for (const l of lots) bump(lotsByMarket, String(l.market));
  const splitOrders = [...allocationsByOrder.values()].filter((list) => list.length > 1).length;

  const deadLetters: HarvestReport['deadLetters'] = {};
  for (const [queue, list] of Object.entries(facts.deadLetters)) {
    const reasons: Record<string, number> = {};
    // Group by the reason's wording, not by the ids in it.
    for (const d of list) {
      // First line only (no stack), ids replaced, so the same fault groups under one reason.
      const firstLine = d.reason.split('\n', 1)[0] ?? '';
      bump(reasons, firstLine.replace(/ord_[\w-]+(\.[\w-]+)?/g, '<id>').slice(0, 200));
    }
    deadLetters[queue] = { count: list.length, reasons };
  }
  const durationSeconds = (facts.finishedAt - facts.startedAt) / 1000;

  // Allocation quality.
  const live = allocations.filter((a) => a.status === 'reserved');
  const released = allocations.filter((a) => a.status === 'released');
  const batchByKey = new Map(batches.map((b) => [`${b.cooperativeId}/${b.batchId}`, b]));
  let shelfUnits = 0;
  let shelfDays = 0;
  let freshUnits = 0;
  let freshDays = 0;
  const freshBy = { domestic: { units: 0, days: 0 }, export: { units: 0, days: 0 } };
  for (const a of live) {
    if (!a.deliveryBy) continue;
    for (const l of a.lines) {
      const b = batchByKey.get(`${a.cooperativeId}/${l.batchId}`);
      if (!b) continue;
      // Shelf life where the box arrives: a cold-stored box on an ambient (domestic) parcel has its
      // ambient life from collection left, not the weeks it had in the cold room.
      const end = shelfLifeEndMs(
        { sku: l.sku, expiresAt: String(b.expiresAt), coldChain: Boolean(b.coldChain) },
        { leavesStoreAt: pickupInstant(a.pickupDate), refrigerated: Boolean(a.market) },
      );
      const days = (l.quantity * (end - Date.parse(a.deliveryBy))) / 86_400_000;
      shelfDays += days;
      shelfUnits += l.quantity;
      if (findProduct(l.sku)?.kind === 'fresh-lychee') {
        freshDays += days;
        freshUnits += l.quantity;
        const chain = freshBy[a.market ? 'export' : 'domestic'];
        chain.days += days;
        chain.units += l.quantity;
      }
    }
  }
  const unitsByCoop = new Map<string, number>();
  for (const a of live)
    unitsByCoop.set(
      a.cooperativeId,
      (unitsByCoop.get(a.cooperativeId) ?? 0) + a.lines.reduce((s, l) => s + l.quantity, 0),
    );
  const coopItems = items.filter((i) => i.type === 'cooperative');
  const allocatedOrders = orders.filter(
    (o) => o.status === 'allocated' || o.status === 'partially_allocated',
  );
  const wentToAllocation = orders.filter(
    (o) => !['rejected', 'review', 'cancelled'].includes(o.status),
  ).length;
  const allocationPickups = new Map(pickups.map((p) => [String(p.allocationId), p]));
  const shipmentStatus = new Map(facts.carrierLedger.map((s) => [s.clientOrderCode, s.status]));
  let pickupsAfterRelease = 0;
  let withPickupBooked = 0;
  const releasedByCancel = new Set(
    released
      .filter((a) => !/^(declined|growing_area_suspended)/.test(a.releaseReason ?? ''))
      .map((a) => a.allocationId),
  );
  let pickupsCancelled = 0;
  let cancelRefused = 0;
  for (const a of released) {
    const p = allocationPickups.get(a.allocationId);
    const atCourier = shipmentStatus.has(a.allocationId);
    // The cancellation figures count releases by cancels; every release counts for the invariant.
    const byCancel = releasedByCancel.has(a.allocationId);
    if ((p || atCourier) && byCancel) withPickupBooked++;
    if (p?.status === 'cancelled' && byCancel) pickupsCancelled++;
    if (p?.status === 'cancel_refused') {
      if (byCancel) cancelRefused++;
      continue; // the courier refused: the operator was told, not a silent bug
    }
    const liveAtCourier = atCourier && shipmentStatus.get(a.allocationId) !== 'cancel';
    if (p?.status === 'awaiting_pickup' || liveAtCourier) pickupsAfterRelease++;
  }
  const partialFill: Record<string, Record<string, number>> = {};
  for (const o of orders) {
    const record = (o as { explanation?: { partialFill?: { policy: string; outcome: string } } }).explanation
      ?.partialFill;
    if (!record) continue;
    partialFill[record.policy] ??= {};
    bump(partialFill[record.policy] as Record<string, number>, record.outcome);
  }
  const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
  const releasedFor = (prefix: string) => released.filter((a) => (a.releaseReason ?? '').startsWith(prefix));
  const declined = releasedFor('declined');
  const movedBySuspension = releasedFor('growing_area_suspended');
  const byCancel = released.filter((a) => releasedByCancel.has(a.allocationId));
  const reallocatedOrders = orders.filter((o) => (o.reallocations ?? 0) > 0);
  let reallocatedToDecliner = 0;
  for (const o of reallocatedOrders) {
    const excluded = new Set(o.excludedCooperatives ?? []);
    reallocatedToDecliner += (allocationsByOrder.get(o.orderId) ?? []).filter(
      (a) => a.status === 'reserved' && excluded.has(a.cooperativeId),
    ).length;
  }
  const allocationById = new Map(allocations.map((a) => [a.allocationId, a]));
  let lotMismatches = 0;
  for (const lot of lots) {
    const liveMembers = items.filter(
      (i) => i.type === 'lot-member' && i.lotId === lot.lotId && i.status !== 'released',
    );
    const units = liveMembers.reduce((s, m) => s + Number(m.units ?? 0), 0);
    if (Number(lot.units ?? 0) !== units || Number(lot.members ?? 0) !== liveMembers.length) lotMismatches++;
    for (const m of liveMembers) {
      if (allocationById.get(String(m.allocationId))?.status !== 'reserved') lotMismatches++;
    }
  }
  const allocationQuality: HarvestReport['allocationQuality'] = {
    allocatedShare: wentToAllocation ? round(allocatedOrders.length / wentToAllocation) : 0,
    avgShelfLifeDaysAtDelivery: shelfUnits ? round(shelfDays / shelfUnits, 2) : 0,
    avgShelfLifeDaysAtDeliveryFresh: freshUnits ? round(freshDays / freshUnits, 2) : 0,
    avgShelfLifeDaysAtDeliveryFreshByChain: {
      domestic: freshBy.domestic.units ? round(freshBy.domestic.days / freshBy.domestic.units, 2) : 0,
      export: freshBy.export.units ? round(freshBy.export.days / freshBy.export.units, 2) : 0,
    },
    giniVolume: round(gini(coopItems.map((c) => unitsByCoop.get(String(c.cooperativeId)) ?? 0))),
    giniUtilisation: round(
      gini(
        coopItems.map(
          (c) => (unitsByCoop.get(String(c.cooperativeId)) ?? 0) / Math.max(1, Number(c.dailyCapacityUnits)),
        ),
      ),
    ),
    cooperativesPerOrder: allocatedOrders.length ? round(live.length / allocatedOrders.length) : 0,
    backorders: {
      filledLater: allocatedOrders.filter(
        (o) => Number((o as { backorderRetries?: number }).backorderRetries ?? 0) > 0,
      ).length,
      expired: orders.filter((o) => o.status === 'expired').length,
      stillWaiting: orders.filter((o) => o.status === 'backordered').length,
    },
    cancellations: {
      cancelled: orders.filter((o) => o.status === 'cancelled').length,
      allocationsReleased: byCancel.length,
      unitsReleased: byCancel.reduce((s, a) => s + a.lines.reduce((t, l) => t + l.quantity, 0), 0),
      withPickupBooked,
      pickupsCancelled,
      cancelRefused,
    },
    reallocation: {
      declined: declined.length,
      movedBySuspension: movedBySuspension.length,
      reallocated: reallocatedOrders.filter(
        (o) => o.status === 'allocated' || o.status === 'partially_allocated',
      ).length,
      backorderedAfterRelease: reallocatedOrders.filter(
        (o) => o.status === 'backordered' || o.status === 'expired',
      ).length,
      stillReallocating: orders.filter((o) => o.status === 'reallocating').length,
    },
    rankingWeights: facts.rankingWeights ?? DEFAULT_RANKING.weights,
    partialFill,
    lifecycle: facts.lifecycle,
  };

  return {
    seed: facts.seed,
    ordersRequested: facts.ordersRequested,
    orders: {
      received: orders.length,
      allocated: byStatus.allocated ?? 0,
      partiallyAllocated: byStatus.partially_allocated ?? 0,
      backordered: byStatus.backordered ?? 0,
      rejected: byStatus.rejected ?? 0,
      review: byStatus.review ?? 0,
      cancelled: byStatus.cancelled ?? 0,
      byStatus,
      reviewReasons,
      rejectReasons,
      exportOrders: orders.filter((o) => o.export).length,
    },
    channels,
    allocations: {
      count: allocations.length,
      splitOrders,
      cooperativesUsed: new Set(allocations.map((a) => a.cooperativeId)).size,
      unitsReserved: [...reservedByBatch.values()].reduce((s, n) => s + n, 0),
    },
    pickups: {
      booked: pickups.length,
      byCarrier,
      cancelled: pickups.filter((p) => p.status === 'cancelled').length,
      cancelRefused: pickups.filter((p) => p.status === 'cancel_refused').length,
    },
    notifications: { sent: facts.notificationsSent, released: facts.releaseNotificationsSent ?? 0 },
    lots: {
      open: lots.filter((l) => l.status === 'open').length,
      members: items.filter((i) => i.type === 'lot-member' && i.status !== 'released').length,
      events: items.filter((i) => i.type === 'lot-event').length,
      byMarket: lotsByMarket,
    },
    http: {
      requests: facts.requestsSent,
      redeliveries: facts.redeliveriesSent,
      byStatus: facts.http,
      refused: facts.refused ?? {},
    },
    deadLetters,
    throughput: {
      ordersPerSecond: durationSeconds > 0 ? Math.round((orders.length / durationSeconds) * 10) / 10 : 0,
      durationSeconds: Math.round(durationSeconds * 10) / 10,
    },
    dynamodb: dynamoSummary(facts.dynamoRequests, orders.length, durationSeconds),
    latencyMs: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? 0,
      samples: latencies.length,
    },
    allocationQuality,
    invariants: {
      oversoldUnits,
      negativeStockBatches,
      reservationMismatches,
      lostOrders,
      duplicateOrders,
      duplicatePickups,
      pickupsAfterRelease,
      reallocatedToDecliner,
      lotMismatches,
    },
  };
}

function dynamoSummary(
  stats: RunFacts['dynamoRequests'],
  orders: number,
  seconds: number,
): HarvestReport['dynamodb'] {
  const requests = Object.values(stats).reduce((sum, s) => sum + s.count, 0);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    requests,
    requestsPerSecond: seconds > 0 ? round(requests / seconds) : 0,
    requestsPerOrder: orders > 0 ? round(requests / orders) : 0,
    byOperation: Object.fromEntries(
      Object.entries(stats)
        .sort((a, b) => b[1].count - a[1].count)
        .map(([op, s]) => [
          op.replace(/Command$/, ''),
          { count: s.count, avgMs: round(s.totalMs / s.count) },
        ]),
    ),
  };
}

export function invariantsHold(report: HarvestReport): boolean {
  return Object.values(report.invariants).every((v) => v === 0);
}
