/**
 * An export allocation released after it joined its lot (cancel, decline, growing-area suspension)
 * leaves the lot: the member is marked released, the lot's units and member count are taken back
 * once, and a decommissioning event is recorded. A release handled before the allocation joined
 * (queues do not keep order) keeps the late join out. Against DynamoDB Local.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DomainEvent } from '../../events/catalog.js';
import { buildTrackLotHandler, lotIdFor } from '../../functions/track-lot/track-lot.js';
import { lotPk } from '../../shared/adapters/dynamodb/keys.js';
import { createLogger } from '../../shared/observability.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamodb.js';
import { busEnvelope, lambdaContext, sqsEvent } from '../support/sqs.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let dynamo: TestDynamo;
beforeAll(async () => {
  dynamo = await startTestDynamo();
}, 60_000);
afterAll(async () => {
  await dynamo?.stop();
}, 30_000);

const LOT = { exporterId: 'exp-1', market: 'EU' as const, pickupDate: '2026-06-18' };
const lotId = lotIdFor(LOT.exporterId, LOT.market, LOT.pickupDate);

async function setup() {
  const table = await dynamo.freshTable();
  const published: DomainEvent[] = [];
  const handler = buildTrackLotHandler({
    doc: dynamo.doc,
    tableName: table,
    publisher: { publish: async (events) => void published.push(...events) },
    logger: createLogger('lot-test', { logLevel: 'SILENT' }),
    maxReceiveCount: 5,
    now: () => new Date('2026-06-18T02:00:00Z'),
  });
  const run = async (...bodies: string[]) =>
    expect(await handler(sqsEvent(...bodies), lambdaContext)).toEqual({ batchItemFailures: [] });
  const detail = (n: number, quantity: number) => ({
    orderId: `ord_${n}`,
    allocationId: `ord_${n}.coop-a`,
    cooperativeId: 'coop-a',
    lines: [{ sku: 'LYCHEE-LN-5KG', batchId: 'A1', quantity }],
    ...LOT,
  });
  const allocated = (n: number, quantity: number) =>
    busEnvelope('OrderAllocated', { ...detail(n, quantity), receivedAt: '2026-06-18T01:00:00.000Z' });
  const released = (n: number, quantity: number) =>
    busEnvelope('AllocationReleased', { ...detail(n, quantity), reason: 'growing_area_suspended: VN-1' });
  const lot = async () => {
    const items = (
      await dynamo.doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': lotPk(lotId) },
        }),
      )
    ).Items as Array<Record<string, unknown>>;
    return {
      head: items.find((i) => i.type === 'lot'),
      members: items.filter((i) => i.type === 'lot-member'),
      steps: items
        .filter((i) => i.type === 'lot-event')
        .map((i) => `${i.step} ${i.allocationId}`)
        .sort(),
    };
  };
  return { run, allocated, released, lot, published };
}

describe('export lot and released allocations', () => {
  it('takes a released member out of the lot once, with a decommissioning event', async () => {
    const t = await setup();
    await t.run(t.allocated(1, 3), t.allocated(2, 5));
    expect((await t.lot()).head).toMatchObject({ units: 8, members: 2 });

    await t.run(t.released(1, 3));
    await t.run(t.released(1, 3)); // redelivered
    const after = await t.lot();
    expect(after.head).toMatchObject({ units: 5, members: 1 });
    expect(after.members.find((m) => m.allocationId === 'ord_1.coop-a')).toMatchObject({
      status: 'released',
      releaseReason: 'growing_area_suspended: VN-1',
    });
    expect(after.steps).toEqual([
      'commissioning ord_1.coop-a',
      'commissioning ord_2.coop-a',
      'decommissioning ord_1.coop-a',
    ]);
    const decommissioned = t.published.filter(
      (e) => e.detailType === 'LotEventRecorded' && (e.detail as { step: string }).step === 'decommissioning',
    );
    expect(decommissioned).toHaveLength(1);
  });

  it('keeps out an allocation whose release was handled before it joined', async () => {
    const t = await setup();
    await t.run(t.allocated(2, 5));
    await t.run(t.released(1, 3));
    await t.run(t.allocated(1, 3)); // the late join
    const after = await t.lot();
    expect(after.head).toMatchObject({ units: 5, members: 1 });
    expect(after.members.filter((m) => m.status !== 'released').map((m) => m.allocationId)).toEqual([
      'ord_2.coop-a',
    ]);
    expect(after.steps).toEqual(['commissioning ord_2.coop-a']);
  });

  it('ignores the release of a domestic allocation', async () => {
    const t = await setup();
    await t.run(t.allocated(2, 5));
    await t.run(
      busEnvelope('AllocationReleased', {
        orderId: 'ord_9',
        allocationId: 'ord_9.coop-a',
        cooperativeId: 'coop-a',
        lines: [{ sku: 'LYCHEE-LN-5KG', batchId: 'A1', quantity: 1 }],
        reason: 'buyer cancelled',
      }),
    );
    expect((await t.lot()).head).toMatchObject({ units: 5, members: 1 });
  });
});
