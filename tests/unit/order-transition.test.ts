/**
 * The one builder of versioned order status changes (orderTransition) and the growing-area
 * validity rule a suspension changes (isGrowingAreaValid), plus the new cancellation reason of a
 * reservation whose growing-area code was suspended meanwhile.
 */
import { classifyCancellation, type TxItemRole } from '../../shared/adapters/dynamodb/allocation-store.js';
import { orderTransition } from '../../shared/adapters/dynamodb/order-transition.js';
import { type GrowingAreaCode, isGrowingAreaValid } from '../../shared/domain/cooperative.js';

describe('orderTransition', () => {
  it('conditions on one status and the version, bumps the version and sets the reason', () => {
    const u = orderTransition({
      tableName: 'T',
      orderId: 'ord_1',
      from: 'received',
      to: 'allocated',
      version: 3,
      now: '2026-06-18T01:00:00Z',
      reason: 'allocated in full',
    });
    expect(u.Key).toEqual({ pk: 'ORDER#ord_1', sk: 'ORDER' });
    expect(u.ConditionExpression).toBe('#s = :from0 AND version = :v');
    expect(u.UpdateExpression).toBe(
      'SET #s = :to, version = version + :one, updatedAt = :now, statusReason = :reason',
    );
    expect(u.ExpressionAttributeValues).toMatchObject({ ':from0': 'received', ':to': 'allocated', ':v': 3 });
  });

  it('accepts several from-statuses, sets, increments and removes attributes by placeholder, skipping undefined', () => {
    const u = orderTransition({
      tableName: 'T',
      orderId: 'ord_1',
      from: ['allocated', 'reallocating'],
      to: 'reallocating',
      version: 7,
      now: 'n',
      set: { pendingLines: [{ sku: 'S', quantity: 2 }], explanation: undefined },
      increment: { reallocations: 1 },
      remove: ['backorderedLines'],
    });
    expect(u.ConditionExpression).toBe('#s IN (:from0, :from1) AND version = :v');
    expect(u.UpdateExpression).toBe(
      'SET #s = :to, version = version + :one, updatedAt = :now, #a0 = :a0, #a1 = if_not_exists(#a1, :zero) + :a1 REMOVE #a2',
    );
    expect(u.ExpressionAttributeNames).toEqual({
      '#s': 'status',
      '#a0': 'pendingLines',
      '#a1': 'reallocations',
      '#a2': 'backorderedLines',
    });
    expect(u.ExpressionAttributeValues).not.toHaveProperty(':reason');
    expect(() =>
      orderTransition({ tableName: 'T', orderId: 'o', from: [], to: 'allocated', version: 1, now: 'n' }),
    ).toThrow(/lists no status/);
  });
});

describe('growing-area codes suspended mid-season', () => {
  const code: GrowingAreaCode = {
    code: 'VN-BG-JP-001',
    market: 'JP',
    cooperativeId: 'coop-a',
    areaHa: 10,
    packingHouseCode: 'PHC-1',
    validFrom: '2026-05-01',
    validTo: '2026-08-31',
    status: 'active',
  };
  it('a suspended code is valid only for pickups before its effective date', () => {
    const suspended = { ...code, status: 'suspended' as const, suspendedFrom: '2026-06-20' };
    expect(isGrowingAreaValid(code, '2026-06-20')).toBe(true);
    expect(isGrowingAreaValid(suspended, '2026-06-19')).toBe(true);
    expect(isGrowingAreaValid(suspended, '2026-06-20')).toBe(false);
    expect(isGrowingAreaValid({ ...code, status: 'suspended' }, '2026-06-01')).toBe(false);
    expect(isGrowingAreaValid({ ...code, status: 'revoked' }, '2026-06-19')).toBe(false);
  });

  it('a reservation cancelled on its growing-area check re-plans with the code named (stale), not as a changed order', () => {
    const roles: TxItemRole[] = [
      { role: 'batch', cooperativeId: 'coop-a', batchId: 'A1', sku: 'S' },
      { role: 'capacity', cooperativeId: 'coop-a' },
      { role: 'allocation', cooperativeId: 'coop-a' },
      { role: 'code', code: 'VN-BG-JP-001' },
      { role: 'order' },
      { role: 'tombstone' },
    ];
    const outcome = classifyCancellation(roles, [
      { Code: 'None' },
      { Code: 'None' },
      { Code: 'None' },
      { Code: 'ConditionalCheckFailed' },
      { Code: 'None' },
      { Code: 'None' },
    ]);
    expect(outcome).toEqual({
      kind: 'stale',
      batches: [],
      fullCooperatives: [],
      suspendedCodes: ['VN-BG-JP-001'],
    });
  });
});
