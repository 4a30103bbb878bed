/**
 * track-lot: consumes the lot queue (export OrderAllocated, PickupBooked and AllocationReleased,
 * routed by ExportAllocationsToLots). An export lot gathers one exporter's allocations for one
 * market and pickup day; each allocation joining it, each pickup and each allocation leaving it
 * (released: cancel, decline, suspension) is an EPCIS-like lot event (commissioning, shipping,
 * decommissioning). Every write is keyed deterministically, so redelivery is harmless.
 *
 * Queues do not keep order: a release handled before its allocation joined leaves the member item
 * marked `released`, so the late OrderAllocated cannot add it (the join is conditional on no item).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type BusEvent, type DomainEvent, domainEvent, type EventDetail } from '../../events/catalog.js';
import {
  exporterGsi1pk,
  LOT_SK,
  lotEventSk,
  lotMemberSk,
  lotPk,
} from '../../shared/adapters/dynamodb/keys.js';
import type { EventPublisher } from '../../shared/adapters/event-publisher.js';
import {
  buildSqsConsumer,
  catalogEventParser,
  type DeadLetterPort,
} from '../../shared/adapters/sqs-consumer.js';
import { MARKET_REQUIREMENTS, type ExportMarket } from '../../shared/domain/market.js';

export interface TrackLotDeps {
  doc: DynamoDBDocumentClient;
  tableName: string;
  publisher: EventPublisher;
  logger: Logger;
  deadLetter?: DeadLetterPort;
  maxReceiveCount: number;
  now?: () => Date;
}

export function lotIdFor(exporterId: string, market: ExportMarket, pickupDate: string): string {
  return `lot-${exporterId}-${market}-${pickupDate}`;
}

export function buildTrackLotHandler(deps: TrackLotDeps) {
  const now = deps.now ?? (() => new Date());

  /** A lot event item (EPCIS-like), keyed by its deterministic event id: rewriting it is harmless. */
  function lotEvent(
    lotId: string,
    eventId: string,
    step: EventDetail<'LotEventRecorded'>['step'],
    at: string,
    fields: Record<string, unknown>,
  ) {
    return {
      TableName: deps.tableName,
      Item: {
        pk: lotPk(lotId),
        sk: lotEventSk(eventId),
        type: 'lot-event',
        lotId,
        eventId,
        step,
        at,
        ...fields,
      },
    };
  }

  /** Opens the lot if it is not open yet; true when this call opened it. */
  async function openLot(
    lotId: string,
    exporterId: string,
    market: ExportMarket,
    pickupDate: string,
  ): Promise<boolean> {
    const result = await deps.doc.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: { pk: lotPk(lotId), sk: LOT_SK },
        UpdateExpression:
          'SET openedAt = if_not_exists(openedAt, :now), #t = :type, lotId = :lot, exporterId = :exp, market = :m, pickupDate = :d, #s = if_not_exists(#s, :open), gsi1pk = :g1, gsi1sk = :g1s, requiredPapers = if_not_exists(requiredPapers, :papers), treatment = if_not_exists(treatment, :treat)',
        ExpressionAttributeNames: { '#t': 'type', '#s': 'status' },
        ExpressionAttributeValues: {
          ':now': now().toISOString(),
          ':type': 'lot',
          ':lot': lotId,
          ':exp': exporterId,
          ':m': market,
          ':d': pickupDate,
          ':open': 'open',
          ':g1': exporterGsi1pk(exporterId, market),
          ':g1s': `${pickupDate}#${lotId}`,
          ':papers': MARKET_REQUIREMENTS[market].papers,
          ':treat': MARKET_REQUIREMENTS[market].treatment ?? 'none',
        },
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    return !result.Attributes?.openedAt;
  }

  async function onAllocated(event: BusEvent<'OrderAllocated'>): Promise<void> {
    const { market, exporterId, pickupDate, allocationId, orderId, cooperativeId, lines, correlationId } =
      event.detail;
    if (!market || !exporterId) return; // domestic: not a lot member (the rule should not route it)
    const lotId = lotIdFor(exporterId, market, pickupDate);
    const events: DomainEvent[] = [];
    if (await openLot(lotId, exporterId, market, pickupDate)) {
      events.push(
        domainEvent('LotOpened', { version: 1, correlationId, lotId, exporterId, market, pickupDate }),
      );
    }
    const units = lines.reduce((s, l) => s + l.quantity, 0);
    const at = now().toISOString();
    const eventId = `commissioning-${allocationId}`;
    try {
      await deps.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: deps.tableName,
                Item: {
                  pk: lotPk(lotId),
                  sk: lotMemberSk(allocationId),
                  type: 'lot-member',
                  lotId,
                  allocationId,
                  orderId,
                  cooperativeId,
                  lines,
                  units,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Update: {
                TableName: deps.tableName,
                Key: { pk: lotPk(lotId), sk: LOT_SK },
                UpdateExpression: 'ADD units :u, members :one',
                ExpressionAttributeValues: { ':u': units, ':one': 1 },
              },
            },
            { Put: lotEvent(lotId, eventId, 'commissioning', at, { allocationId, cooperativeId, units }) },
          ],
        }),
      );
      events.push(
        domainEvent('LotEventRecorded', {
          version: 1,
          correlationId,
          lotId,
          eventId,
          step: 'commissioning',
          at,
        }),
      );
    } catch (error) {
      const alreadyMember =
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed';
      if (!alreadyMember) throw error;
    }
    await deps.publisher.publish(events);
  }

  async function onPickupBooked(event: BusEvent<'PickupBooked'>): Promise<void> {
    const { market, exporterId, allocationId, carrier, trackingCode, pickupDate, correlationId } =
      event.detail;
    if (!market || !exporterId) return;
    const lotId = lotIdFor(exporterId, market, pickupDate);
    const eventId = `shipping-${allocationId}`;
    const at = now().toISOString();
    await deps.doc.send(
      new PutCommand(lotEvent(lotId, eventId, 'shipping', at, { allocationId, carrier, trackingCode })),
    );
    await deps.publisher.publish([
      domainEvent('LotEventRecorded', { version: 1, correlationId, lotId, eventId, step: 'shipping', at }),
    ]);
  }

  async function onReleased(event: BusEvent<'AllocationReleased'>): Promise<void> {
    const { market, exporterId, pickupDate, allocationId, cooperativeId, lines, reason, correlationId } =
      event.detail;
    if (!market || !exporterId || !pickupDate) return; // domestic: never a lot member
    const lotId = lotIdFor(exporterId, market, pickupDate);
    const units = lines.reduce((s, l) => s + l.quantity, 0);
    const at = now().toISOString();
    const eventId = `decommissioning-${allocationId}`;
    try {
      // A member that joined: marked released, the lot's totals taken back, the event recorded.
      await deps.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: deps.tableName,
                Key: { pk: lotPk(lotId), sk: lotMemberSk(allocationId) },
                UpdateExpression: 'SET #s = :released, releasedAt = :at, releaseReason = :why',
                ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#s) OR #s <> :released)',
                ExpressionAttributeNames: { '#s': 'status' },
                ExpressionAttributeValues: { ':released': 'released', ':at': at, ':why': reason },
              },
            },
            {
              Update: {
                TableName: deps.tableName,
                Key: { pk: lotPk(lotId), sk: LOT_SK },
                UpdateExpression: 'ADD units :u, members :one',
                ExpressionAttributeValues: { ':u': -units, ':one': -1 },
              },
            },
            {
              Put: lotEvent(lotId, eventId, 'decommissioning', at, {
                allocationId,
                cooperativeId,
                units,
                reason,
              }),
            },
          ],
        }),
      );
      await deps.publisher.publish([
        domainEvent('LotEventRecorded', {
          version: 1,
          correlationId,
          lotId,
          eventId,
          step: 'decommissioning',
          at,
        }),
      ]);
      return;
    } catch (error) {
      const memberCondition =
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed';
      if (!memberCondition) throw error;
    }
    // Not a member (yet), or already released: leave a released marker so a late join is refused.
    try {
      await deps.doc.send(
        new PutCommand({
          TableName: deps.tableName,
          Item: {
            pk: lotPk(lotId),
            sk: lotMemberSk(allocationId),
            type: 'lot-member',
            lotId,
            allocationId,
            orderId: event.detail.orderId,
            cooperativeId,
            lines,
            units: 0,
            status: 'released',
            releasedAt: at,
            releaseReason: reason,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Already released (a redelivery): nothing to do.
    }
  }

  return buildSqsConsumer<BusEvent<'OrderAllocated' | 'PickupBooked' | 'AllocationReleased'>>({
    logger: deps.logger,
    deadLetter: deps.deadLetter,
    maxReceiveCount: deps.maxReceiveCount,
    parallel: false,
    parse: catalogEventParser(['OrderAllocated', 'PickupBooked', 'AllocationReleased']),
    handle: (event) => {
      switch (event['detail-type']) {
        case 'OrderAllocated':
          return onAllocated(event as BusEvent<'OrderAllocated'>);
        case 'PickupBooked':
          return onPickupBooked(event as BusEvent<'PickupBooked'>);
        default:
          return onReleased(event as BusEvent<'AllocationReleased'>);
      }
    },
  });
}
