/**
 * The one declaration of the pipeline's shape. The CDK app (`infra/stacks`) and the local runtime
 * (`infra/local`) both read it, so what runs on a laptop is wired exactly like what runs on AWS.
 *
 * Why these numbers:
 * - visibility timeout = 6 × function timeout (AWS guidance for SQS event sources; F03), so a slow
 *   batch is never redelivered while it is still running;
 * - maxReceiveCount = 5 (F04): throttling by the concurrency cap must not push healthy orders to
 *   the DLQ after a couple of retries;
 * - maximum concurrency on the event source (not reserved concurrency) caps pressure on DynamoDB
 *   hot keys and carriers' rate limits while the queue absorbs the spike.
 */
import { SOURCES as EVENT_SOURCES } from '../events/catalog.js';
import type { EventPattern } from './local/event-pattern.js';

export interface FunctionSpec {
  /** Entry file relative to the repo root; exports `handler`. */
  entry: string;
  description: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** What the function may do with the table (least privilege in CDK). */
  table: 'read' | 'write' | 'readwrite';
  /** Whether the function publishes to the bus. */
  publishes: boolean;
}

export interface QueueSpec {
  consumer: FunctionName;
  batchSize: number;
  batchingWindowSeconds: number;
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  /** Event-source maximum concurrency (2..1000 on AWS). */
  maxConcurrency: number;
  /** Why this queue exists and why its numbers are what they are. */
  why: string;
}

export interface RuleSpec {
  name: string;
  description: string;
  pattern: EventPattern;
  target: QueueName;
}

/**
 * A timer that invokes a function directly (EventBridge Scheduler on AWS, a timer in the local
 * runtime while `npm run serve` is up). The function's handler recognises the schedule's `input`.
 */
export interface ScheduleSpec {
  name: string;
  description: string;
  /** EventBridge Scheduler `rate(...)` expression. */
  rate: `rate(${number} ${'minute' | 'minutes' | 'hour' | 'hours'})`;
  /** Delivered as the invocation's event. */
  input: Record<string, unknown>;
  target: FunctionName;
}

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  function: FunctionName;
}

export interface IndexSpec {
  name: string;
  partitionKey: string;
  sortKey: string;
}

const functions = {
  ingestHttp: {
    entry: 'functions/ingest-http/handler.ts',
    description:
      'Channel webhooks, portal order API and spreadsheet upload: verify, parse, dedupe, persist, publish',
    timeoutSeconds: 10,
    memoryMb: 1024,
    table: 'readwrite',
    publishes: true,
  },
  queryHttp: {
    entry: 'functions/query-http/handler.ts',
    description: 'Read API: order status, lot status, a cooperative’s allocations',
    timeoutSeconds: 10,
    memoryMb: 512,
    table: 'read',
    publishes: false,
  },
  allocateOrder: {
    entry: 'functions/allocate-order/handler.ts',
    description: 'Reserves stock for received orders with one DynamoDB transaction per attempt',
    timeoutSeconds: 30,
    memoryMb: 1024,
    table: 'readwrite',
    publishes: true,
  },
  bookPickup: {
    entry: 'functions/book-pickup/handler.ts',
    description: 'Books a courier pickup per allocation, idempotent on the allocation id',
    timeoutSeconds: 30,
    memoryMb: 512,
    table: 'readwrite',
    publishes: true,
  },
  notifyCooperative: {
    entry: 'functions/notify-cooperative/handler.ts',
    description: 'Tells a cooperative (in Vietnamese) what it must pick and pack',
    timeoutSeconds: 20,
    memoryMb: 256,
    table: 'readwrite',
    publishes: false,
  },
  trackLot: {
    entry: 'functions/track-lot/handler.ts',
    description: 'Opens export lots for export allocations and records lot events',
    timeoutSeconds: 20,
    memoryMb: 256,
    table: 'readwrite',
    publishes: true,
  },
  commandHttp: {
    entry: 'functions/command-http/handler.ts',
    description:
      'Signed commands: cooperatives report and adjust stock and decline allocations, channels and operators cancel orders, backorder expiry, growing-area suspension',
    timeoutSeconds: 10,
    memoryMb: 512,
    table: 'readwrite',
    publishes: true,
  },
  cancelOrder: {
    entry: 'functions/cancel-order/handler.ts',
    description: 'Cancels orders (tombstone if not seen yet) and releases their reserved stock exactly once',
    timeoutSeconds: 20,
    memoryMb: 256,
    table: 'readwrite',
    publishes: true,
  },
  retryBackorders: {
    entry: 'functions/retry-backorders/handler.ts',
    description: 'On reported stock, sends the product’s backorders back to allocation (or expires them)',
    timeoutSeconds: 30,
    memoryMb: 256,
    table: 'readwrite',
    publishes: true,
  },
  // Reallocation (issue 4): a growing-area code suspended mid-season moves its open allocations.
  moveSuspendedAllocations: {
    entry: 'functions/move-suspended-allocations/handler.ts',
    description:
      'On a suspended growing-area code, releases and re-allocates the open export allocations packed under it',
    timeoutSeconds: 60,
    memoryMb: 256,
    table: 'readwrite',
    publishes: true,
  },
  cancelPickup: {
    entry: 'functions/cancel-pickup/handler.ts',
    description:
      'Cancels the courier booking of an allocation released after its pickup was booked (GHN switch-status/cancel)',
    timeoutSeconds: 30,
    memoryMb: 256,
    table: 'readwrite',
    publishes: true,
  },
  expireBackorders: {
    entry: 'functions/retry-backorders/expire-handler.ts',
    description: 'Scheduled sweep: expires backorders that waited past their product’s limit',
    timeoutSeconds: 60,
    memoryMb: 256,
    table: 'readwrite',
    publishes: true,
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof functions;

const queues = {
  allocation: {
    consumer: 'allocateOrder',
    batchSize: 10,
    batchingWindowSeconds: 1,
    visibilityTimeoutSeconds: 6 * functions.allocateOrder.timeoutSeconds,
    maxReceiveCount: 5,
    maxConcurrency: 8,
    why: 'Absorbs the flash-sale spike; concurrency capped so stock items (hot keys) see few transaction conflicts',
  },
  pickup: {
    consumer: 'bookPickup',
    batchSize: 5,
    batchingWindowSeconds: 1,
    visibilityTimeoutSeconds: 6 * functions.bookPickup.timeoutSeconds,
    maxReceiveCount: 6,
    maxConcurrency: 6,
    why: 'Courier APIs rate-limit; the cap keeps us under them and the queue holds the backlog',
  },
  notify: {
    consumer: 'notifyCooperative',
    batchSize: 10,
    batchingWindowSeconds: 1,
    visibilityTimeoutSeconds: 6 * functions.notifyCooperative.timeoutSeconds,
    maxReceiveCount: 5,
    maxConcurrency: 4,
    why: 'Zalo/SMS gateways rate-limit; a late message is better than a lost one',
  },
  lot: {
    consumer: 'trackLot',
    batchSize: 10,
    batchingWindowSeconds: 1,
    visibilityTimeoutSeconds: 6 * functions.trackLot.timeoutSeconds,
    maxReceiveCount: 5,
    maxConcurrency: 2,
    why: 'Export lots are few; low concurrency keeps lot event order mostly stable',
  },
  cancellation: {
    consumer: 'cancelOrder',
    batchSize: 10,
    batchingWindowSeconds: 1,
    visibilityTimeoutSeconds: 6 * functions.cancelOrder.timeoutSeconds,
    maxReceiveCount: 5,
    maxConcurrency: 4,
    why: 'Cancels are few but must never be lost; each releases stock in one transaction',
  },
  restock: {
    consumer: 'retryBackorders',
    batchSize: 5,
    batchingWindowSeconds: 1,
    visibilityTimeoutSeconds: 6 * functions.retryBackorders.timeoutSeconds,
    maxReceiveCount: 5,
    maxConcurrency: 2,
    why: 'Stock reports are few; low concurrency keeps two reports of one product from racing for the same backorders',
  },
  // Reallocation (issue 4).
  suspension: {
    consumer: 'moveSuspendedAllocations',
    batchSize: 1,
    batchingWindowSeconds: 0,
    visibilityTimeoutSeconds: 6 * functions.moveSuspendedAllocations.timeoutSeconds,
    maxReceiveCount: 5,
    maxConcurrency: 2,
    why: 'Suspensions are rare and each may move many allocations: one per invocation, never lost',
  },
  pickupCancellation: {
    consumer: 'cancelPickup',
    batchSize: 5,
    batchingWindowSeconds: 1,
    visibilityTimeoutSeconds: 6 * functions.cancelPickup.timeoutSeconds,
    maxReceiveCount: 6,
    maxConcurrency: 2,
    why: 'Releases are few (cancellations, declines, suspensions); a low cap leaves the courier’s rate limit to bookings',
  },
} as const satisfies Record<string, QueueSpec>;

export type QueueName = keyof typeof queues;

const rules: RuleSpec[] = [
  {
    name: 'OrdersToAllocation',
    description: 'Every accepted order goes to allocation',
    pattern: { source: [EVENT_SOURCES.orders], 'detail-type': ['OrderReceived'] },
    target: 'allocation',
  },
  {
    name: 'AllocationsToPickup',
    description: 'An allocation needs a courier pickup at the cooperative',
    pattern: { source: [EVENT_SOURCES.orders], 'detail-type': ['OrderAllocated'] },
    target: 'pickup',
  },
  {
    name: 'AllocationsToNotify',
    description: 'The cooperative learns what to pick and pack',
    pattern: { source: [EVENT_SOURCES.orders], 'detail-type': ['OrderAllocated'] },
    target: 'notify',
  },
  {
    name: 'ReleasesToNotify',
    description:
      'A cooperative whose allocation was released (cancel, suspension, its decline) learns not to pack it',
    pattern: { source: [EVENT_SOURCES.stock], 'detail-type': ['AllocationReleased'] },
    target: 'notify',
  },
  {
    name: 'ExportAllocationsToLots',
    description:
      'Only export allocations open or join an export lot; pickups update their lot; a released one leaves it',
    pattern: {
      $or: [
        {
          source: [EVENT_SOURCES.orders],
          'detail-type': ['OrderAllocated'],
          detail: { market: [{ exists: true }] },
        },
        {
          source: [EVENT_SOURCES.logistics],
          'detail-type': ['PickupBooked'],
          detail: { market: [{ exists: true }] },
        },
        {
          source: [EVENT_SOURCES.stock],
          'detail-type': ['AllocationReleased'],
          detail: { market: [{ exists: true }] },
        },
      ],
    },
    target: 'lot',
  },
  {
    name: 'CancellationsToCancel',
    description: 'A cancel from any channel or an operator releases the order’s stock',
    pattern: { source: [EVENT_SOURCES.orders], 'detail-type': ['OrderCancelled'] },
    target: 'cancellation',
  },
  {
    name: 'ReleasesToPickupCancellation',
    description:
      'A released allocation (cancel, decline, suspension) must not be collected: cancel its courier booking',
    pattern: { source: [EVENT_SOURCES.stock], 'detail-type': ['AllocationReleased'] },
    target: 'pickupCancellation',
  },
  {
    name: 'StockToBackorders',
    description: 'Reported stock retries the backorders waiting for that product',
    pattern: { source: [EVENT_SOURCES.stock], 'detail-type': ['StockReported'] },
    target: 'restock',
  },
  // Reallocation (issue 4).
  {
    name: 'SuspensionsToMove',
    description: 'A suspended growing-area code moves the open export allocations packed under it',
    pattern: { source: [EVENT_SOURCES.stock], 'detail-type': ['GrowingAreaSuspended'] },
    target: 'suspension',
  },
];

const routes: RouteSpec[] = [
  { method: 'POST', path: '/v1/orders', function: 'ingestHttp' },
  { method: 'POST', path: '/v1/webhooks/tiktok', function: 'ingestHttp' },
  { method: 'POST', path: '/v1/webhooks/shopee', function: 'ingestHttp' },
  { method: 'GET', path: '/v1/webhooks/messenger', function: 'ingestHttp' },
  { method: 'POST', path: '/v1/webhooks/messenger', function: 'ingestHttp' },
  { method: 'POST', path: '/v1/webhooks/zalo', function: 'ingestHttp' },
  { method: 'POST', path: '/v1/webhooks/lazada', function: 'ingestHttp' },
  { method: 'POST', path: '/v1/webhooks/haravan', function: 'ingestHttp' },
  { method: 'POST', path: '/v1/webhooks/sapo', function: 'ingestHttp' },
  { method: 'POST', path: '/v1/imports/spreadsheet', function: 'ingestHttp' },
  { method: 'GET', path: '/v1/orders/{orderId}', function: 'queryHttp' },
  { method: 'GET', path: '/v1/lots/{lotId}', function: 'queryHttp' },
  { method: 'GET', path: '/v1/cooperatives/{cooperativeId}/allocations', function: 'queryHttp' },
  { method: 'GET', path: '/v1/orders/{orderId}/allocation-explanation', function: 'queryHttp' },
  { method: 'POST', path: '/v1/cooperatives/{cooperativeId}/stock', function: 'commandHttp' },
  {
    method: 'POST',
    path: '/v1/cooperatives/{cooperativeId}/stock/{batchId}/adjustments',
    function: 'commandHttp',
  },
  { method: 'POST', path: '/v1/orders/{orderId}/cancel', function: 'commandHttp' },
  { method: 'POST', path: '/v1/cancellations', function: 'commandHttp' },
  { method: 'POST', path: '/v1/backorders/expire', function: 'commandHttp' },
  // Reallocation (issue 4).
  {
    method: 'POST',
    path: '/v1/cooperatives/{cooperativeId}/allocations/{allocationId}/decline',
    function: 'commandHttp',
  },
  { method: 'POST', path: '/v1/growing-areas/{code}/suspension', function: 'commandHttp' },
];

const schedules: ScheduleSpec[] = [
  {
    name: 'ExpireBackordersEvery15Minutes',
    description:
      'Backorders past their wait (fresh lychee: 12 h) expire with a reason even when no stock is reported for them',
    // 15 min against a 12 h limit: an expired backorder is answered within 2 % of its wait.
    rate: 'rate(15 minutes)',
    input: { action: 'expire-backorders' },
    target: 'expireBackorders',
  },
];

const table = {
  /** Logical name; the physical name comes from the stack (AWS) or the runtime (local). */
  name: 'HarvestTable',
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  indexes: [
    { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  ] satisfies IndexSpec[],
} as const;

export const topology = {
  busName: 'harvest',
  table,
  functions,
  queues,
  rules,
  routes,
  schedules,
} as const;

export type Topology = typeof topology;
