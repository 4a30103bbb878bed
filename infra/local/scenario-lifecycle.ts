/**
 * The rest of the harvest day in the scenario, over the same HTTP API: some buyers cancel (a few
 * before their order even reaches us, F06; TikTok Shop and Shopee say so with their own CANCELLED
 * status pushes, portal sellers through /v1/cancellations), a few cooperatives decline an
 * allocation (re-allocated elsewhere) and an operator suspends one growing-area code (its open
 * export allocations move), cooperatives report an afternoon harvest for the products that ran
 * short (backorders are retried), and at 20:30 an operator's sweep expires the backorders still
 * waiting (fresh lychee waits hours, not days).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { signApiKeyRequest } from '../../shared/channels/api-key-auth.js';
import { batchSk, cooperativePk, orderIdFor } from '../../shared/adapters/dynamodb/keys.js';
import { encodeShopee, encodeTiktok, requestUrlPath } from '../../shared/channels/encoders.js';
import type { ChannelSecrets } from '../../shared/channels/types.js';
import type { RawOrder } from '../../shared/domain/order.js';
import { LifecycleStore } from '../../shared/adapters/dynamodb/lifecycle-store.js';
import { mapLimit } from '../../shared/concurrency.js';
import type { Scenario } from '../../shared/demo/scenario.js';
import { PRODUCTS } from '../../shared/domain/product.js';
import { localCooperativeKey } from './cooperative-keys.js';
import type { LocalRuntime } from './runtime.js';

export interface LifecycleFacts {
  cancelsBeforeArrival: number;
  cancelsAfterAllocation: number;
  restockBatches: number;
  restockUnits: number;
  sweepAt?: string;
  expiredBySweep: number;
  /** Declines sent by cooperatives, and how many released an allocation (200, not a duplicate). */
  declinesSent: number;
  declinesAccepted: number;
  /** The growing-area code an operator suspended, and the HTTP status it answered. */
  suspension?: { code: string; market: string; status: number };
}

/**
 * The seller the scenario's portal orders belong to: encodePortal signs with the first portal key
 * by default, and a portal order is that key's seller's.
 */
export function scenarioPortalSeller(secrets: ChannelSecrets): string {
  const keyId = Object.keys(secrets.portalApiKeys)[0];
  const seller = keyId === undefined ? undefined : secrets.portalKeyGrants[keyId]?.seller;
  if (seller === undefined) throw new Error(`the local portal key ${keyId ?? '(none)'} has no seller`);
  return seller;
}

/** The internal id ingest gives a scenario order (portal orders under the scenario's seller). */
export function scenarioOrderId(secrets: ChannelSecrets, channel: string, externalId: string): string {
  return orderIdFor(
    channel === 'portal'
      ? { channel, seller: scenarioPortalSeller(secrets), externalId }
      : { channel, externalId },
  );
}

/** Channels whose internal order id is scenarioOrderId(channel, the scenario's external id). */
const CANCELLABLE = new Set(['portal', 'tiktok', 'shopee']);

async function signedPost(
  runtime: LocalRuntime,
  path: string,
  body: unknown,
  key: { keyId: string; secret: string },
  now: Date,
): Promise<Response> {
  const raw = Buffer.from(JSON.stringify(body));
  const ts = Math.floor(now.getTime() / 1000);
  return fetch(`${runtime.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key-id': key.keyId,
      'x-timestamp': String(ts),
      'x-signature': signApiKeyRequest(key.secret, ts, raw),
    },
    body: raw,
  });
}

function operatorKey(runtime: LocalRuntime): { keyId: string; secret: string } {
  const [keyId, value] = Object.entries(runtime.secrets.importApiKeys)[0] ?? [];
  if (!keyId || !value) throw new Error('the local runtime has no operator key');
  return { keyId, secret: value };
}

/**
 * A buyer's cancel as its channel sends it: TikTok Shop and Shopee push their CANCELLED status to
 * the webhook (202 / Shopee's empty 200), portal sellers post to /v1/cancellations (202).
 */
async function sendCancel(
  runtime: LocalRuntime,
  order: RawOrder,
  reason: string,
  key: { keyId: string; secret: string },
  now: Date,
): Promise<number> {
  if (order.channel === 'tiktok' || order.channel === 'shopee') {
    const { request } =
      order.channel === 'tiktok'
        ? encodeTiktok(order, runtime.secrets, now, { status: 'CANCELLED' })
        : encodeShopee(order, runtime.secrets, now, { status: 'CANCELLED' });
    const response = await fetch(`${runtime.url}${requestUrlPath(request)}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
    });
    await response.arrayBuffer();
    return order.channel === 'shopee' && response.status === 200 ? 202 : response.status;
  }
  const response = await signedPost(
    runtime,
    '/v1/cancellations',
    {
      channel: order.channel,
      externalId: order.externalId,
      // The operator names whose order number it is.
      ...(order.channel === 'portal' ? { seller: scenarioPortalSeller(runtime.secrets) } : {}),
      reason,
    },
    key,
    now,
  );
  return response.status;
}

/** Every `every`-th cancellable order, offset so the two samples do not overlap. */
function sample(scenario: Scenario, every: number, offset: number) {
  return scenario.orders
    .map((o) => o.order)
    .filter((o) => CANCELLABLE.has(o.channel))
    .filter((_, i) => i % every === offset);
}

/** Buyers who cancel before their order reaches us (the marketplace's cancel overtakes it). */
export async function cancelBeforeArrival(
  runtime: LocalRuntime,
  scenario: Scenario,
  now: () => Date,
): Promise<number> {
  const key = operatorKey(runtime);
  const orders = sample(scenario, 150, 7);
  await mapLimit(orders, 8, async (order) => {
    const status = await sendCancel(runtime, order, 'buyer cancelled on the marketplace', key, now());
    if (status !== 202) throw new Error(`cancel before arrival answered ${status}`);
  });
  return orders.length;
}

/**
 * A few cooperatives decline one allocation each (pickers short, hail on the orchard), with their
 * own signed key: the units go back and the order is re-allocated elsewhere (or backordered).
 * The allocation to decline is read from the table (one query per sampled order).
 */
async function declineSome(
  runtime: LocalRuntime,
  scenario: Scenario,
  now: () => Date,
  lifecycle: LifecycleStore,
): Promise<{ sent: number; accepted: number }> {
  const reasons = [
    'hail damaged the orchard overnight',
    'not enough pickers today',
    'batch failed our sorting',
  ];
  const result = { sent: 0, accepted: 0 };
  const candidates = sample(scenario, 250, 41).slice(0, 8);
  await mapLimit(candidates, 4, async (order, i) => {
    const orderId = scenarioOrderId(runtime.secrets, order.channel, order.externalId);
    const live = (await lifecycle.orderParts(orderId)).allocations.filter((a) => a.status === 'reserved');
    const allocation = live[0];
    if (!allocation) return; // cancelled, backordered or held for review: nothing to decline
    result.sent++;
    const response = await signedPost(
      runtime,
      `/v1/cooperatives/${allocation.cooperativeId}/allocations/${allocation.allocationId}/decline`,
      { reason: reasons[i % reasons.length] },
      localCooperativeKey(allocation.cooperativeId),
      now(),
    );
    if (response.status !== 200 && response.status !== 409)
      throw new Error(`decline answered ${response.status}: ${await response.text()}`);
    if (response.status === 200 && !((await response.json()) as { duplicate: boolean }).duplicate)
      result.accepted++;
  });
  return result;
}

/**
 * An operator suspends the growing-area code most of the sampled open export allocations are
 * packed under (a residue finding), for its market, from today: those allocations move.
 */
async function suspendOneCode(
  runtime: LocalRuntime,
  scenario: Scenario,
  now: () => Date,
  lifecycle: LifecycleStore,
  key: { keyId: string; secret: string },
): Promise<LifecycleFacts['suspension']> {
  const exports = scenario.orders
    .map((o) => o.order)
    .filter((o) => o.export && CANCELLABLE.has(o.channel))
    .slice(0, 30);
  const tally = new Map<string, { code: string; market: string; n: number }>();
  await mapLimit(exports, 4, async (order) => {
    const market = order.export?.market;
    if (!market) return;
    const parts = await lifecycle.orderParts(
      scenarioOrderId(runtime.secrets, order.channel, order.externalId),
    );
    for (const a of parts.allocations.filter((x) => x.status === 'reserved')) {
      const line = a.lines[0];
      if (!line) continue;
      const batch = (
        await runtime.doc.send(
          new GetCommand({
            TableName: runtime.tableName,
            Key: { pk: cooperativePk(a.cooperativeId), sk: batchSk(line.sku, line.batchId) },
          }),
        )
      ).Item as { growingAreaCodes?: Record<string, string> } | undefined;
      const code = batch?.growingAreaCodes?.[market];
      if (!code) continue;
      const entry = tally.get(`${market}#${code}`) ?? { code, market, n: 0 };
      entry.n++;
      tally.set(`${market}#${code}`, entry);
    }
  });
  const chosen = [...tally.values()].sort((a, b) => b.n - a.n || (a.code < b.code ? -1 : 1))[0];
  if (!chosen) return undefined;
  const response = await signedPost(
    runtime,
    `/v1/growing-areas/${encodeURIComponent(chosen.code)}/suspension`,
    { market: chosen.market, reason: 'pesticide residue above the MRL in a plant-protection sample' },
    key,
    now(),
  );
  if (response.status !== 202 && response.status !== 200)
    throw new Error(`suspension answered ${response.status}: ${await response.text()}`);
  return { code: chosen.code, market: chosen.market, status: response.status };
}

export async function restOfTheDay(
  runtime: LocalRuntime,
  scenario: Scenario,
  now: () => Date,
  setClock: (iso: string) => void,
  harvestDay: string,
): Promise<LifecycleFacts> {
  const facts: LifecycleFacts = {
    cancelsBeforeArrival: 0,
    cancelsAfterAllocation: 0,
    restockBatches: 0,
    restockUnits: 0,
    expiredBySweep: 0,
    declinesSent: 0,
    declinesAccepted: 0,
  };
  const key = operatorKey(runtime);

  // Buyers who change their mind after allocation: their stock comes back.
  const late = sample(scenario, 150, 77);
  await mapLimit(late, 8, async (order) => {
    const status = await sendCancel(runtime, order, 'buyer changed their mind', key, now());
    if (status !== 202) throw new Error(`cancel answered ${status}`);
  });
  facts.cancelsAfterAllocation = late.length;
  await runtime.drain();

  // A few declines and one growing-area suspension: the orders are re-allocated elsewhere.
  const lifecycle = new LifecycleStore(runtime.doc, runtime.tableName);
  const declined = await declineSome(runtime, scenario, now, lifecycle);
  facts.declinesSent = declined.sent;
  facts.declinesAccepted = declined.accepted;
  facts.suspension = await suspendOneCode(runtime, scenario, now, lifecycle, key);
  await runtime.drain();

  // Afternoon harvest: the cooperatives that grow the short products report ~70 % of what waits.
  // What still waits, per product: one query on the backorder index each (no table scan).
  const waiting = new Map<string, number>();
  for (const product of PRODUCTS) {
    const units = (await lifecycle.backordersFor(product.sku)).reduce((s, b) => s + b.quantity, 0);
    if (units > 0) waiting.set(product.sku, units);
  }
  const harvestedAt = new Date(now().getTime() - 3_600_000);
  const local = new Date(harvestedAt.getTime() + 7 * 3_600_000).toISOString().slice(0, 19);
  const reports: Array<{ cooperativeId: string; sku: string; quantity: number }> = [];
  for (const [sku, units] of waiting) {
    const producers = [
      ...new Map(
        scenario.stockBatches
          .filter((b) => b.sku === sku)
          .sort((a, b) => b.quantity - a.quantity)
          .map((b) => [b.cooperativeId, b] as const),
      ).keys(),
    ].slice(0, 5);
    const total = Math.ceil(units * 0.7);
    for (const [i, cooperativeId] of producers.entries()) {
      const quantity = Math.floor(total / producers.length) + (i < total % producers.length ? 1 : 0);
      if (quantity > 0) reports.push({ cooperativeId, sku, quantity });
    }
  }
  await mapLimit(reports, 8, async ({ cooperativeId, sku, quantity }) => {
    const response = await signedPost(
      runtime,
      `/v1/cooperatives/${cooperativeId}/stock`,
      {
        batchId: `${cooperativeId}-PM-${sku}`,
        sku,
        quantity,
        harvestedAt: `${local}+07:00`,
        coldChain: false,
      },
      localCooperativeKey(cooperativeId),
      now(),
    );
    if (response.status !== 201 && response.status !== 200)
      throw new Error(`stock report answered ${response.status}: ${await response.text()}`);
  });
  facts.restockBatches = reports.length;
  facts.restockUnits = reports.reduce((s, r) => s + r.quantity, 0);
  await runtime.drain();

  // 20:30 in Bắc Ninh: what still waits past its product's limit expires, with the reason.
  facts.sweepAt = `${harvestDay}T20:30:00+07:00`;
  setClock(facts.sweepAt);
  const sweep = await signedPost(runtime, '/v1/backorders/expire', {}, key, now());
  if (sweep.status !== 200) throw new Error(`backorder sweep answered ${sweep.status}`);
  facts.expiredBySweep = ((await sweep.json()) as { expired: number }).expired;
  await runtime.drain();
  return facts;
}
