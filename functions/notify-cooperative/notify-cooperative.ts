/**
 * notify-cooperative: consumes the notify queue (OrderAllocated, routed by AllocationsToNotify;
 * AllocationReleased, routed by ReleasesToNotify). Sends the cooperative a Vietnamese message
 * saying what to pick and pack for which pickup — or, when the allocation was released (the buyer
 * cancelled, its growing-area code was suspended, or it declined), not to pack it — and records that
 * it did. Message ids are the allocation id (and `<id>:released`), so a redelivery sends nothing
 * twice (the notifier is idempotent on them) and the record is simply rewritten.
 *
 * Queues do not keep order: a release can be handled before the allocation's own message. So the
 * batch reads its allocations first (one BatchGetItem) and does not tell a cooperative to pack an
 * allocation that is already released.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchPutAll } from '../../shared/adapters/dynamodb/batch-write.js';
import type { BusEvent } from '../../events/catalog.js';
import type { AllocationStore } from '../../shared/adapters/dynamodb/allocation-store.js';
import { CooperativeDirectory } from '../../shared/adapters/dynamodb/cooperative-directory.js';
import { allocationSk, notificationSk, orderPk } from '../../shared/adapters/dynamodb/keys.js';
import { batchGetAll } from '../../shared/adapters/dynamodb/query.js';
import { composeAllocationMessage, composeReleaseMessage } from '../../shared/adapters/notifier/message.js';
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

/** Allocation lines as the message names them: the product's Vietnamese name, units, batch. */
const messageLines = (lines: ReadonlyArray<{ sku: string; quantity: number; batchId: string }>) =>
  lines.map((l) => ({
    productName: findProduct(l.sku)?.name ?? l.sku,
    quantity: l.quantity,
    batchId: l.batchId,
  }));

type NotifyEvent = BusEvent<'OrderAllocated' | 'AllocationReleased'>;

interface BatchState {
  /** Allocations of this batch's OrderAllocated events already released when the batch began. */
  released: Set<string>;
  records: Array<Record<string, unknown>>;
}

export function buildNotifyCooperativeHandler(deps: NotifyDeps) {
  const cooperatives = new CooperativeDirectory(() => deps.allocations.loadCooperatives(), 300_000);

  async function notify(event: BusEvent<'OrderAllocated'>, batch: BatchState): Promise<void> {
    const { orderId, allocationId, cooperativeId, lines, pickupDate, market } = event.detail;
    const coop = await cooperatives.get(cooperativeId);
    if (!coop) throw new PermanentError(`cooperative ${cooperativeId} is unknown`);
    if (batch.released.has(allocationId)) {
      // Its release message says what to do; a "pack this" after it would only confuse.
      deps.logger.info('allocation already released: no pack message', { orderId, allocationId });
      return;
    }
    const text = composeAllocationMessage({
      cooperativeName: coop.name,
      orderId,
      allocationId,
      lines: messageLines(lines),
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
    batch.records.push({
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

  async function notifyRelease(event: BusEvent<'AllocationReleased'>, batch: BatchState): Promise<void> {
    const { orderId, allocationId, cooperativeId, lines, reason } = event.detail;
    const coop = await cooperatives.get(cooperativeId);
    if (!coop) throw new PermanentError(`cooperative ${cooperativeId} is unknown`);
    const text = composeReleaseMessage({
      cooperativeName: coop.name,
      orderId,
      allocationId,
      lines: messageLines(lines),
      reason,
    });
    const sent = await deps.notifier.send({
      cooperativeId,
      messageId: `${allocationId}:released`,
      recipient: coop.zaloUserId,
      text,
    });
    batch.records.push({
      pk: orderPk(orderId),
      sk: `${notificationSk(cooperativeId)}#RELEASED`,
      type: 'notification',
      kind: 'released',
      allocationId,
      cooperativeId,
      channel: 'zalo',
      providerMessageId: sent.providerMessageId,
      deliveredAt: sent.deliveredAt,
    });
  }

  // One BatchGetItem for the batch's allocations before, one BatchWriteItem of the delivery records
  // after (rewriting a record on a redelivery is harmless: the notifier is idempotent).
  return buildSqsConsumer<NotifyEvent, BatchState>({
    logger: deps.logger,
    deadLetter: deps.deadLetter,
    maxReceiveCount: deps.maxReceiveCount,
    parse: catalogEventParser(['OrderAllocated', 'AllocationReleased']),
    batch: {
      begin: async (messages) => {
        const keys = messages
          .filter((m): m is BusEvent<'OrderAllocated'> => m['detail-type'] === 'OrderAllocated')
          .map((m) => ({ pk: orderPk(m.detail.orderId), sk: allocationSk(m.detail.cooperativeId) }));
        const items = keys.length ? await batchGetAll(deps.doc, deps.tableName, keys) : [];
        const released = new Set(
          items.filter((i) => i.status === 'released').map((i) => String(i.allocationId)),
        );
        return { released, records: [] };
      },
      commit: (state) => batchPutAll(deps.doc, deps.tableName, state.records),
    },
    handle: (event, _record, _context, batch) =>
      event['detail-type'] === 'OrderAllocated'
        ? notify(event as BusEvent<'OrderAllocated'>, batch)
        : notifyRelease(event as BusEvent<'AllocationReleased'>, batch),
  });
}
