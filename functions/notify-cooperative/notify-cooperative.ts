/**
 * notify-cooperative: consumes the notify queue (OrderAllocated, routed by AllocationsToNotify).
 * Sends the cooperative a Vietnamese message saying what to pick and pack for which pickup, and
 * records that it did. The message id is the allocation id, so a redelivery sends nothing twice
 * (the notifier is idempotent on it) and the record is simply rewritten.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchPutAll } from '../../shared/adapters/dynamodb/batch-write.js';
import type { BusEvent } from '../../events/catalog.js';
import type { AllocationStore } from '../../shared/adapters/dynamodb/allocation-store.js';
import { CooperativeDirectory } from '../../shared/adapters/dynamodb/cooperative-directory.js';
import { notificationSk, orderPk } from '../../shared/adapters/dynamodb/keys.js';
import { composeAllocationMessage } from '../../shared/adapters/notifier/message.js';
import {
  buildSqsConsumer,
  catalogEventParser,
  type DeadLetterPort,
  PermanentError,
} from '../../shared/adapters/sqs-consumer.js';
import type { Notifier } from '../../shared/domain/pickup.js';
import { findProduct } from '../../shared/domain/product.js';

export interface NotifyDeps {
  doc: DynamoDBDocumentClient;
  tableName: string;
  allocations: AllocationStore;
  notifier: Notifier;
  logger: Logger;
  deadLetter?: DeadLetterPort;
  maxReceiveCount: number;
}

export function buildNotifyCooperativeHandler(deps: NotifyDeps) {
  const cooperatives = new CooperativeDirectory(() => deps.allocations.loadCooperatives(), 300_000);

  async function notify(
    event: BusEvent<'OrderAllocated'>,
    records: Array<Record<string, unknown>>,
  ): Promise<void> {
    const { orderId, allocationId, cooperativeId, lines, pickupDate, market } = event.detail;
    const coop = await cooperatives.get(cooperativeId);
    if (!coop) throw new PermanentError(`cooperative ${cooperativeId} is unknown`);
    const text = composeAllocationMessage({
      cooperativeName: coop.name,
      orderId,
      allocationId,
      lines: lines.map((l) => ({
        productName: findProduct(l.sku)?.name ?? l.sku,
        quantity: l.quantity,
        batchId: l.batchId,
      })),
      pickupDate,
      carrierName: coop.carrier.toUpperCase(),
      market,
    });
    const sent = await deps.notifier.send({
      cooperativeId,
      messageId: allocationId,
      recipient: coop.zaloUserId,
      text,
    });
    records.push({
      pk: orderPk(orderId),
      sk: notificationSk(cooperativeId),
      type: 'notification',
      allocationId,
      cooperativeId,
      channel: 'zalo',
      providerMessageId: sent.providerMessageId,
      deliveredAt: sent.deliveredAt,
    });
  }

  // The batch's delivery records go in one BatchWriteItem at the end (rewriting a record on a
  // redelivery is harmless: the notifier is idempotent on the allocation id).
  return buildSqsConsumer<BusEvent<'OrderAllocated'>, Array<Record<string, unknown>>>({
    logger: deps.logger,
    deadLetter: deps.deadLetter,
    maxReceiveCount: deps.maxReceiveCount,
    parse: catalogEventParser(['OrderAllocated']),
    batch: {
      begin: async () => [],
      commit: (records) => batchPutAll(deps.doc, deps.tableName, records),
    },
    handle: (event, _record, _context, records) => notify(event, records),
  });
}
