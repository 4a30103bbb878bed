/**
 * Growing-area codes mid-season: an operator suspends a code for a market, and the export
 * allocations still open under it are found to be moved.
 *
 * Finding them is a handful of queries, not a scan: a code belongs to one cooperative, and that
 * cooperative's allocations for a pickup day are one gsi2 partition (COOPDAY#<coop>#<date>); the
 * days searched run from the suspension's effective date to two days ahead (orders are picked up
 * the day they arrive or the next), at most 14 days. Each allocation's batches (and its pickup, if
 * booked) are then read by key to keep only those packed under the code and not yet picked up.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { GrowingAreaCode } from '../../domain/cooperative.js';
import type { ExportMarket } from '../../domain/market.js';
import type { AllocationRecord } from './allocation-store.js';
import { batchSk, coopDayGsi2pk, cooperativePk, orderPk, pickupSk, pucGsi1pk, pucSk } from './keys.js';
import { batchGetAll, queryAll } from './query.js';

export type SuspendOutcome =
  | { kind: 'suspended'; code: GrowingAreaCode }
  /** It was suspended before (a retry of the same request, or another operator). */
  | { kind: 'already_suspended'; code: GrowingAreaCode }
  | { kind: 'revoked'; code: GrowingAreaCode }
  | { kind: 'not_found' };

/** Most days of open allocations a suspension looks through. */
export const SUSPENSION_SEARCH_DAYS = 14;

const DAY_MS = 86_400_000;
const addDays = (date: string, n: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);

/** Pickup statuses after which the fruit has left the packing house: nothing left to move. */
const PICKED_UP = new Set(['picked_up', 'in_transit', 'out_for_delivery', 'delivered']);

export class GrowingAreaStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async find(market: ExportMarket, code: string): Promise<GrowingAreaCode | undefined> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      FilterExpression: 'code = :code',
      ExpressionAttributeValues: { ':pk': pucGsi1pk(market), ':code': code },
    });
    return items[0] as unknown as GrowingAreaCode | undefined;
  }

  /** Sets the code `suspended` from `effectiveFrom` (a business date), once. */
  async suspend(input: {
    market: ExportMarket;
    code: string;
    reason: string;
    effectiveFrom: string;
    now: string;
  }): Promise<SuspendOutcome> {
    const found = await this.find(input.market, input.code);
    if (!found) return { kind: 'not_found' };
    if (found.status === 'revoked') return { kind: 'revoked', code: found };
    if (found.status === 'suspended') return { kind: 'already_suspended', code: found };
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: cooperativePk(found.cooperativeId), sk: pucSk(input.market, input.code) },
          UpdateExpression:
            'SET #s = :suspended, suspendedFrom = :from, suspensionReason = :reason, suspendedAt = :now',
          ConditionExpression: '#s = :active',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':suspended': 'suspended',
            ':active': 'active',
            ':from': input.effectiveFrom,
            ':reason': input.reason,
            ':now': input.now,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { kind: 'suspended', code: result.Attributes as unknown as GrowingAreaCode };
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      const again = await this.find(input.market, input.code);
      if (!again) return { kind: 'not_found' };
      return again.status === 'revoked'
        ? { kind: 'revoked', code: again }
        : { kind: 'already_suspended', code: again };
    }
  }

  /**
   * The open export allocations under `code` for `market`: reserved, picked up on or after
   * `from` (up to `to`), with at least one batch packed under the code, and not yet picked up
   * (no pickup booked, or booked and still awaiting the courier). Also those already released
   * with `releaseReason` (a redelivery: their events are published again).
   */
  async openAllocationsUnder(input: {
    cooperativeId: string;
    market: ExportMarket;
    code: string;
    from: string;
    to: string;
    /** The reason this suspension releases with: its own earlier releases are found again. */
    releaseReason: string;
  }): Promise<AllocationRecord[]> {
    // The latest days when the range is longer than the search allows (pickups are soon).
    const earliest = addDays(input.to, -(SUSPENSION_SEARCH_DAYS - 1));
    const days: string[] = [];
    const first = [input.from, earliest].sort()[1] ?? input.from;
    for (let d = first; d <= input.to; d = addDays(d, 1)) days.push(d);
    const found = (
      await Promise.all(
        days.map((day) =>
          queryAll(this.doc, {
            TableName: this.tableName,
            IndexName: 'gsi2',
            KeyConditionExpression: 'gsi2pk = :pk AND begins_with(gsi2sk, :alloc)',
            // Reserved ones, and those this suspension already released (a redelivery re-publishes).
            FilterExpression: '(#s = :reserved OR releaseReason = :why) AND market = :market',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: {
              ':pk': coopDayGsi2pk(input.cooperativeId, day),
              ':alloc': 'ALLOC#',
              ':reserved': 'reserved',
              ':why': input.releaseReason,
              ':market': input.market,
            },
          }),
        ),
      )
    ).flat() as unknown as AllocationRecord[];
    if (found.length === 0) return [];
    const keys = new Map<string, { pk: string; sk: string }>();
    for (const a of found) {
      for (const l of a.lines) {
        const key = { pk: cooperativePk(a.cooperativeId), sk: batchSk(l.sku, l.batchId) };
        keys.set(`${key.pk}|${key.sk}`, key);
      }
      const pickup = { pk: orderPk(a.orderId), sk: pickupSk(a.cooperativeId) };
      keys.set(`${pickup.pk}|${pickup.sk}`, pickup);
    }
    const items = new Map(
      (await batchGetAll(this.doc, this.tableName, [...keys.values()])).map((i) => [`${i.pk}|${i.sk}`, i]),
    );
    return found.filter((a) => {
      const pickup = items.get(`${orderPk(a.orderId)}|${pickupSk(a.cooperativeId)}`);
      if (pickup && PICKED_UP.has(String(pickup.status))) return false;
      return a.lines.some((l) => {
        const batch = items.get(`${cooperativePk(a.cooperativeId)}|${batchSk(l.sku, l.batchId)}`);
        const codes = (batch?.growingAreaCodes ?? {}) as Partial<Record<ExportMarket, string>>;
        return codes[input.market] === input.code;
      });
    });
  }
}
