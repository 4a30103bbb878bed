/**
 * Orders in the table. An order and its buyer contact are written together in one transaction;
 * the order's key is derived from (channel, external id), so the conditional put *is* the dedupe:
 * a redelivered webhook finds the existing order and gets the same internal id back.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { CanonicalOrder, OrderStatus } from '../../domain/order.js';
import { CONTACT_SK, ORDER_SK, orderPk } from './keys.js';
import { type Item, queryAll } from './query.js';

export interface OrderRecord extends Omit<CanonicalOrder, 'contact'> {
  pk: string;
  sk: string;
  status: OrderStatus;
  version: number;
  correlationId: string;
  rejectReasons?: string[];
  /** Lines (or parts of lines) no cooperative could fill, when partially allocated or backordered. */
  backorderedLines?: Array<{ sku: string; quantity: number }>;
  statusReason?: string;
  updatedAt: string;
}

export type SaveOrderResult =
  | { created: true; record: OrderRecord }
  | { created: false; existing: OrderRecord };

export class OrderStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async saveNew(
    order: CanonicalOrder,
    status: OrderStatus,
    extra: { correlationId: string; rejectReasons?: string[] },
  ): Promise<SaveOrderResult> {
    const { contact, ...rest } = order;
    const record: OrderRecord = {
      ...rest,
      pk: orderPk(order.orderId),
      sk: ORDER_SK,
      status,
      version: 1,
      correlationId: extra.correlationId,
      rejectReasons: extra.rejectReasons?.length ? extra.rejectReasons : undefined,
      updatedAt: order.receivedAt,
    };
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...record,
                  type: 'order',
                  gsi1pk: `CHANNEL#${order.channel}`,
                  gsi1sk: `EXT#${order.externalId}`,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { pk: record.pk, sk: CONTACT_SK, type: 'contact', orderId: order.orderId, ...contact },
              },
            },
          ],
        }),
      );
      return { created: true, record };
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const first = error.CancellationReasons?.[0];
        if (first?.Code === 'ConditionalCheckFailed') {
          const existing = first.Item
            ? (unmarshall(first.Item) as OrderRecord)
            : await this.get(order.orderId);
          if (existing) return { created: false, existing };
        }
      }
      throw error;
    }
  }

  async get(orderId: string): Promise<OrderRecord | undefined> {
    const result = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: orderPk(orderId), sk: ORDER_SK } }),
    );
    return result.Item as OrderRecord | undefined;
  }

  /** The order with everything in its partition (contact, allocations, pickups, notifications). */
  async getBundle(orderId: string): Promise<Item[]> {
    return queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': orderPk(orderId) },
    });
  }
}
