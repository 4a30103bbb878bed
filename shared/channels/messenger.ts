/**
 * Facebook page (Messenger) webhook.
 *
 * - `GET /v1/webhooks/messenger`: the subscription handshake. `hub.mode=subscribe` and a
 *   `hub.verify_token` equal to our verify token → answer `hub.challenge` as text/plain; else 403.
 * - `POST /v1/webhooks/messenger`: header `x-hub-signature-256: sha256=<hex HMAC-SHA256(app secret,
 *   raw body)>`. Meta escapes non-ASCII as \uXXXX and `/` as `\/` on the wire, so the HMAC is checked
 *   over the raw bytes; a body re-serialised from parsed JSON would not match (F13).
 *
 * `entry[].messaging[]` events: echoes, deliveries and reads are ignored. A plain text message from a
 * buyer goes through the chat parser (chat-parser.ts): an order of channel `chat` keyed on
 * `messenger:<mid>`, in review when the parse is uncertain (with no lines when an order attempt
 * has no item that can be read surely), nothing for small talk. A
 * postback whose `payload` is our page's order form creates an order. The form (sent by the page's "Đặt hàng" button / webview)
 * is a JSON string:
 *
 * ```json
 * {"form":"order","ref":"<form submission id>","name":"…","phone":"…","address":"…",
 *  "items":[{"sku":"LYCHEE-LN-5KG","qty":2}],"note":"…"}
 * ```
 *
 * Prices come from the catalogue's list price (the page sells at list price). The dedupe key is the
 * form `ref`, or the postback `mid` when the form has none. One webhook may batch several entries
 * and postbacks: each event stands alone. The good ones are stored; a bad order form (or a text
 * with no `mid`) is reported in `eventErrors` with every bad field named, and the delivery is still
 * acknowledged with 200, because Meta would redeliver the same batch forever and retrying cannot
 * fix a bad form. A bad signature or a body that is not a page webhook still fails the whole
 * request (401 / 400).
 */
import { z } from 'zod';
import type { RawOrder } from '../domain/order.js';
import { type FieldIssue, InvalidSignatureError } from '../errors.js';
import { linesAtListPrice } from './catalogue-lines.js';
import { chatMessageToOrder } from './chat-parser.js';
import { parseJsonLossless, readJsonBody } from './json.js';
import { hmacSha256Hex, safeEqual, safeEqualHex } from './signature.js';
import type { AdapterResult, ChannelAdapter, ChannelContext, InboundRequest } from './types.js';
import { idSchema, isoFromEpochMillis, issuesFromZod, parseOrThrow } from './validation.js';

const text = z.string().trim().min(1);

const messagingSchema = z.object({
  sender: z.object({ id: idSchema }),
  recipient: z.object({ id: idSchema }),
  timestamp: z.number().int(),
  message: z
    .object({ mid: z.string().optional(), text: z.string().optional(), is_echo: z.boolean().optional() })
    .optional(),
  postback: z
    .object({ mid: z.string().optional(), title: z.string().optional(), payload: z.string().optional() })
    .optional(),
  delivery: z.unknown().optional(),
  read: z.unknown().optional(),
});

export const messengerWebhookSchema = z.object({
  object: z.literal('page'),
  entry: z.array(
    z.object({
      id: idSchema,
      time: z.number().int(),
      messaging: z.array(messagingSchema).optional(),
    }),
  ),
});

/** The order form our page puts in a postback payload. */
export const messengerOrderFormSchema = z.object({
  form: z.literal('order'),
  ref: idSchema.optional(),
  name: text,
  phone: text,
  address: text,
  items: z.array(z.object({ sku: text, qty: z.number().int().positive().max(999) })).min(1),
  note: z.string().optional(),
});

export type MessengerOrderForm = z.input<typeof messengerOrderFormSchema>;

type Messaging = z.output<typeof messagingSchema>;

/** Reads one postback; `undefined` when it is not an order form (e.g. a "Bắt đầu" button). */
function orderFromPostback(event: Messaging, field: string, issues: FieldIssue[]): RawOrder | undefined {
  const payload = event.postback?.payload;
  if (payload === undefined) return undefined;
  const trimmed = payload.trim();
  if (!trimmed.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = parseJsonLossless(trimmed);
  } catch {
    issues.push({ field: `${field}.payload`, message: 'looks like an order form but is not valid JSON' });
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as { form?: unknown }).form !== 'order') {
    return undefined;
  }
  const result = messengerOrderFormSchema.safeParse(parsed);
  if (!result.success) {
    issues.push(...issuesFromZod(result.error, { prefix: `${field}.payload` }));
    return undefined;
  }
  const form = result.data;
  const externalId = form.ref ?? event.postback?.mid;
  if (externalId === undefined || externalId.trim() === '') {
    issues.push({
      field: `${field}.payload.ref`,
      message: 'is missing, and the postback has no mid to use instead: the order cannot be deduplicated',
    });
    return undefined;
  }
  const { lines, issues: lineIssues } = linesAtListPrice(
    form.items.map((item, k) => ({
      sku: item.sku,
      qty: item.qty,
      field: `${field}.payload.items[${k}].sku`,
    })),
  );
  if (lineIssues.length > 0) {
    issues.push(...lineIssues);
    return undefined;
  }
  const order: RawOrder = {
    channel: 'messenger',
    externalId,
    placedAt: isoFromEpochMillis(event.timestamp),
    buyer: { name: form.name, phone: form.phone, address: form.address },
    lines,
  };
  if (form.note !== undefined && form.note.trim() !== '') order.note = form.note;
  return order;
}

function handshake(request: InboundRequest, verifyToken: string): AdapterResult {
  const mode = request.query['hub.mode'];
  const token = request.query['hub.verify_token'] ?? '';
  const challenge = request.query['hub.challenge'];
  if (mode === 'subscribe' && challenge !== undefined && safeEqual(token, verifyToken)) {
    return { kind: 'direct', response: { status: 200, body: challenge, contentType: 'text/plain' } };
  }
  return { kind: 'direct', response: { status: 403, body: 'Forbidden', contentType: 'text/plain' } };
}

export function verifyMessengerSignature(request: InboundRequest, appSecret: string): void {
  const header = request.headers['x-hub-signature-256'];
  if (header === undefined || header.trim() === '') {
    throw new InvalidSignatureError('missing header x-hub-signature-256');
  }
  const match = /^sha256=([0-9a-fA-F]+)$/.exec(header.trim());
  if (match === null) throw new InvalidSignatureError('x-hub-signature-256 must read sha256=<hex>');
  if (!safeEqualHex(match[1] ?? '', hmacSha256Hex(appSecret, request.rawBody))) {
    throw new InvalidSignatureError('x-hub-signature-256 does not match the request body');
  }
}

export const messengerAdapter: ChannelAdapter = {
  routes: ['GET /v1/webhooks/messenger', 'POST /v1/webhooks/messenger'],
  channel: 'messenger',
  async handle(request: InboundRequest, ctx: ChannelContext): Promise<AdapterResult> {
    if (request.method.toUpperCase() === 'GET') return handshake(request, ctx.secrets.messengerVerifyToken);
    verifyMessengerSignature(request, ctx.secrets.messengerAppSecret);
    const webhook = parseOrThrow(messengerWebhookSchema, readJsonBody(request.rawBody));
    const orders: RawOrder[] = [];
    const issues: FieldIssue[] = [];
    webhook.entry.forEach((entry, i) => {
      entry.messaging?.forEach((event, j) => {
        // Echoes (our own page's messages), deliveries and reads are not orders.
        const message = event.message;
        if (event.postback === undefined && message?.text !== undefined && message.is_echo !== true) {
          const field = `entry[${i}].messaging[${j}].message`;
          if (message.mid === undefined || message.mid.trim() === '') {
            issues.push({
              field: `${field}.mid`,
              message: 'is missing: the chat message cannot be deduplicated',
            });
            return;
          }
          const order = chatMessageToOrder({
            via: 'messenger',
            messageId: message.mid,
            senderId: event.sender.id,
            text: message.text,
            sentAt: event.timestamp,
            field: `${field}.text`,
          });
          if (order !== undefined) orders.push(order);
          return;
        }
        if (event.postback === undefined) return;
        const order = orderFromPostback(event, `entry[${i}].messaging[${j}].postback`, issues);
        if (order !== undefined) orders.push(order);
      });
    });
    if (orders.length === 0 && issues.length === 0) {
      return { kind: 'ignored', reason: 'no order form in this Messenger webhook' };
    }
    return issues.length > 0 ? { kind: 'orders', orders, eventErrors: issues } : { kind: 'orders', orders };
  },
};
