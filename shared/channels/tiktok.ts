/**
 * TikTok Shop webhook: `POST /v1/webhooks/tiktok`.
 *
 * Authenticity: header `authorization` = hex HMAC-SHA256(app secret, app_key + raw body); TikTok
 * signs no timestamp, so replays are absorbed by dedupe on the order id.
 *
 * Only type 1 (ORDER_STATUS_CHANGE) with `order_status` AWAITING_SHIPMENT (paid, or COD confirmed,
 * ready to ship) creates an order. The push carries ids only, so the order is read back with Get
 * Order Detail (API version 202309: `data.orders[]` with `recipient_address`, `line_items[]` of ONE
 * unit each, prices as decimal strings, `is_cod` / `payment_method_name`).
 * Status CANCELLED (or CANCEL) cancels the order: no detail fetch, the edge publishes OrderCancelled
 * for the id the order has (or will have), and an order found CANCELLED at fetch time is cancelled
 * the same way. Every other type or status is acknowledged and ignored.
 */
import { z } from 'zod';
import type { RawAddressParts, RawOrder, RawOrderLine } from '../domain/order.js';
import { InvalidSignatureError, UpstreamError, ValidationError } from '../errors.js';
import { readJsonBody } from './json.js';
import { hmacSha256Hex, safeEqualHex } from './signature.js';
import type { AdapterResult, ChannelAdapter, ChannelContext, InboundRequest } from './types.js';
import { idSchema, isoFromEpochSeconds, numberLikeSchema, parseOrThrow } from './validation.js';

export const TIKTOK_ORDER_STATUS_CHANGE = 1;
/** The status at which an order is paid (or COD) and waits for the seller to ship. */
export const TIKTOK_CREATE_STATUS = 'AWAITING_SHIPMENT';
/** Statuses that mean the whole order is cancelled. */
export const TIKTOK_CANCEL_STATUSES: ReadonlySet<string> = new Set(['CANCELLED', 'CANCEL']);

const text = z.string().trim().min(1);

const envelopeSchema = z.object({ type: z.number().int() });

export const tiktokWebhookSchema = z.object({
  type: z.literal(TIKTOK_ORDER_STATUS_CHANGE),
  tts_notification_id: idSchema,
  shop_id: idSchema,
  timestamp: z.number().int(),
  data: z.object({
    order_id: idSchema,
    order_status: text,
    is_on_hold_order: z.boolean().optional(),
    update_time: z.number().int(),
  }),
});

const districtInfoSchema = z.object({
  address_level: z.string().optional(),
  address_level_name: z.string().optional(),
  address_name: z.string(),
});

export const tiktokOrderSchema = z.object({
  id: idSchema,
  status: text,
  create_time: z.number().int(),
  paid_time: z.number().int().optional(),
  buyer_message: z.string().optional(),
  is_cod: z.boolean().optional(),
  payment_method_name: z.string().optional(),
  payment: z.object({
    currency: z.literal('VND'),
    sub_total: numberLikeSchema.optional(),
    shipping_fee: numberLikeSchema.optional(),
    total_amount: numberLikeSchema.optional(),
  }),
  recipient_address: z.object({
    name: text,
    phone_number: text,
    full_address: z.string().optional(),
    address_detail: z.string().optional(),
    address_line1: z.string().optional(),
    district_info: z.array(districtInfoSchema).optional(),
    region_code: z.string().optional(),
  }),
  line_items: z
    .array(
      z.object({
        id: idSchema,
        sku_id: idSchema.optional(),
        seller_sku: text,
        product_name: z.string().optional(),
        sale_price: numberLikeSchema,
        display_status: z.string().optional(),
      }),
    )
    .min(1),
});

const detailResponseSchema = z.object({
  code: z.number(),
  message: z.string().optional(),
  data: z.object({ orders: z.array(z.unknown()) }).optional(),
});

type TiktokOrder = z.output<typeof tiktokOrderSchema>;

function addressLevel(entry: z.output<typeof districtInfoSchema>): keyof RawAddressParts | undefined {
  const name = (entry.address_level_name ?? '').toLowerCase();
  if (name === 'country') return undefined;
  if (name.includes('province') || name === 'city' || name === 'state') return 'province';
  if (name.includes('district')) return 'district';
  if (name.includes('ward') || name.includes('commune') || name.includes('town')) return 'ward';
  switch (entry.address_level) {
    case 'L1':
      return 'province';
    case 'L2':
      return 'district';
    case 'L3':
      return 'ward';
    default:
      return undefined;
  }
}

/** Structured parts from `district_info` when TikTok gave them; the full text otherwise. */
function addressOf(recipient: TiktokOrder['recipient_address']): string | RawAddressParts {
  const parts: RawAddressParts = {};
  for (const entry of recipient.district_info ?? []) {
    const level = addressLevel(entry);
    if (level !== undefined && entry.address_name.trim() !== '') parts[level] = entry.address_name;
  }
  const street = recipient.address_detail ?? recipient.address_line1;
  if (parts.province !== undefined && street !== undefined && street.trim() !== '') {
    return { street, ...parts };
  }
  if (recipient.full_address !== undefined && recipient.full_address.trim() !== '') {
    return recipient.full_address;
  }
  throw new ValidationError([
    {
      field: 'order_detail.recipient_address.full_address',
      message: 'is missing (and no structured address)',
    },
  ]);
}

/** TikTok lists one line item per unit: count them back into lines per SKU and price. */
function linesOf(order: TiktokOrder): RawOrderLine[] {
  const lines = new Map<string, RawOrderLine & { quantity: number }>();
  for (const item of order.line_items) {
    if (item.display_status === 'CANCELLED') continue;
    const key = `${item.seller_sku}\u0000${item.sale_price}`;
    const line = lines.get(key);
    if (line === undefined) lines.set(key, { sku: item.seller_sku, quantity: 1, unitPrice: item.sale_price });
    else line.quantity += 1;
  }
  return [...lines.values()];
}

function isCod(order: TiktokOrder): boolean {
  if (order.is_cod !== undefined) return order.is_cod;
  return /\bcod\b|cash on delivery|thanh toán khi nhận/i.test(order.payment_method_name ?? '');
}

export function tiktokOrderToRawOrder(order: TiktokOrder): RawOrder {
  const raw: RawOrder = {
    channel: 'tiktok',
    externalId: order.id,
    placedAt: isoFromEpochSeconds(order.create_time),
    buyer: {
      name: order.recipient_address.name,
      phone: order.recipient_address.phone_number,
      address: addressOf(order.recipient_address),
    },
    lines: linesOf(order),
    paymentMethod: isCod(order) ? 'cod' : 'prepaid',
  };
  if (order.payment.shipping_fee !== undefined) raw.shippingFee = order.payment.shipping_fee;
  if (order.buyer_message !== undefined && order.buyer_message.trim() !== '') raw.note = order.buyer_message;
  return raw;
}

export function verifyTiktokSignature(request: InboundRequest, appKey: string, appSecret: string): void {
  const signature = request.headers['authorization'];
  if (signature === undefined || signature.trim() === '') {
    throw new InvalidSignatureError('missing header authorization');
  }
  if (!safeEqualHex(signature, hmacSha256Hex(appSecret, appKey, request.rawBody))) {
    throw new InvalidSignatureError('authorization does not match the request body');
  }
}

async function fetchOrder(ctx: ChannelContext, orderId: string): Promise<TiktokOrder> {
  const response = parseOrThrow(detailResponseSchema, await ctx.marketplace.tiktokOrderDetail(orderId), {
    prefix: 'order_detail',
  });
  if (response.code !== 0) {
    throw new UpstreamError(`TikTok Shop Get Order Detail answered code ${response.code}`, true);
  }
  for (const candidate of response.data?.orders ?? []) {
    const order = parseOrThrow(tiktokOrderSchema, candidate, { prefix: 'order_detail' });
    if (order.id === orderId) return order;
  }
  // Detail can lag the push by a moment: worth retrying.
  throw new UpstreamError(`TikTok Shop has no detail yet for order ${orderId}`, true);
}

export const tiktokAdapter: ChannelAdapter = {
  routes: ['POST /v1/webhooks/tiktok'],
  channel: 'tiktok',
  async handle(request: InboundRequest, ctx: ChannelContext): Promise<AdapterResult> {
    verifyTiktokSignature(request, ctx.secrets.tiktokAppKey, ctx.secrets.tiktokAppSecret);
    const json = readJsonBody(request.rawBody);
    const { type } = parseOrThrow(envelopeSchema, json);
    if (type !== TIKTOK_ORDER_STATUS_CHANGE) {
      return { kind: 'ignored', reason: `TikTok webhook type ${type}` };
    }
    const push = parseOrThrow(tiktokWebhookSchema, json);
    const cancel = (status: string): AdapterResult => ({
      kind: 'cancellations',
      cancellations: [
        { channel: 'tiktok', externalId: push.data.order_id, reason: `TikTok Shop order status ${status}` },
      ],
    });
    if (TIKTOK_CANCEL_STATUSES.has(push.data.order_status)) return cancel(push.data.order_status);
    if (push.data.order_status !== TIKTOK_CREATE_STATUS) {
      return { kind: 'ignored', reason: `TikTok order status ${push.data.order_status}` };
    }
    const order = await fetchOrder(ctx, push.data.order_id);
    if (TIKTOK_CANCEL_STATUSES.has(order.status)) return cancel(order.status);
    const raw = tiktokOrderToRawOrder(order);
    if (raw.lines.length === 0) return { kind: 'ignored', reason: 'every TikTok line item is cancelled' };
    return { kind: 'orders', orders: [raw] };
  },
};
