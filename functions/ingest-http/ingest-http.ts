/**
 * Ingest edge, triggered by API Gateway HTTP API routes (channel webhooks, the portal order API,
 * spreadsheet uploads). Does the minimum synchronously: verify the raw-body signature, parse,
 * normalise, dedupe + persist, publish OrderReceived (or, for a marketplace's cancel push,
 * OrderCancelled for the order's deterministic id). Everything else happens off the queues, so
 * the answer comes well inside the providers' deadlines (Zalo ~2 s, TikTok ~3 s; F14).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type DomainEvent, domainEvent } from '../../events/catalog.js';
import type { EventPublisher } from '../../shared/adapters/event-publisher.js';
import { orderIdFor } from '../../shared/adapters/dynamodb/keys.js';
import type { OrderRecord, OrderStore } from '../../shared/adapters/dynamodb/order-store.js';
import { adapterLookup } from '../../shared/channels/index.js';
import type {
  ChannelAdapter,
  ChannelContext,
  DirectResponse,
  InboundRequest,
} from '../../shared/channels/types.js';
import {
  type NormalisedOrder,
  normaliseOrder,
  orderFingerprint,
} from '../../shared/domain/normalise-order.js';
import type { OrderStatus, RawOrder } from '../../shared/domain/order.js';
import { type FieldIssue, ValidationError } from '../../shared/errors.js';
import { errorResponse, json, toInboundRequest } from '../../shared/http.js';
import { toNfc } from '../../shared/normalise/text.js';
import { mapLimit } from '../../shared/concurrency.js';

export interface IngestDeps {
  adapters: ChannelAdapter[];
  channelContext: ChannelContext;
  orders: OrderStore;
  publisher: EventPublisher;
  logger: Logger;
  now?: () => Date;
  /** How many orders of one upload are persisted at once. */
  persistConcurrency?: number;
}

export interface IngestedOrder {
  externalId: string;
  orderId: string;
  status: OrderStatus;
  duplicate: boolean;
  /**
   * On a duplicate whose resent content (lines, prices, buyer, destination) differs from what was
   * stored at first ingest: true, with `message`. Changes are never applied. Absent on an identical
   * redelivery (the answer stays as it was) and when the stored order predates fingerprints.
   */
  changed?: boolean;
  message?: string;
  reasons?: string[];
}

export function orderReceivedEvent(record: OrderRecord): DomainEvent {
  return domainEvent('OrderReceived', {
    version: 1,
    correlationId: record.correlationId,
    orderId: record.orderId,
    channel: record.channel,
    externalId: record.externalId,
    receivedAt: record.receivedAt,
    lines: record.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
    totalVnd: record.totalVnd,
    destinationProvinceCode: record.destination.provinceCode,
    destinationWardCode: record.destination.wardCode,
    market: record.export?.market,
    exporterId: record.export?.exporterId,
    orderVersion: record.version,
  });
}

/** The answer a provider expects, as the adapter worded it (handshakes, empty acks). */
function answer(response: DirectResponse): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: response.status,
    headers: { 'content-type': response.contentType },
    body: response.body,
  };
}

export function buildIngestHandler(deps: IngestDeps) {
  const findAdapter = adapterLookup(deps.adapters);
  const now = deps.now ?? (() => new Date());

  async function ingestOne(
    raw: RawOrder | NormalisedOrder,
    request: InboundRequest,
    correlationId: string,
    events: DomainEvent[],
  ): Promise<IngestedOrder> {
    const { order, rejectReasons } = 'order' in raw ? raw : normaliseOrder(raw, request.receivedAt);
    const contentFingerprint = orderFingerprint(order);
    const status: OrderStatus =
      rejectReasons.length > 0 ? 'rejected' : order.reviewReasons.length > 0 ? 'review' : 'received';
    const saved = await deps.orders.saveNew(order, status, {
      correlationId,
      rejectReasons,
      contentFingerprint,
    });
    const record = saved.created ? saved.record : saved.existing;
    // The id is a digest of the dedupe key, so an existing order is this same order; should it
    // ever not be, say nothing about it (never another tenant's order id or status).
    if (
      !saved.created &&
      (record.channel !== order.channel ||
        record.seller !== order.seller ||
        record.externalId !== order.externalId)
    ) {
      throw new Error(`order id ${record.orderId} collides with a different order`);
    }
    if (saved.created && status === 'rejected') {
      events.push(
        domainEvent('OrderRejected', {
          version: 1,
          correlationId,
          orderId: record.orderId,
          channel: record.channel,
          reasons: rejectReasons,
        }),
      );
    }
    // A redelivery of an order still waiting for allocation publishes again: if the first attempt
    // stored the order but died before publishing, this is what gets it moving (consumers are
    // idempotent, so a second OrderReceived is harmless).
    if (record.status === 'received') events.push(orderReceivedEvent(record));
    const changed =
      saved.created || record.contentFingerprint === undefined
        ? undefined
        : record.contentFingerprint !== contentFingerprint;
    return {
      externalId: record.externalId,
      orderId: record.orderId,
      status: record.status,
      duplicate: !saved.created,
      // An identical redelivery answers exactly as before; only a changed one says more.
      ...(changed
        ? {
            changed,
            message: `differs from the order stored on ${record.receivedAt}: changes are not applied; cancel it and import it under a new order id`,
          }
        : {}),
      reasons: record.rejectReasons ?? (record.reviewReasons.length ? record.reviewReasons : undefined),
    };
  }

  return async function ingestHttp(
    event: APIGatewayProxyEventV2,
  ): Promise<APIGatewayProxyStructuredResultV2> {
    const route = `${event.requestContext.http.method} ${event.rawPath}`;
    const adapter = findAdapter(event.requestContext.http.method, event.rawPath);
    if (!adapter) return json(404, { message: `No channel serves ${route}` });
    const request = toInboundRequest(event, now());
    const correlationId = request.headers['x-correlation-id'] || event.requestContext.requestId;
    try {
      const result = await adapter.handle(request, deps.channelContext);
      if (result.kind === 'direct') return answer(result.response);
      if (result.kind === 'cancellations') {
        // The same id the order has (or will have when it arrives): the cancel-order consumer
        // releases its stock once, or leaves a tombstone that cancels it on arrival. A redelivered
        // cancel publishes again and finds the order already cancelled.
        const cancelled = result.cancellations.map((c) => ({
          externalId: c.externalId,
          // As normaliseOrder derives it: the NFC external id under its channel.
          orderId: orderIdFor({ channel: c.channel, externalId: toNfc(c.externalId) }),
          reason: c.reason,
        }));
        await deps.publisher.publish(
          cancelled.map((c) =>
            domainEvent('OrderCancelled', {
              version: 1,
              correlationId,
              orderId: c.orderId,
              reason: c.reason,
            }),
          ),
        );
        deps.logger.info('channel cancellation', {
          channel: adapter.channel,
          orderIds: cancelled.map((c) => c.orderId),
        });
        return result.ack
          ? answer(result.ack)
          : json(202, { cancellations: cancelled.map((c) => ({ ...c, status: 'cancel_requested' })) });
      }
      if (result.kind === 'ignored') {
        deps.logger.debug('channel event ignored', { channel: adapter.channel, reason: result.reason });
        return result.ack ? answer(result.ack) : json(200, { ignored: true, reason: result.reason });
      }

      const events: DomainEvent[] = [];
      const single = result.orders.length === 1 && !result.rowErrors && !result.eventErrors;
      if (single) {
        const ingested = await ingestOne(result.orders[0] as RawOrder, request, correlationId, events);
        await deps.publisher.publish(events);
        deps.logger.info('order ingested', {
          channel: adapter.channel,
          orderId: ingested.orderId,
          status: ingested.status,
          duplicate: ingested.duplicate,
        });
        return result.ack ? answer(result.ack) : json(ingested.duplicate ? 200 : 201, ingested);
      }

      // Several orders (a spreadsheet, a batched webhook): each order stands alone; one bad order
      // is reported by its id and fields, the good ones go through.
      // Every order is validated before any is stored: an order that fails names its fields and
      // stores nothing; the valid ones are persisted after.
      const orderErrors: Array<{ externalId: string; errors: FieldIssue[] }> = [];
      const valid: NormalisedOrder[] = [];
      for (const raw of result.orders) {
        try {
          valid.push(normaliseOrder(raw, request.receivedAt));
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          orderErrors.push({ externalId: raw.externalId, errors: error.issues });
        }
      }
      const ingested = await mapLimit(valid, deps.persistConcurrency ?? 8, (normalised) =>
        ingestOne(normalised, request, correlationId, events),
      );
      await deps.publisher.publish(events);
      const accepted = ingested;
      deps.logger.info('orders ingested', {
        channel: adapter.channel,
        accepted: accepted.length,
        rejectedRows: result.rowErrors?.length ?? 0,
        invalidOrders: orderErrors.length,
        // Field paths and fixed wording only: no value from the payload (no personal data).
        invalidEvents: result.eventErrors?.map((e) => `${e.field} ${e.message}`),
      });
      return result.ack
        ? answer(result.ack)
        : json(200, {
            orders: accepted,
            rowErrors: result.rowErrors ?? [],
            orderErrors,
            ...(result.eventErrors ? { eventErrors: result.eventErrors } : {}),
          });
    } catch (error) {
      if (!(error instanceof ValidationError)) {
        deps.logger.warn('ingest failed', { route, error: error as Error });
      }
      return errorResponse(error);
    }
  };
}
