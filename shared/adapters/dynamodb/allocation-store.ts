/**
 * Reservation of stock for an allocation plan: ONE TransactWriteItems per attempt with a
 * conditional decrement per batch, a capacity check per cooperative and day, a put per
 * allocation and an order version check. When the transaction is cancelled, the per-item
 * cancellation reasons (not the exception name) decide what happens next (F08).
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AllocationPlan, Candidate, Consideration, RankingWeights } from '../../domain/allocation.js';
import type { Cooperative, GrowingAreaCode, StockBatch } from '../../domain/cooperative.js';
import type { ExportMarket } from '../../domain/market.js';
import type { OrderStatus } from '../../domain/order.js';
import type { PartialFillRecord } from '../../domain/partial-fill.js';
import {
  COOPS_GSI2PK,
  allocationIdFor,
  allocationSk,
  backorderGsi1pk,
  backorderGsi1sk,
  backorderSk,
  batchSk,
  capacitySk,
  cooperativePk,
  coopDayGsi2pk,
  orderPk,
  pucGsi1pk,
  pucSk,
  stockGsi1pk,
  TOMBSTONE_SK,
} from './keys.js';
import { orderTransition } from './order-transition.js';
import { batchGetAll, type Item, queryAll } from './query.js';

export interface AllocationRecord {
  pk: string;
  sk: string;
  type: 'allocation';
  allocationId: string;
  orderId: string;
  cooperativeId: string;
  lines: Array<{ sku: string; batchId: string; quantity: number }>;
  pickupDate: string;
  receivedAt: string;
  market?: ExportMarket;
  exporterId?: string;
  why: string[];
  /** Its ranking score when chosen (lower is better). */
  score?: number;
  /** When the buyer (or export packing house) was expected to receive it: shelf life is measured here. */
  deliveryBy?: string;
  status: 'reserved' | 'released';
  createdAt: string;
  correlationId: string;
  /** When and why the reservation was released (cancellation, decline). */
  releasedAt?: string;
  releaseReason?: string;
}

/** What an order records about how it was (or was not) allocated: for cooperatives and operators. */
export interface AllocationExplanation {
  at: string;
  weights: RankingWeights;
  considered: Consideration[];
  /** The channel's partial-fill policy and what it decided (shared/domain/partial-fill.ts). */
  partialFill?: PartialFillRecord;
}

/** What one item of the transaction stands for, to read its cancellation reason. */
export type TxItemRole =
  | { role: 'order' }
  | { role: 'batch'; cooperativeId: string; batchId: string; sku: string }
  | { role: 'capacity'; cooperativeId: string }
  | { role: 'allocation'; cooperativeId: string }
  /** The F06 tombstone must not exist: a cancel that arrived before the order. */
  | { role: 'tombstone' }
  /** A growing-area code the plan uses must still be valid (not suspended meanwhile). */
  | { role: 'code'; code: string };

export interface CancellationReason {
  Code?: string;
  Item?: Record<string, unknown>;
}

export type ReservationOutcome =
  | { kind: 'reserved'; allocations: AllocationRecord[] }
  /** The order moved on (a retry already allocated it, or it was cancelled): treat as done. */
  | { kind: 'order_changed' }
  /** A cancel for this order arrived before it did (F06): cancel it, reserve nothing. */
  | { kind: 'cancelled_early' }
  /** Some batches ran out or some cooperatives are full: re-plan without them. */
  | {
      kind: 'stale';
      batches: Array<{ cooperativeId: string; batchId: string; sku: string; available?: number }>;
      fullCooperatives: string[];
      /** Growing-area codes found suspended at commit: reload the valid codes and re-plan. */
      suspendedCodes?: string[];
    }
  /** Contention or throttling: try the same thing again after a backoff. */
  | { kind: 'retry'; codes: string[] };

/**
 * Reads a cancelled transaction's per-item reasons (F08): (a) stock ran out at a cooperative →
 * next candidate; (b) the order was already allocated by a retry → success; (c) a transaction
 * conflict → retry. Pure, so every branch is unit-tested (DynamoDB Local never raises conflicts).
 */
export function classifyCancellation(roles: TxItemRole[], reasons: CancellationReason[]): ReservationOutcome {
  const stale: Extract<ReservationOutcome, { kind: 'stale' }> = {
    kind: 'stale',
    batches: [],
    fullCooperatives: [],
  };
  const retryCodes: string[] = [];
  let orderChanged = false;
  let tombstone = false;
  reasons.forEach((reason, index) => {
    const role = roles[index];
    const code = reason.Code ?? 'None';
    if (!role || code === 'None') return;
    if (code === 'ConditionalCheckFailed') {
      if (role.role === 'order' || role.role === 'allocation') orderChanged = true;
      else if (role.role === 'tombstone') tombstone = true;
      else if (role.role === 'batch') {
        const old = reason.Item ? unmarshallMaybe(reason.Item) : undefined;
        stale.batches.push({
          cooperativeId: role.cooperativeId,
          batchId: role.batchId,
          sku: role.sku,
          available: typeof old?.available === 'number' ? old.available : undefined,
        });
      } else if (role.role === 'capacity') stale.fullCooperatives.push(role.cooperativeId);
      else if (role.role === 'code') stale.suspendedCodes = [...(stale.suspendedCodes ?? []), role.code];
      return;
    }
    retryCodes.push(code); // TransactionConflict, ThrottlingError, ProvisionedThroughputExceeded...
  });
  if (orderChanged) return { kind: 'order_changed' };
  if (tombstone) return { kind: 'cancelled_early' };
  if (stale.batches.length > 0 || stale.fullCooperatives.length > 0 || stale.suspendedCodes?.length)
    return stale;
  return { kind: 'retry', codes: retryCodes.length ? retryCodes : ['Unknown'] };
}

function unmarshallMaybe(item: Record<string, unknown>): Record<string, unknown> {
  // Low-level AttributeValue maps look like { available: { N: '3' } }.
  const first = Object.values(item)[0];
  if (first && typeof first === 'object' && !Array.isArray(first)) {
    try {
      return unmarshall(item as Parameters<typeof unmarshall>[0]);
    } catch {
      return item;
    }
  }
  return item;
}

export class AllocationStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Item[]> {
    return queryAll(this.doc, { ...input, TableName: this.tableName });
  }

  /** Batches of a product with stock left, earliest expiry first (the FEFO index). */
  async loadCandidates(sku: string): Promise<Candidate[]> {
    const items = await this.queryAll({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      FilterExpression: 'available > :zero',
      ExpressionAttributeValues: { ':pk': stockGsi1pk(sku), ':zero': 0 },
    });
    return items.map((item) => {
      const b = item as unknown as StockBatch;
      return {
        cooperativeId: b.cooperativeId,
        batchId: b.batchId,
        sku: b.sku,
        available: b.available,
        expiresAt: b.expiresAt,
        coldChain: b.coldChain,
        growingAreaCodes: b.growingAreaCodes ?? {},
      };
    });
  }

  async loadCooperatives(): Promise<Cooperative[]> {
    const items = await this.queryAll({
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': COOPS_GSI2PK },
    });
    return items as unknown as Cooperative[];
  }

  /**
   * Units each cooperative packs on `date` (fair share): its capacity items, read by key in
   * BatchGetItem requests of 100. No index on them: they are the hottest items of a flash sale
   * (one update per allocation) and an index would double every one of those writes.
   */
  async loadDayLoad(date: string, cooperativeIds: readonly string[]): Promise<Map<string, number>> {
    const items = await batchGetAll(
      this.doc,
      this.tableName,
      cooperativeIds.map((id) => ({ pk: cooperativePk(id), sk: capacitySk(date) })),
    );
    return new Map(items.map((i) => [String(i.cooperativeId), Number(i.used ?? 0)]));
  }

  async loadGrowingAreaCodes(market: ExportMarket): Promise<GrowingAreaCode[]> {
    const items = await this.queryAll({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': pucGsi1pk(market) },
    });
    return items as unknown as GrowingAreaCode[];
  }

  async getAllocations(orderId: string, consistent = false): Promise<AllocationRecord[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :alloc)',
      ExpressionAttributeValues: { ':pk': orderPk(orderId), ':alloc': 'ALLOC#' },
      ...(consistent ? { ConsistentRead: true } : {}),
    });
    return items as unknown as AllocationRecord[];
  }

  async reserve(input: {
    orderId: string;
    orderVersion: number;
    plan: AllocationPlan;
    nextStatus: OrderStatus;
    pickupDate: string;
    receivedAt: string;
    market?: ExportMarket;
    exporterId?: string;
    correlationId: string;
    now: string;
    capacityOf: (cooperativeId: string) => number | undefined;
    deliveryBy?: string;
    explanation?: AllocationExplanation;
    /** Products this order was backordered for before (a retry): their backorder items go. */
    clearBackorderSkus?: string[];
    /** The status the order must be in (default `received`; `reallocating` after a decline). */
    fromStatus?: OrderStatus;
    /** Unfilled lines of an earlier partial allocation that stay unfilled (a re-allocation). */
    keepBackorderedLines?: Array<{ sku: string; quantity: number }>;
    /** Growing-area codes the plan's export batches are packed under: checked in the transaction. */
    growingAreaChecks?: Array<{ cooperativeId: string; market: ExportMarket; code: string }>;
    /**
     * What the order still waits for after this reservation (a partial fill), one per product: each
     * gets a backorder item, so a restock retries it and the sweep expires it like a whole backorder.
     */
    waitingLines?: Array<{ sku: string; quantity: number; expiresAt: string }>;
  }): Promise<ReservationOutcome> {
    const roles: TxItemRole[] = [];
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [];
    const allocations: AllocationRecord[] = [];

    for (const part of input.plan.parts) {
      for (const line of part.lines) {
        roles.push({
          role: 'batch',
          cooperativeId: part.cooperativeId,
          batchId: line.batchId,
          sku: line.sku,
        });
        items.push({
          Update: {
            TableName: this.tableName,
            Key: { pk: cooperativePk(part.cooperativeId), sk: batchSk(line.sku, line.batchId) },
            UpdateExpression:
              'SET available = available - :q, reserved = if_not_exists(reserved, :zero) + :q',
            ConditionExpression: 'available >= :q',
            ExpressionAttributeValues: { ':q': line.quantity, ':zero': 0 },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        });
      }
      const units = part.lines.reduce((s, l) => s + l.quantity, 0);
      const cap = input.capacityOf(part.cooperativeId);
      if (cap !== undefined) {
        roles.push({ role: 'capacity', cooperativeId: part.cooperativeId });
        items.push({
          Update: {
            TableName: this.tableName,
            Key: { pk: cooperativePk(part.cooperativeId), sk: capacitySk(input.pickupDate) },
            UpdateExpression:
              'SET used = if_not_exists(used, :zero) + :q, #cap = :cap, #t = :type, cooperativeId = :coop',
            ConditionExpression: 'attribute_not_exists(used) OR used <= :room',
            ExpressionAttributeNames: { '#t': 'type', '#cap': 'capacity' },
            ExpressionAttributeValues: {
              ':q': units,
              ':zero': 0,
              ':cap': cap,
              ':room': cap - units,
              ':type': 'capacity',
              ':coop': part.cooperativeId,
            },
          },
        });
      }
      const allocation: AllocationRecord = {
        pk: orderPk(input.orderId),
        sk: allocationSk(part.cooperativeId),
        type: 'allocation',
        allocationId: allocationIdFor(input.orderId, part.cooperativeId),
        orderId: input.orderId,
        cooperativeId: part.cooperativeId,
        lines: part.lines,
        pickupDate: input.pickupDate,
        receivedAt: input.receivedAt,
        market: input.market,
        exporterId: input.exporterId,
        why: part.why,
        score: part.score,
        deliveryBy: input.deliveryBy,
        status: 'reserved',
        createdAt: input.now,
        correlationId: input.correlationId,
      };
      allocations.push(allocation);
      roles.push({ role: 'allocation', cooperativeId: part.cooperativeId });
      items.push({
        Put: {
          TableName: this.tableName,
          Item: {
            ...allocation,
            gsi2pk: coopDayGsi2pk(part.cooperativeId, input.pickupDate),
            gsi2sk: `ALLOC#${input.orderId}`,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }

    for (const check of input.growingAreaChecks ?? []) {
      // The code must still be usable on the pickup day when the reservation commits: a
      // suspension stored after this container cached its valid codes fails here (re-planned).
      roles.push({ role: 'code', code: check.code });
      items.push({
        ConditionCheck: {
          TableName: this.tableName,
          Key: { pk: cooperativePk(check.cooperativeId), sk: pucSk(check.market, check.code) },
          ConditionExpression: '#s = :active OR (#s = :suspended AND suspendedFrom > :day)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':active': 'active',
            ':suspended': 'suspended',
            ':day': input.pickupDate,
          },
        },
      });
    }

    roles.push({ role: 'order' });
    items.push({
      Update: orderTransition({
        tableName: this.tableName,
        orderId: input.orderId,
        from: input.fromStatus ?? 'received',
        to: input.nextStatus,
        version: input.orderVersion,
        now: input.now,
        reason: input.plan.unfilledReasons.join('; ') || 'allocated in full',
        set: {
          backorderedLines: [...(input.keepBackorderedLines ?? []), ...input.plan.unfilled],
          explanation: input.explanation,
        },
        // A re-allocation settles the lines it was asked to allocate.
        remove: input.fromStatus === 'reallocating' ? ['pendingLines'] : undefined,
      }),
    });
    roles.push({ role: 'tombstone' });
    items.push(this.noTombstone(input.orderId));
    const waiting = new Set((input.waitingLines ?? []).map((l) => l.sku));
    for (const l of input.waitingLines ?? []) {
      roles.push({ role: 'order' });
      items.push({
        Put: {
          TableName: this.tableName,
          Item: {
            pk: orderPk(input.orderId),
            sk: backorderSk(l.sku),
            type: 'backorder',
            orderId: input.orderId,
            sku: l.sku,
            quantity: l.quantity,
            receivedAt: input.receivedAt,
            expiresAt: l.expiresAt,
            orderVersion: input.orderVersion + 1,
            gsi1pk: backorderGsi1pk(l.sku),
            gsi1sk: backorderGsi1sk(input.receivedAt, input.orderId),
          },
        },
      });
    }
    for (const sku of input.clearBackorderSkus ?? []) {
      if (waiting.has(sku)) continue; // rewritten above
      roles.push({ role: 'order' });
      items.push({
        Delete: { TableName: this.tableName, Key: { pk: orderPk(input.orderId), sk: backorderSk(sku) } },
      });
    }

    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return { kind: 'reserved', allocations };
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        return classifyCancellation(roles, (error.CancellationReasons ?? []) as CancellationReason[]);
      }
      throw error;
    }
  }

  /** The F06 check: no cancel arrived for this order before it did. */
  private noTombstone(orderId: string) {
    return {
      ConditionCheck: {
        TableName: this.tableName,
        Key: { pk: orderPk(orderId), sk: TOMBSTONE_SK },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /**
   * Nothing could be filled: the order waits as a backorder (with the reason), never dropped. One
   * transaction: the order's status, one index item per product it waits for (retried when that
   * product's stock is reported, expiring at `expiresAt`), and the F06 tombstone check.
   */
  async markBackordered(input: {
    orderId: string;
    orderVersion: number;
    lines: Array<{ sku: string; quantity: number; expiresAt: string }>;
    reason: string;
    now: string;
    receivedAt: string;
    explanation?: AllocationExplanation;
    clearBackorderSkus?: string[];
    /** The status the order must be in (default `received`; `reallocating` after a decline). */
    fromStatus?: OrderStatus;
  }): Promise<'backordered' | 'order_changed' | 'cancelled_early'> {
    const roles: TxItemRole[] = [{ role: 'order' }, { role: 'tombstone' }];
    const waiting = new Set(input.lines.map((l) => l.sku));
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
      {
        Update: orderTransition({
          tableName: this.tableName,
          orderId: input.orderId,
          from: input.fromStatus ?? 'received',
          to: 'backordered',
          version: input.orderVersion,
          now: input.now,
          reason: input.reason,
          set: {
            backorderedLines: input.lines.map(({ sku, quantity }) => ({ sku, quantity })),
            explanation: input.explanation,
            // A re-allocation that found nobody keeps waiting for exactly these lines.
            pendingLines:
              input.fromStatus === 'reallocating'
                ? input.lines.map(({ sku, quantity }) => ({ sku, quantity }))
                : undefined,
          },
        }),
      },
      this.noTombstone(input.orderId),
    ];
    const bySku = new Map<string, { quantity: number; expiresAt: string }>();
    for (const l of input.lines) {
      const prev = bySku.get(l.sku);
      bySku.set(l.sku, { quantity: (prev?.quantity ?? 0) + l.quantity, expiresAt: l.expiresAt });
    }
    for (const [sku, { quantity, expiresAt }] of bySku) {
      roles.push({ role: 'order' });
      items.push({
        Put: {
          TableName: this.tableName,
          Item: {
            pk: orderPk(input.orderId),
            sk: backorderSk(sku),
            type: 'backorder',
            orderId: input.orderId,
            sku,
            quantity,
            receivedAt: input.receivedAt,
            expiresAt,
            orderVersion: input.orderVersion + 1,
            gsi1pk: backorderGsi1pk(sku),
            gsi1sk: backorderGsi1sk(input.receivedAt, input.orderId),
          },
        },
      });
    }
    for (const sku of input.clearBackorderSkus ?? []) {
      if (waiting.has(sku)) continue;
      roles.push({ role: 'order' });
      items.push({
        Delete: { TableName: this.tableName, Key: { pk: orderPk(input.orderId), sk: backorderSk(sku) } },
      });
    }
    return this.settleWithoutStock(items, roles, 'backordered');
  }

  /**
   * The channel's partial-fill policy is `reject` and the order cannot be filled whole: it ends
   * `rejected` with the reason, holding nothing. One transaction: the order's status and version,
   * the F06 tombstone check, and the backorder items of a retried backorder.
   */
  async markRejected(input: {
    orderId: string;
    orderVersion: number;
    rejectReasons: string[];
    reason: string;
    now: string;
    explanation?: AllocationExplanation;
    clearBackorderSkus?: string[];
  }): Promise<'rejected' | 'order_changed' | 'cancelled_early'> {
    const roles: TxItemRole[] = [{ role: 'order' }, { role: 'tombstone' }];
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
      {
        Update: orderTransition({
          tableName: this.tableName,
          orderId: input.orderId,
          from: 'received',
          to: 'rejected',
          version: input.orderVersion,
          now: input.now,
          reason: input.reason,
          set: { rejectReasons: input.rejectReasons, explanation: input.explanation },
        }),
      },
      this.noTombstone(input.orderId),
    ];
    for (const sku of input.clearBackorderSkus ?? []) {
      roles.push({ role: 'order' });
      items.push({
        Delete: { TableName: this.tableName, Key: { pk: orderPk(input.orderId), sk: backorderSk(sku) } },
      });
    }
    return this.settleWithoutStock(items, roles, 'rejected');
  }

  /**
   * Runs a transaction that moves an order on without reserving stock (backordered, rejected):
   * `done` when it went through; the order moved on or a cancel came first otherwise.
   */
  private async settleWithoutStock<T extends string>(
    items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>,
    roles: TxItemRole[],
    done: T,
  ): Promise<T | 'order_changed' | 'cancelled_early'> {
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return done;
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const outcome = classifyCancellation(
          roles,
          (error.CancellationReasons ?? []) as CancellationReason[],
        );
        if (outcome.kind === 'order_changed' || outcome.kind === 'cancelled_early') return outcome.kind;
      }
      throw error;
    }
  }

  /**
   * Cancels an order that holds no stock (received, review or backordered): one conditional write
   * on its status and version, plus its backorder items when it was waiting. False when the order
   * moved on meanwhile (the caller re-reads and decides again).
   */
  async cancelWaiting(input: {
    orderId: string;
    orderVersion: number;
    fromStatus: OrderStatus;
    reason: string;
    now: string;
    clearBackorderSkus?: string[];
    status?: 'cancelled' | 'expired';
  }): Promise<boolean> {
    const update = orderTransition({
      tableName: this.tableName,
      orderId: input.orderId,
      from: input.fromStatus,
      to: input.status ?? 'cancelled',
      version: input.orderVersion,
      now: input.now,
      reason: input.reason,
      set: { cancelledAt: input.now },
    });
    try {
      if (!input.clearBackorderSkus?.length) {
        await this.doc.send(new UpdateCommand(update));
      } else {
        await this.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              { Update: update },
              ...input.clearBackorderSkus.map((sku) => ({
                Delete: {
                  TableName: this.tableName,
                  Key: { pk: orderPk(input.orderId), sk: backorderSk(sku) },
                },
              })),
            ],
          }),
        );
      }
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      if (error instanceof TransactionCanceledException) {
        const reasons = (error.CancellationReasons ?? []) as CancellationReason[];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') return false;
      }
      throw error;
    }
  }
}
