/**
 * Stock reported by cooperatives: new batches (idempotent on the cooperative's batch id) and
 * adjustments (corrections, spoilage write-offs) that are conditional writes: `available` never
 * goes below 0, so a write-off can never take away units already reserved for orders.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Cooperative, GrowingAreaCode, StockBatch } from '../../domain/cooperative.js';
import { stockBatchItem } from './catalog-store.js';
import { batchSk, cooperativePk } from './keys.js';
import { queryAll } from './query.js';

export type StoredBatch = StockBatch & { reserved: number; adjustmentIds?: Set<string> | string[] };

export type AdjustOutcome =
  | { kind: 'adjusted'; batch: StoredBatch }
  | { kind: 'duplicate'; batch: StoredBatch }
  | { kind: 'not_found' }
  | { kind: 'insufficient'; batch: StoredBatch };

export class StockStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The cooperative's profile and growing-area codes (one query on its partition). */
  async cooperative(cooperativeId: string): Promise<{ profile?: Cooperative; codes: GrowingAreaCode[] }> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': cooperativePk(cooperativeId),
        ':from': 'PROFILE',
        ':to': 'PUC#\uffff',
      },
    });
    return {
      profile: items.find((i) => i.type === 'cooperative') as Cooperative | undefined,
      codes: items.filter((i) => i.type === 'growing-area') as unknown as GrowingAreaCode[],
    };
  }

  async getBatch(cooperativeId: string, sku: string, batchId: string): Promise<StoredBatch | undefined> {
    const result = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: cooperativePk(cooperativeId), sk: batchSk(sku, batchId) },
        ConsistentRead: true,
      }),
    );
    return result.Item as StoredBatch | undefined;
  }

  /** A new batch, written once: a resend of the same batch id returns what is stored. */
  async reportBatch(
    batch: StockBatch,
    reportedAt: string,
  ): Promise<{ created: boolean; batch: StoredBatch }> {
    // `reportedQuantity` stays as reported (adjustments change `quantity`): a resend is compared to it.
    const item = {
      ...stockBatchItem(batch),
      reserved: 0,
      available: batch.quantity,
      reportedAt,
      reportedQuantity: batch.quantity,
    };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { created: true, batch: item };
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      const old = (error as { Item?: Record<string, unknown> }).Item;
      const existing = old
        ? (unmarshall(old as Parameters<typeof unmarshall>[0]) as StoredBatch)
        : await this.getBatch(batch.cooperativeId, batch.sku, batch.batchId);
      if (!existing) throw error;
      return { created: false, batch: existing };
    }
  }

  /**
   * Adds `delta` units (negative for spoilage or a downward correction) to quantity and available
   * together, once per adjustment id. Refused when available would go below 0: reserved units
   * belong to orders and cannot be written off here.
   */
  async adjustBatch(input: {
    cooperativeId: string;
    sku: string;
    batchId: string;
    adjustmentId: string;
    kind: 'correction' | 'spoilage';
    delta: number;
    reason?: string;
    at: string;
  }): Promise<AdjustOutcome> {
    const key = { pk: cooperativePk(input.cooperativeId), sk: batchSk(input.sku, input.batchId) };
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression:
            'SET quantity = quantity + :d, available = available + :d, adjustments = list_append(if_not_exists(adjustments, :empty), :entry) ADD adjustmentIds :ids',
          ConditionExpression:
            'attribute_exists(pk) AND available >= :need AND NOT contains(adjustmentIds, :id)',
          ExpressionAttributeValues: {
            ':d': input.delta,
            ':need': Math.max(0, -input.delta),
            ':id': input.adjustmentId,
            ':ids': new Set([input.adjustmentId]),
            ':empty': [],
            ':entry': [
              {
                adjustmentId: input.adjustmentId,
                kind: input.kind,
                delta: input.delta,
                at: input.at,
                ...(input.reason ? { reason: input.reason } : {}),
              },
            ],
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'adjusted', batch: result.Attributes as StoredBatch };
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      const old = (error as { Item?: Record<string, unknown> }).Item;
      if (!old) return { kind: 'not_found' };
      const batch = unmarshall(old as Parameters<typeof unmarshall>[0]) as StoredBatch;
      const ids = batch.adjustmentIds ? [...batch.adjustmentIds] : [];
      if (ids.includes(input.adjustmentId)) return { kind: 'duplicate', batch };
      return { kind: 'insufficient', batch };
    }
  }
}
