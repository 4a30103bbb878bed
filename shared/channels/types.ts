/**
 * The channel adapter port. One adapter per source: it authenticates the raw bytes, parses the
 * payload with a zod schema, names the dedupe key (channel + external order id) and maps to
 * `RawOrder`s. Shared normalisation (shared/domain/normalise-order.ts) does the rest.
 */
import type { Channel, RawOrder } from '../domain/order.js';
import type { FieldIssue } from '../errors.js';
import type { PortalKeyGrant } from './portal-keys.js';

/** An HTTP request as the edge received it. `rawBody` is exactly the bytes on the wire. */
export interface InboundRequest {
  method: string;
  path: string;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  query: Record<string, string>;
  rawBody: Buffer;
  receivedAt: Date;
}

/** What the provider expects back when the adapter answers by itself (handshakes, ignored events). */
export interface DirectResponse {
  status: number;
  body: string;
  contentType: string;
}

export type AdapterResult =
  /**
   * Orders to ingest. `ack` overrides the default 2xx JSON answer (e.g. Shopee wants an empty body).
   * `eventErrors`: events of a batched webhook that could not be read (each field named); the good
   * events still go through and the provider is answered 200 (redelivery cannot fix them).
   */
  | {
      kind: 'orders';
      orders: RawOrder[];
      ack?: DirectResponse;
      rowErrors?: RowError[];
      eventErrors?: FieldIssue[];
    }
  /**
   * The provider cancelled these orders (TikTok/Shopee/Lazada status pushes, Haravan/Sapo
   * `orders/cancelled`): the edge publishes OrderCancelled for the id each order has or would have.
   */
  | { kind: 'cancellations'; cancellations: ChannelCancellation[]; ack?: DirectResponse }
  /** Authentic, but nothing to ingest (Messenger echo/delivery/read, a status we don't act on). */
  | { kind: 'ignored'; reason: string; ack?: DirectResponse }
  /** The adapter answers directly (Messenger GET hub.challenge). */
  | { kind: 'direct'; response: DirectResponse };

/** An order the provider says is cancelled: its dedupe key, as for the order itself. */
export interface ChannelCancellation {
  channel: Channel;
  externalId: string;
  /** Plain words, e.g. `TikTok order status CANCELLED`. */
  reason: string;
}

/** A spreadsheet row that could not be read; the good rows still go through. */
export interface RowError {
  row: number;
  field: string;
  label?: string;
  message: string;
}

/** Secrets and clocks an adapter may need; the runtime supplies them from config. */
export interface ChannelContext {
  secrets: ChannelSecrets;
  now: () => Date;
  /** Fetches order detail from a marketplace API (TikTok Shop, Shopee, Lazada pushes carry only ids). */
  marketplace: MarketplaceClient;
}

export interface ChannelSecrets {
  portalApiKeys: Record<string, string>; // key id → HMAC secret
  /** key id → what it may post: `{ channels: ['portal'], seller: 'vaithieu-hoa' }` (portal-keys.ts). */
  portalKeyGrants: Record<string, PortalKeyGrant>;
  tiktokAppKey: string;
  tiktokAppSecret: string;
  shopeePartnerKey: string;
  shopeeCallbackUrl: string;
  messengerAppSecret: string;
  messengerVerifyToken: string;
  zaloAppId: string;
  zaloOaSecretKey: string;
  importApiKeys: Record<string, string>; // operator key id → secret (spreadsheet upload)
  lazadaAppKey: string;
  lazadaAppSecret: string;
  haravanWebhookSecret: string; // the app's client secret (signs X-Haravan-Hmacsha256)
  sapoWebhookSecret: string; // the app's secret (signs X-Sapo-Hmac-Sha256)
}

export interface MarketplaceClient {
  tiktokOrderDetail(orderId: string): Promise<unknown>;
  shopeeOrderDetail(orderSn: string): Promise<unknown>;
  /** Lazada GetOrder + GetOrderItems for one trade order: `{ order: <GetOrder answer>, items: <GetOrderItems answer> }`. */
  lazadaOrderDetail(orderId: string): Promise<unknown>;
}

export interface ChannelAdapter {
  /** The route this adapter serves, e.g. `POST /v1/webhooks/tiktok`. */
  routes: string[];
  channel: Channel | 'spreadsheet';
  handle(request: InboundRequest, ctx: ChannelContext): Promise<AdapterResult>;
}
