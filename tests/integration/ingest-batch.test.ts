/**
 * The ingest edge with a batch of orders (a spreadsheet, a batched webhook) against the real
 * DynamoDB Local: every order is validated before any is stored, so an order the canonical rules
 * refuse (a quantity of 99,999,999,999) is a field error naming it, never a 500 after the orders
 * before it were stored; the valid ones are stored and published.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { buildIngestHandler } from '../../functions/ingest-http/ingest-http.js';
import type { DomainEvent } from '../../events/catalog.js';
import { OrderStore } from '../../shared/adapters/dynamodb/order-store.js';
import type { ChannelAdapter, ChannelContext } from '../../shared/channels/types.js';
import { createLogger } from '../../shared/observability.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamodb.js';
import { rawOrder } from '../support/pipeline.js';

let dynamo: TestDynamo;
beforeAll(async () => {
  dynamo = await startTestDynamo();
}, 60_000);
afterAll(async () => {
  await dynamo?.stop();
}, 30_000);

const event = (): APIGatewayProxyEventV2 =>
  ({
    version: '2.0',
    routeKey: 'POST /v1/test-batch',
    rawPath: '/v1/test-batch',
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    body: '',
    requestContext: { requestId: 'req-1', http: { method: 'POST', path: '/v1/test-batch' } },
  }) as unknown as APIGatewayProxyEventV2;

it('a batch with one huge quantity: that order named (lines[0].quantity), the others stored, no 500', async () => {
  const tableName = await dynamo.freshTable();
  const orders = new OrderStore(dynamo.doc, tableName);
  const published: DomainEvent[] = [];
  const adapter: ChannelAdapter = {
    routes: ['POST /v1/test-batch'],
    channel: 'portal',
    async handle() {
      return {
        kind: 'orders',
        orders: [
          rawOrder('BATCH-1', 'LYCHEE-LN-5KG', 2),
          rawOrder('BATCH-2', 'LYCHEE-LN-5KG', 99_999_999_999),
          rawOrder('BATCH-3', 'LYCHEE-LN-5KG', 3),
        ],
      };
    },
  };
  const handler = buildIngestHandler({
    adapters: [adapter],
    channelContext: {} as ChannelContext,
    orders,
    publisher: {
      async publish(events) {
        published.push(...events);
      },
    },
    logger: createLogger('test', { logLevel: 'ERROR' }),
  });
  const answer = await handler(event());
  expect(answer.statusCode).toBe(200);
  const body = JSON.parse(answer.body ?? '{}') as {
    orders: Array<{ externalId: string; orderId: string }>;
    orderErrors: Array<{ externalId: string; errors: Array<{ field: string; message: string }> }>;
  };
  expect(body.orders.map((o) => o.externalId).sort()).toEqual(['BATCH-1', 'BATCH-3']);
  expect(body.orderErrors).toEqual([
    {
      externalId: 'BATCH-2',
      errors: [{ field: 'lines[0].quantity', message: expect.stringMatching(/at most 100,000 units/) }],
    },
  ]);
  for (const order of body.orders) expect(await orders.get(order.orderId)).toBeDefined();
  expect(published.filter((e) => e.detailType === 'OrderReceived')).toHaveLength(2);
});
