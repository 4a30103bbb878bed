/**
 * Encoders: the providers' side of each channel. From a RawOrder-like input they build the signed
 * native request a provider would send (TikTok Shop, Shopee, Meta, Zalo, the portal, an operator's
 * CSV upload), byte for byte in the provider's wire format. The demo scenario uses them to send
 * realistic traffic over HTTP, the tests and `write-samples.ts` to make fixtures.
 *
 * TikTok and Shopee pushes carry ids only: their encoders also return the marketplace record (the
 * order detail) that the marketplace sandbox must hold for the adapter's read-back.
 *
 * Everything is deterministic (ids derive from the external id), so the same input gives the same
 * bytes, and cheap (one hash or two per order): thousands of requests per second.
 */
import { createHash } from 'node:crypto';
import type { Channel, RawAddressParts, RawOrder } from '../domain/order.js';
import { findProduct } from '../domain/product.js';
import { signApiKeyRequest } from './api-key-auth.js';
import { csvCell } from './csv.js';
import type { MessengerOrderForm } from './messenger.js';
import { PORTAL_CHANNELS, type PortalOrderBody } from './portal.js';
import { HARAVAN, SAPO, type ShopifyLikePlatform } from './shopify-like.js';
import { hmacSha256Base64, hmacSha256Hex, sha256Hex } from './signature.js';
import {
  CSV_CONTENT_TYPE,
  SPREADSHEET_COLUMNS,
  type SpreadsheetSource,
  XLSX_CONTENT_TYPE,
} from './spreadsheet.js';
import { type WriteCell, writeXlsx } from './xlsx.js';
import { looksLikeZip } from './zip.js';
import type { ChannelSecrets, InboundRequest } from './types.js';

/** A request as a provider sends it. `path` has no query string; `body` is the exact bytes. */
export interface EncodedRequest {
  method: 'GET' | 'POST';
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: Buffer;
}

/** What the marketplace sandbox must hold so the adapter can read the order back. */
export type MarketplaceRecord =
  | { kind: 'tiktok'; orderId: string; order: Record<string, unknown> }
  | { kind: 'shopee'; orderSn: string; order: Record<string, unknown> }
  | {
      kind: 'lazada';
      orderId: string;
      order: Record<string, unknown>;
      items: Array<Record<string, unknown>>;
    };

export interface Encoded {
  request: EncodedRequest;
  /** The external ids the adapter will derive from this request (the dedupe keys). */
  externalIds: string[];
  /** TikTok/Shopee/Lazada only: seed it into the marketplace sandbox before sending the request. */
  record?: MarketplaceRecord;
}

/** The encoders' input: a RawOrder whose channel may be omitted (the encoder decides it). */
export type EncodableOrder = Omit<RawOrder, 'channel'> & { channel?: Channel };

const JSON_HEADERS = { 'content-type': 'application/json' };

/** An InboundRequest as the HTTP edge would build it from this encoded request. */
export function encodedToInbound(request: EncodedRequest, receivedAt: Date): InboundRequest {
  return {
    method: request.method,
    path: request.path,
    headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
    query: { ...request.query },
    rawBody: request.body,
    receivedAt,
  };
}

/** `path?query` for sending the request over HTTP. */
export function requestUrlPath(request: EncodedRequest): string {
  const query = new URLSearchParams(request.query).toString();
  return query === '' ? request.path : `${request.path}?${query}`;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** A stable decimal id of `length` digits derived from a seed (no leading zero). */
export function digitsFrom(seed: string, length: number): string {
  let digits = '';
  let round = 0;
  while (digits.length < length) {
    const hex = createHash('sha256').update(`${round++}:${seed}`).digest('hex');
    digits += BigInt(`0x${hex}`).toString(10);
  }
  const id = digits.slice(0, length);
  return id.startsWith('0') ? `1${id.slice(1)}` : id;
}

function epochSecondsOf(placedAt: string | number | undefined, now: Date): number {
  if (typeof placedAt === 'number') {
    return placedAt < 1e11 ? Math.floor(placedAt) : Math.floor(placedAt / 1000);
  }
  if (typeof placedAt === 'string') {
    const ms = Date.parse(placedAt);
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  }
  return Math.floor(now.getTime() / 1000);
}

function isoOf(placedAt: string | number | undefined, now: Date): string {
  if (typeof placedAt === 'string') return placedAt;
  return new Date(epochSecondsOf(placedAt, now) * 1000).toISOString();
}

/** A numeric amount/count from the input; the marketplaces' own payloads are numeric. */
function numeric(value: number | string | undefined, what: string): number {
  if (value === undefined) return 0;
  const n = typeof value === 'number' ? value : Number(value.trim());
  if (!Number.isFinite(n)) {
    throw new TypeError(`encoder: ${what} must be numeric, got ${JSON.stringify(value)}`);
  }
  return n;
}

function quantityOf(value: number | string, what: string): number {
  const n = numeric(value, what);
  if (!Number.isInteger(n) || n <= 0) throw new TypeError(`encoder: ${what} must be a whole number > 0`);
  return n;
}

function addressText(address: string | RawAddressParts): string {
  if (typeof address === 'string') return address;
  return [address.street, address.ward, address.district, address.province].filter((p) => p).join(', ');
}

function subtotalOf(order: EncodableOrder): number {
  let total = 0;
  order.lines.forEach((line, i) => {
    total +=
      quantityOf(line.quantity, `lines[${i}].quantity`) * numeric(line.unitPrice, `lines[${i}].unitPrice`);
  });
  return total;
}

/** A `dd/MM/yyyy HH:mm[:ss]` time (Vietnam) as its parts, or undefined for any other form. */
function vietnameseParts(placedAt: string | number | undefined): number[] | undefined {
  if (typeof placedAt !== 'string') return undefined;
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(placedAt.trim());
  return m ? [m[3], m[2], m[1], m[4], m[5], m[6] ?? '0'].map(Number) : undefined;
}

/**
 * A spreadsheet's order time, epoch seconds. `dd/MM/yyyy HH:mm` is read as Vietnam time here, not
 * by `Date.parse` (which takes 05/06 as 6 May, in the machine's zone).
 */
function sheetEpochSeconds(placedAt: string | number | undefined, now: Date): number {
  const parts = vietnameseParts(placedAt);
  if (parts === undefined) return epochSecondsOf(placedAt, now);
  const [y, mo, d, h, mi, s] = parts as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000 - 7 * 3600;
}

/** `dd/MM/yyyy HH:mm` in Asia/Ho_Chi_Minh, as Vietnamese spreadsheet exports write dates. */
function vietnameseDateTime(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000 + 7 * 3600 * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
}

// ---------------------------------------------------------------------------------------------
// Meta's wire JSON (F13)

const META_ESCAPED = /[\u0080-\uffff/]/g;

function metaEscape(char: string): string {
  if (char === '/') return '\\/';
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * JSON as Meta puts it on the wire: every non-ASCII character escaped as \uXXXX (lower-case hex,
 * astral characters as surrogate pairs) and `/` as `\/`. Structural JSON is ASCII, so escaping the
 * serialised text is the same as escaping inside each string.
 */
export function toMetaWireJson(value: unknown): string {
  return JSON.stringify(value).replace(META_ESCAPED, metaEscape);
}

// ---------------------------------------------------------------------------------------------
// Signed requests from a body (tests use these to send payloads of any shape)

export function tiktokRequest(body: string | Buffer, secrets: ChannelSecrets): EncodedRequest {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  return {
    method: 'POST',
    path: '/v1/webhooks/tiktok',
    query: {},
    headers: {
      ...JSON_HEADERS,
      authorization: hmacSha256Hex(secrets.tiktokAppSecret, secrets.tiktokAppKey, bytes),
    },
    body: bytes,
  };
}

export function shopeeRequest(body: string | Buffer, secrets: ChannelSecrets): EncodedRequest {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const authorization = hmacSha256Hex(secrets.shopeePartnerKey, `${secrets.shopeeCallbackUrl}|`, bytes);
  return {
    method: 'POST',
    path: '/v1/webhooks/shopee',
    query: {},
    headers: { ...JSON_HEADERS, authorization },
    body: bytes,
  };
}

export function messengerRequest(body: string | Buffer, secrets: ChannelSecrets): EncodedRequest {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  return {
    method: 'POST',
    path: '/v1/webhooks/messenger',
    query: {},
    headers: {
      ...JSON_HEADERS,
      'x-hub-signature-256': `sha256=${hmacSha256Hex(secrets.messengerAppSecret, bytes)}`,
    },
    body: bytes,
  };
}

/** Meta's subscription handshake (GET with hub.* query parameters). */
export function messengerHandshakeRequest(verifyToken: string, challenge: string): EncodedRequest {
  return {
    method: 'GET',
    path: '/v1/webhooks/messenger',
    query: { 'hub.mode': 'subscribe', 'hub.verify_token': verifyToken, 'hub.challenge': challenge },
    headers: {},
    body: Buffer.alloc(0),
  };
}

/** `timestamp` must be the body's own `timestamp` field (Zalo signs it separately). */
export function zaloRequest(
  body: string | Buffer,
  timestamp: string,
  secrets: ChannelSecrets,
): EncodedRequest {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const mac = sha256Hex(secrets.zaloAppId, bytes, timestamp, secrets.zaloOaSecretKey);
  return {
    method: 'POST',
    path: '/v1/webhooks/zalo',
    query: {},
    headers: { ...JSON_HEADERS, 'x-zevent-signature': `mac=${mac}` },
    body: bytes,
  };
}

function firstKey(keys: Record<string, string>, keyId: string | undefined, what: string): [string, string] {
  const id = keyId ?? Object.keys(keys)[0];
  const secret = id === undefined ? undefined : keys[id];
  if (id === undefined || secret === undefined) throw new Error(`encoder: no ${what} key ${keyId ?? ''}`);
  return [id, secret];
}

export function portalRequest(
  body: string | Buffer,
  secrets: ChannelSecrets,
  now: Date,
  keyId?: string,
): EncodedRequest {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const [id, secret] = firstKey(secrets.portalApiKeys, keyId, 'portal API');
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    method: 'POST',
    path: '/v1/orders',
    query: {},
    headers: {
      ...JSON_HEADERS,
      'x-api-key-id': id,
      'x-timestamp': String(timestamp),
      'x-signature': signApiKeyRequest(secret, timestamp, bytes),
    },
    body: bytes,
  };
}

/**
 * A signed spreadsheet upload of these file bytes. The Content-Type is XLSX for a ZIP body (an
 * XLSX workbook), CSV otherwise, unless `contentType` says.
 */
export function spreadsheetRequest(
  file: string | Buffer,
  source: SpreadsheetSource,
  secrets: ChannelSecrets,
  now: Date,
  keyId?: string,
  contentType?: string,
): EncodedRequest {
  const bytes = Buffer.isBuffer(file) ? file : Buffer.from(file, 'utf8');
  const type =
    contentType ?? (looksLikeZip(bytes) ? XLSX_CONTENT_TYPE : `${CSV_CONTENT_TYPE}; charset=utf-8`);
  const [id, secret] = firstKey(secrets.importApiKeys, keyId, 'import API');
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    method: 'POST',
    path: '/v1/imports/spreadsheet',
    query: { source },
    headers: {
      'content-type': type,
      'x-api-key-id': id,
      'x-timestamp': String(timestamp),
      'x-signature': signApiKeyRequest(secret, timestamp, bytes),
    },
    body: bytes,
  };
}

// ---------------------------------------------------------------------------------------------
// Portal

export function portalBody(order: EncodableOrder, now: Date): PortalOrderBody {
  const channel = (PORTAL_CHANNELS as readonly string[]).includes(order.channel ?? '')
    ? (order.channel as PortalOrderBody['channel'])
    : 'portal';
  const body: PortalOrderBody = {
    channel,
    externalId: order.externalId,
    placedAt: isoOf(order.placedAt, now),
    buyer: { name: order.buyer.name, phone: order.buyer.phone, address: portalAddress(order.buyer.address) },
    lines: order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice })),
  };
  if (order.shippingFee !== undefined) body.shippingFee = order.shippingFee;
  if (order.paymentMethod !== undefined) body.paymentMethod = order.paymentMethod;
  if (order.note !== undefined) body.note = order.note;
  if (order.export !== undefined) body.export = order.export;
  return body;
}

function portalAddress(address: string | RawAddressParts): PortalOrderBody['buyer']['address'] {
  if (typeof address === 'string') return address;
  // The portal's structured address needs ward and province; a seller's client with only part of
  // it sends the text the buyer typed (it then goes to review if it cannot be resolved).
  if (!address.ward || !address.province) return addressText(address);
  const parts: { street: string; ward: string; province: string; district?: string } = {
    street: address.street ?? '',
    ward: address.ward ?? '',
    province: address.province ?? '',
  };
  if (address.district !== undefined) parts.district = address.district;
  return parts;
}

/** A signed `POST /v1/orders` for one order. */
export function encodePortal(
  order: EncodableOrder,
  secrets: ChannelSecrets,
  now: Date,
  keyId?: string,
): Encoded {
  return {
    request: portalRequest(JSON.stringify(portalBody(order, now)), secrets, now, keyId),
    externalIds: [order.externalId],
  };
}

// ---------------------------------------------------------------------------------------------
// TikTok Shop

function tiktokRecipient(
  address: string | RawAddressParts,
  name: string,
  phone: string,
): Record<string, unknown> {
  const full = addressText(address);
  const recipient: Record<string, unknown> = {
    name,
    phone_number: phone,
    full_address: full,
    region_code: 'VN',
    postal_code: '',
  };
  if (typeof address !== 'string') {
    recipient['address_detail'] = address.street ?? '';
    recipient['address_line1'] = address.street ?? '';
    const levels: Record<string, unknown>[] = [
      { address_level: 'L0', address_level_name: 'Country', address_name: 'Việt Nam' },
    ];
    if (address.province) {
      levels.push({ address_level: 'L1', address_level_name: 'Province', address_name: address.province });
    }
    if (address.district) {
      levels.push({ address_level: 'L2', address_level_name: 'District', address_name: address.district });
    }
    if (address.ward) {
      levels.push({ address_level: 'L3', address_level_name: 'Ward', address_name: address.ward });
    }
    recipient['district_info'] = levels;
  }
  return recipient;
}

/** The Get Order Detail (202309) order object for this order: one line item per unit. */
export function tiktokOrderDetail(order: EncodableOrder, now: Date): Record<string, unknown> {
  const created = epochSecondsOf(order.placedAt, now);
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const lineItems: Record<string, unknown>[] = [];
  order.lines.forEach((line, i) => {
    const quantity = quantityOf(line.quantity, `lines[${i}].quantity`);
    const price = String(numeric(line.unitPrice, `lines[${i}].unitPrice`));
    const skuId = digitsFrom(`tiktok-sku:${line.sku}`, 19);
    for (let unit = 0; unit < quantity; unit++) {
      lineItems.push({
        id: digitsFrom(`tiktok-line:${order.externalId}:${i}:${unit}`, 18),
        sku_id: skuId,
        product_id: digitsFrom(`tiktok-product:${line.sku}`, 19),
        product_name: findProduct(line.sku)?.name ?? line.sku,
        sku_name: '',
        seller_sku: line.sku,
        sale_price: price,
        original_price: price,
        platform_discount: '0',
        seller_discount: '0',
        currency: 'VND',
        display_status: 'AWAITING_SHIPMENT',
        is_gift: false,
      });
    }
  });
  const subtotal = subtotalOf(order);
  const shipping = numeric(order.shippingFee, 'shippingFee');
  const cod = order.paymentMethod === 'cod';
  const detail: Record<string, unknown> = {
    id: order.externalId,
    status: 'AWAITING_SHIPMENT',
    create_time: created,
    update_time: nowSeconds,
    buyer_message: order.note ?? '',
    user_id: digitsFrom(`tiktok-user:${order.buyer.phone}`, 19),
    is_cod: cod,
    payment_method_name: cod ? 'Thanh toán khi nhận hàng' : 'Thẻ tín dụng/ghi nợ',
    shipping_type: 'TIKTOK',
    delivery_option_name: 'Giao hàng tiêu chuẩn',
    fulfillment_type: 'FULFILLMENT_BY_SELLER',
    payment: {
      currency: 'VND',
      sub_total: String(subtotal),
      shipping_fee: String(shipping),
      seller_discount: '0',
      platform_discount: '0',
      original_total_product_price: String(subtotal),
      original_shipping_fee: String(shipping),
      total_amount: String(subtotal + shipping),
      tax: '0',
    },
    recipient_address: tiktokRecipient(order.buyer.address, order.buyer.name, order.buyer.phone),
    line_items: lineItems,
  };
  if (!cod) detail['paid_time'] = created;
  return detail;
}

/**
 * A TikTok Shop ORDER_STATUS_CHANGE (type 1) push for the order and the detail record the sandbox
 * must hold. `status` other than AWAITING_SHIPMENT makes an event the adapter ignores.
 */
export function encodeTiktok(
  order: EncodableOrder,
  secrets: ChannelSecrets,
  now: Date,
  options: { shopId?: string; status?: string } = {},
): Encoded {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const status = options.status ?? 'AWAITING_SHIPMENT';
  const body = JSON.stringify({
    type: 1,
    tts_notification_id: digitsFrom(`tiktok-notification:${order.externalId}:${status}`, 19),
    shop_id: options.shopId ?? '7494049642642441621',
    timestamp: nowSeconds,
    data: {
      order_id: order.externalId,
      order_status: status,
      is_on_hold_order: false,
      update_time: nowSeconds,
    },
  });
  return {
    request: tiktokRequest(body, secrets),
    externalIds: [order.externalId],
    record: { kind: 'tiktok', orderId: order.externalId, order: tiktokOrderDetail(order, now) },
  };
}

// ---------------------------------------------------------------------------------------------
// Shopee

/** The v2 get_order_detail order object for this order. */
export function shopeeOrderDetail(order: EncodableOrder, now: Date): Record<string, unknown> {
  const created = epochSecondsOf(order.placedAt, now);
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const subtotal = subtotalOf(order);
  const shipping = numeric(order.shippingFee, 'shippingFee');
  const cod = order.paymentMethod === 'cod';
  const address = order.buyer.address;
  const parts = typeof address === 'string' ? {} : address;
  return {
    order_sn: order.externalId,
    region: 'VN',
    currency: 'VND',
    cod,
    total_amount: subtotal + shipping,
    order_status: 'READY_TO_SHIP',
    shipping_carrier: 'SPX Express',
    payment_method: cod ? 'Cash on Delivery' : 'ShopeePay',
    estimated_shipping_fee: shipping,
    message_to_seller: order.note ?? '',
    create_time: created,
    update_time: nowSeconds,
    days_to_ship: 2,
    ship_by_date: nowSeconds + 2 * 86_400,
    buyer_user_id: Number(digitsFrom(`shopee-user:${order.buyer.phone}`, 9)),
    buyer_username: `user${digitsFrom(`shopee-username:${order.buyer.phone}`, 6)}`,
    recipient_address: {
      name: order.buyer.name,
      phone: order.buyer.phone,
      town: '',
      district: parts.ward ?? '',
      city: parts.district ?? '',
      state: parts.province ?? '',
      region: 'VN',
      zipcode: '',
      full_address: addressText(address),
    },
    item_list: order.lines.map((line, i) => {
      const price = numeric(line.unitPrice, `lines[${i}].unitPrice`);
      return {
        item_id: Number(digitsFrom(`shopee-item:${line.sku}`, 11)),
        item_name: findProduct(line.sku)?.name ?? line.sku,
        item_sku: line.sku,
        model_id: Number(digitsFrom(`shopee-model:${line.sku}`, 11)),
        model_name: '',
        model_sku: line.sku,
        model_quantity_purchased: quantityOf(line.quantity, `lines[${i}].quantity`),
        model_original_price: price,
        model_discounted_price: price,
        wholesale: false,
        weight: (findProduct(line.sku)?.unitWeightGrams ?? 1000) / 1000,
      };
    }),
  };
}

/**
 * A Shopee order status push (code 3) for the order and the detail record the sandbox must hold.
 * `status` other than READY_TO_SHIP makes a push the adapter ignores.
 */
export function encodeShopee(
  order: EncodableOrder,
  secrets: ChannelSecrets,
  now: Date,
  options: { shopId?: number; status?: string } = {},
): Encoded {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const body = JSON.stringify({
    data: { ordersn: order.externalId, status: options.status ?? 'READY_TO_SHIP', update_time: nowSeconds },
    shop_id: options.shopId ?? 224_466_880,
    code: 3,
    timestamp: nowSeconds,
  });
  return {
    request: shopeeRequest(body, secrets),
    externalIds: [order.externalId],
    record: { kind: 'shopee', orderSn: order.externalId, order: shopeeOrderDetail(order, now) },
  };
}

// ---------------------------------------------------------------------------------------------
// Messenger

export const DEMO_PAGE_ID = '104857392018475';

/** The order form our page puts in the postback payload. */
export function messengerOrderForm(order: EncodableOrder): MessengerOrderForm {
  const form: MessengerOrderForm = {
    form: 'order',
    ref: order.externalId,
    name: order.buyer.name,
    phone: order.buyer.phone,
    address: addressText(order.buyer.address),
    items: order.lines.map((l, i) => ({ sku: l.sku, qty: quantityOf(l.quantity, `lines[${i}].quantity`) })),
  };
  if (order.note !== undefined) form.note = order.note;
  return form;
}

/**
 * A page webhook with one order-form postback per order (one entry per order, as Meta batches
 * them), serialised in Meta's wire format (toMetaWireJson) and signed.
 */
export function encodeMessenger(
  orders: EncodableOrder | EncodableOrder[],
  secrets: ChannelSecrets,
  now: Date,
  options: { pageId?: string } = {},
): Encoded {
  const list = Array.isArray(orders) ? orders : [orders];
  const pageId = options.pageId ?? DEMO_PAGE_ID;
  const time = now.getTime();
  const body = {
    object: 'page',
    entry: list.map((order) => ({
      id: pageId,
      time,
      messaging: [
        {
          sender: { id: digitsFrom(`messenger-psid:${order.buyer.phone}`, 16) },
          recipient: { id: pageId },
          timestamp: time,
          postback: {
            title: 'Đặt hàng',
            payload: JSON.stringify(messengerOrderForm(order)),
            mid: `m_${digitsFrom(`messenger-mid:${order.externalId}`, 24)}`,
          },
        },
      ],
    })),
  };
  return {
    request: messengerRequest(toMetaWireJson(body), secrets),
    externalIds: list.map((o) => o.externalId),
  };
}

// ---------------------------------------------------------------------------------------------
// Zalo OA

export const DEMO_OA_ID = '388613280879808645';

/** `2x LYCHEE-LN-5KG; 1x OCOP-MAT-ONG-500ML`, as our OA order form writes `info.order`. */
export function zaloOrderText(order: EncodableOrder): string {
  return order.lines.map((l, i) => `${quantityOf(l.quantity, `lines[${i}].quantity`)}x ${l.sku}`).join('; ');
}

/** A `user_submit_info` event from our OA order form, signed. External id: `${sender.id}:${timestamp}`. */
export function encodeZalo(order: EncodableOrder, secrets: ChannelSecrets, now: Date): Encoded {
  const timestamp = String(now.getTime());
  const senderId = digitsFrom(`zalo-user:${order.externalId}`, 18);
  const address = order.buyer.address;
  const info: Record<string, string> = { name: order.buyer.name, phone: order.buyer.phone };
  if (typeof address === 'string') info['address'] = address;
  else {
    info['address'] = address.street ?? '';
    if (address.ward) info['ward'] = address.ward;
    if (address.district) info['district'] = address.district;
    if (address.province) info['city'] = address.province;
  }
  info['order'] = zaloOrderText(order);
  if (order.note !== undefined) info['note'] = order.note;
  const body = JSON.stringify({
    app_id: secrets.zaloAppId,
    oa_id: DEMO_OA_ID,
    user_id_by_app: digitsFrom(`zalo-app-user:${order.externalId}`, 18),
    event_name: 'user_submit_info',
    timestamp,
    sender: { id: senderId },
    recipient: { id: DEMO_OA_ID },
    info,
  });
  return { request: zaloRequest(body, timestamp, secrets), externalIds: [`${senderId}:${timestamp}`] };
}

// ---------------------------------------------------------------------------------------------
// Spreadsheet

/**
 * The marketplace's CSV export for these orders (its own header set, one row per line, order
 * values repeated on each row, CRLF, UTF-8 with BOM as Excel's "CSV UTF-8" writes it).
 */
export function spreadsheetCsv(orders: EncodableOrder[], source: SpreadsheetSource, now: Date): string {
  const columns = SPREADSHEET_COLUMNS[source];
  const rows = [columns.map((c) => csvCell(c.header)).join(',')];
  for (const order of orders) {
    const address = order.buyer.address;
    const parts: RawAddressParts = typeof address === 'string' ? { street: address } : address;
    for (const line of order.lines) {
      const value: Record<string, string> = {
        externalId: order.externalId,
        placedAt: vietnameseDateTime(sheetEpochSeconds(order.placedAt, now)),
        name: order.buyer.name,
        phone: order.buyer.phone,
        address: parts.street ?? '',
        ward: parts.ward ?? '',
        district: parts.district ?? '',
        province: parts.province ?? '',
        sku: line.sku,
        quantity: String(line.quantity),
        unitPrice: String(line.unitPrice),
        shippingFee: order.shippingFee === undefined ? '' : String(order.shippingFee),
        payment:
          order.paymentMethod === undefined ? '' : order.paymentMethod === 'cod' ? 'COD' : 'Đã thanh toán',
        note: order.note ?? '',
      };
      rows.push(columns.map((c) => csvCell(value[c.key] ?? '')).join(','));
    }
  }
  return `\uFEFF${rows.join('\r\n')}\r\n`;
}

/** `YYYY-MM-DDTHH:mm` wall-clock time in Asia/Ho_Chi_Minh (what an Excel date cell holds). */
function vietnamWallClock(epochSeconds: number): string {
  return new Date(epochSeconds * 1000 + 7 * 3600 * 1000).toISOString().slice(0, 16);
}

/** The sheet title some exports write above the header row. */
export const SPREADSHEET_TITLES: Record<SpreadsheetSource, string> = {
  postmart: 'DANH SÁCH ĐƠN HÀNG - POSTMART.VN',
  voso: 'Danh sách đơn hàng Voso',
  seller: 'Đơn hàng',
};

/**
 * The marketplace's export as an XLSX workbook, the way a seller's Excel holds it: a title row
 * above the header, dates as date cells, quantities and prices as numbers, and phones as numbers
 * too (Excel turns a typed 0912345678 into 912345678: the adapter puts the 0 back).
 */
export function spreadsheetXlsx(orders: EncodableOrder[], source: SpreadsheetSource, now: Date): Buffer {
  const columns = SPREADSHEET_COLUMNS[source];
  const rows: WriteCell[][] = [[SPREADSHEET_TITLES[source]], columns.map((c) => c.header)];
  const asNumber = (value: number | string | undefined): WriteCell => {
    if (value === undefined) return null;
    const n = typeof value === 'number' ? value : Number(value);
    return typeof value === 'number' || (/^\d+$/.test(value) && Number.isSafeInteger(n)) ? n : String(value);
  };
  for (const order of orders) {
    const address = order.buyer.address;
    const parts: RawAddressParts = typeof address === 'string' ? { street: address } : address;
    const phoneDigits = order.buyer.phone.replace(/[\s.]/g, '');
    const phone: WriteCell = /^0\d{8,10}$/.test(phoneDigits) ? Number(phoneDigits) : order.buyer.phone;
    for (const line of order.lines) {
      const value: Record<string, WriteCell> = {
        externalId: order.externalId,
        placedAt: { dateTime: vietnamWallClock(sheetEpochSeconds(order.placedAt, now)) },
        name: order.buyer.name,
        phone,
        address: parts.street ?? '',
        ward: parts.ward ?? '',
        district: parts.district ?? '',
        province: parts.province ?? '',
        sku: line.sku,
        quantity: asNumber(line.quantity),
        unitPrice: asNumber(line.unitPrice),
        shippingFee: asNumber(order.shippingFee),
        payment:
          order.paymentMethod === undefined ? '' : order.paymentMethod === 'cod' ? 'COD' : 'Đã thanh toán',
        note: order.note ?? '',
      };
      rows.push(columns.map((c) => value[c.key] ?? null));
    }
  }
  return writeXlsx(rows, 'Đơn hàng');
}

/** A signed spreadsheet upload of these orders as the marketplace's CSV (default) or XLSX export. */
export function encodeSpreadsheet(
  orders: EncodableOrder[],
  source: SpreadsheetSource,
  secrets: ChannelSecrets,
  now: Date,
  keyId?: string,
  format: 'csv' | 'xlsx' = 'csv',
): Encoded {
  const file = format === 'xlsx' ? spreadsheetXlsx(orders, source, now) : spreadsheetCsv(orders, source, now);
  return {
    request: spreadsheetRequest(file, source, secrets, now, keyId),
    externalIds: orders.map((o) => o.externalId),
  };
}

// ---------------------------------------------------------------------------------------------
// Lazada

export function lazadaRequest(body: string | Buffer, secrets: ChannelSecrets): EncodedRequest {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  return {
    method: 'POST',
    path: '/v1/webhooks/lazada',
    query: {},
    headers: {
      ...JSON_HEADERS,
      authorization: hmacSha256Hex(secrets.lazadaAppSecret, secrets.lazadaAppKey, bytes),
    },
    body: bytes,
  };
}

/** `2026-06-15 09:05:41 +0700`, as Lazada writes `created_at`. */
function lazadaTime(placedAt: string | number | undefined, now: Date): string {
  if (typeof placedAt === 'string' && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}$/.test(placedAt)) {
    return placedAt;
  }
  const iso = new Date(epochSecondsOf(placedAt, now) * 1000 + 7 * 3600 * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0700`;
}

/** GetOrder `data` and GetOrderItems `data` (one item per unit) for this order. */
export function lazadaOrderDetail(
  order: EncodableOrder,
  now: Date,
): { order: Record<string, unknown>; items: Array<Record<string, unknown>> } {
  const address = order.buyer.address;
  const parts: RawAddressParts = typeof address === 'string' ? {} : address;
  const items: Array<Record<string, unknown>> = [];
  order.lines.forEach((line, i) => {
    const quantity = quantityOf(line.quantity, `lines[${i}].quantity`);
    const price = numeric(line.unitPrice, `lines[${i}].unitPrice`);
    for (let unit = 0; unit < quantity; unit++) {
      items.push({
        order_item_id: digitsFrom(`lazada-item:${order.externalId}:${i}:${unit}`, 16),
        order_id: order.externalId,
        sku: line.sku,
        shop_sku: `${digitsFrom(`lazada-shop-sku:${line.sku}`, 10)}_VNAMZ-${digitsFrom(`lazada-sku:${line.sku}`, 11)}`,
        name: findProduct(line.sku)?.name ?? line.sku,
        item_price: price,
        paid_price: price,
        shipping_amount: 0,
        status: 'pending',
        currency: 'VND',
      });
    }
  });
  const cod = order.paymentMethod === 'cod';
  const detail: Record<string, unknown> = {
    order_id: order.externalId,
    order_number: order.externalId,
    created_at: lazadaTime(order.placedAt, now),
    updated_at: lazadaTime(undefined, now),
    payment_method: cod ? 'COD' : 'MIXEDCARD',
    remarks: order.note ?? '',
    price: String(subtotalOf(order)),
    shipping_fee: numeric(order.shippingFee, 'shippingFee'),
    items_count: items.length,
    statuses: ['pending'],
    address_shipping: {
      first_name: order.buyer.name,
      last_name: '',
      phone: order.buyer.phone,
      phone2: '',
      address1: typeof address === 'string' ? address : (parts.street ?? ''),
      address2: '',
      address3: parts.province ?? '',
      address4: parts.district ?? '',
      address5: parts.ward ?? '',
      city: '',
      post_code: '',
      country: 'Vietnam',
    },
  };
  return { order: detail, items };
}

/**
 * A Lazada trade-order push (message_type 0) for the order and the detail the sandbox must hold.
 * `status` other than "pending" makes a push the adapter ignores.
 */
export function encodeLazada(
  order: EncodableOrder,
  secrets: ChannelSecrets,
  now: Date,
  options: { sellerId?: string; status?: string } = {},
): Encoded {
  const detail = lazadaOrderDetail(order, now);
  const body = JSON.stringify({
    seller_id: options.sellerId ?? '200160575542',
    message_type: 0,
    data: {
      order_status: options.status ?? 'pending',
      trade_order_id: order.externalId,
      trade_order_line_id: String(detail.items[0]?.['order_item_id'] ?? order.externalId),
      status_update_time: Math.floor(now.getTime() / 1000),
    },
    timestamp: now.getTime(),
    site: 'lazada_vn',
  });
  return {
    request: lazadaRequest(body, secrets),
    externalIds: [order.externalId],
    record: { kind: 'lazada', orderId: order.externalId, ...detail },
  };
}

// ---------------------------------------------------------------------------------------------
// Haravan and Sapo (Shopify-like store webhooks)

function shopifyLikeRequest(
  platform: ShopifyLikePlatform,
  body: string | Buffer,
  secret: string,
  topic: string,
  shopHeader: Record<string, string>,
): EncodedRequest {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  return {
    method: 'POST',
    path: platform.route,
    query: {},
    headers: {
      ...JSON_HEADERS,
      [platform.topicHeader]: topic,
      ...shopHeader,
      [platform.signatureHeader]: hmacSha256Base64(secret, bytes),
    },
    body: bytes,
  };
}

export function haravanRequest(
  body: string | Buffer,
  secrets: ChannelSecrets,
  topic = 'orders/create',
): EncodedRequest {
  return shopifyLikeRequest(HARAVAN, body, secrets.haravanWebhookSecret, topic, {
    'x-haravan-org-id': '200000456123',
  });
}

export function sapoRequest(
  body: string | Buffer,
  secrets: ChannelSecrets,
  topic = 'orders/create',
): EncodedRequest {
  return shopifyLikeRequest(SAPO, body, secrets.sapoWebhookSecret, topic, {
    'x-sapo-domain': 'vaithieuhtx.mysapo.net',
  });
}

/** The Shopify-like order body Haravan and Sapo send with `orders/create`. */
export function shopifyLikeOrderBody(order: EncodableOrder, now: Date): Record<string, unknown> {
  const address = order.buyer.address;
  const parts: RawAddressParts = typeof address === 'string' ? { street: address } : address;
  const cod = order.paymentMethod !== 'prepaid';
  // Prices are numbers from the store; a shop's hand-typed text ("150.000đ") goes through as text
  // for the normaliser (the demo's messy input), and then no total is computed here.
  const amount = (v: number | string | undefined) =>
    typeof v === 'string' && !Number.isFinite(Number(v.trim())) ? v : numeric(v, 'amount');
  const textual = [order.shippingFee, ...order.lines.map((l) => l.unitPrice)].some(
    (v) => typeof amount(v) === 'string',
  );
  const subtotal = textual ? undefined : subtotalOf(order);
  const shipping = amount(order.shippingFee);
  const id = Number(order.externalId);
  const body: Record<string, unknown> = {
    id: Number.isSafeInteger(id) ? id : order.externalId,
    name: `#${order.externalId.slice(-5)}`,
    created_at: isoOf(order.placedAt, now),
    currency: 'VND',
    gateway: cod ? 'Thanh toán khi giao hàng (COD)' : 'Chuyển khoản ngân hàng',
    gateway_code: cod ? 'cod' : 'bank_transfer',
    financial_status: cod ? 'pending' : 'paid',
    fulfillment_status: null,
    subtotal_price: subtotal ?? null,
    total_price: subtotal === undefined ? null : subtotal + Number(shipping),
    note: order.note ?? null,
    shipping_address: {
      name: order.buyer.name,
      phone: order.buyer.phone,
      address1: parts.street ?? '',
      address2: null,
      ward: parts.ward ?? null,
      district: parts.district ?? null,
      province: parts.province ?? null,
      country: 'Vietnam',
      country_code: 'VN',
    },
    shipping_lines: order.shippingFee === undefined ? [] : [{ title: 'Giao hàng tận nơi', price: shipping }],
    line_items: order.lines.map((line, i) => ({
      id: Number(digitsFrom(`shopify-like-line:${order.externalId}:${i}`, 12)),
      sku: line.sku,
      title: findProduct(line.sku)?.name ?? line.sku,
      quantity: quantityOf(line.quantity, `lines[${i}].quantity`),
      price: amount(line.unitPrice),
    })),
  };
  return body;
}

/** A signed Haravan `orders/create` webhook for the order. */
export function encodeHaravan(order: EncodableOrder, secrets: ChannelSecrets, now: Date): Encoded {
  return {
    request: haravanRequest(JSON.stringify(shopifyLikeOrderBody(order, now)), secrets),
    externalIds: [order.externalId],
  };
}

/** A signed Sapo `orders/create` webhook for the order. */
export function encodeSapo(order: EncodableOrder, secrets: ChannelSecrets, now: Date): Encoded {
  return {
    request: sapoRequest(JSON.stringify(shopifyLikeOrderBody(order, now)), secrets),
    externalIds: [order.externalId],
  };
}

// ---------------------------------------------------------------------------------------------
// Free-text chat (Zalo user_send_text, Messenger text message)

/** A Zalo OA `user_send_text` event carrying the buyer's message, signed. */
export function encodeZaloText(
  text: string,
  secrets: ChannelSecrets,
  now: Date,
  ids: { msgId: string; senderId: string },
): Encoded {
  const timestamp = String(now.getTime());
  const body = JSON.stringify({
    app_id: secrets.zaloAppId,
    oa_id: DEMO_OA_ID,
    user_id_by_app: digitsFrom(`zalo-app-user:${ids.senderId}`, 18),
    event_name: 'user_send_text',
    timestamp,
    sender: { id: ids.senderId },
    recipient: { id: DEMO_OA_ID },
    message: { text, msg_id: ids.msgId },
  });
  return { request: zaloRequest(body, timestamp, secrets), externalIds: [`zalo:${ids.msgId}`] };
}

/** A page webhook with one buyer text message, in Meta's wire format, signed. */
export function encodeMessengerText(
  text: string,
  secrets: ChannelSecrets,
  now: Date,
  ids: { mid: string; senderId: string },
): Encoded {
  const time = now.getTime();
  const body = {
    object: 'page',
    entry: [
      {
        id: DEMO_PAGE_ID,
        time,
        messaging: [
          {
            sender: { id: ids.senderId },
            recipient: { id: DEMO_PAGE_ID },
            timestamp: time,
            message: { mid: ids.mid, text },
          },
        ],
      },
    ],
  };
  return {
    request: messengerRequest(toMetaWireJson(body), secrets),
    externalIds: [`messenger:${ids.mid}`],
  };
}

/**
 * A chat order (its `note` is the buyer's message) sent as free text through Zalo or Messenger,
 * the platform chosen from the external id so the same order always takes the same path.
 */
export function encodeChat(order: EncodableOrder, secrets: ChannelSecrets, now: Date): Encoded {
  const text = order.note ?? '';
  const viaZalo = Number.parseInt(digitsFrom(`chat-via:${order.externalId}`, 2), 10) % 2 === 0;
  if (viaZalo) {
    return encodeZaloText(text, secrets, now, {
      msgId: createHash('sha256').update(`zalo-msg:${order.externalId}`).digest('hex').slice(0, 32),
      senderId: digitsFrom(`zalo-user:${order.buyer.phone}`, 18),
    });
  }
  return encodeMessengerText(text, secrets, now, {
    mid: `m_${digitsFrom(`messenger-text-mid:${order.externalId}`, 24)}`,
    senderId: digitsFrom(`messenger-psid:${order.buyer.phone}`, 16),
  });
}
