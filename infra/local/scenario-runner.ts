/**
 * Runs a harvest-day scenario end to end through the local runtime: seeds the cooperatives, codes
 * and stock into DynamoDB Local, then acts as every provider, sending signed native payloads over
 * real HTTP (with the providers' redeliveries), waits for the queues to drain and reads the report
 * back from the table.
 */
import {
  type Encoded,
  encodeChat,
  encodeHaravan,
  encodeLazada,
  encodeMessenger,
  encodePortal,
  encodeShopee,
  encodeSpreadsheet,
  encodeSapo,
  encodeTiktok,
  encodeZalo,
} from '../../shared/channels/encoders.js';
import { putCatalog } from '../../shared/adapters/dynamodb/catalog-store.js';
import { mapLimit } from '../../shared/concurrency.js';
import { INGESTED_CHANNELS } from '../../shared/channels/index.js';
import { generateScenario, type ScenarioOrder } from '../../shared/demo/scenario.js';
import type { Channel } from '../../shared/domain/order.js';
import { buildReport, type HarvestReport } from './report.js';
import { cancelBeforeArrival, restOfTheDay, scenarioOrderId } from './scenario-lifecycle.js';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from './runtime.js';

export interface ScenarioOptions {
  orders: number;
  seed: number;
  /** Requests in flight at once (the providers' combined webhook pressure). */
  concurrency?: number;
  /** YYYY-MM-DD in the main crop (default 2026-06-18). */
  harvestDay?: string;
  /** Orders per spreadsheet upload (Postmart/Voso exports). */
  spreadsheetRows?: number;
  runtime?: LocalRuntimeOptions;
  onPhase?: (phase: string) => void;
  onProgress?: (progress: Progress) => void;
}

export interface Progress {
  sent: number;
  total: number;
  received: number;
  allocated: number;
  pickupsBooked: number;
}

interface Delivery {
  channel: Channel;
  encode: (now: Date) => Encoded;
  /** How many times the provider sends it (1 + redeliveries). */
  times: number;
  orders: number;
}

function deliveriesFor(
  scenario: ScenarioOrder[],
  runtime: LocalRuntime,
  spreadsheetRows: number,
): Delivery[] {
  const secrets = runtime.secrets;
  const deliveries: Delivery[] = [];
  const sheets: Record<'postmart' | 'voso', ScenarioOrder[]> = { postmart: [], voso: [] };
  const uploads = { postmart: 0, voso: 0 };
  const flushSheet = (source: 'postmart' | 'voso') => {
    const rows = sheets[source];
    if (rows.length === 0) return;
    sheets[source] = [];
    const orders = rows.map((r) => r.order);
    // Operators upload what the marketplace gave them: every other export is an XLSX workbook.
    const format = uploads[source]++ % 2 === 1 ? 'xlsx' : 'csv';
    deliveries.push({
      channel: source,
      encode: (now) => encodeSpreadsheet(orders, source, secrets, now, undefined, format),
      times: 1 + Math.max(0, ...rows.map((r) => Math.min(1, r.redeliveries))),
      orders: orders.length,
    });
  };
  for (const item of scenario) {
    const { order } = item;
    const times = 1 + item.redeliveries;
    switch (order.channel) {
      case 'postmart':
      case 'voso':
        sheets[order.channel].push(item);
        if (sheets[order.channel].length >= spreadsheetRows) flushSheet(order.channel);
        break;
      case 'tiktok':
        deliveries.push({
          channel: 'tiktok',
          encode: (now) => encodeTiktok(order, secrets, now),
          times,
          orders: 1,
        });
        break;
      case 'shopee':
        deliveries.push({
          channel: 'shopee',
          encode: (now) => encodeShopee(order, secrets, now),
          times,
          orders: 1,
        });
        break;
      case 'messenger':
        deliveries.push({
          channel: 'messenger',
          encode: (now) => encodeMessenger(order, secrets, now),
          times,
          orders: 1,
        });
        break;
      case 'zalo':
        deliveries.push({
          channel: 'zalo',
          encode: (now) => encodeZalo(order, secrets, now),
          times,
          orders: 1,
        });
        break;
      case 'lazada':
        deliveries.push({
          channel: 'lazada',
          encode: (now) => encodeLazada(order, secrets, now),
          times,
          orders: 1,
        });
        break;
      case 'haravan':
        deliveries.push({
          channel: 'haravan',
          encode: (now) => encodeHaravan(order, secrets, now),
          times,
          orders: 1,
        });
        break;
      case 'sapo':
        deliveries.push({
          channel: 'sapo',
          encode: (now) => encodeSapo(order, secrets, now),
          times,
          orders: 1,
        });
        break;
      case 'chat': // free text through Zalo or Messenger
        deliveries.push({
          channel: 'chat',
          encode: (now) => encodeChat(order, secrets, now),
          times,
          orders: 1,
        });
        break;
      case 'portal':
        deliveries.push({
          channel: 'portal',
          encode: (now) => encodePortal(order, secrets, now),
          times,
          orders: 1,
        });
        break;
      default: {
        // Every channel needs its own case: a new channel without one is a compile error here,
        // not an order silently sent through the portal API.
        const unhandled: never = order.channel;
        throw new Error(`no delivery for channel ${String(unhandled)}`);
      }
    }
  }
  flushSheet('postmart');
  flushSheet('voso');
  return deliveries;
}

export async function runScenario(options: ScenarioOptions): Promise<HarvestReport> {
  const phase = options.onPhase ?? (() => {});
  const harvestDay = options.harvestDay ?? '2026-06-18';
  // The run happens on the scenario's harvest day, from 08:00 in Bắc Ninh, at real speed.
  const dayStart = Date.parse(`${harvestDay}T08:00:00+07:00`);
  const realStart = Date.now();
  // The end-of-day sweep moves the clock to the evening (setClock); until then, real speed.
  let skewMs = 0;
  const clock = () => new Date(dayStart + (Date.now() - realStart) + skewMs);
  const setClock = (iso: string) => {
    skewMs += Date.parse(iso) - clock().getTime();
  };
  phase('starting DynamoDB Local and the local runtime');
  const runtime = await startLocalRuntime({ ...options.runtime, clock });
  try {
    phase('generating the harvest day and seeding cooperatives, growing-area codes and stock');
    const scenario = generateScenario({
      seed: options.seed,
      orders: options.orders,
      harvestDay,
      channels: INGESTED_CHANNELS,
    });
    await putCatalog(runtime.doc, runtime.tableName, scenario);
    const deliveries = deliveriesFor(scenario.orders, runtime, options.spreadsheetRows ?? 40);

    phase(
      `sending ${scenario.orders.length} orders from ${new Set(deliveries.map((d) => d.channel)).size} channels over HTTP`,
    );
    const accepted = new Set<string>();
    const http: Record<string, number> = {};
    /** Refused requests by channel, status and the error the API named (what a seller would see). */
    const refused: Record<string, number> = {};
    let requestsSent = 0;
    let redeliveriesSent = 0;
    let ordersSent = 0;
    const total = scenario.orders.length;
    const progress = (): Progress => {
      const counts = runtime.bus.stats().byDetailType;
      return {
        sent: ordersSent,
        total,
        received: counts.OrderReceived ?? 0,
        allocated: counts.OrderAllocated ?? 0,
        pickupsBooked: counts.PickupBooked ?? 0,
      };
    };
    const ticker = setInterval(() => options.onProgress?.(progress()), 200);

    async function send(delivery: Delivery, attempt: number): Promise<void> {
      const encoded = delivery.encode(clock());
      if (encoded.record) runtime.marketplace.hold(encoded.record);
      const { request } = encoded;
      const query = new URLSearchParams(request.query).toString();
      const response = await fetch(`${runtime.url}${request.path}${query ? `?${query}` : ''}`, {
        method: request.method,
        headers: request.headers,
        body: request.method === 'GET' ? undefined : request.body,
      });
      const text = await response.text();
      requestsSent++;
      if (attempt > 0) redeliveriesSent++;
      http[String(response.status)] = (http[String(response.status)] ?? 0) + 1;
      if (response.status >= 400) {
        let what = text.slice(0, 160);
        try {
          const body = JSON.parse(text) as {
            message?: string;
            errors?: Array<{ field?: string; message?: string }>;
          };
          const fields = body.errors?.map((e) => `${e.field}: ${e.message}`).join('; ');
          what = [body.message, fields].filter(Boolean).join(' - ').slice(0, 200) || what;
        } catch {
          // Not JSON: keep the start of the text.
        }
        const key = `${response.status} ${delivery.channel}: ${what}`;
        refused[key] = (refused[key] ?? 0) + 1;
      }
      if (response.ok) {
        let ids: string[] | undefined;
        try {
          const body = JSON.parse(text) as { orderId?: string; orders?: Array<{ orderId: string }> };
          ids = body.orderId ? [body.orderId] : body.orders?.map((o) => o.orderId);
        } catch {
          // Shopee's ack is an empty body: the ids follow from the request.
        }
        for (const id of ids ??
          encoded.externalIds.map((e) => scenarioOrderId(runtime.secrets, delivery.channel, e)))
          accepted.add(id);
      }
    }

    // Count only the run itself, not the seeding.
    for (const key of Object.keys(runtime.dynamoRequests)) delete runtime.dynamoRequests[key];
    const startedAt = Date.now();
    // Providers resend some deliveries: the copies go out later in the day, interleaved.
    const queue: Array<{ delivery: Delivery; attempt: number }> = [];
    const resends: Array<{ delivery: Delivery; attempt: number }> = [];
    for (const d of deliveries) {
      queue.push({ delivery: d, attempt: 0 });
      for (let i = 1; i < d.times; i++) resends.push({ delivery: d, attempt: i });
    }
    for (const [i, r] of resends.entries()) {
      const at = Math.floor(((i + 1) * queue.length) / (resends.length + 1)) + 20;
      queue.splice(Math.min(queue.length, at), 0, r);
    }
    const cancelsBeforeArrival = await cancelBeforeArrival(runtime, scenario, clock);
    await mapLimit(queue, options.concurrency ?? 24, async (item) => {
      await send(item.delivery, item.attempt);
      if (item.attempt === 0) ordersSent += item.delivery.orders;
    });
    phase('draining the queues (allocation → pickups, notifications, export lots)');
    await runtime.drain();
    const finishedAt = Date.now();
    // Speed figures cover the orders' run, not the rest-of-the-day phase below.
    const dynamoAtDrain = structuredClone(runtime.dynamoRequests);
    clearInterval(ticker);
    options.onProgress?.(progress());
    phase(
      'the rest of the day: cancellations, declines, a growing-area suspension, afternoon harvest (backorders retried), 20:30 backorder sweep',
    );
    const lifecycle = {
      ...(await restOfTheDay(runtime, scenario, clock, setClock, harvestDay)),
      cancelsBeforeArrival,
    };

    phase('reading the results back from DynamoDB');
    const deadLetters: Record<string, Array<{ reason: string }>> = {};
    for (const [name, dlq] of Object.entries(runtime.deadLetterQueues)) {
      deadLetters[name] = dlq.peek().map((m) => ({ reason: m.attributes?.deadLetterReason ?? 'unknown' }));
    }
    return await buildReport(runtime.doc, runtime.tableName, {
      acceptedOrderIds: accepted,
      startedAt,
      finishedAt,
      http,
      refused,
      requestsSent,
      redeliveriesSent,
      deadLetters,
      carrierLedger: runtime.carrier.shipments(),
      notificationsSent: runtime.notifications.messages().filter((m) => !m.messageId.endsWith(':released'))
        .length,
      releaseNotificationsSent: runtime.notifications
        .messages()
        .filter((m) => m.messageId.endsWith(':released')).length,
      seed: options.seed,
      ordersRequested: options.orders,
      dynamoRequests: dynamoAtDrain,
      lifecycle,
    });
  } finally {
    await runtime.stop();
  }
}
