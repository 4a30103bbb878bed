/**
 * Lazada Open Platform push: `POST /v1/webhooks/lazada`.
 *
 * Authenticity: header `authorization` = hex HMAC-SHA256(app secret, app_key + raw body). Lazada
 * signs no timestamp, so replays are absorbed by dedupe on the trade order id.
 *
 * Only message_type 0 (trade order) with `order_status` "pending" (paid, or COD confirmed, waiting
 * for the seller to pack) creates an order; `order_status` "canceled" cancels it (OrderCancelled for
 * the trade order's id, no fetch); every other type and status is acknowledged and ignored. Lazada pushes once per order LINE (`trade_order_line_id`), so one order arrives several
 * times: the dedupe key is `trade_order_id`, and the later pushes come back as duplicates.
 *
 * The push carries ids only: the order is read back through `MarketplaceClient.lazadaOrderDetail`,
 * which answers `{ order: <GetOrder>, items: <GetOrderItems> }` (`code: "0"`, `data`). Ids are about
 * 1.25e15: below 2^53 but kept as strings all the same. Order items are one per unit (like TikTok)
 * and are counted back into lines per seller SKU and price.
 *
 * Vietnamese addresses: `address_shipping.address1` is the street, `address3`/`address4`/`address5`
 * the province/district/ward (the 2025 reform may leave `address4` empty); when those are absent the
 * street and `city` go to the normaliser as text. (Field use for VN is from integrators' notes,
 * unverified against the live API.)
 */
import { z } from 'zod';
import type { RawAddressParts, RawOrder, RawOrderLine } from '../domain/order.js';
import { InvalidSignatureError, UpstreamError, ValidationError } from '../errors.js';
import { readJsonBody } from './json.js';
import { hmacSha256Hex, safeEqualHex } from './signature.js';
import type { AdapterResult, ChannelAdapter, ChannelContext, InboundRequest } from './types.js';
import { idSchema, numberLikeSchema, parseOrThrow } from './validation.js';

export const LAZADA_TRADE_ORDER = 0;
/** Lazada spells it "canceled"; both spellings are read. */
export const LAZADA_CANCEL_STATUSES: ReadonlySet<string> = new Set(['canceled', 'cancelled']);
/** Paid (or COD confirmed) and waiting for the seller: the moment an order is ours to fill. */
export const LAZADA_CREATE_STATUS = 'pending';

const text = z.string().trim().min(1);
const optionalText = z.string().optional();

const envelopeSchema = z.object({ message_type: z.number().int() });

export const lazadaPushSchema = z.object({
  seller_id: idSchema,
  message_type: z.literal(LAZADA_TRADE_ORDER),
  timestamp: z.number().int(),
  site: z.string().optional(),
  data: z.object({
    trade_order_id: idSchema,
    trade_order_line_id: idSchema.optional(),
    order_status: text,
    status_update_time: z.number().int().optional(),
  }),
});

export const lazadaOrderSchema = z.object({
  order_id: idSchema,
  created_at: text,
  payment_method: z.string().optional(),
  remarks: z.string().optional(),
  shipping_fee: numberLikeSchema.optional(),
  statuses: z.array(z.string()).optional(),
  address_shipping: z.object({
    first_name: text,
    last_name: optionalText,
    phone: text,
    address1: text,
    address2: optionalText,
    address3: optionalText,
    address4: optionalText,
    address5: optionalText,
    city: optionalText,
    country: optionalText,
  }),
});

export const lazadaItemSchema = z.object({
  order_item_id: idSchema,
  order_id: idSchema.optional(),
  sku: text,
  name: z.string().optional(),
  item_price: numberLikeSchema,
  paid_price: numberLikeSchema.optional(),
  status: z.string().optional(),
  currency: z.literal('VND').optional(),
});

const answerSchema = z.object({
  code: z.union([z.string(), z.number()]).transform(String),
  message: z.string().optional(),
});

const detailSchema = z.object({
  order: answerSchema.extend({ data: z.unknown().optional() }),
  items: answerSchema.extend({ data: z.array(z.unknown()).optional() }),
});

type LazadaOrder = z.output<typeof lazadaOrderSchema>;
type LazadaItem = z.output<typeof lazadaItemSchema>;

function addressOf(shipping: LazadaOrder['address_shipping']): string | RawAddressParts {
  const street = [shipping.address1, shipping.address2].filter((p) => p && p.trim() !== '').join(', ');
  const province = shipping.address3?.trim();
  if (province) {
    const parts: RawAddressParts = { street, province };
    if (shipping.address5?.trim()) parts.ward = shipping.address5.trim();
    if (shipping.address4?.trim()) parts.district = shipping.address4.trim();
    return parts;
  }
  return [street, shipping.city].filter((p) => p && p.trim() !== '').join(', ');
}

function linesOf(items: LazadaItem[]): RawOrderLine[] {
  const lines = new Map<string, RawOrderLine & { quantity: number }>();
  for (const item of items) {
    if (item.status === 'canceled' || item.status === 'cancelled') continue;
    const price = item.paid_price ?? item.item_price;
    const key = `${item.sku}\u0000${price}`;
    const line = lines.get(key);
    if (line === undefined) lines.set(key, { sku: item.sku, quantity: 1, unitPrice: price });
    else line.quantity += 1;
  }
  return [...lines.values()];
}

export function lazadaOrderToRawOrder(order: LazadaOrder, items: LazadaItem[]): RawOrder {
  const shipping = order.address_shipping;
  const raw: RawOrder = {
    channel: 'lazada',
    externalId: order.order_id,
    placedAt: order.created_at,
    buyer: {
      name: [shipping.first_name, shipping.last_name].filter((p) => p && p.trim() !== '').join(' '),
      phone: shipping.phone,
      address: addressOf(shipping),
    },
    lines: linesOf(items),
    paymentMethod: /cod|cash on delivery|khi nhận/i.test(order.payment_method ?? '') ? 'cod' : 'prepaid',
  };
  if (order.shipping_fee !== undefined) raw.shippingFee = order.shipping_fee;
  if (order.remarks !== undefined && order.remarks.trim() !== '') raw.note = order.remarks;
  return raw;
}

export function verifyLazadaSignature(request: InboundRequest, appKey: string, appSecret: string): void {
  const signature = request.headers['authorization'];
  if (signature === undefined || signature.trim() === '') {
    throw new InvalidSignatureError('missing header authorization');
  }
  if (!safeEqualHex(signature, hmacSha256Hex(appSecret, appKey, request.rawBody))) {
    throw new InvalidSignatureError('authorization does not match the request body');
  }
}

async function fetchOrder(
  ctx: ChannelContext,
  orderId: string,
): Promise<{ order: LazadaOrder; items: LazadaItem[] }> {
  const detail = parseOrThrow(detailSchema, await ctx.marketplace.lazadaOrderDetail(orderId), {
    prefix: 'order_detail',
  });
  if (detail.order.code !== '0' || detail.items.code !== '0') {
    throw new UpstreamError(
      `Lazada GetOrder/GetOrderItems answered code ${detail.order.code}/${detail.items.code}`,
      true,
    );
  }
  if (detail.order.data === undefined || detail.order.data === null) {
    // Detail can lag the push by a moment: worth retrying.
    throw new UpstreamError(`Lazada has no detail yet for order ${orderId}`, true);
  }
  const order = parseOrThrow(lazadaOrderSchema, detail.order.data, { prefix: 'order_detail.order' });
  if (order.order_id !== orderId)
    throw new UpstreamError(`Lazada answered another order than ${orderId}`, true);
  const items = (detail.items.data ?? []).map((item, i) =>
    parseOrThrow(lazadaItemSchema, item, { prefix: `order_detail.items[${i}]` }),
  );
  if (items.length === 0) {
    throw new ValidationError([{ field: 'order_detail.items', message: 'lists no item for this order' }]);
  }
  return { order, items };
}

export const lazadaAdapter: ChannelAdapter = {
  routes: ['POST /v1/webhooks/lazada'],
  channel: 'lazada',
  async handle(request: InboundRequest, ctx: ChannelContext): Promise<AdapterResult> {
    verifyLazadaSignature(request, ctx.secrets.lazadaAppKey, ctx.secrets.lazadaAppSecret);
    const json = readJsonBody(request.rawBody);
    const { message_type } = parseOrThrow(envelopeSchema, json);
    if (message_type !== LAZADA_TRADE_ORDER) {
      return { kind: 'ignored', reason: `Lazada message_type ${message_type}` };
    }
    const push = parseOrThrow(lazadaPushSchema, json);
    if (LAZADA_CANCEL_STATUSES.has(push.data.order_status)) {
      return {
        kind: 'cancellations',
        cancellations: [
          {
            channel: 'lazada',
            externalId: push.data.trade_order_id,
            reason: `Lazada order status ${push.data.order_status}`,
          },
        ],
      };
    }
    if (push.data.order_status !== LAZADA_CREATE_STATUS) {
      return { kind: 'ignored', reason: `Lazada order status ${push.data.order_status}` };
    }
    const { order, items } = await fetchOrder(ctx, push.data.trade_order_id);
    const raw = lazadaOrderToRawOrder(order, items);
    if (raw.lines.length === 0) return { kind: 'ignored', reason: 'every Lazada order item is cancelled' };
    return { kind: 'orders', orders: [raw] };
  },
};
