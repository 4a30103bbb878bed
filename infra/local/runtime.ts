/**
 * The local embedded runtime: the same handler builders the Lambda entry files use, wired to local
 * twins of AWS: DynamoDB Local (the real thing), an in-process EventBridge bus applying the
 * topology's rule patterns, in-process SQS queues with the topology's numbers, and an HTTP server
 * producing API Gateway HTTP API (v2) events. Couriers, marketplaces and Zalo are local sandboxes.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { buildAllocateOrderHandler } from '../../functions/allocate-order/allocate-order.js';
import { buildBookPickupHandler } from '../../functions/book-pickup/book-pickup.js';
import { buildCancelOrderHandler } from '../../functions/cancel-order/cancel-order.js';
import { buildCommandHandler } from '../../functions/command-http/command-http.js';
import { buildMoveSuspendedAllocationsHandler } from '../../functions/move-suspended-allocations/move-suspended-allocations.js';
import { buildCancelPickupHandler } from '../../functions/cancel-pickup/cancel-pickup.js';
import {
  buildBackorderSweeper,
  buildExpireBackordersHandler,
  buildRetryBackordersHandler,
  expireAllBackorders,
} from '../../functions/retry-backorders/retry-backorders.js';
import { buildIngestHandler } from '../../functions/ingest-http/ingest-http.js';
import { buildNotifyCooperativeHandler } from '../../functions/notify-cooperative/notify-cooperative.js';
import { buildQueryHandler } from '../../functions/query-http/query-http.js';
import { buildTrackLotHandler } from '../../functions/track-lot/track-lot.js';
import { GhnClient } from '../../shared/adapters/carriers/ghn.js';
import { ConcurrencyLimiter } from '../../shared/adapters/carriers/limiter.js';
import { AllocationStore } from '../../shared/adapters/dynamodb/allocation-store.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/document-client.js';
import { GrowingAreaStore } from '../../shared/adapters/dynamodb/growing-area-store.js';
import { LifecycleStore } from '../../shared/adapters/dynamodb/lifecycle-store.js';
import { buildReallocator } from '../../shared/adapters/reallocation.js';
import { StockStore } from '../../shared/adapters/dynamodb/stock-store.js';
import { OrderStore } from '../../shared/adapters/dynamodb/order-store.js';
import { PickupStore } from '../../shared/adapters/dynamodb/pickup-store.js';
import { createEventPublisher } from '../../shared/adapters/event-publisher.js';
import type { DeadLetterPort } from '../../shared/adapters/sqs-consumer.js';
import { ADAPTERS } from '../../shared/channels/index.js';
import type { ChannelSecrets } from '../../shared/channels/types.js';
import { partialFillFromEnv } from '../../shared/config.js';
import type { PartialFillConfig } from '../../shared/domain/partial-fill.js';
import { createLogger } from '../../shared/observability.js';
import { type FunctionName, type QueueName, type ScheduleSpec, topology } from '../topology.js';
import {
  type CarrierSandbox,
  SANDBOX_SHOP_ID,
  SANDBOX_TOKEN,
  startCarrierSandbox,
} from './carrier-sandbox.js';
import { localCooperativeKeys } from './cooperative-keys.js';
import { createTable, type DynamoDbLocal, localClient, startDynamoDbLocal } from './dynamodb-local.js';
import { LocalEventBus, queueTarget } from './event-bus.js';
import { startHttpServer } from './http-server.js';
import { createMarketplaceSandbox, type MarketplaceSandbox, sandboxSecrets } from './marketplace-sandbox.js';
import { NotificationSink } from './notification-sink.js';
import { LocalQueue } from './queue.js';

export interface LocalRuntimeOptions {
  /** Multiplies queue durations (visibility timeout, batching window): 0.02 makes 180 s 3.6 s. */
  timeScale?: number;
  logLevel?: string;
  /** Reuse a running DynamoDB Local (tests share one); otherwise one is started and owned. */
  dynamoEndpoint?: string;
  tableName?: string;
  carrier?: { latencyMs?: [number, number]; failureRate?: number; timeoutRate?: number; seed?: number };
  marketplace?: { latencyMs?: number | [number, number]; failureRate?: number; seed?: number };
  /** Port for the HTTP API; 0 (default) picks a free one. Always bound to 127.0.0.1. */
  port?: number;
  /**
   * The pipeline's clock. The demo runs a June harvest day whatever today is, so receipt times,
   * pickup dates, freshness and growing-area code validity all follow the scenario's calendar.
   */
  clock?: () => Date;
  /**
   * Requests in flight to DynamoDB Local at once. It is one Java process sharing the cores with
   * Node: past a few dozen concurrent requests it queues internally and gets slower overall.
   */
  dynamoConcurrency?: number;
  /** Per-channel partial-fill policy; default: PARTIAL_FILL_POLICY from the environment, else the defaults. */
  partialFill?: PartialFillConfig;
  /**
   * Run the topology's schedules on timers (real time, not the scenario clock). On for
   * `npm run serve`; off for `npm start` and tests, whose backorder sweep is an explicit operator
   * request at a chosen scenario time, so that runs stay reproducible.
   */
  runSchedules?: boolean;
}

export interface LocalRuntime {
  url: string;
  tableName: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  bus: LocalEventBus;
  queues: Record<QueueName, LocalQueue>;
  deadLetterQueues: Record<QueueName, LocalQueue>;
  carrier: CarrierSandbox;
  marketplace: MarketplaceSandbox;
  notifications: NotificationSink;
  secrets: ChannelSecrets;
  clock: () => Date;
  /** DynamoDB requests so far, by operation (count and summed latency). */
  dynamoRequests: Record<string, { count: number; totalMs: number }>;
  /** Resolves when every queue is empty and nothing is in flight. */
  drain(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** `rate(15 minutes)` → 900000. */
export function rateMs(rate: ScheduleSpec['rate']): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours)\)$/.exec(rate);
  if (!match) throw new Error(`unsupported schedule rate ${rate}`);
  return Number(match[1]) * (match[2]?.startsWith('hour') ? 3_600_000 : 60_000);
}

export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const timeScale = options.timeScale ?? 0.02;
  const now = options.clock ?? (() => new Date());
  const logLevel = options.logLevel ?? 'SILENT';
  // Configuration first: a bad value fails before DynamoDB Local starts, naming the variable.
  const partialFill = options.partialFill ?? partialFillFromEnv();
  const cleanups: Array<() => Promise<void> | void> = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };

  try {
    let dynamo: DynamoDbLocal | undefined;
    if (!options.dynamoEndpoint) {
      dynamo = await startDynamoDbLocal();
      cleanups.push(() => dynamo?.stop());
    }
    const endpoint = options.dynamoEndpoint ?? (dynamo as DynamoDbLocal).endpoint;
    const client = localClient(endpoint);
    cleanups.push(() => client.destroy());
    // Every request to DynamoDB Local counted by operation, with its time: the local ceiling is
    // DynamoDB Local's request rate, so the report says how many requests each order costs.
    const dynamoRequests: Record<string, { count: number; totalMs: number }> = {};
    const dynamoSlots = new ConcurrencyLimiter(options.dynamoConcurrency ?? 24);
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const started = performance.now();
        try {
          return await dynamoSlots.run(() => next(args));
        } finally {
          const name = String(context.commandName);
          const stat = dynamoRequests[name] ?? { count: 0, totalMs: 0 };
          stat.count++;
          stat.totalMs += performance.now() - started;
          dynamoRequests[name] = stat;
        }
      },
      { step: 'initialize', name: 'harvestRequestCounter' },
    );
    const tableName =
      options.tableName ?? `harvest-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    await createTable(client, tableName);
    const doc = createDocumentClient(client);

    const carrier = await startCarrierSandbox({
      seed: options.carrier?.seed ?? 7,
      latencyMs: options.carrier?.latencyMs ?? [5, 40],
      failureRate: options.carrier?.failureRate ?? 0.01,
      timeoutRate: options.carrier?.timeoutRate ?? 0,
      now,
    });
    cleanups.push(() => carrier.stop());
    const marketplace = createMarketplaceSandbox({
      latencyMs: options.marketplace?.latencyMs ?? [2, 15],
      failureRate: options.marketplace?.failureRate ?? 0,
      seed: options.marketplace?.seed ?? 11,
    });
    const notifications = new NotificationSink();
    const secrets = sandboxSecrets();

    // Queues first (the bus targets them), consumers attached below.
    const deadLetterQueues = {} as Record<QueueName, LocalQueue>;
    const queues = {} as Record<QueueName, LocalQueue>;
    const consumers = {} as Record<
      QueueName,
      (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>
    >;
    for (const [name, spec] of Object.entries(topology.queues) as Array<
      [QueueName, (typeof topology.queues)[QueueName]]
    >) {
      const fn = topology.functions[spec.consumer];
      const dlq = new LocalQueue({
        name: `${name}-dlq`,
        spec: { ...spec, maxReceiveCount: Number.MAX_SAFE_INTEGER },
      });
      deadLetterQueues[name] = dlq;
      queues[name] = new LocalQueue({
        name,
        spec,
        functionName: spec.consumer,
        // The function timeout is real time (a handler is not faster because queues are scaled).
        functionTimeoutSeconds: fn.timeoutSeconds / timeScale,
        // A running handler keeps its messages for the real visibility timeout (≥ 6× its function
        // timeout, as on AWS); only a reported failure waits the scaled one before its retry.
        inflightVisibilityMs: spec.visibilityTimeoutSeconds * 1000,
        memoryMb: fn.memoryMb,
        deadLetter: dlq,
        timeScale,
        consumer: (event, context) =>
          (consumers[name] as NonNullable<(typeof consumers)[QueueName]>)(event, context),
      });
    }

    const bus = new LocalEventBus({
      name: topology.busName,
      rules: topology.rules.map((rule) => ({
        name: rule.name,
        pattern: rule.pattern,
        target: queueTarget(queues[rule.target]),
      })),
    });
    const publisher = createEventPublisher({
      busName: topology.busName,
      putEvents: async (entries) =>
        bus.putEvents(
          entries.map((e) => ({
            source: e.Source ?? '',
            detailType: e.DetailType ?? '',
            detail: e.Detail ?? '{}',
            eventBusName: e.EventBusName,
          })),
        ),
    });
    const deadLetterFor = (name: QueueName): DeadLetterPort => ({
      async send(record, reason) {
        deadLetterQueues[name].send(record.body, {
          deadLetterReason: reason,
          sourceMessageId: record.messageId,
          receiveCount: record.attributes.ApproximateReceiveCount,
        });
      },
    });
    const orders = new OrderStore(doc, tableName);
    const allocations = new AllocationStore(doc, tableName);
    const logger = (fn: FunctionName) => createLogger(fn, { logLevel });

    consumers.allocation = buildAllocateOrderHandler({
      orders,
      allocations,
      publisher,
      now,
      logger: logger('allocateOrder'),
      deadLetter: deadLetterFor('allocation'),
      maxReceiveCount: topology.queues.allocation.maxReceiveCount,
      // The same variable and parser as the Lambda's config (shared/config.ts).
      partialFill,
    });
    // One client (one limiter) for bookings and cancellations, as one container would hold.
    const ghn = new GhnClient({
      baseUrl: carrier.url,
      token: SANDBOX_TOKEN,
      shopId: SANDBOX_SHOP_ID,
      timeoutMs: 2_000,
      maxConcurrency: 16,
    });
    consumers.pickup = buildBookPickupHandler({
      doc,
      tableName,
      allocations,
      carriers: { ghn },
      defaultCarrier: 'ghn',
      publisher,
      now,
      logger: logger('bookPickup'),
      deadLetter: deadLetterFor('pickup'),
      maxReceiveCount: topology.queues.pickup.maxReceiveCount,
    });
    consumers.pickupCancellation = buildCancelPickupHandler({
      pickups: new PickupStore(doc, tableName),
      carriers: { ghn },
      publisher,
      now,
      logger: logger('cancelPickup'),
      deadLetter: deadLetterFor('pickupCancellation'),
      maxReceiveCount: topology.queues.pickupCancellation.maxReceiveCount,
    });
    consumers.notify = buildNotifyCooperativeHandler({
      doc,
      tableName,
      allocations,
      notifier: notifications,
      logger: logger('notifyCooperative'),
      deadLetter: deadLetterFor('notify'),
      maxReceiveCount: topology.queues.notify.maxReceiveCount,
    });
    consumers.lot = buildTrackLotHandler({
      doc,
      tableName,
      publisher,
      now,
      logger: logger('trackLot'),
      deadLetter: deadLetterFor('lot'),
      maxReceiveCount: topology.queues.lot.maxReceiveCount,
    });
    const lifecycle = new LifecycleStore(doc, tableName);
    consumers.cancellation = buildCancelOrderHandler({
      lifecycle,
      allocations,
      publisher,
      now,
      logger: logger('cancelOrder'),
      deadLetter: deadLetterFor('cancellation'),
      maxReceiveCount: topology.queues.cancellation.maxReceiveCount,
    });
    consumers.restock = buildRetryBackordersHandler({
      doc,
      tableName,
      lifecycle,
      publisher,
      now,
      logger: logger('retryBackorders'),
      deadLetter: deadLetterFor('restock'),
      maxReceiveCount: topology.queues.restock.maxReceiveCount,
    });
    const sweepBackorders = buildBackorderSweeper({
      doc,
      tableName,
      lifecycle,
      publisher,
      now,
      logger: logger('commandHttp'),
    });
    const reallocate = buildReallocator({ lifecycle, publisher, now, logger: logger('commandHttp') });
    const growingAreas = new GrowingAreaStore(doc, tableName);
    consumers.suspension = buildMoveSuspendedAllocationsHandler({
      growingAreas,
      reallocate: buildReallocator({ lifecycle, publisher, now, logger: logger('moveSuspendedAllocations') }),
      now,
      logger: logger('moveSuspendedAllocations'),
      deadLetter: deadLetterFor('suspension'),
      maxReceiveCount: topology.queues.suspension.maxReceiveCount,
    });
    const scheduled: Partial<Record<FunctionName, (event: unknown) => Promise<unknown>>> = {
      expireBackorders: buildExpireBackordersHandler({
        doc,
        tableName,
        lifecycle,
        publisher,
        now,
        logger: logger('expireBackorders'),
      }),
    };
    if (options.runSchedules) {
      for (const spec of topology.schedules) {
        const run = scheduled[spec.target];
        if (!run) throw new Error(`no local handler for the schedule ${spec.name} (${spec.target})`);
        const timer = setInterval(() => {
          run(structuredClone(spec.input)).catch((error: unknown) =>
            logger(spec.target).error('scheduled run failed', { schedule: spec.name, error }),
          );
        }, rateMs(spec.rate));
        timer.unref();
        cleanups.push(() => clearInterval(timer));
      }
    }
    for (const queue of Object.values(queues)) queue.start();
    cleanups.push(async () => {
      await Promise.all(Object.values(queues).map((q) => q.stop()));
      await Promise.all(Object.values(deadLetterQueues).map((q) => q.stop()));
    });

    const httpHandlers: Partial<
      Record<
        FunctionName,
        (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>
      >
    > = {
      ingestHttp: buildIngestHandler({
        adapters: ADAPTERS,
        channelContext: { secrets, now, marketplace },
        orders,
        publisher,
        now,
        logger: logger('ingestHttp'),
      }),
      queryHttp: buildQueryHandler({ doc, tableName, logger: logger('queryHttp'), now }),
      commandHttp: buildCommandHandler({
        stock: new StockStore(doc, tableName),
        publisher,
        now,
        logger: logger('commandHttp'),
        cooperativeKey: localCooperativeKeys,
        portalKeys: secrets.portalApiKeys,
        portalKeyGrants: secrets.portalKeyGrants,
        operatorKeys: secrets.importApiKeys,
        expireBackorders: () => expireAllBackorders(sweepBackorders),
        reallocate,
        growingAreas,
      }),
    };
    const server = await startHttpServer({
      port: options.port ?? 0,
      routes: topology.routes.map((route) => {
        const handler = httpHandlers[route.function];
        if (!handler) throw new Error(`no local handler for ${route.function}`);
        return {
          method: route.method,
          path: route.path,
          handler,
          functionName: route.function,
          timeoutSeconds: topology.functions[route.function].timeoutSeconds,
        };
      }),
    });
    cleanups.push(() => server.close());

    return {
      url: server.url,
      tableName,
      client,
      doc,
      bus,
      queues,
      deadLetterQueues,
      carrier,
      marketplace,
      notifications,
      secrets,
      clock: now,
      dynamoRequests,
      drain: async (timeoutMs = 120_000) => {
        // Draining one queue can feed another (allocation → pickup → lot): loop until all are idle.
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          for (const q of Object.values(queues))
            await q.drain({ timeoutMs: Math.max(1, deadline - Date.now()) });
          if (Object.values(queues).every((q) => q.isIdle())) return;
        }
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
