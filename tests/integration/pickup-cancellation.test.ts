/**
 * Releasing an allocation after its courier was booked cancels the booking at the courier, once,
 * against the real DynamoDB Local: after the pickup was recorded (cancel-pickup), when the release
 * wins the race against book-pickup's write (book-pickup cancels what it just booked), when an
 * earlier booking attempt died before recording (the redelivery finds and cancels it), and when the
 * courier refuses because the parcel is already collected (recorded, announced, not retried).
 */
import { domainEvent } from '../../events/catalog.js';
import { orderReceivedEvent } from '../../functions/ingest-http/ingest-http.js';
import { putCatalog } from '../../shared/adapters/dynamodb/catalog-store.js';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { allocationIdFor, allocationSk, orderPk, pickupSk } from '../../shared/adapters/dynamodb/keys.js';
import { PickupStore } from '../../shared/adapters/dynamodb/pickup-store.js';
import type { StockBatch } from '../../shared/domain/cooperative.js';
import { normaliseOrder } from '../../shared/domain/normalise-order.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamodb.js';
import { cooperative, rawOrder, startPipeline } from '../support/pipeline.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const NOW = new Date('2026-06-18T01:00:00Z');
const SKU = 'LYCHEE-LN-5KG';
let dynamo: TestDynamo;

beforeAll(async () => {
  dynamo = await startTestDynamo();
}, 60_000);
afterAll(async () => {
  await dynamo?.stop();
}, 30_000);

const batch = (quantity: number): StockBatch => ({
  cooperativeId: 'coop-a',
  batchId: 'A1',
  sku: SKU,
  harvestedAt: '2026-06-18T05:00:00+07:00',
  expiresAt: '2026-06-22T05:00:00+07:00',
  coldChain: false,
  quantity,
  available: quantity,
  growingAreaCodes: {},
});

async function setup() {
  const table = await dynamo.freshTable();
  await putCatalog(dynamo.doc, table, {
    cooperatives: [cooperative('coop-a')],
    growingAreaCodes: [],
    stockBatches: [batch(10)],
  });
  const p = startPipeline(dynamo, table, { now: () => NOW });
  const pickups = new PickupStore(dynamo.doc, table);
  async function ingest(externalId: string) {
    const saved = await p.orders.saveNew(
      normaliseOrder(rawOrder(externalId, SKU, 2), NOW).order,
      'received',
      {
        correlationId: `corr-${externalId}`,
      },
    );
    const order = saved.created ? saved.record : saved.existing;
    await p.publisher.publish([orderReceivedEvent(order)]);
    return order;
  }
  const cancelEvent = (orderId: string) =>
    domainEvent('OrderCancelled', {
      version: 1,
      correlationId: 'c',
      orderId,
      reason: 'buyer changed their mind',
    });
  return { ...p, pickups, ingest, cancelEvent };
}

describe('courier booking of a released allocation', () => {
  it('is cancelled at the courier once when the release comes after the pickup was recorded', async () => {
    const t = await setup();
    const order = await t.ingest('PC-1');
    await t.drain();
    expect((await t.pickups.get(order.orderId, 'coop-a'))?.status).toBe('awaiting_pickup');

    await t.publisher.publish([t.cancelEvent(order.orderId)]);
    await t.drain();

    const pickup = await t.pickups.get(order.orderId, 'coop-a');
    expect(pickup).toMatchObject({
      status: 'cancelled',
      cancelReason: 'allocation released: buyer changed their mind',
    });
    const reference = allocationIdFor(order.orderId, 'coop-a');
    expect(t.shipments.get(reference)?.status).toBe('cancel');
    expect(t.of('PickupCancelled')).toEqual([
      expect.objectContaining({ allocationId: reference, trackingCode: `TRK-${reference}` }),
    ]);

    // A redelivered AllocationReleased changes nothing and calls the courier no more.
    const [released] = t.published.filter((e) => e.detailType === 'AllocationReleased');
    if (!released) throw new Error('no AllocationReleased');
    await t.deliverNow(released);
    await t.drain();
    expect(t.cancels).toHaveLength(1);
    expect(t.of('PickupCancelled')).toHaveLength(1);
    expect(t.deadLetters).toEqual([]);
  });

  it('is cancelled by book-pickup when the release commits while the courier is being booked', async () => {
    const t = await setup();
    let orderId = '';
    // The courier books, then — before book-pickup records it — the buyer's cancel is processed
    // and its AllocationReleased consumed: cancel-pickup finds no pickup to cancel.
    t.courierHooks.afterBook = async () => {
      t.courierHooks.afterBook = undefined;
      await t.deliverNow(t.cancelEvent(orderId));
      const released = t.published.find((e) => e.detailType === 'AllocationReleased');
      if (!released) throw new Error('the cancel released nothing');
      await t.deliverNow(released);
    };
    const order = await t.ingest('PC-2');
    orderId = order.orderId;
    await t.drain();

    const reference = allocationIdFor(order.orderId, 'coop-a');
    expect(t.booked).toHaveLength(1);
    expect(t.shipments.get(reference)?.status).toBe('cancel');
    expect(await t.pickups.get(order.orderId, 'coop-a')).toMatchObject({
      status: 'cancelled',
      trackingCode: `TRK-${reference}`,
    });
    expect(t.of('PickupBooked')).toEqual([]);
    expect(t.of('PickupCancelled')).toHaveLength(1);
    expect(t.deadLetters).toEqual([]);
  });

  it('is found and cancelled on redelivery when an earlier booking attempt died before recording it', async () => {
    const t = await setup();
    let orderId = '';
    t.courierHooks.failAfterBook = () => true;
    t.courierHooks.afterBook = async () => {
      t.courierHooks.afterBook = undefined;
      await t.deliverNow(t.cancelEvent(orderId));
    };
    const order = await t.ingest('PC-3');
    orderId = order.orderId;
    await t.drain();

    const reference = allocationIdFor(order.orderId, 'coop-a');
    expect(t.booked).toHaveLength(1);
    expect(t.shipments.get(reference)?.status).toBe('cancel');
    expect((await t.pickups.get(order.orderId, 'coop-a'))?.status).toBe('cancelled');
    expect(t.of('PickupCancelled')).toHaveLength(1);
    expect(t.deadLetters).toEqual([]);
  });

  it('is recorded cancel_refused and announced, not retried, when the parcel was already collected', async () => {
    const t = await setup();
    const order = await t.ingest('PC-4');
    await t.drain();
    const reference = allocationIdFor(order.orderId, 'coop-a');
    const shipment = t.shipments.get(reference);
    if (!shipment) throw new Error('not booked');
    shipment.status = 'picked';

    await t.publisher.publish([t.cancelEvent(order.orderId)]);
    await t.drain();

    expect(await t.pickups.get(order.orderId, 'coop-a')).toMatchObject({
      status: 'cancel_refused',
      cancelRefusedReason: 'order is picked, cannot cancel',
    });
    expect(t.of('PickupCancelRefused')).toEqual([
      expect.objectContaining({ allocationId: reference, releaseReason: 'buyer changed their mind' }),
    ]);
    expect(t.cancels).toHaveLength(1);
    expect(t.deadLetters).toEqual([]);
  });
});

describe('PickupStore.recordBooked', () => {
  it('records the pickups of reserved allocations and hands back those released meanwhile, in one batch', async () => {
    const table = await dynamo.freshTable();
    const store = new PickupStore(dynamo.doc, table);
    const pickup = (orderId: string) => ({
      pk: orderPk(orderId),
      sk: pickupSk('coop-a'),
      type: 'pickup' as const,
      allocationId: allocationIdFor(orderId, 'coop-a'),
      orderId,
      cooperativeId: 'coop-a',
      carrier: 'ghn',
      trackingCode: `TRK-${orderId}`,
      pickupDate: '2026-06-18',
      receivedAt: NOW.toISOString(),
      bookedAt: NOW.toISOString(),
      status: 'awaiting_pickup' as const,
    });
    for (const [orderId, status] of [
      ['ord-live', 'reserved'],
      ['ord-gone', 'released'],
    ] as const) {
      await dynamo.doc.send(
        new PutCommand({
          TableName: table,
          Item: { pk: orderPk(orderId), sk: allocationSk('coop-a'), type: 'allocation', status },
        }),
      );
    }

    const outcome = await store.recordBooked([pickup('ord-live'), pickup('ord-gone')]);
    expect(outcome.recorded.map((p) => p.orderId)).toEqual(['ord-live']);
    expect(outcome.released.map((p) => p.orderId)).toEqual(['ord-gone']);
    expect(await store.get('ord-live', 'coop-a')).toMatchObject({ status: 'awaiting_pickup' });
    expect(await store.get('ord-gone', 'coop-a')).toBeUndefined();

    // Recording the same booking again (a redelivery) is not an error and changes nothing.
    const again = await store.recordBooked([pickup('ord-live')]);
    expect(again).toEqual({ recorded: [expect.objectContaining({ orderId: 'ord-live' })], released: [] });
  });
});
