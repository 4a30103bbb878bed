/**
 * Shopee Open Platform push: `POST /v1/webhooks/shopee`.
 *
 * Authenticity: header `authorization` = hex HMAC-SHA256(partner key, `${callback URL}|${raw body}`),
 * the callback URL being exactly the one registered with Shopee.
 * Shopee wants a 2xx with an EMPTY body (anything else counts as a failed push; too many and the
 * push is disabled), so every result carries that ack.
 *
 * Only code 3 (order status push) with status READY_TO_SHIP creates an order; the push carries the
 * `ordersn` only, so the order is read back with v2 `order.get_order_detail`
 * (`response.order_list[]` with `recipient_address`, `item_list[]` with `model_sku`/`item_sku`,
 * `model_quantity_purchased`, `model_discounted_price`, `cod`, `total_amount`).
 * Status CANCELLED cancels the order (OrderCancelled for the id the order has or will have), as does
 * an order found CANCELLED at fetch time; IN_CANCEL (a buyer's request the seller may still refuse)
 * is only acknowledged.
 */
import { z } from 'zod';
import type { RawOrder } from '../domain/order.js';
import { type FieldIssue, InvalidSignatureError, UpstreamError, ValidationError } from '../errors.js';
import { readJsonBody } from './json.js';
import { hmacSha256Hex, safeEqualHex } from './signature.js';
import type {
  AdapterResult,
  ChannelAdapter,
  ChannelContext,
  DirectResponse,
  InboundRequest,
} from './types.js';
import { idSchema, isoFromEpochSeconds, numberLikeSchema, parseOrThrow } from './validation.js';

export const SHOPEE_ORDER_STATUS_PUSH = 3;
export const SHOPEE_CREATE_STATUS = 'READY_TO_SHIP';
export const SHOPEE_CANCEL_STATUS = 'CANCELLED';
/** Shopee counts any non-empty answer as a failed push. */
export const SHOPEE_ACK: DirectResponse = { status: 200, body: '', contentType: 'text/plain' };

const text = z.string().trim().min(1);

const envelopeSchema = z.object({ code: z.number().int() });

export const shopeePushSchema = z.object({
  shop_id: idSchema,
  code: z.literal(SHOPEE_ORDER_STATUS_PUSH),
  timestamp: z.number().int(),
  data: z.object({
    ordersn: text,
    status: text,
    update_time: z.number().int(),
  }),
});

export const shopeeOrderSchema = z.object({
  order_sn: text,
  order_status: text,
  currency: z.literal('VND'),
  cod: z.boolean(),
  total_amount: numberLikeSchema,
  estimated_shipping_fee: numberLikeSchema.optional(),
  payment_method: z.string().optional(),
  message_to_seller: z.string().optional(),
  create_time: z.number().int(),
  recipient_address: z.object({
    name: text,
    phone: text,
    full_address: text,
    town: z.string().optional(),
    district: z.string().optional(),
    city: z.string().optional(),
    state: z.string().optional(),
    region: z.string().optional(),
    zipcode: z.string().optional(),
  }),
  item_list: z
    .array(
      z.object({
        item_id: idSchema,
        item_name: z.string().optional(),
        item_sku: z.string().optional(),
        model_id: idSchema.optional(),
        model_sku: z.string().optional(),
        model_quantity_purchased: z.number().int().positive(),
        model_discounted_price: numberLikeSchema,
        model_original_price: numberLikeSchema.optional(),
      }),
    )
    .min(1),
});

const detailResponseSchema = z.object({
  error: z.string().optional(),
  message: z.string().optional(),
  request_id: z.string().optional(),
  response: z.object({ order_list: z.array(z.unknown()) }).optional(),
});

type ShopeeOrder = z.output<typeof shopeeOrderSchema>;

/**
 * The whole `full_address` goes to the normaliser: how Shopee fills `town`/`district`/`city`/`state`
 * differs by region and changed with the 2025 two-level reform (unverified), while the full text is
 * what the buyer typed.
 */
export function shopeeOrderToRawOrder(order: ShopeeOrder): RawOrder {
  const issues: FieldIssue[] = [];
  const lines = order.item_list.map((item, i) => {
    const sku = item.model_sku?.trim() || item.item_sku?.trim() || '';
    if (sku === '') {
      issues.push({
        field: `order_detail.item_list[${i}].model_sku`,
        message: 'and item_sku are both empty',
      });
    }
    return { sku, quantity: item.model_quantity_purchased, unitPrice: item.model_discounted_price };
  });
  if (issues.length > 0) throw new ValidationError(issues);
  const raw: RawOrder = {
    channel: 'shopee',
    externalId: order.order_sn,
    placedAt: isoFromEpochSeconds(order.create_time),
    buyer: {
      name: order.recipient_address.name,
      phone: order.recipient_address.phone,
      address: order.recipient_address.full_address,
    },
    lines,
    paymentMethod: order.cod ? 'cod' : 'prepaid',
  };
  if (order.estimated_shipping_fee !== undefined) raw.shippingFee = order.estimated_shipping_fee;
  if (order.message_to_seller !== undefined && order.message_to_seller.trim() !== '') {
    raw.note = order.message_to_seller;
  }
  return raw;
}

export function verifyShopeeSignature(
  request: InboundRequest,
  partnerKey: string,
  callbackUrl: string,
): void {
  const signature = request.headers['authorization'];
  if (signature === undefined || signature.trim() === '') {
    throw new InvalidSignatureError('missing header authorization');
  }
  if (!safeEqualHex(signature, hmacSha256Hex(partnerKey, `${callbackUrl}|`, request.rawBody))) {
    throw new InvalidSignatureError('authorization does not match the callback URL and request body');
  }
}

async function fetchOrder(ctx: ChannelContext, orderSn: string): Promise<ShopeeOrder> {
  const response = parseOrThrow(detailResponseSchema, await ctx.marketplace.shopeeOrderDetail(orderSn), {
    prefix: 'order_detail',
  });
  if (response.error !== undefined && response.error !== '') {
    throw new UpstreamError(`Shopee get_order_detail answered error ${response.error}`, true);
  }
  for (const candidate of response.response?.order_list ?? []) {
    const order = parseOrThrow(shopeeOrderSchema, candidate, { prefix: 'order_detail' });
    if (order.order_sn === orderSn) return order;
  }
  throw new UpstreamError(`Shopee has no detail yet for order ${orderSn}`, true);
}

export const shopeeAdapter: ChannelAdapter = {
  routes: ['POST /v1/webhooks/shopee'],
  channel: 'shopee',
  async handle(request: InboundRequest, ctx: ChannelContext): Promise<AdapterResult> {
    verifyShopeeSignature(request, ctx.secrets.shopeePartnerKey, ctx.secrets.shopeeCallbackUrl);
    const json = readJsonBody(request.rawBody);
    const { code } = parseOrThrow(envelopeSchema, json);
    if (code !== SHOPEE_ORDER_STATUS_PUSH) {
      return { kind: 'ignored', reason: `Shopee push code ${code}`, ack: SHOPEE_ACK };
    }
    const push = parseOrThrow(shopeePushSchema, json);
    const cancel = (): AdapterResult => ({
      kind: 'cancellations',
      cancellations: [
        {
          channel: 'shopee',
          externalId: push.data.ordersn,
          reason: `Shopee order status ${SHOPEE_CANCEL_STATUS}`,
        },
      ],
      ack: SHOPEE_ACK,
    });
    if (push.data.status === SHOPEE_CANCEL_STATUS) return cancel();
    if (push.data.status !== SHOPEE_CREATE_STATUS) {
      return { kind: 'ignored', reason: `Shopee order status ${push.data.status}`, ack: SHOPEE_ACK };
    }
    const order = await fetchOrder(ctx, push.data.ordersn);
    if (order.order_status === SHOPEE_CANCEL_STATUS) return cancel();
    if (order.order_status === 'IN_CANCEL') {
      return { kind: 'ignored', reason: `Shopee order ${order.order_status} before fetch`, ack: SHOPEE_ACK };
    }
    return { kind: 'orders', orders: [shopeeOrderToRawOrder(order)], ack: SHOPEE_ACK };
  },
};
