/**
 * The canonical order API: `POST /v1/orders`, used by the "Gian hàng Việt" national portal feed
 * and by direct sellers (and by Postmart/Voso integrations that relay orders to us).
 *
 * Authentication (see api-key-auth.ts): headers `x-api-key-id`, `x-timestamp` (epoch seconds) and
 * `x-signature` = hex HMAC-SHA256(secret of the key id, `${x-timestamp}.${raw body}`); ±300 s.
 *
 * Body (UTF-8 JSON, one order per request; unknown fields are refused so a typo such as
 * `shipping_fee` cannot silently drop a value):
 *
 * ```json
 * {
 *   "channel": "portal",                      // optional: portal (default) | postmart | voso, as the key allows
 *   "externalId": "GHV-2026-000123",          // your order id: the dedupe key (per seller), text or integer
 *   "placedAt": "2026-06-15T09:30:00+07:00",  // ISO 8601 with offset
 *   "buyer": {
 *     "name": "Nguyễn Thị Hoa",
 *     "phone": "0912 345 678",                // as the buyer typed it, always text
 *     "address": "12 Nguyễn Trãi, Thanh Xuân, Hà Nội"
 *       // or { "street": "…", "ward": "…", "district": "…" (optional, pre-2025), "province": "…" }
 *   },
 *   "lines": [{ "sku": "LYCHEE-LN-5KG", "quantity": 2, "unitPrice": 200000 }],  // VND, number or "200.000đ"
 *   "shippingFee": 30000,                     // optional, VND
 *   "paymentMethod": "cod",                   // optional: cod | prepaid
 *   "note": "Giao giờ hành chính",            // optional
 *   "export": { "market": "JP", "exporterId": "EXP-01", "destinationState": "Tokyo" }  // optional
 * }
 * ```
 *
 * Who may post what (portal-keys.ts): each key has a grant naming its channels and, for a direct
 * seller, its seller id. A `portal` order is the key's seller's (its order numbers are its own: the
 * dedupe key is (seller, externalId)); a relay key (Postmart's) posts `postmart` orders, which share
 * one namespace with the Postmart spreadsheet export. A channel the key is not granted is a 403
 * naming `channel`; webhook channels (TikTok, Shopee, Lazada, Haravan, Sapo, chats) are never
 * accepted here.
 *
 * Values are passed through as sent; the shared normaliser turns phones, addresses and money into
 * canonical form (and flags what needs a person).
 */
import { z } from 'zod';
import { EXPORT_MARKETS } from '../domain/market.js';
import { CHANNELS, type RawOrder } from '../domain/order.js';
import { verifyApiKeySignature } from './api-key-auth.js';
import { readJsonBody } from './json.js';
import { assertChannelAllowed, portalGrantFor } from './portal-keys.js';
import type { AdapterResult, ChannelAdapter, ChannelContext, InboundRequest } from './types.js';
import { idSchema, numberLikeSchema, parseOrThrow } from './validation.js';

export { PORTAL_CHANNELS } from './portal-keys.js';

const text = z.string().trim().min(1);

const addressSchema = z.union([
  text,
  z.strictObject({
    street: text,
    ward: text,
    district: text.optional(),
    province: text,
  }),
]);

export const portalOrderSchema = z.strictObject({
  // Any channel name parses, so that a known channel the key may not post is a 403, not a 400.
  channel: z.enum(CHANNELS).default('portal'),
  externalId: idSchema,
  placedAt: z.iso.datetime({ offset: true }),
  buyer: z.strictObject({
    name: text,
    phone: text,
    address: addressSchema,
  }),
  lines: z
    .array(
      z.strictObject({
        sku: text,
        quantity: numberLikeSchema,
        unitPrice: numberLikeSchema,
      }),
    )
    .min(1),
  shippingFee: numberLikeSchema.optional(),
  paymentMethod: z.enum(['cod', 'prepaid']).optional(),
  note: z.string().optional(),
  export: z
    .strictObject({
      market: z.enum(EXPORT_MARKETS),
      exporterId: text,
      destinationState: text.optional(),
    })
    .optional(),
});

export type PortalOrderBody = z.input<typeof portalOrderSchema>;

/** The body as a RawOrder; `seller` (the key's seller, for channel portal) joins the dedupe key. */
export function portalBodyToRawOrder(body: z.output<typeof portalOrderSchema>, seller?: string): RawOrder {
  const order: RawOrder = {
    channel: body.channel,
    externalId: body.externalId,
    ...(body.channel === 'portal' && seller !== undefined ? { seller } : {}),
    placedAt: body.placedAt,
    buyer: { name: body.buyer.name, phone: body.buyer.phone, address: body.buyer.address },
    lines: body.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice })),
  };
  if (body.shippingFee !== undefined) order.shippingFee = body.shippingFee;
  if (body.paymentMethod !== undefined) order.paymentMethod = body.paymentMethod;
  if (body.note !== undefined && body.note.trim() !== '') order.note = body.note;
  if (body.export !== undefined) order.export = body.export;
  return order;
}

export const portalAdapter: ChannelAdapter = {
  routes: ['POST /v1/orders'],
  channel: 'portal',
  async handle(request: InboundRequest, ctx: ChannelContext): Promise<AdapterResult> {
    const { keyId } = verifyApiKeySignature(request, ctx.secrets.portalApiKeys, ctx.now());
    const grant = portalGrantFor(ctx.secrets.portalKeyGrants, keyId);
    const body = parseOrThrow(portalOrderSchema, readJsonBody(request.rawBody));
    assertChannelAllowed(grant, keyId, body.channel);
    return { kind: 'orders', orders: [portalBodyToRawOrder(body, grant.seller)] };
  },
};
