/**
 * Pickup items (`PICKUP#<cooperative>` in the order's partition): one per allocation, written by
 * book-pickup once the courier booked it, moved to `cancelled` or `cancel_refused` when the
 * allocation is released.
 *
 * Why the writes are conditional, and in this order (no booking slips through a release):
 * releasing an allocation (lifecycle-store) flips it `reserved → released` BEFORE AllocationReleased
 * is published. A booked pickup is recorded only in a transaction that also checks the allocation
 * is still `reserved`. So either the pickup item lands first — and the release's consumer, which
 * reads it after the release, cancels it — or the release lands first and the pickup write fails,
 * and book-pickup itself cancels the booking it just made (and records it as cancelled).
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { allocationSk, carrierDayGsi2pk, orderPk, pickupSk } from './keys.js';

export type PickupStatus = 'awaiting_pickup' | 'cancelled' | 'cancel_refused';

export interface PickupRecord {
  pk: string;
  sk: string;
  type: 'pickup';
  allocationId: string;
  orderId: string;
  cooperativeId: string;
  carrier: string;
  trackingCode: string;
  pickupDate: string;
  receivedAt: string;
  bookedAt: string;
  status: PickupStatus;
  market?: string;
  feeVnd?: number;
  /** Set when the allocation was released: when and why the booking was cancelled (or refused). */
  cancelledAt?: string;
  cancelReason?: string;
  /** The courier's refusal, in its words, when it would not cancel (already collected). */
  cancelRefusedReason?: string;
}

/** What became of each pickup of a batch written together. */
export interface RecordOutcome {
  /** Recorded, or already recorded by a concurrent delivery (same courier booking). */
  recorded: PickupRecord[];
  /** Their allocation was released meanwhile: the courier booking must be cancelled. */
  released: PickupRecord[];
}

const withIndex = (p: PickupRecord) => ({
  ...p,
  gsi2pk: carrierDayGsi2pk(p.carrier, p.pickupDate),
  gsi2sk: `PICKUP#${p.allocationId}`,
});

export class PickupStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(orderId: string, cooperativeId: string): Promise<PickupRecord | undefined> {
    const result = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: orderPk(orderId), sk: pickupSk(cooperativeId) },
        ConsistentRead: true,
      }),
    );
    return result.Item as PickupRecord | undefined;
  }

  /**
   * Records booked pickups, each only while its allocation is still `reserved`: one
   * TransactWriteItems for the batch (a put + a condition check per pickup). When the transaction
   * is cancelled, the per-item reasons sort the pickups (released allocation, or already recorded)
   * and the rest is written again.
   */
  async recordBooked(pickups: PickupRecord[]): Promise<RecordOutcome> {
    const outcome: RecordOutcome = { recorded: [], released: [] };
    // Two items per pickup; a transaction holds at most 100.
    for (let i = 0; i < pickups.length; i += 50) {
      const part = await this.recordChunk(pickups.slice(i, i + 50));
      outcome.recorded.push(...part.recorded);
      outcome.released.push(...part.released);
    }
    return outcome;
  }

  private async recordChunk(pickups: PickupRecord[]): Promise<RecordOutcome> {
    const outcome: RecordOutcome = { recorded: [], released: [] };
    let pending = pickups;
    for (let attempt = 1; pending.length > 0; attempt++) {
      try {
        await this.doc.send(
          new TransactWriteCommand({
            TransactItems: pending.flatMap((p) => [
              {
                Put: {
                  TableName: this.tableName,
                  Item: withIndex(p),
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                ConditionCheck: {
                  TableName: this.tableName,
                  Key: { pk: orderPk(p.orderId), sk: allocationSk(p.cooperativeId) },
                  ConditionExpression: '#s = :reserved',
                  ExpressionAttributeNames: { '#s': 'status' },
                  ExpressionAttributeValues: { ':reserved': 'reserved' },
                },
              },
            ]),
          }),
        );
        outcome.recorded.push(...pending);
        return outcome;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException) || attempt >= 5) throw error;
        const reasons = error.CancellationReasons ?? [];
        const retry: PickupRecord[] = [];
        pending.forEach((p, i) => {
          const put = reasons[2 * i]?.Code;
          const check = reasons[2 * i + 1]?.Code;
          if (check === 'ConditionalCheckFailed') outcome.released.push(p);
          else if (put === 'ConditionalCheckFailed') outcome.recorded.push(p);
          else retry.push(p);
        });
        if (retry.length === pending.length)
          await new Promise((r) => setTimeout(r, Math.random() * 50 * attempt)); // conflict: back off
        pending = retry;
      }
    }
    return outcome;
  }

  /**
   * A booking that must not go ahead, recorded as `cancelled` or `cancel_refused` when no pickup
   * item exists yet (book-pickup's own compensation). False when one exists already.
   */
  async recordUnwanted(pickup: PickupRecord): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: withIndex(pickup),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /**
   * `awaiting_pickup` → `cancelled` or `cancel_refused`, once: false when it had moved already
   * (a redelivery, or book-pickup's compensation got there first).
   */
  async markCancelled(input: {
    orderId: string;
    cooperativeId: string;
    status: 'cancelled' | 'cancel_refused';
    reason: string;
    refusedReason?: string;
    now: string;
  }): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: orderPk(input.orderId), sk: pickupSk(input.cooperativeId) },
          UpdateExpression: `SET #s = :status, cancelledAt = :now, cancelReason = :reason${input.refusedReason ? ', cancelRefusedReason = :refused' : ''}`,
          ConditionExpression: '#s = :awaiting',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':status': input.status,
            ':now': input.now,
            ':reason': input.reason,
            ':awaiting': 'awaiting_pickup',
            ...(input.refusedReason ? { ':refused': input.refusedReason } : {}),
          },
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
