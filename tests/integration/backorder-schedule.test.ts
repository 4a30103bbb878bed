/**
 * The scheduled backorder expiry (EventBridge Scheduler every 15 min on AWS, a timer under
 * `npm run serve`) against the real DynamoDB Local: the schedule's input expires what waited past
 * its limit, leaves the rest waiting, and a second run expires nothing twice.
 */
import { buildExpireBackordersHandler } from '../../functions/retry-backorders/retry-backorders.js';
import { orderReceivedEvent } from '../../functions/ingest-http/ingest-http.js';
import { putCatalog } from '../../shared/adapters/dynamodb/catalog-store.js';
import { normaliseOrder } from '../../shared/domain/normalise-order.js';
import { createLogger } from '../../shared/observability.js';
import { rateMs } from '../../infra/local/runtime.js';
import { topology } from '../../infra/topology.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamodb.js';
import { cooperative, rawOrder, startPipeline } from '../support/pipeline.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const SKU = 'LYCHEE-LN-5KG';
const MORNING = new Date('2026-06-18T01:00:00Z');
let dynamo: TestDynamo;

beforeAll(async () => {
  dynamo = await startTestDynamo();
}, 60_000);
afterAll(async () => {
  await dynamo?.stop();
}, 30_000);

describe('scheduled backorder expiry', () => {
  const [schedule] = topology.schedules;

  it('runs every 15 minutes on the expiry sweep', () => {
    expect(schedule).toMatchObject({ target: 'expireBackorders', input: { action: 'expire-backorders' } });
    expect(rateMs(schedule?.rate ?? 'rate(1 minute)')).toBe(15 * 60_000);
  });

  it('expires the backorders past their limit, once, and leaves the others waiting', async () => {
    let clock = MORNING.getTime();
    const now = () => new Date(clock);
    const table = await dynamo.freshTable();
    await putCatalog(dynamo.doc, table, {
      cooperatives: [cooperative('coop-a')],
      growingAreaCodes: [],
      stockBatches: [],
    });
    const p = startPipeline(dynamo, table, { now });
    const ingest = async (externalId: string, receivedAt: Date) => {
      const saved = await p.orders.saveNew(
        normaliseOrder(rawOrder(externalId, SKU), receivedAt).order,
        'received',
        {
          correlationId: `corr-${externalId}`,
        },
      );
      const order = saved.created ? saved.record : saved.existing;
      await p.publisher.publish([orderReceivedEvent(order)]);
      return order;
    };
    const early = await ingest('SCHED-EARLY', MORNING);
    const late = await ingest('SCHED-LATE', new Date(MORNING.getTime() + 6 * 3_600_000));
    await p.drain();
    expect((await p.orders.get(early.orderId))?.status).toBe('backordered');

    const run = buildExpireBackordersHandler({
      doc: dynamo.doc,
      tableName: table,
      lifecycle: p.lifecycle,
      publisher: p.publisher,
      now,
      logger: createLogger('test', { logLevel: 'SILENT' }),
    });
    clock = MORNING.getTime() + 13 * 3_600_000; // the early order waited 13 h, the late one 7 h
    expect(await run(schedule?.input)).toMatchObject({ expired: 1 });
    expect((await p.orders.get(early.orderId))?.status).toBe('expired');
    expect((await p.orders.get(late.orderId))?.status).toBe('backordered');

    expect(await run(schedule?.input)).toMatchObject({ expired: 0 });
    expect(p.of('OrderExpired')).toEqual([expect.objectContaining({ orderId: early.orderId })]);
  });

  it('refuses an invocation that is not the schedule’s', async () => {
    const run = buildExpireBackordersHandler({
      doc: dynamo.doc,
      tableName: 'unused',
      lifecycle: undefined as never,
      publisher: { publish: async () => undefined },
      logger: createLogger('test', { logLevel: 'SILENT' }),
    });
    await expect(run({ action: 'something-else' })).rejects.toThrow(/expire-backorders/);
  });
});
