/**
 * An in-process marketplace API for the TikTok Shop and Shopee adapters: their pushes carry ids
 * only, and the adapter reads the order back through `MarketplaceClient`. The sandbox holds the
 * detail records the encoders produce (shared/channels/encoders.ts) in a Map and answers shaped like
 * the documented APIs:
 *
 * - TikTok Shop Get Order Detail (202309): `{ code: 0, message: 'Success', request_id, data: { orders } }`
 * - Shopee v2 order.get_order_detail: `{ request_id, error: '', message: '', response: { order_list } }`
 * - Lazada GetOrder + GetOrderItems: `{ order: { code: '0', data }, items: { code: '0', data: [] } }`
 *
 * An unknown id answers an empty list (the real APIs' not-found wording is unverified), which the
 * adapters treat as "not visible yet, retry". Latency and failures (UpstreamError, retryable) come
 * from a seeded PRNG, so a run with the same seed and call sequence fails the same way.
 */
import type { MarketplaceRecord } from '../../shared/channels/encoders.js';
import type { ChannelSecrets, MarketplaceClient } from '../../shared/channels/types.js';
import { UpstreamError } from '../../shared/errors.js';

export interface MarketplaceSandboxOptions {
  /** Records to hold from the start. */
  records?: Iterable<MarketplaceRecord>;
  /** Delay of every answer, ms: a fixed value or a uniform [min, max] range. Default 0. */
  latencyMs?: number | [number, number];
  /** Share of calls that fail with a retryable UpstreamError (0..1). Default 0. */
  failureRate?: number;
  /** PRNG seed for latency and failures. Default 1. */
  seed?: number;
}

export interface MarketplaceSandboxStats {
  tiktokCalls: number;
  shopeeCalls: number;
  lazadaCalls: number;
  failures: number;
}

/** mulberry32: small, fast, good enough for fault injection. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class MarketplaceSandbox implements MarketplaceClient {
  private readonly tiktok = new Map<string, Record<string, unknown>>();
  private readonly shopee = new Map<string, Record<string, unknown>>();
  private readonly lazada = new Map<
    string,
    { order: Record<string, unknown>; items: Array<Record<string, unknown>> }
  >();
  private readonly random: () => number;
  private readonly latency: [number, number];
  private readonly failureRate: number;
  private requestCounter = 0;
  readonly stats: MarketplaceSandboxStats = { tiktokCalls: 0, shopeeCalls: 0, lazadaCalls: 0, failures: 0 };

  constructor(options: MarketplaceSandboxOptions = {}) {
    this.random = prng(options.seed ?? 1);
    const latency = options.latencyMs ?? 0;
    this.latency = typeof latency === 'number' ? [latency, latency] : latency;
    this.failureRate = options.failureRate ?? 0;
    for (const record of options.records ?? []) this.hold(record);
  }

  /** Holds (or replaces) the order detail an encoder produced. */
  hold(record: MarketplaceRecord): void {
    if (record.kind === 'tiktok') this.tiktok.set(record.orderId, record.order);
    else if (record.kind === 'lazada')
      this.lazada.set(record.orderId, { order: record.order, items: record.items });
    else this.shopee.set(record.orderSn, record.order);
  }

  /** How many order details the sandbox holds. */
  get size(): number {
    return this.tiktok.size + this.shopee.size + this.lazada.size;
  }

  async tiktokOrderDetail(orderId: string): Promise<unknown> {
    this.stats.tiktokCalls++;
    await this.answerDelay('TikTok Shop');
    const order = this.tiktok.get(orderId);
    return {
      code: 0,
      message: 'Success',
      request_id: this.requestId(),
      data: { orders: order === undefined ? [] : [structuredClone(order)] },
    };
  }

  async shopeeOrderDetail(orderSn: string): Promise<unknown> {
    this.stats.shopeeCalls++;
    await this.answerDelay('Shopee');
    const order = this.shopee.get(orderSn);
    return {
      request_id: this.requestId(),
      error: '',
      message: '',
      response: { order_list: order === undefined ? [] : [structuredClone(order)] },
    };
  }

  /** Lazada GetOrder + GetOrderItems; an unknown id answers GetOrder without `data`. */
  async lazadaOrderDetail(orderId: string): Promise<unknown> {
    this.stats.lazadaCalls++;
    await this.answerDelay('Lazada');
    const held = this.lazada.get(orderId);
    return {
      order:
        held === undefined
          ? { code: '0', request_id: this.requestId() }
          : { code: '0', request_id: this.requestId(), data: structuredClone(held.order) },
      items: { code: '0', request_id: this.requestId(), data: structuredClone(held?.items ?? []) },
    };
  }

  private requestId(): string {
    this.requestCounter++;
    return `sandbox-${this.requestCounter.toString(16).padStart(8, '0')}`;
  }

  private async answerDelay(api: string): Promise<void> {
    const [min, max] = this.latency;
    const delay = min + (max - min) * this.random();
    const fail = this.failureRate > 0 && this.random() < this.failureRate;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (fail) {
      this.stats.failures++;
      throw new UpstreamError(`${api} sandbox: injected failure`, true);
    }
  }
}

export function createMarketplaceSandbox(options: MarketplaceSandboxOptions = {}): MarketplaceSandbox {
  return new MarketplaceSandbox(options);
}

/**
 * Fixed secrets for local runs, tests and the sample requests in events/channels (which are signed
 * with them). Never used outside this machine.
 */
export function sandboxSecrets(): ChannelSecrets {
  return {
    portalApiKeys: {
      'portal-local': 'local-portal-secret-5f1c9a',
      'seller-local': 'local-seller-secret-0b7e42',
      'postmart-relay-local': 'local-postmart-relay-secret-3a6d15',
    },
    // The Gian hàng Việt feed and a direct seller are two sellers (their order numbers may clash);
    // Postmart's relay forwards Postmart orders (the same namespace as its spreadsheet export).
    portalKeyGrants: {
      'portal-local': { channels: ['portal'], seller: 'ghv-local' },
      'seller-local': { channels: ['portal'], seller: 'vaithieu-local' },
      'postmart-relay-local': { channels: ['postmart'] },
    },
    tiktokAppKey: '6a1b2c3d4e5f6',
    tiktokAppSecret: 'local-tiktok-app-secret-93ad1e',
    shopeePartnerKey: 'local-shopee-partner-key-7c2f80',
    shopeeCallbackUrl: 'https://ingest.harvest.local/v1/webhooks/shopee',
    messengerAppSecret: 'local-messenger-app-secret-41be07',
    messengerVerifyToken: 'local-messenger-verify-token',
    zaloAppId: '3608465248940903967',
    zaloOaSecretKey: 'local-zalo-oa-secret-key-d83a56',
    importApiKeys: { 'operator-local': 'local-import-secret-6e90c4' },
    lazadaAppKey: '501234',
    lazadaAppSecret: 'local-lazada-app-secret-2b94f1',
    haravanWebhookSecret: 'local-haravan-client-secret-8d21c3',
    sapoWebhookSecret: 'local-sapo-app-secret-f4a7e9',
  };
}
