/**
 * Zalo Official Account webhook: `POST /v1/webhooks/zalo`.
 *
 * Authenticity: header `x-zevent-signature: mac=<hex SHA-256(app_id + raw body + timestamp + OA
 * secret key)>`, where `timestamp` is the payload's own `timestamp` field (epoch ms, a string). Zalo
 * puts the signed timestamp inside the body, so that one value is read from the body before the MAC
 * is checked; nothing else is looked at until the MAC matches. Deliveries older than 10 minutes are
 * refused as replays.
 *
 * Orders arrive as `user_submit_info`: the buyer fills our OA's order form (name, phone, address,
 * ward, district, city, plus two fields our form adds):
 *
 * ```json
 * "info": { "name": "…", "phone": "84912345678", "address": "12 Nguyễn Trãi", "ward": "…",
 *           "district": "…", "city": "…",
 *           "order": "2x LYCHEE-LN-5KG; 1x OCOP-MAT-ONG-500ML",   // "Đơn hàng": count x product code
 *           "note": "Giao trước 10h" }                               // "Ghi chú", optional
 * ```
 *
 * Zalo's newer form shape (`info.full_address: {user_address, user_ward, user_district, user_city}`)
 * is read too. `info.order` lists items as `<count>x <product code>`, separated by `;`, `,` or new
 * lines; prices come from the catalogue list price. A form whose order cannot be read exactly is
 * refused naming `info.order` (guessing would ship the wrong produce).
 * Dedupe key: `msg_id` when the event has one, else `${sender.id}:${timestamp}`.
 * `user_send_text` (a free-text message to the OA) goes through the chat parser (chat-parser.ts):
 * an order of channel `chat` keyed on `zalo:<message.msg_id>`, in review (`uncertain_parse`) when the
 * parse is uncertain, including an order attempt from which no item can be read surely (then with
 * no lines); small talk with no order signal is acknowledged and ignored.
 * Zalo sends one event per request (no batch), so a bad form fails that one delivery with a 400
 * naming the field; a Messenger webhook can batch several events, which are handled one by one.
 * Other events (follow, user_send_image, …) are acknowledged and ignored.
 */
import { z } from 'zod';
import type { RawAddressParts, RawOrder } from '../domain/order.js';
import { type FieldIssue, InvalidSignatureError, StaleRequestError, ValidationError } from '../errors.js';
import { type FormItem, linesAtListPrice } from './catalogue-lines.js';
import { chatMessageToOrder } from './chat-parser.js';
import { decodeUtf8Body, parseJsonLossless } from './json.js';
import { safeEqualHex, sha256Hex } from './signature.js';
import type { AdapterResult, ChannelAdapter, ChannelContext, InboundRequest } from './types.js';
import { idSchema, isoFromEpochMillis, parseOrThrow } from './validation.js';

export const ZALO_REPLAY_WINDOW_MS = 10 * 60 * 1000;
export const ZALO_ORDER_EVENT = 'user_submit_info';
export const ZALO_TEXT_EVENT = 'user_send_text';

const text = z.string().trim().min(1);
const optionalText = z.string().trim().optional();
const timestampSchema = z
  .union([z.string().regex(/^\d{10,16}$/), z.number().int().positive()])
  .transform(String);

export const zaloSendTextSchema = z.object({
  event_name: z.literal(ZALO_TEXT_EVENT),
  timestamp: timestampSchema,
  sender: z.object({ id: idSchema }),
  message: z.object({ msg_id: idSchema, text: z.string() }),
});

const envelopeSchema = z.object({ event_name: text });

export const zaloSubmitInfoSchema = z.object({
  app_id: idSchema.optional(),
  oa_id: idSchema.optional(),
  event_name: z.literal(ZALO_ORDER_EVENT),
  timestamp: timestampSchema,
  msg_id: idSchema.optional(),
  message: z.object({ msg_id: idSchema.optional() }).optional(),
  sender: z.object({ id: idSchema.optional() }).optional(),
  recipient: z.object({ id: idSchema }).optional(),
  info: z.object({
    name: text,
    phone: text,
    address: optionalText,
    ward: optionalText,
    district: optionalText,
    city: optionalText,
    full_address: z
      .object({
        user_address: optionalText,
        user_ward: optionalText,
        user_district: optionalText,
        user_city: optionalText,
      })
      .optional(),
    order: text,
    note: z.string().optional(),
  }),
});

export type ZaloSubmitInfo = z.input<typeof zaloSubmitInfoSchema>;

const LABELS: Record<string, string> = {
  'info.name': 'Họ tên',
  'info.phone': 'Số điện thoại',
  'info.address': 'Địa chỉ',
  'info.order': 'Đơn hàng',
};

const ITEM = /^(\d{1,3})\s*[x×*]\s*([A-Za-z0-9][A-Za-z0-9-]*)$/u;

/** `"2x LYCHEE-LN-5KG; 1 × OCOP-MAT-ONG-500ML"` → items, or the issues that make it unreadable. */
export function parseZaloOrderItems(order: string): { items: FormItem[]; issues: FieldIssue[] } {
  const items: FormItem[] = [];
  const issues: FieldIssue[] = [];
  const pieces = order
    .split(/[;,\n]+/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  pieces.forEach((piece, k) => {
    const match = ITEM.exec(piece);
    const qty = Number(match?.[1]);
    if (match === null || !(qty > 0)) {
      issues.push({
        field: 'info.order',
        label: 'Đơn hàng',
        message: `item ${k + 1} cannot be read; write items as "2x LYCHEE-LN-5KG; 1x OCOP-MAT-ONG-500ML"`,
      });
      return;
    }
    items.push({ sku: match[2] ?? '', qty, field: 'info.order', label: 'Đơn hàng' });
  });
  if (pieces.length === 0) issues.push({ field: 'info.order', label: 'Đơn hàng', message: 'lists no item' });
  return { items, issues };
}

type Info = z.output<typeof zaloSubmitInfoSchema>['info'];

function addressOf(info: Info): string | RawAddressParts {
  const street = info.full_address?.user_address || info.address;
  const ward = info.full_address?.user_ward || info.ward;
  const district = info.full_address?.user_district || info.district;
  const province = info.full_address?.user_city || info.city;
  if (street === undefined || street === '') {
    throw new ValidationError([{ field: 'info.address', label: 'Địa chỉ', message: 'is missing' }]);
  }
  if (!ward && !district && !province) return street;
  const parts: RawAddressParts = { street };
  if (ward) parts.ward = ward;
  if (district) parts.district = district;
  if (province) parts.province = province;
  return parts;
}

/**
 * The signed timestamp, read from the body before verification (see the header comment). The JSON
 * is returned so it is not parsed twice, but nobody looks at it until the MAC matches.
 */
function signedTimestamp(rawBody: Buffer): { timestamp: string; json: unknown } {
  let json: unknown;
  try {
    json = parseJsonLossless(decodeUtf8Body(rawBody));
  } catch {
    throw new InvalidSignatureError('cannot verify x-zevent-signature: the body is not JSON');
  }
  const parsed = z.object({ timestamp: timestampSchema }).safeParse(json);
  if (!parsed.success) {
    throw new InvalidSignatureError('cannot verify x-zevent-signature: the body has no timestamp (epoch ms)');
  }
  return { timestamp: parsed.data.timestamp, json };
}

/**
 * Verifies the MAC over the raw bytes, then the freshness. Returns the body's JSON, authenticated
 * but not yet validated.
 */
export function verifyZaloSignature(
  request: InboundRequest,
  appId: string,
  oaSecretKey: string,
  now: Date,
): unknown {
  const header = request.headers['x-zevent-signature'];
  if (header === undefined || header.trim() === '') {
    throw new InvalidSignatureError('missing header x-zevent-signature');
  }
  const match = /^mac=([0-9a-fA-F]+)$/.exec(header.trim());
  if (match === null) throw new InvalidSignatureError('x-zevent-signature must read mac=<hex>');
  const { timestamp, json } = signedTimestamp(request.rawBody);
  if (!safeEqualHex(match[1] ?? '', sha256Hex(appId, request.rawBody, timestamp, oaSecretKey))) {
    throw new InvalidSignatureError('x-zevent-signature does not match the request body');
  }
  const age = now.getTime() - Number(timestamp);
  if (Math.abs(age) > ZALO_REPLAY_WINDOW_MS) {
    throw new StaleRequestError(`Zalo event timestamp is ${Math.round(age / 1000)} s old (allowed: 600 s)`);
  }
  return json;
}

export const zaloAdapter: ChannelAdapter = {
  routes: ['POST /v1/webhooks/zalo'],
  channel: 'zalo',
  async handle(request: InboundRequest, ctx: ChannelContext): Promise<AdapterResult> {
    const json = verifyZaloSignature(request, ctx.secrets.zaloAppId, ctx.secrets.zaloOaSecretKey, ctx.now());
    const { event_name } = parseOrThrow(envelopeSchema, json);
    if (event_name === ZALO_TEXT_EVENT) {
      const event = parseOrThrow(zaloSendTextSchema, json);
      const order = chatMessageToOrder({
        via: 'zalo',
        messageId: event.message.msg_id,
        senderId: event.sender.id,
        text: event.message.text,
        sentAt: Number(event.timestamp),
        field: 'message.text',
      });
      if (order === undefined)
        return { kind: 'ignored', reason: 'Zalo text message with no order attempt in it' };
      return { kind: 'orders', orders: [order] };
    }
    if (event_name !== ZALO_ORDER_EVENT) return { kind: 'ignored', reason: `Zalo event ${event_name}` };
    const event = parseOrThrow(zaloSubmitInfoSchema, json, { labels: LABELS });

    const msgId = event.msg_id ?? event.message?.msg_id;
    const senderId = event.sender?.id;
    if (msgId === undefined && senderId === undefined) {
      throw new ValidationError([
        {
          field: 'sender.id',
          message: 'is missing, and the event has no msg_id: the order cannot be deduplicated',
        },
      ]);
    }
    const { items, issues } = parseZaloOrderItems(event.info.order);
    const { lines, issues: catalogueIssues } = linesAtListPrice(items);
    if (issues.length + catalogueIssues.length > 0) {
      throw new ValidationError([...issues, ...catalogueIssues]);
    }

    const order: RawOrder = {
      channel: 'zalo',
      externalId: msgId ?? `${senderId}:${event.timestamp}`,
      placedAt: isoFromEpochMillis(Number(event.timestamp)),
      buyer: { name: event.info.name, phone: event.info.phone, address: addressOf(event.info) },
      lines,
    };
    if (event.info.note !== undefined && event.info.note.trim() !== '') order.note = event.info.note;
    return { kind: 'orders', orders: [order] };
  },
};
