/**
 * Orders in the table. An order and its buyer contact are separate items (personal data lives in
 * one place, see saveNew for the write order); the order's key is derived from (channel, external id), so the conditional put *is* the dedupe:
 * a redelivered webhook finds the existing order and gets the same internal id back.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { CanonicalOrder, OrderStatus } from '../../domain/order.js';
import { CONTACT_SK, ORDER_SK, orderPk } from './keys.js';

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
  /**
   * Lines the next allocation run must allocate (set while `reallocating`, or `backordered` after a
   * re-allocation found nobody): what a declined or suspended allocation held. Absent = all lines.
   */
  pendingLines?: Array<{ sku: string; quantity: number }>;
  /** Cooperatives that declined this order: re-allocation never offers it to them again. */
  excludedCooperatives?: string[];
  /** How many allocations of this order were released to be allocated again. */
  reallocations?: number;
  cancelledAt?: string;
  /**
   * Fingerprint of the order's content at first ingest (see orderFingerprint): a resent order whose
   * content differs is answered `changed`. Absent on orders stored before it existed.
   */
  contentFingerprint?: string;
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
    extra: { correlationId: string; rejectReasons?: string[]; contentFingerprint?: string },
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
      ...(extra.contentFingerprint !== undefined ? { contentFingerprint: extra.contentFingerprint } : {}),
    };
    // Two plain writes instead of one transaction (a transaction costs DynamoDB about three
    // puts). The contact goes first, keyed by the order id: if we die between the two, what is
    // left is a contact without an order (the provider's redelivery completes it), never an order
    // without the contact its pickup needs. A redelivery rewrites the same contact.
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: record.pk, sk: CONTACT_SK, type: 'contact', orderId: order.orderId, ...contact },
      }),
    );
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...record, type: 'order' },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { created: true, record };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const existing = error.Item ? (unmarshall(error.Item) as OrderRecord) : await this.get(order.orderId);
        if (existing) return { created: false, existing };
      }
      throw error;
    }
  }

  async get(orderId: string, consistent = false): Promise<OrderRecord | undefined> {
    const result = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: orderPk(orderId), sk: ORDER_SK },
        ...(consistent ? { ConsistentRead: true } : {}),
      }),
    );
    return result.Item as OrderRecord | undefined;
  }
}
