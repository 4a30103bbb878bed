/**
 * command-http: the authenticated commands of cooperatives, channels and operators (API Gateway
 * HTTP API). Every request is signed like the portal API (api-key-auth.ts: `x-api-key-id`,
 * `x-timestamp`, `x-signature` over the raw body):
 *
 * | route                                                        | key            | does                         |
 * |--------------------------------------------------------------|----------------|------------------------------|
 * | POST /v1/cooperatives/{cooperativeId}/stock                  | that coop's    | new batch → StockReported    |
 * | POST /v1/cooperatives/{cooperativeId}/stock/{batchId}/adjustments | that coop's | correction / spoilage     |
 * | POST /v1/orders/{orderId}/cancel                             | operator       | → OrderCancelled             |
 * | POST /v1/cancellations  {channel, externalId, seller?, reason}| portal/operator| → OrderCancelled (by id of  |
 * |   (portal key: its granted channels, its own seller only;    |                |   the channel's order)       |
 * |    operator: any channel, `seller` required for portal)      |                |                              |
 * | POST /v1/backorders/expire                                   | operator       | expires overdue backorders   |
 * | POST /v1/cooperatives/{cooperativeId}/allocations/{allocationId}/decline | that coop's | release → re-allocate |
 * |   {reason}                                                   |                |   elsewhere (never to it)    |
 * | POST /v1/growing-areas/{code}/suspension                     | operator       | code suspended →             |
 * |   {market, reason, effectiveFrom?}                           |                |   GrowingAreaSuspended       |
 *
 * A cooperative's key may only report its own stock (403 otherwise). Bad input gets a 400 naming
 * the field; an adjustment that would take `available` below 0 (units reserved for orders) a 409.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { domainEvent } from '../../events/catalog.js';
import type { GrowingAreaStore } from '../../shared/adapters/dynamodb/growing-area-store.js';
import { orderIdFor, parseAllocationId } from '../../shared/adapters/dynamodb/keys.js';
import type { StockStore, StoredBatch } from '../../shared/adapters/dynamodb/stock-store.js';
import type { EventPublisher } from '../../shared/adapters/event-publisher.js';
import type { Reallocator } from '../../shared/adapters/reallocation.js';
import { verifyApiKeySignature } from '../../shared/channels/api-key-auth.js';
import { readJsonBody } from '../../shared/channels/json.js';
import {
  assertChannelAllowed,
  knownSellers,
  type PortalKeyGrant,
  portalGrantFor,
  sellerIdSchema,
} from '../../shared/channels/portal-keys.js';
import { parseOrThrow } from '../../shared/channels/validation.js';
import { EXPORT_MARKETS, type ExportMarket } from '../../shared/domain/market.js';
import { CHANNELS } from '../../shared/domain/order.js';
import { findProduct } from '../../shared/domain/product.js';
import { ForbiddenError, InvalidSignatureError, ValidationError } from '../../shared/errors.js';
import { errorResponse, json, toInboundRequest } from '../../shared/http.js';
import { toNfc } from '../../shared/normalise/text.js';
import { businessDate } from '../../shared/normalise/time.js';

export interface CooperativeKey {
  secret: string;
  cooperativeId: string;
}

export interface CommandDeps {
  stock: StockStore;
  publisher: EventPublisher;
  logger: Logger;
  now?: () => Date;
  /** A cooperative's key id → its secret and the one cooperative it may report stock for. */
  cooperativeKey: (keyId: string) => CooperativeKey | undefined;
  /** Channel keys (the portal API's): may cancel orders of the channels their grant allows. */
  portalKeys: Record<string, string>;
  /** What each portal key may do: its channels and, for a direct seller, its seller id. */
  portalKeyGrants: Record<string, PortalKeyGrant>;
  /** Operators' keys: may cancel any order and sweep backorders. */
  operatorKeys: Record<string, string>;
  /** Expires every overdue backorder (retry-backorders' sweep). */
  expireBackorders?: () => Promise<{ expired: number; republished: number }>;
  /** Releases an allocation and re-allocates its units (declines). */
  reallocate?: Reallocator;
  /** Growing-area codes (suspensions). */
  growingAreas?: GrowingAreaStore;
}

const batchIdSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._-]{1,80}$/, 'must be 1-80 letters, digits, dots, dashes or underscores');

export const stockReportSchema = z.strictObject({
  /** The cooperative's own id for the batch: resending the same report stores nothing twice. */
  batchId: batchIdSchema,
  sku: z.string().trim().min(1),
  quantity: z.number().int().positive().max(1_000_000),
  harvestedAt: z.iso.datetime({ offset: true }),
  coldChain: z.boolean(),
  growingAreaCodes: z.partialRecord(z.enum(EXPORT_MARKETS), z.string().trim().min(1)).optional(),
});

export const stockAdjustmentSchema = z.strictObject({
  adjustmentId: batchIdSchema,
  sku: z.string().trim().min(1),
  kind: z.enum(['correction', 'spoilage']),
  /** Units added (positive) or removed (negative). A spoilage write-off is negative. */
  delta: z
    .number()
    .int()
    .refine((n) => n !== 0, 'must not be 0')
    .refine((n) => Math.abs(n) <= 1_000_000, 'is too large'),
  reason: z.string().trim().min(1).max(500).optional(),
});

export const declineSchema = z.strictObject({ reason: z.string().trim().min(1).max(500) });

export const suspensionSchema = z.strictObject({
  market: z.enum(EXPORT_MARKETS),
  reason: z.string().trim().min(1).max(500),
  /** Business date from which pickups may no longer use the code; today when absent. */
  effectiveFrom: z.iso.date().optional(),
});

const cancelSchema = z.strictObject({ reason: z.string().trim().min(1).max(500).optional() });

const cancellationSchema = z.strictObject({
  channel: z.enum(CHANNELS),
  // The same id ingest gives the order: text to NFC, so a decomposed (NFD) copy names the same order.
  externalId: z
    .union([z.string().trim().min(1), z.number().int().nonnegative()])
    .transform((v) => toNfc(String(v))),
  /**
   * For channel portal: whose order number it is. A seller's key implies its own seller (naming
   * another is a 403); an operator key must name it.
   */
  seller: sellerIdSchema.optional(),
  reason: z.string().trim().min(1).max(500).optional(),
});

/** ISO instant in Vietnam time (+07:00), the format the seeded batches use. */
function vietnamIso(ms: number): string {
  return `${new Date(ms + 7 * 3_600_000).toISOString().slice(0, 19)}+07:00`;
}

const batchView = (b: StoredBatch) => ({
  cooperativeId: b.cooperativeId,
  batchId: b.batchId,
  sku: b.sku,
  quantity: b.quantity,
  available: b.available,
  reserved: b.reserved,
  harvestedAt: b.harvestedAt,
  expiresAt: b.expiresAt,
  coldChain: b.coldChain,
  growingAreaCodes: b.growingAreaCodes,
});

export function buildCommandHandler(deps: CommandDeps) {
  const now = deps.now ?? (() => new Date());

  function verify(event: APIGatewayProxyEventV2, keys: Record<string, string>) {
    const request = toInboundRequest(event, now());
    const { keyId } = verifyApiKeySignature(request, keys, now());
    return { request, keyId };
  }

  /** Verifies a cooperative's signature and that the key belongs to the cooperative in the path. */
  function verifyCooperative(event: APIGatewayProxyEventV2, cooperativeId: string) {
    const keyId = event.headers?.['x-api-key-id'] ?? event.headers?.['X-Api-Key-Id'] ?? '';
    const key = deps.cooperativeKey(keyId.trim());
    // An unknown key id is answered like a wrong signature (no probing for key ids).
    const verified = verify(event, key ? { [keyId.trim()]: key.secret } : {});
    if (!key || key.cooperativeId !== cooperativeId) {
      throw new ForbiddenError(
        `this key acts for cooperative ${key?.cooperativeId ?? '?'} only, not ${cooperativeId}`,
      );
    }
    return verified;
  }

  const correlation = (event: APIGatewayProxyEventV2) =>
    event.headers?.['x-correlation-id'] || event.requestContext.requestId;

  async function reportStock(event: APIGatewayProxyEventV2, cooperativeId: string) {
    const { request } = verifyCooperative(event, cooperativeId);
    const body = parseOrThrow(stockReportSchema, readJsonBody(request.rawBody));
    const product = findProduct(body.sku);
    const issues: Array<{ field: string; message: string }> = [];
    if (!product) issues.push({ field: 'sku', message: `unknown product ${body.sku}` });
    const harvestedMs = Date.parse(body.harvestedAt);
    if (harvestedMs > now().getTime() + 3_600_000)
      issues.push({ field: 'harvestedAt', message: 'is in the future' });
    const codes = body.growingAreaCodes ?? {};
    const markets = Object.keys(codes) as ExportMarket[];
    if (markets.length > 0 && product && !product.exportable)
      issues.push({
        field: 'growingAreaCodes',
        message: `${body.sku} is not exported: no growing-area codes`,
      });
    if (issues.length) throw new ValidationError(issues);

    const { profile, codes: held } = await deps.stock.cooperative(cooperativeId);
    if (!profile) return json(404, { message: `cooperative ${cooperativeId} not found` });
    const wrong = markets.filter(
      (m) => !held.some((c) => c.market === m && c.code === codes[m] && c.cooperativeId === cooperativeId),
    );
    if (wrong.length)
      throw new ValidationError(
        wrong.map((m) => ({
          field: `growingAreaCodes.${m}`,
          message: `${codes[m]} is not a growing-area code of this cooperative for ${m}`,
        })),
      );
    const shelfDays = product ? (body.coldChain ? product.coldShelfLifeDays : product.shelfLifeDays) : 4;
    const { created, batch } = await deps.stock.reportBatch(
      {
        cooperativeId,
        batchId: body.batchId,
        sku: body.sku,
        harvestedAt: body.harvestedAt,
        expiresAt: vietnamIso(harvestedMs + shelfDays * 86_400_000),
        coldChain: body.coldChain,
        quantity: body.quantity,
        available: body.quantity,
        growingAreaCodes: codes,
      },
      now().toISOString(),
    );
    if (!created) {
      // A resend must be the same report; different values under a used batch id would be lost.
      const reported = (batch as { reportedQuantity?: number }).reportedQuantity ?? batch.quantity;
      const differs = [
        batch.harvestedAt !== body.harvestedAt && `harvestedAt ${batch.harvestedAt}`,
        batch.coldChain !== body.coldChain && `coldChain ${batch.coldChain}`,
        reported !== body.quantity && `quantity ${reported}`,
      ].filter((d): d is string => Boolean(d));
      if (differs.length) {
        return json(409, {
          message: `batch ${body.batchId} was already reported with ${differs.join(', ')}; a different report under the same batch id is refused: report a new batch id, or send a correction to …/stock/${body.batchId}/adjustments`,
          errors: [{ field: 'batchId', message: 'already used for a batch reported with other values' }],
        });
      }
    }
    // Published on a resend too: if the first attempt stored the batch but died before
    // publishing, this is what gets the backorders moving (the consumer is idempotent).
    await deps.publisher.publish([
      domainEvent('StockReported', {
        version: 1,
        correlationId: correlation(event),
        cooperativeId,
        batchId: batch.batchId,
        sku: batch.sku,
        quantity: created ? body.quantity : batch.quantity,
        harvestedAt: batch.harvestedAt,
      }),
    ]);
    deps.logger.info('stock reported', { cooperativeId, batchId: batch.batchId, sku: batch.sku, created });
    return json(created ? 201 : 200, { ...batchView(batch), duplicate: !created });
  }

  async function adjustStock(event: APIGatewayProxyEventV2, cooperativeId: string, batchId: string) {
    const { request } = verifyCooperative(event, cooperativeId);
    const body = parseOrThrow(stockAdjustmentSchema, readJsonBody(request.rawBody));
    if (body.kind === 'spoilage' && body.delta > 0)
      throw new ValidationError([
        { field: 'delta', message: 'a spoilage write-off removes units: must be negative' },
      ]);
    const outcome = await deps.stock.adjustBatch({
      cooperativeId,
      sku: body.sku,
      batchId,
      adjustmentId: body.adjustmentId,
      kind: body.kind,
      delta: body.delta,
      reason: body.reason,
      at: now().toISOString(),
    });
    switch (outcome.kind) {
      case 'not_found':
        return json(404, {
          message: `batch ${batchId} of ${body.sku} not found at cooperative ${cooperativeId}`,
        });
      case 'insufficient':
        return json(409, {
          message: `available is ${outcome.batch.available} (reserved for orders: ${outcome.batch.reserved}): a change of ${body.delta} would take it below 0`,
          errors: [{ field: 'delta', message: `at least ${-outcome.batch.available} allowed now` }],
          batch: batchView(outcome.batch),
        });
      case 'duplicate': {
        const first = (
          outcome.batch as { adjustments?: Array<{ adjustmentId: string; kind: string; delta: number }> }
        ).adjustments?.find((a) => a.adjustmentId === body.adjustmentId);
        if (first && (first.delta !== body.delta || first.kind !== body.kind)) {
          return json(409, {
            message: `adjustment ${body.adjustmentId} was already applied as ${first.kind} ${first.delta}; a different change under the same id is refused: use a new adjustmentId`,
            errors: [{ field: 'adjustmentId', message: 'already used for another change' }],
          });
        }
        return json(200, { ...batchView(outcome.batch), duplicate: true });
      }
      case 'adjusted':
        if (body.delta > 0) {
          await deps.publisher.publish([
            domainEvent('StockReported', {
              version: 1,
              correlationId: correlation(event),
              cooperativeId,
              batchId,
              sku: body.sku,
              quantity: body.delta,
              harvestedAt: outcome.batch.harvestedAt,
            }),
          ]);
        }
        deps.logger.info('stock adjusted', { cooperativeId, batchId, kind: body.kind, delta: body.delta });
        return json(200, { ...batchView(outcome.batch), duplicate: false });
    }
  }

  async function publishCancel(event: APIGatewayProxyEventV2, orderId: string, reason: string) {
    await deps.publisher.publish([
      domainEvent('OrderCancelled', { version: 1, correlationId: correlation(event), orderId, reason }),
    ]);
    return json(202, { orderId, status: 'cancel_requested', reason });
  }

  async function cancelById(event: APIGatewayProxyEventV2, orderId: string) {
    const { request, keyId } = verify(event, deps.operatorKeys);
    const body = request.rawBody.length ? parseOrThrow(cancelSchema, readJsonBody(request.rawBody)) : {};
    if (!/^ord_[A-Za-z0-9_-]{22}$/.test(orderId))
      throw new ValidationError([{ field: 'orderId', message: 'is not an order id (ord_…)' }]);
    return publishCancel(event, orderId, body.reason ?? `cancelled by operator ${keyId}`);
  }

  async function cancelByExternalId(event: APIGatewayProxyEventV2) {
    const { request, keyId } = verify(event, { ...deps.portalKeys, ...deps.operatorKeys });
    const body = parseOrThrow(cancellationSchema, readJsonBody(request.rawBody));
    const operator = Object.hasOwn(deps.operatorKeys, keyId);
    let seller = body.seller;
    if (!operator) {
      const grant = portalGrantFor(deps.portalKeyGrants, keyId);
      assertChannelAllowed(grant, keyId, body.channel);
      if (body.channel === 'portal') {
        if (seller !== undefined && seller !== grant.seller)
          throw new ForbiddenError(
            `key ${keyId} acts for seller ${grant.seller} only, not ${seller}`,
            'seller',
          );
        seller = grant.seller;
      }
    } else if (
      body.channel === 'portal' &&
      (seller === undefined || !knownSellers(deps.portalKeyGrants).has(seller))
    ) {
      throw new ValidationError([
        {
          field: 'seller',
          message:
            seller === undefined
              ? 'is required for a portal order: the seller whose order number externalId is'
              : `no portal key acts for seller ${seller}`,
        },
      ]);
    }
    if (body.channel !== 'portal' && body.seller !== undefined)
      throw new ValidationError([
        { field: 'seller', message: `only portal orders have a seller; ${body.channel} orders do not` },
      ]);
    return publishCancel(
      event,
      orderIdFor({ channel: body.channel, seller, externalId: body.externalId }),
      body.reason ?? `cancelled by ${body.channel}`,
    );
  }

  async function expire(event: APIGatewayProxyEventV2) {
    verify(event, deps.operatorKeys);
    if (!deps.expireBackorders) return json(501, { message: 'backorder sweep not configured' });
    return json(200, await deps.expireBackorders());
  }

  /**
   * A cooperative declines one of its allocations: it is released and its units re-allocated to
   * another cooperative (never this one again for this order), or backordered. Retrying the same
   * decline answers 200 again (`duplicate`); an allocation released otherwise answers 409.
   */
  async function decline(event: APIGatewayProxyEventV2, cooperativeId: string, allocationId: string) {
    const { request } = verifyCooperative(event, cooperativeId);
    const body = parseOrThrow(declineSchema, readJsonBody(request.rawBody));
    if (!deps.reallocate) return json(501, { message: 'declines not configured' });
    const ids = /^ord_[A-Za-z0-9_-]{22}\./.test(allocationId) ? parseAllocationId(allocationId) : undefined;
    if (!ids)
      throw new ValidationError([
        { field: 'allocationId', message: 'is not an allocation id (ord_….<cooperative>)' },
      ]);
    if (ids.cooperativeId !== cooperativeId)
      return json(404, {
        message: `allocation ${allocationId} is not one of cooperative ${cooperativeId}'s`,
      });
    const outcome = await deps.reallocate({
      orderId: ids.orderId,
      cooperativeId,
      reason: `declined: ${body.reason}`,
      exclude: true,
      sameRelease: (r) => r.startsWith('declined'),
    });
    switch (outcome.kind) {
      case 'not_found':
        return json(404, { message: `allocation ${allocationId} not found` });
      case 'already_released':
        return json(409, {
          message: `allocation ${allocationId} was already released (${outcome.allocation.releaseReason ?? 'released'}): nothing to decline`,
          allocationId,
          status: 'released',
          releaseReason: outcome.allocation.releaseReason,
        });
      case 'duplicate':
        return json(200, {
          allocationId,
          status: 'released',
          releaseReason: outcome.allocation.releaseReason,
          duplicate: true,
        });
      case 'released':
        deps.logger.info('allocation declined', { allocationId, cooperativeId });
        return json(200, {
          allocationId,
          status: 'released',
          releaseReason: outcome.allocation.releaseReason,
          order: { orderId: ids.orderId, status: 'reallocating', pendingLines: outcome.pendingLines },
          duplicate: false,
        });
    }
  }

  /** An operator suspends a growing-area code for a market; its open allocations are moved. */
  async function suspend(event: APIGatewayProxyEventV2, code: string) {
    const { request, keyId } = verify(event, deps.operatorKeys);
    const body = parseOrThrow(suspensionSchema, readJsonBody(request.rawBody));
    if (!deps.growingAreas) return json(501, { message: 'growing-area suspension not configured' });
    if (!/^[A-Za-z0-9._-]{1,80}$/.test(code))
      throw new ValidationError([{ field: 'code', message: 'is not a growing-area code' }]);
    const outcome = await deps.growingAreas.suspend({
      market: body.market,
      code,
      reason: body.reason,
      effectiveFrom: body.effectiveFrom ?? businessDate(now()),
      now: now().toISOString(),
    });
    if (outcome.kind === 'not_found')
      return json(404, { message: `growing-area code ${code} not found for ${body.market}` });
    if (outcome.kind === 'revoked')
      return json(409, {
        message: `growing-area code ${code} is revoked for ${body.market}: nothing to suspend`,
      });
    const stored = outcome.code;
    // Published on a retry too: if the first attempt stored it but died before publishing, this
    // is what moves the allocations (the consumer is idempotent).
    await deps.publisher.publish([
      domainEvent('GrowingAreaSuspended', {
        version: 1,
        correlationId: correlation(event),
        code,
        market: body.market,
        cooperativeId: stored.cooperativeId,
        reason: stored.suspensionReason ?? body.reason,
        effectiveFrom: stored.suspendedFrom ?? body.effectiveFrom ?? businessDate(now()),
      }),
    ]);
    deps.logger.info('growing-area code suspended', { code, market: body.market, by: keyId });
    return json(outcome.kind === 'suspended' ? 202 : 200, {
      code,
      market: body.market,
      cooperativeId: stored.cooperativeId,
      status: 'suspended',
      effectiveFrom: stored.suspendedFrom,
      reason: stored.suspensionReason,
      duplicate: outcome.kind === 'already_suspended',
    });
  }

  return async function commandHttp(
    event: APIGatewayProxyEventV2,
  ): Promise<APIGatewayProxyStructuredResultV2> {
    const params = event.pathParameters ?? {};
    try {
      switch (event.routeKey) {
        case 'POST /v1/cooperatives/{cooperativeId}/stock':
          return await reportStock(event, params.cooperativeId ?? '');
        case 'POST /v1/cooperatives/{cooperativeId}/stock/{batchId}/adjustments':
          return await adjustStock(event, params.cooperativeId ?? '', params.batchId ?? '');
        case 'POST /v1/orders/{orderId}/cancel':
          return await cancelById(event, params.orderId ?? '');
        case 'POST /v1/cancellations':
          return await cancelByExternalId(event);
        case 'POST /v1/backorders/expire':
          return await expire(event);
        case 'POST /v1/cooperatives/{cooperativeId}/allocations/{allocationId}/decline':
          return await decline(event, params.cooperativeId ?? '', params.allocationId ?? '');
        case 'POST /v1/growing-areas/{code}/suspension':
          return await suspend(event, params.code ?? '');
        default:
          return json(404, { message: `No command serves ${event.routeKey}` });
      }
    } catch (error) {
      if (!(error instanceof ValidationError) && !(error instanceof InvalidSignatureError)) {
        deps.logger.warn('command failed', { route: event.routeKey, error: error as Error });
      }
      return errorResponse(error);
    }
  };
}
