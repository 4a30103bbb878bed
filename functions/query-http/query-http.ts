/**
 * query-http: the read API (API Gateway HTTP API). Order status with its allocations and pickups,
 * an export lot with its members and event history, a cooperative's allocations for a day (with
 * why each was chosen). Buyer contact is never returned here.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { coopDayGsi2pk, lotPk, orderPk } from '../../shared/adapters/dynamodb/keys.js';
import { queryAll } from '../../shared/adapters/dynamodb/query.js';
import { ValidationError } from '../../shared/errors.js';
import { errorResponse, json } from '../../shared/http.js';
import { businessDate } from '../../shared/normalise/time.js';

export interface QueryDeps {
  doc: DynamoDBDocumentClient;
  tableName: string;
  logger: Logger;
  /** The clock whose business day is the default `?date=` (the local runtime's may be shifted). */
  now?: () => Date;
}

const strip = ({ pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, ...rest }: Record<string, unknown>) => rest;

export function buildQueryHandler(deps: QueryDeps) {
  const partition = (pk: string) =>
    queryAll(deps.doc, {
      TableName: deps.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
    });

  async function order(orderId: string) {
    const items = await partition(orderPk(orderId));
    const head = items.find((i) => i.sk === 'ORDER');
    if (!head) return json(404, { message: `order ${orderId} not found` });
    return json(200, {
      ...strip(head),
      allocations: items.filter((i) => String(i.sk).startsWith('ALLOC#')).map(strip),
      pickups: items.filter((i) => String(i.sk).startsWith('PICKUP#')).map(strip),
      notifications: items.filter((i) => String(i.sk).startsWith('NOTIFY#')).map(strip),
    });
  }

  /**
   * Why the order went where it went: the ranking weights, each allocation's reasons and score,
   * and the cooperatives considered but not chosen (ranked lower, too small, ineligible). With
   * `?cooperativeId=` it answers one cooperative's question: why did we (not) get this order?
   */
  async function explanation(orderId: string, cooperativeId: string | undefined) {
    const items = await partition(orderPk(orderId));
    const head = items.find((i) => i.sk === 'ORDER');
    if (!head) return json(404, { message: `order ${orderId} not found` });
    const allocations = items
      .filter((i) => String(i.sk).startsWith('ALLOC#'))
      .map((a) => ({
        allocationId: a.allocationId,
        cooperativeId: a.cooperativeId,
        status: a.status,
        lines: a.lines,
        score: a.score,
        why: a.why,
        releaseReason: a.releaseReason,
      }));
    const explained = (head.explanation ?? {}) as {
      at?: string;
      weights?: unknown;
      considered?: Array<{ sku: string; cooperativeId: string; outcome: string; reason: string }>;
      partialFill?: { policy: string; outcome: string; detail: string };
    };
    // A cooperative the plan chose but that holds no allocation: the plan was not reserved (a `wait`
    // policy backordered the whole order, or `reject` refused it). Say so, never "chosen".
    const held = new Set(allocations.map((a) => String(a.cooperativeId)));
    const notReserved = explained.partialFill?.detail ?? String(head.statusReason ?? head.status);
    const considered = (explained.considered ?? []).map((c) =>
      c.outcome === 'chosen' && !held.has(c.cooperativeId)
        ? {
            ...c,
            outcome: 'planned_not_reserved',
            reason: `would have been chosen (${c.reason.replace(/^chosen: /, '')}), but nothing was reserved: ${notReserved}`,
          }
        : c,
    );
    let forCooperative: Record<string, unknown> | undefined;
    if (cooperativeId) {
      const mine = allocations.find((a) => a.cooperativeId === cooperativeId);
      const entries = considered.filter((c) => c.cooperativeId === cooperativeId);
      const skus = [...new Set((head.lines as Array<{ sku: string }>).map((l) => l.sku))].join(', ');
      const answer = mine
        ? mine.status === 'reserved'
          ? `allocated to you: ${(mine.why as string[]).join('; ')}`
          : `allocated to you, then released: ${String(mine.releaseReason ?? 'released')}`
        : entries.length
          ? entries.map((e) => `${e.sku}: ${e.reason}`).join('; ')
          : considered.length || head.status !== 'received'
            ? `not among the cooperatives shown: when the order was planned you had no eligible stock of ${skus}, or you ranked below those listed`
            : 'the order has not been planned yet';
      forCooperative = {
        cooperativeId,
        allocated: Boolean(mine && mine.status === 'reserved'),
        answer,
        entries,
      };
    }
    // A cooperative's question is answered with its own part only: other cooperatives' allocations,
    // batches and scores are theirs (the operator asks without ?cooperativeId= and sees everything).
    const mineOnly = <T extends { cooperativeId: unknown }>(list: T[]) =>
      cooperativeId ? list.filter((x) => x.cooperativeId === cooperativeId) : list;
    return json(200, {
      orderId,
      status: head.status,
      statusReason: head.statusReason,
      explainedAt: explained.at,
      weights: explained.weights,
      partialFill: explained.partialFill,
      allocations: mineOnly(allocations),
      considered: mineOnly(considered),
      ...(forCooperative ? { forCooperative } : {}),
    });
  }

  async function lot(lotId: string) {
    const items = await partition(lotPk(lotId));
    const head = items.find((i) => i.sk === 'LOT');
    if (!head) return json(404, { message: `lot ${lotId} not found` });
    const events = items
      .filter((i) => String(i.sk).startsWith('EVENT#'))
      .map(strip)
      .sort((a, b) => String(a.at).localeCompare(String(b.at)));
    const members = items.filter((i) => String(i.sk).startsWith('MEMBER#')).map(strip);
    return json(200, {
      ...strip(head),
      // Allocations in the lot; those released after joining (or before) are listed apart.
      members: members.filter((m) => m.status !== 'released'),
      released: members.filter((m) => m.status === 'released'),
      events,
    });
  }

  async function cooperativeAllocations(cooperativeId: string, date: string | undefined) {
    const day = date ?? businessDate((deps.now ?? (() => new Date()))());
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) {
      throw new ValidationError([{ field: 'date', message: 'must be a date like 2026-06-18' }]);
    }
    const result = await deps.doc.send(
      new QueryCommand({
        TableName: deps.tableName,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': coopDayGsi2pk(cooperativeId, day) },
      }),
    );
    return json(200, { cooperativeId, pickupDate: day, allocations: (result.Items ?? []).map(strip) });
  }

  return async function queryHttp(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    try {
      const params = event.pathParameters ?? {};
      if (params.orderId && event.rawPath.endsWith('/allocation-explanation'))
        return await explanation(params.orderId, event.queryStringParameters?.cooperativeId);
      if (params.orderId) return await order(params.orderId);
      if (params.lotId) return await lot(params.lotId);
      if (params.cooperativeId)
        return await cooperativeAllocations(params.cooperativeId, event.queryStringParameters?.date);
      return json(404, { message: 'Not Found' });
    } catch (error) {
      deps.logger.warn('query failed', { error: error as Error });
      return errorResponse(error);
    }
  };
}
