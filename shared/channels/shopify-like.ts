/**
 * Haravan and Sapo store webhooks: `POST /v1/webhooks/haravan`, `POST /v1/webhooks/sapo`.
 *
 * Both platforms copy Shopify: the shop's app subscribes to topics and each delivery carries the
 * topic in a header and the order, Shopify-shaped, as the body. Authenticity: the base64
 * HMAC-SHA256 of the raw body with the app's secret, in `x-haravan-hmacsha256` /
 * `x-sapo-hmac-sha256`. No timestamp is signed, so replays are absorbed by dedupe on the order `id`.
 *
 * Only topic `orders/create` creates an order (a delivery without a topic header is read as one,
 * the route being subscribed to that topic); topic `orders/cancelled` (body: the order, with `id`
 * and `cancel_reason`) cancels it: OrderCancelled for the id the order has or will have. Other
 * topics are acknowledged and ignored.
 *
 * ```json
 * { "id": 1000123456, "name": "#1001", "created_at": "2026-06-15T09:12:00+07:00",
 *   "gateway": "Thanh toán khi giao hàng (COD)", "financial_status": "pending", "note": "…",
 *   "shipping_address": { "name": "…", "phone": "…", "address1": "12 Nguyễn Trãi",
 *                         "ward": "…", "district": "…", "province": "…" },
 *   "shipping_lines": [{ "price": 30000 }],
 *   "line_items": [{ "id": 1, "sku": "LYCHEE-LN-5KG", "quantity": 2, "price": 200000 }] }
 * ```
 */
import { z } from 'zod';
import type { Channel, RawAddressParts, RawOrder } from '../domain/order.js';
import { type FieldIssue, InvalidSignatureError, ValidationError } from '../errors.js';
import { readJsonBody } from './json.js';
import { hmacSha256Base64, safeEqual } from './signature.js';
import type {
  AdapterResult,
  ChannelAdapter,
  ChannelContext,
  ChannelSecrets,
  InboundRequest,
} from './types.js';
import { idSchema, numberLikeSchema, parseOrThrow } from './validation.js';

export const ORDER_CREATE_TOPIC = 'orders/create';
export const ORDER_CANCELLED_TOPIC = 'orders/cancelled';

const cancelledOrderSchema = z.object({ id: idSchema, cancel_reason: z.string().nullish() });

const text = z.string().trim().min(1);
const optionalText = z.string().nullish();

export const shopifyLikeOrderSchema = z.object({
  id: idSchema,
  name: z.string().optional(),
  created_at: text,
  gateway: z.string().nullish(),
  gateway_code: z.string().nullish(),
  financial_status: z.string().nullish(),
  note: z.string().nullish(),
  currency: z.literal('VND').optional(),
  shipping_address: z.object({
    name: optionalText,
    first_name: optionalText,
    last_name: optionalText,
    phone: text,
    address1: text,
    address2: optionalText,
    ward: optionalText,
    district: optionalText,
    province: optionalText,
    city: optionalText,
  }),
  shipping_lines: z.array(z.object({ price: numberLikeSchema })).optional(),
  line_items: z
    .array(
      z.object({
        id: idSchema.optional(),
        sku: text,
        title: z.string().optional(),
        quantity: z.number().int().positive(),
        price: numberLikeSchema,
      }),
    )
    .min(1),
});

type ShopifyLikeOrder = z.output<typeof shopifyLikeOrderSchema>;

export interface ShopifyLikePlatform {
  channel: Extract<Channel, 'haravan' | 'sapo'>;
  route: string;
  signatureHeader: string;
  topicHeader: string;
  secret: (secrets: ChannelSecrets) => string;
}

export const HARAVAN: ShopifyLikePlatform = {
  channel: 'haravan',
  route: '/v1/webhooks/haravan',
  signatureHeader: 'x-haravan-hmacsha256',
  topicHeader: 'x-haravan-topic',
  secret: (s) => s.haravanWebhookSecret,
};

export const SAPO: ShopifyLikePlatform = {
  channel: 'sapo',
  route: '/v1/webhooks/sapo',
  signatureHeader: 'x-sapo-hmac-sha256',
  topicHeader: 'x-sapo-topic',
  secret: (s) => s.sapoWebhookSecret,
};

function nonEmpty(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function addressOf(shipping: ShopifyLikeOrder['shipping_address']): string | RawAddressParts {
  const street = [shipping.address1, nonEmpty(shipping.address2)].filter((p) => p !== undefined).join(', ');
  const province = nonEmpty(shipping.province);
  const ward = nonEmpty(shipping.ward);
  const district = nonEmpty(shipping.district) ?? nonEmpty(shipping.city);
  if (province === undefined && ward === undefined) return [street, district].filter((p) => p).join(', ');
  const parts: RawAddressParts = { street };
  if (ward) parts.ward = ward;
  if (district) parts.district = district;
  if (province) parts.province = province;
  return parts;
}

function isCod(order: ShopifyLikeOrder): boolean {
  const gateway = `${order.gateway_code ?? ''} ${order.gateway ?? ''}`;
  if (/\bcod\b|khi (giao|nhận) hàng|cash on delivery/i.test(gateway)) return true;
  return order.financial_status !== 'paid';
}

export function shopifyLikeToRawOrder(
  channel: ShopifyLikePlatform['channel'],
  order: ShopifyLikeOrder,
): RawOrder {
  const shipping = order.shipping_address;
  const name =
    nonEmpty(shipping.name) ??
    [nonEmpty(shipping.last_name), nonEmpty(shipping.first_name)].filter((p) => p).join(' ');
  if (name === '') {
    throw new ValidationError([
      { field: 'shipping_address.name', message: 'is missing (and no first/last name)' },
    ]);
  }
  const raw: RawOrder = {
    channel,
    externalId: order.id,
    placedAt: order.created_at,
    buyer: { name, phone: shipping.phone, address: addressOf(shipping) },
    lines: order.line_items.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.price })),
    paymentMethod: isCod(order) ? 'cod' : 'prepaid',
  };
  const fees = order.shipping_lines ?? [];
  if (fees.length === 1) raw.shippingFee = (fees[0] as { price: number | string }).price;
  else if (fees.length > 1) {
    const issues: FieldIssue[] = [];
    let total = 0;
    fees.forEach((fee, i) => {
      const n = typeof fee.price === 'number' ? fee.price : Number(fee.price);
      if (!Number.isFinite(n))
        issues.push({ field: `shipping_lines[${i}].price`, message: 'must be a number' });
      total += n;
    });
    if (issues.length > 0) throw new ValidationError(issues);
    raw.shippingFee = total;
  }
  const note = nonEmpty(order.note);
  if (note !== undefined) raw.note = note;
  return raw;
}

export function verifyShopifyLikeSignature(
  request: InboundRequest,
  platform: ShopifyLikePlatform,
  secret: string,
): void {
  const signature = request.headers[platform.signatureHeader];
  if (signature === undefined || signature.trim() === '') {
    throw new InvalidSignatureError(`missing header ${platform.signatureHeader}`);
  }
  if (!safeEqual(signature.trim(), hmacSha256Base64(secret, request.rawBody))) {
    throw new InvalidSignatureError(`${platform.signatureHeader} does not match the request body`);
  }
}

export function shopifyLikeAdapter(platform: ShopifyLikePlatform): ChannelAdapter {
  return {
    routes: [`POST ${platform.route}`],
    channel: platform.channel,
    async handle(request: InboundRequest, ctx: ChannelContext): Promise<AdapterResult> {
      verifyShopifyLikeSignature(request, platform, platform.secret(ctx.secrets));
      const topic = request.headers[platform.topicHeader]?.trim() || ORDER_CREATE_TOPIC;
      if (topic === ORDER_CANCELLED_TOPIC) {
        const cancelled = parseOrThrow(cancelledOrderSchema, readJsonBody(request.rawBody));
        const why = cancelled.cancel_reason?.trim();
        return {
          kind: 'cancellations',
          cancellations: [
            {
              channel: platform.channel,
              externalId: cancelled.id,
              reason: `${platform.channel} ${ORDER_CANCELLED_TOPIC}${why ? ` (${why})` : ''}`,
            },
          ],
        };
      }
      if (topic !== ORDER_CREATE_TOPIC)
        return { kind: 'ignored', reason: `${platform.channel} topic ${topic}` };
      const order = parseOrThrow(shopifyLikeOrderSchema, readJsonBody(request.rawBody));
      return { kind: 'orders', orders: [shopifyLikeToRawOrder(platform.channel, order)] };
    },
  };
}

export const haravanAdapter = shopifyLikeAdapter(HARAVAN);
export const sapoAdapter = shopifyLikeAdapter(SAPO);
