/**
 * A cooperative whose allocation is released is told not to pack it, once; and a queue that hands
 * the release over before the allocation's own message never makes it say "pack this" afterwards.
 * Against DynamoDB Local (the allocation's stored status decides) and the local Zalo sink.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { buildNotifyCooperativeHandler } from '../../functions/notify-cooperative/notify-cooperative.js';
import { NotificationSink } from '../../infra/local/notification-sink.js';
import { AllocationStore } from '../../shared/adapters/dynamodb/allocation-store.js';
import { putCatalog } from '../../shared/adapters/dynamodb/catalog-store.js';
import { allocationSk, orderPk } from '../../shared/adapters/dynamodb/keys.js';
import { createLogger } from '../../shared/observability.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamodb.js';
import { cooperative } from '../support/pipeline.js';
import { busEnvelope as envelope, lambdaContext as context, sqsEvent as sqs } from '../support/sqs.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const lines = [{ sku: 'LYCHEE-LN-5KG', batchId: 'A1', quantity: 2 }];
let dynamo: TestDynamo;

beforeAll(async () => {
  dynamo = await startTestDynamo();
}, 60_000);
afterAll(async () => {
  await dynamo?.stop();
}, 30_000);

async function setup() {
  const table = await dynamo.freshTable();
  await putCatalog(dynamo.doc, table, {
    cooperatives: [cooperative('coop-a')],
    growingAreaCodes: [],
    stockBatches: [],
  });
  const sink = new NotificationSink();
  const handler = buildNotifyCooperativeHandler({
    doc: dynamo.doc,
    tableName: table,
    allocations: new AllocationStore(dynamo.doc, table),
    notifier: sink,
    logger: createLogger('notify-test', { logLevel: 'SILENT' }),
    maxReceiveCount: 5,
  });
  const putAllocation = (orderId: string, status: 'reserved' | 'released') =>
    dynamo.doc.send(
      new PutCommand({
        TableName: table,
        Item: {
          pk: orderPk(orderId),
          sk: allocationSk('coop-a'),
          type: 'allocation',
          allocationId: `${orderId}.coop-a`,
          orderId,
          cooperativeId: 'coop-a',
          lines,
          status,
        },
      }),
    );
  const allocated = (orderId: string) =>
    envelope('OrderAllocated', {
      orderId,
      allocationId: `${orderId}.coop-a`,
      cooperativeId: 'coop-a',
      lines,
      pickupDate: '2026-06-18',
      receivedAt: '2026-06-18T01:00:00.000Z',
    });
  const released = (orderId: string, reason: string) =>
    envelope('AllocationReleased', {
      orderId,
      allocationId: `${orderId}.coop-a`,
      cooperativeId: 'coop-a',
      lines,
      reason,
    });
  return { sink, handler, putAllocation, allocated, released };
}

describe('release notifications', () => {
  it('tells the cooperative to pack, then not to pack once the buyer cancels; a redelivery sends nothing twice', async () => {
    const t = await setup();
    await t.putAllocation('ord_1', 'reserved');
    expect(await t.handler(sqs(t.allocated('ord_1')), context)).toEqual({ batchItemFailures: [] });
    await t.putAllocation('ord_1', 'released');
    await t.handler(sqs(t.released('ord_1', 'buyer cancelled')), context);
    await t.handler(sqs(t.released('ord_1', 'buyer cancelled')), context);

    const texts = t.sink.messages().map((m) => m.text);
    expect(texts).toHaveLength(2);
    expect(texts[0]).toContain('nhận đơn ord_1');
    expect(texts[1]).toContain('đã bị huỷ, KHÔNG đóng gói');
  });

  it('sends no "pack this" for an allocation already released when its message comes after the release', async () => {
    const t = await setup();
    await t.putAllocation('ord_2', 'released');
    await t.putAllocation('ord_3', 'reserved');
    // One batch: the release of ord_2 and the (late) allocation messages of ord_2 and ord_3.
    const result = await t.handler(
      sqs(
        t.released('ord_2', 'growing_area_suspended: VN-BGLN-0159'),
        t.allocated('ord_2'),
        t.allocated('ord_3'),
      ),
      context,
    );
    expect(result).toEqual({ batchItemFailures: [] });
    const byId = new Map(t.sink.messages().map((m) => [m.messageId, m.text]));
    expect([...byId.keys()].sort()).toEqual(['ord_2.coop-a:released', 'ord_3.coop-a']);
    expect(byId.get('ord_2.coop-a:released')).toContain('Mã vùng trồng VN-BGLN-0159 đang bị tạm dừng');
  });
});
