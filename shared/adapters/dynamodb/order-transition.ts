/**
 * The one builder of an order's status change inside a transaction (or a single UpdateItem): the
 * order moves from `from` (one status or any of several) at `version` to `to`, its version is
 * bumped, `updatedAt` and `statusReason` are set, plus whatever else the caller sets or removes.
 * The condition on (status, version) is what makes every consumer idempotent and every race
 * (allocate vs cancel vs decline vs restock) end with exactly one winner.
 */
import type { OrderStatus } from '../../domain/order.js';
import { ORDER_SK, orderPk } from './keys.js';

export interface OrderTransitionInput {
  tableName: string;
  orderId: string;
  from: OrderStatus | readonly OrderStatus[];
  to: OrderStatus;
  /** The version read; the write fails if the order changed since. */
  version: number;
  now: string;
  reason?: string;
  /** Other attributes to set (plain names; values as stored). Undefined values are skipped. */
  set?: Record<string, unknown>;
  /** Attributes to remove. */
  remove?: string[];
  /** Attributes to add to (counters). */
  increment?: Record<string, number>;
}

export interface OrderTransitionUpdate {
  TableName: string;
  Key: { pk: string; sk: string };
  UpdateExpression: string;
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

export function orderTransition(input: OrderTransitionInput): OrderTransitionUpdate {
  const names: Record<string, string> = { '#s': 'status' };
  const values: Record<string, unknown> = {
    ':to': input.to,
    ':one': 1,
    ':now': input.now,
    ':v': input.version,
  };
  const sets = ['#s = :to', 'version = version + :one', 'updatedAt = :now'];
  if (input.reason !== undefined) {
    sets.push('statusReason = :reason');
    values[':reason'] = input.reason;
  }
  let i = 0;
  for (const [name, value] of Object.entries(input.set ?? {})) {
    if (value === undefined) continue;
    names[`#a${i}`] = name;
    values[`:a${i}`] = value;
    sets.push(`#a${i} = :a${i}`);
    i++;
  }
  for (const [name, by] of Object.entries(input.increment ?? {})) {
    names[`#a${i}`] = name;
    values[`:a${i}`] = by;
    values[':zero'] = 0;
    sets.push(`#a${i} = if_not_exists(#a${i}, :zero) + :a${i}`);
    i++;
  }
  const removes: string[] = [];
  for (const name of input.remove ?? []) {
    names[`#a${i}`] = name;
    removes.push(`#a${i}`);
    i++;
  }
  const from = typeof input.from === 'string' ? [input.from] : [...input.from];
  if (from.length === 0) throw new Error('orderTransition: `from` lists no status');
  from.forEach((status, n) => {
    values[`:from${n}`] = status;
  });
  const statusCondition =
    from.length === 1 ? '#s = :from0' : `#s IN (${from.map((_, n) => `:from${n}`).join(', ')})`;
  return {
    TableName: input.tableName,
    Key: { pk: orderPk(input.orderId), sk: ORDER_SK },
    UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
    ConditionExpression: `${statusCondition} AND version = :v`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}
