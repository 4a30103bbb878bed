import {
  encodeMessenger,
  messengerHandshakeRequest,
  messengerRequest,
  toMetaWireJson,
} from '../../../shared/channels/encoders.js';
import { messengerAdapter } from '../../../shared/channels/messenger.js';
import { InvalidSignatureError } from '../../../shared/errors.js';
import { context, inbound, loadSample, NOW, secrets, tampered, thrown } from './fixtures.js';

const sample = loadSample('messenger');
const PAGE = '104857392018475';

function event(extra: Record<string, unknown>) {
  return { sender: { id: '3364324066055701' }, recipient: { id: PAGE }, timestamp: 1781490600000, ...extra };
}

function webhook(...messaging: Record<string, unknown>[]) {
  return toMetaWireJson({ object: 'page', entry: [{ id: PAGE, time: 1781490600000, messaging }] });
}

const form = {
  form: 'order',
  ref: 'FB-FORM-1',
  name: 'Phạm Minh Châu',
  phone: '0988 111 222',
  address: '25/3 Nguyễn Văn Cừ, Hà Nội',
  items: [{ sku: 'LYCHEE-LN-5KG', qty: 2 }],
};

const postback = (payload: unknown, mid = 'm_postback_1') =>
  event({
    postback: {
      title: 'Đặt hàng',
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      mid,
    },
  });

describe("Meta's wire JSON", () => {
  it('escapes non-ASCII as lower-case \\uXXXX, astral characters as surrogate pairs, and / as \\/', () => {
    const wire = toMetaWireJson({ text: 'Vải 🍒 25/3', n: 1 });
    expect(wire).toBe('{"text":"V\\u1ea3i \\ud83c\\udf52 25\\/3","n":1}');
    expect(JSON.parse(wire)).toEqual({ text: 'Vải 🍒 25/3', n: 1 });
    expect(/[^\x20-\x7e]/.test(wire)).toBe(false);
  });
});

describe('Messenger adapter', () => {
  it('F13 signature over re-serialised JSON', async () => {
    const text = 'Cho mình 2 thùng vải thiều Lục Ngạn';
    const encoded = encodeMessenger(
      {
        externalId: 'FB-FORM-F13',
        buyer: { name: 'Phạm Minh Châu', phone: '0988 111 222', address: '25/3 Nguyễn Văn Cừ, Hà Nội' },
        lines: [{ sku: 'LYCHEE-LN-5KG', quantity: 2, unitPrice: 200_000 }],
        note: text,
      },
      secrets,
      NOW,
    );
    const request = inbound(encoded);
    const raw = request.rawBody.toString('utf8');
    // On the wire the Vietnamese text is escaped, and so is every slash.
    expect(raw).not.toContain('mình');
    expect(raw).toContain('Cho m\\u00ecnh');
    expect(raw).toContain('25\\/3');

    // 1. Verified over the raw bytes: accepted, and the text comes out intact.
    const result = await messengerAdapter.handle(request, context());
    expect(result.kind === 'orders' && result.orders[0]?.note).toBe(text);

    // 2. The same JSON re-serialised (what a framework's body parser hands over) fails the original signature.
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw)), 'utf8');
    expect(reserialised.equals(request.rawBody)).toBe(false);
    await expect(messengerAdapter.handle({ ...request, rawBody: reserialised }, context())).rejects.toThrow(
      InvalidSignatureError,
    );

    // 3. One changed byte is rejected.
    await expect(messengerAdapter.handle(tampered(request), context())).rejects.toThrow(
      InvalidSignatureError,
    );
  });

  it('accepts the signed sample and prices the form at the catalogue list price', async () => {
    const result = await messengerAdapter.handle(inbound(sample), context());
    expect(result).toEqual({
      kind: 'orders',
      orders: [
        {
          channel: 'messenger',
          externalId: 'FB-FORM-8812',
          placedAt: NOW.toISOString(),
          buyer: {
            name: 'Phạm Minh Châu',
            phone: '0988 111 222',
            address: '25/3 Nguyễn Văn Cừ, Phường Bồ Đề, Hà Nội',
          },
          lines: [{ sku: 'LYCHEE-LN-2KG', quantity: 2, unitPrice: 90_000 }],
          note: 'Cho mình 2 thùng vải thiều Lục Ngạn',
        },
      ],
    });
  });

  it('refuses a missing, malformed or SHA-1-only signature header', async () => {
    const request = inbound(sample);
    const sha1Only = { 'content-type': 'application/json', 'x-hub-signature': 'sha1=00' };
    await expect(messengerAdapter.handle({ ...request, headers: sha1Only }, context())).rejects.toThrow(
      /missing header x-hub-signature-256/,
    );
    const bare = { 'x-hub-signature-256': request.headers['x-hub-signature-256']!.slice('sha256='.length) };
    await expect(messengerAdapter.handle({ ...request, headers: bare }, context())).rejects.toThrow(
      InvalidSignatureError,
    );
  });

  it('ignores echoes, deliveries, reads, small talk and postbacks that are not order forms', async () => {
    const body = webhook(
      event({ message: { mid: 'm_1', text: 'Cho mình 2 thùng vải thiều Lục Ngạn', is_echo: true } }),
      event({ delivery: { mids: ['m_1'], watermark: 1781490600000 } }),
      event({ read: { watermark: 1781490600000 } }),
      event({ message: { mid: 'm_2', text: 'Shop ơi còn vải không?' } }),
      postback('GET_STARTED'),
    );
    await expect(
      messengerAdapter.handle(inbound(messengerRequest(body, secrets)), context()),
    ).resolves.toEqual({
      kind: 'ignored',
      reason: 'no order form in this Messenger webhook',
    });
  });

  it('a buyer text that is an order attempt with no box size is a chat order in review, not ignored', async () => {
    const body = webhook(event({ message: { mid: 'm_2', text: 'Cho mình 2 thùng vải thiều Lục Ngạn' } }));
    await expect(
      messengerAdapter.handle(inbound(messengerRequest(body, secrets)), context()),
    ).resolves.toMatchObject({
      kind: 'orders',
      orders: [
        { channel: 'chat', externalId: 'messenger:m_2', lines: [], reviewReasons: ['uncertain_parse'] },
      ],
    });
  });

  it('reads every order form of a batched webhook (several entries and postbacks)', async () => {
    const body = toMetaWireJson({
      object: 'page',
      entry: [
        { id: PAGE, time: 1, messaging: [event({ read: { watermark: 1 } }), postback(form)] },
        { id: PAGE, time: 2, messaging: [postback({ ...form, ref: 'FB-FORM-2' }, 'm_2')] },
      ],
    });
    const result = await messengerAdapter.handle(inbound(messengerRequest(body, secrets)), context());
    expect(result.kind === 'orders' && result.orders.map((o) => o.externalId)).toEqual([
      'FB-FORM-1',
      'FB-FORM-2',
    ]);
  });

  it('uses the postback mid as the dedupe key when the form has no ref', async () => {
    const { ref: _, ...noRef } = form;
    const body = webhook(postback(noRef, 'm_AbC123'));
    const result = await messengerAdapter.handle(inbound(messengerRequest(body, secrets)), context());
    expect(result.kind === 'orders' && result.orders[0]?.externalId).toBe('m_AbC123');
  });

  /** The adapter's answer for a webhook whose forms are all bad: no order, every bad field named. */
  async function eventErrors(body: string) {
    const result = await messengerAdapter.handle(inbound(messengerRequest(body, secrets)), context());
    if (result.kind !== 'orders') throw new Error(`expected orders, got ${result.kind}`);
    expect(result.orders).toEqual([]);
    return result.eventErrors ?? [];
  }

  it('reports clearly when neither ref nor mid can key the order (F12)', async () => {
    const { ref: _, ...noRef } = form;
    const body = webhook(event({ postback: { title: 'Đặt hàng', payload: JSON.stringify(noRef) } }));
    expect(await eventErrors(body)).toEqual([
      expect.objectContaining({ field: 'entry[0].messaging[0].postback.payload.ref' }),
    ]);
  });

  it('names each bad field of a malformed order form', async () => {
    const bad = {
      ...form,
      phone: '',
      items: [
        { sku: 'DURIAN-1KG', qty: 1 },
        { sku: 'LYCHEE-LN-5KG', qty: 0 },
      ],
    };
    expect((await eventErrors(webhook(postback(bad)))).map((i) => i.field)).toEqual([
      'entry[0].messaging[0].postback.payload.phone',
      'entry[0].messaging[0].postback.payload.items[1].qty',
    ]);
    const unknown = webhook(postback({ ...form, items: [{ sku: 'DURIAN-1KG', qty: 1 }] }));
    expect(await eventErrors(unknown)).toEqual([
      {
        field: 'entry[0].messaging[0].postback.payload.items[0].sku',
        message: '"DURIAN-1KG" is not a product code in our catalogue',
      },
    ]);
  });

  it('keeps the good forms of a batch and reports the bad one by its path (one bad form does not sink the rest)', async () => {
    const { phone: _, ...noPhone } = form;
    const body = webhook(postback(form, 'm_good'), postback({ ...noPhone, ref: 'FB-FORM-BAD' }, 'm_bad'));
    const result = await messengerAdapter.handle(inbound(messengerRequest(body, secrets)), context());
    expect(result.kind).toBe('orders');
    if (result.kind !== 'orders') return;
    expect(result.orders.map((o) => o.externalId)).toEqual(['FB-FORM-1']);
    expect(result.eventErrors).toEqual([
      { field: 'entry[0].messaging[1].postback.payload.phone', message: 'is missing' },
    ]);
  });

  it('still refuses the whole batch when the signature does not match', async () => {
    const { phone: _, ...noPhone } = form;
    const body = webhook(postback(form, 'm_good'), postback({ ...noPhone, ref: 'FB-FORM-BAD' }, 'm_bad'));
    const error = await thrown(() =>
      messengerAdapter.handle(tampered(inbound(messengerRequest(body, secrets))), context()),
    );
    expect(error).toBeInstanceOf(InvalidSignatureError);
  });

  describe('GET handshake', () => {
    it('answers hub.challenge as text/plain when the verify token matches', async () => {
      const request = inbound(loadSample('messenger-handshake'));
      await expect(messengerAdapter.handle(request, context())).resolves.toEqual({
        kind: 'direct',
        response: { status: 200, body: '1158201444', contentType: 'text/plain' },
      });
    });

    it('answers 403 for a wrong token or another mode', async () => {
      const wrong = inbound(messengerHandshakeRequest('guess', '42'));
      await expect(messengerAdapter.handle(wrong, context())).resolves.toMatchObject({
        kind: 'direct',
        response: { status: 403 },
      });
      const request = inbound(messengerHandshakeRequest(secrets.messengerVerifyToken, '42'));
      const unsubscribe = { ...request, query: { ...request.query, 'hub.mode': 'unsubscribe' } };
      await expect(messengerAdapter.handle(unsubscribe, context())).resolves.toMatchObject({
        response: { status: 403 },
      });
    });
  });
});
