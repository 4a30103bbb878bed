/**
 * track-lot: consumes the lot queue (export OrderAllocated and PickupBooked, routed by
 * ExportAllocationsToLots). An export lot gathers one exporter's allocations for one market and
 * pickup day; each allocation joining it and each pickup is an EPCIS-like lot event
 * (commissioning, shipping). Every write is keyed deterministically, so redelivery is harmless.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type BusEvent, type DomainEvent, domainEvent } from '../../events/catalog.js';
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
            {
              Put: {
                TableName: deps.tableName,
                Item: {
                  pk: lotPk(lotId),
                  sk: lotEventSk(eventId),
                  type: 'lot-event',
                  lotId,
                  eventId,
                  step: 'commissioning',
                  at,
                  allocationId,
                  cooperativeId,
                  units,
                },
              },
            },
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
      new PutCommand({
        TableName: deps.tableName,
        Item: {
          pk: lotPk(lotId),
          sk: lotEventSk(eventId),
          type: 'lot-event',
          lotId,
          eventId,
          step: 'shipping',
          at,
          allocationId,
          carrier,
          trackingCode,
        },
      }),
    );
    await deps.publisher.publish([
      domainEvent('LotEventRecorded', { version: 1, correlationId, lotId, eventId, step: 'shipping', at }),
    ]);
  }

  return buildSqsConsumer<BusEvent<'OrderAllocated' | 'PickupBooked'>>({
    logger: deps.logger,
    deadLetter: deps.deadLetter,
    maxReceiveCount: deps.maxReceiveCount,
    parallel: false,
    parse: catalogEventParser(['OrderAllocated', 'PickupBooked']),
    handle: (event) =>
      event['detail-type'] === 'OrderAllocated'
        ? onAllocated(event as BusEvent<'OrderAllocated'>)
        : onPickupBooked(event as BusEvent<'PickupBooked'>),
  });
}
