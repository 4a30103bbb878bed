/**
 * What happens to an order after allocation, as conditional writes:
 *
 * - cancellation (F06): a cancel for an order not seen yet leaves a tombstone keyed by the
 *   deterministic order id (allocation checks it in its transaction); a cancel for an allocated
 *   order releases every reservation in ONE transaction: allocation reserved → released (with a
 *   condition, so a second cancel releases nothing) and batch available += q, reserved -= q;
 * - backorders: read by product (oldest first), reset to `received` with a version bump when
 *   matching stock is reported, expired with a reason when they waited too long.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AllocationRecord } from './allocation-store.js';
import {
  backorderGsi1pk,
  backorderSk,
  batchSk,
  capacitySk,
  cooperativePk,
  ORDER_SK,
  orderPk,
  TOMBSTONE_SK,
} from './keys.js';
import { orderTransition } from './order-transition.js';
import type { OrderRecord } from './order-store.js';
import { type Item, queryAll } from './query.js';

export interface BackorderItem {
  pk: string;
  sk: string;
  type: 'backorder';
  orderId: string;
  sku: string;
  quantity: number;
  receivedAt: string;
  expiresAt: string;
  /** The order's version once backordered. */
  orderVersion: number;
  /** Set when a restock reset the order to `received` at this version (its OrderReceived is due). */
  retriedVersion?: number;
}

export interface Tombstone {
  orderId: string;
  reason: string;
  at: string;
}

/** Tombstones outlive any provider's redelivery window, then DynamoDB's TTL removes them. */
const TOMBSTONE_DAYS = 30;

type TxItems = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>;

function conditionFailed(error: unknown): boolean {
  if ((error as Error).name === 'ConditionalCheckFailedException') return true;
  if (error instanceof TransactionCanceledException) {
    const reasons = error.CancellationReasons ?? [];
    // Conflicts and throttling are retried by the caller (the message comes back); only a failed
    // condition means "the state moved on".
    return (
      reasons.some((r) => r.Code === 'ConditionalCheckFailed') &&
      reasons.every((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'None' || !r.Code)
    );
  }
  return false;
}

/** A waiting order that holds allocations: re-allocated after a release, or partly filled. */
export function holdsPart(order: OrderRecord): boolean {
  return Boolean(order.pendingLines) || order.status === 'partially_allocated';
}

export class LifecycleStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Runs a transaction whose conditions say "the state is still what was read": false when one
   * failed (the state moved on, the caller re-reads); conflicts and throttling are thrown (retried).
   */
  private async writeIfCurrent(items: TxItems): Promise<boolean> {
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  async getOrder(orderId: string): Promise<OrderRecord | undefined> {
    const result = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: orderPk(orderId), sk: ORDER_SK },
        ConsistentRead: true,
      }),
    );
    return result.Item as OrderRecord | undefined;
  }

  /** The order's allocations and backorder items (one query on its partition). */
  async orderParts(
    orderId: string,
  ): Promise<{ allocations: AllocationRecord[]; backorders: BackorderItem[] }> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      // ALLOC#… and BACKORDER#… sort together; the CONTACT item (personal data) is not read.
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': orderPk(orderId), ':from': 'ALLOC#', ':to': 'BACKORDER#\uffff' },
      ConsistentRead: true,
    });
    return {
      allocations: items.filter((i) => i.type === 'allocation') as unknown as AllocationRecord[],
      backorders: items.filter((i) => i.type === 'backorder') as unknown as BackorderItem[],
    };
  }

  async getTombstone(orderId: string): Promise<Tombstone | undefined> {
    const result = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: orderPk(orderId), sk: TOMBSTONE_SK } }),
    );
    return result.Item as Tombstone | undefined;
  }

  /** Remembers a cancel for an order not seen yet. Idempotent: the first reason is kept. */
  async putTombstone(orderId: string, reason: string, now: Date): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: orderPk(orderId),
            sk: TOMBSTONE_SK,
            type: 'tombstone',
            orderId,
            reason,
            at: now.toISOString(),
            expiresAt: Math.floor(now.getTime() / 1000) + TOMBSTONE_DAYS * 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  /**
   * Cancels an allocated (or partially allocated) order and releases what it holds, exactly once:
   * the order's status and version, each live allocation's `reserved` status and each batch's
   * counters change together or not at all. False when the order moved on (re-read and decide).
   */
  async cancelAllocated(input: {
    order: OrderRecord;
    allocations: AllocationRecord[];
    backorders: BackorderItem[];
    reason: string;
    now: string;
  }): Promise<{ released: AllocationRecord[] } | undefined> {
    const { order } = input;
    const live = input.allocations.filter((a) => a.status === 'reserved');
    const items: TxItems = [
      {
        Update: orderTransition({
          tableName: this.tableName,
          orderId: order.orderId,
          from: order.status,
          to: 'cancelled',
          version: order.version,
          now: input.now,
          reason: input.reason,
          set: { cancelledAt: input.now },
          remove: ['pendingLines'],
        }),
      },
    ];
    for (const a of live) items.push(...this.releaseItems(a, input.reason, input.now));
    for (const b of input.backorders) {
      items.push({ Delete: { TableName: this.tableName, Key: { pk: b.pk, sk: b.sk } } });
    }
    if (!(await this.writeIfCurrent(items))) return undefined;
    return { released: live.map((a) => ({ ...a, status: 'released', releasedAt: input.now })) };
  }

  /**
   * The items that release one live allocation exactly once: the allocation reserved → released
   * (its condition makes a second release fail the whole transaction), its units back to their
   * batches (available += q, reserved -= q) and its pick/pack capacity for the day given back.
   */
  private releaseItems(a: AllocationRecord, reason: string, now: string): TxItems {
    const items: TxItems = [
      {
        Update: {
          TableName: this.tableName,
          Key: { pk: a.pk, sk: a.sk },
          UpdateExpression: 'SET #s = :released, releasedAt = :now, releaseReason = :reason',
          ConditionExpression: '#s = :reserved',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':released': 'released',
            ':reserved': 'reserved',
            ':now': now,
            ':reason': reason,
          },
        },
      },
    ];
    const units = new Map<string, { sku: string; quantity: number }>();
    for (const l of a.lines) {
      const key = batchSk(l.sku, l.batchId);
      units.set(key, { sku: l.sku, quantity: (units.get(key)?.quantity ?? 0) + l.quantity });
    }
    for (const [sk, { quantity }] of units) {
      items.push({
        Update: {
          TableName: this.tableName,
          Key: { pk: cooperativePk(a.cooperativeId), sk },
          UpdateExpression: 'SET available = available + :q, reserved = reserved - :q',
          ConditionExpression: 'attribute_exists(pk) AND reserved >= :q',
          ExpressionAttributeValues: { ':q': quantity },
        },
      });
    }
    const total = a.lines.reduce((s, l) => s + l.quantity, 0);
    items.push({
      Update: {
        TableName: this.tableName,
        Key: { pk: cooperativePk(a.cooperativeId), sk: capacitySk(a.pickupDate) },
        UpdateExpression: 'SET used = if_not_exists(used, :q) - :q',
        ConditionExpression: 'attribute_not_exists(used) OR used >= :q',
        ExpressionAttributeValues: { ':q': total },
      },
    });
    return items;
  }

  /**
   * Releases ONE allocation of an order so its units are allocated again elsewhere (a cooperative
   * declined it, or its growing-area code was suspended). One transaction: the allocation's
   * release items (above) and the order moved to `reallocating` with a version bump, the released
   * lines added to `pendingLines` (what the next allocation run allocates; the order's other
   * allocations stay) and, for a decline, the cooperative added to `excludedCooperatives`. An
   * order waiting as a backorder after an earlier re-allocation folds its waiting lines back in
   * (its backorder items go). Undefined when the order or the allocation moved on (re-read).
   */
  async releaseForReallocation(input: {
    order: OrderRecord;
    allocation: AllocationRecord;
    backorders: BackorderItem[];
    reason: string;
    now: string;
    /** Never offer this order to the allocation's cooperative again (a decline). */
    exclude: boolean;
  }): Promise<{ orderVersion: number; pendingLines: Array<{ sku: string; quantity: number }> } | undefined> {
    const { order, allocation } = input;
    const pending = new Map<string, number>();
    for (const l of [...(order.pendingLines ?? []), ...allocation.lines])
      pending.set(l.sku, (pending.get(l.sku) ?? 0) + l.quantity);
    const pendingLines = [...pending].map(([sku, quantity]) => ({ sku, quantity }));
    const excluded = new Set(order.excludedCooperatives ?? []);
    if (input.exclude) excluded.add(allocation.cooperativeId);
    const waiting = order.status === 'backordered';
    const items: TxItems = [
      {
        Update: orderTransition({
          tableName: this.tableName,
          orderId: order.orderId,
          from: order.status,
          to: 'reallocating',
          version: order.version,
          now: input.now,
          reason: input.reason,
          set: {
            pendingLines,
            excludedCooperatives: excluded.size ? [...excluded] : undefined,
            backorderedLines: waiting ? [] : undefined,
          },
          increment: { reallocations: 1 },
        }),
      },
      ...this.releaseItems(allocation, input.reason, input.now),
    ];
    if (waiting)
      for (const b of input.backorders)
        items.push({ Delete: { TableName: this.tableName, Key: { pk: b.pk, sk: b.sk } } });
    if (!(await this.writeIfCurrent(items))) return undefined;
    return { orderVersion: order.version + 1, pendingLines };
  }

  /** Backorders waiting for `sku`, oldest order first. */
  async backordersFor(sku: string): Promise<BackorderItem[]> {
    const items: Item[] = await queryAll(this.doc, {
      TableName: this.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': backorderGsi1pk(sku) },
    });
    return items as unknown as BackorderItem[];
  }

  /**
   * Stock came: the backordered order goes back to `received` (version + 1) so allocation runs
   * again. Its backorder items stay, marked with the new version, until allocation settles it:
   * if the OrderReceived is lost before it is published, the next restock finds them and
   * publishes it again (the version makes a second allocation a no-op).
   */
  async retryBackorder(order: OrderRecord, backorders: BackorderItem[], now: string): Promise<boolean> {
    const next = order.version + 1;
    const items: TxItems = [
      {
        Update: orderTransition({
          tableName: this.tableName,
          orderId: order.orderId,
          from: ['backordered', 'partially_allocated'],
          // An order that still holds allocations (re-allocated, or partly filled) is retried as
          // `reallocating`: only what it waits for is allocated, its allocations stay.
          to: holdsPart(order) ? 'reallocating' : 'received',
          version: order.version,
          now,
          reason: 'stock reported: allocation retried',
          // Its waiting lines are pending again: nothing is left unfilled until allocation says so.
          set: holdsPart(order)
            ? { backorderedLines: [], pendingLines: order.pendingLines ?? order.backorderedLines }
            : undefined,
          increment: { backorderRetries: 1 },
        }),
      },
      ...backorders.map((b) => ({
        Update: {
          TableName: this.tableName,
          Key: { pk: b.pk, sk: b.sk },
          UpdateExpression: 'SET retriedVersion = :next',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':next': next },
        },
      })),
    ];
    return this.writeIfCurrent(items);
  }

  /**
   * The backorder waited too long: the order ends `expired` with the reason, its items go. A
   * re-allocated order that still holds allocations ends `partially_allocated` instead (what it
   * holds ships; the rest is given up), so nothing reserved is left behind an ended order.
   */
  async expireBackorder(
    order: OrderRecord,
    skus: string[],
    reason: string,
    now: string,
    holdsAllocations = false,
  ): Promise<boolean> {
    const items: TxItems = [
      {
        Update: orderTransition({
          tableName: this.tableName,
          orderId: order.orderId,
          from: ['backordered', 'partially_allocated'],
          to: holdsAllocations ? 'partially_allocated' : 'expired',
          version: order.version,
          now,
          reason,
          remove: order.pendingLines ? ['pendingLines'] : undefined,
        }),
      },
      ...skus.map((sku) => ({
        Delete: { TableName: this.tableName, Key: { pk: orderPk(order.orderId), sk: backorderSk(sku) } },
      })),
    ];
    return this.writeIfCurrent(items);
  }
}
