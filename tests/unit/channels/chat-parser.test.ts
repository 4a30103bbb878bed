import {
  CHAT_CONFIDENCE_THRESHOLD,
  chatMessageToOrder,
  parseChatOrder,
} from '../../../shared/channels/chat-parser.js';
import { encodeChat, encodeMessengerText, encodeZaloText } from '../../../shared/channels/encoders.js';
import { messengerAdapter } from '../../../shared/channels/messenger.js';
import { zaloAdapter } from '../../../shared/channels/zalo.js';
import { generateScenario } from '../../../shared/demo/scenario.js';
import { normaliseOrder } from '../../../shared/domain/normalise-order.js';
import type { ValidationError } from '../../../shared/errors.js';
import { context, inbound, NOW, secrets, thrown } from './fixtures.js';

const items = (text: string) => parseChatOrder(text).items.map((i) => `${i.quantity}x ${i.sku}`);

describe('parseChatOrder: items', () => {
  it.each([
    [
      'Cho mình 2 thùng vải 10kg giao 12 Nguyễn Trãi, Thanh Xuân, HN, sđt 0912 345 678',
      ['2x LYCHEE-LN-10KG'],
    ],
    ['cho minh 2 thung vai 10kg giao 12 Nguyen Trai, Thanh Xuan, HN, sdt 0912345678', ['2x LYCHEE-LN-10KG']],
    ['Lấy 3 thùng 5kg giao 45 Lê Lợi, Bắc Giang, sđt 0987654321', ['3x LYCHEE-LN-5KG']],
    ['Đặt hai thùng vải thiều 5kg, giao 45 Lê Lợi, Bắc Giang. đt 0987654321', ['2x LYCHEE-LN-5KG']],
    [
      'ship cho em 1 thùng vải 3 kg với 2 chai mật ong vải giao 45 Lê Lợi, Bắc Giang sdt 0987654321',
      ['1x LYCHEE-LN-3KG', '2x OCOP-MAT-ONG-500ML'],
    ],
    [
      'Cho mình 1 gói mì Chũ và 2 con gà đồi Yên Thế giao Thôn Phì Điền, Lục Ngạn, Bắc Giang, sđt 0912000111',
      ['1x OCOP-MIEN-CHU-1KG', '2x OCOP-GA-YEN-THE'],
    ],
    [
      'Lấy 4 gói vải sấy + 1 thùng vải 2kg gửi về 7 Trần Hưng Đạo, Hải Phòng, sđt 0936222444',
      ['4x LYCHEE-DRIED-500G', '1x LYCHEE-LN-2KG'],
    ],
    [
      'Cho mình 2 thùng vải 10kg'.normalize('NFD') + ' giao 12 Nguyễn Trãi, Hà Nội, sđt 0912345678',
      ['2x LYCHEE-LN-10KG'],
    ],
  ])('%s', (text, expected) => {
    expect(items(text)).toEqual(expected);
    const parsed = parseChatOrder(text);
    expect(parsed.confidence).toBeGreaterThanOrEqual(CHAT_CONFIDENCE_THRESHOLD);
    expect(parsed.doubts).toEqual([]);
  });
});

describe('parseChatOrder: phone, address, name', () => {
  it('reads the phone as typed (the normaliser makes it E.164), the address between "giao" and "sđt"', () => {
    expect(
      parseChatOrder('Cho mình 2 thùng vải 10kg giao 12 Nguyễn Trãi, Thanh Xuân, HN, sđt 0912 345 678'),
    ).toEqual({
      items: [{ sku: 'LYCHEE-LN-10KG', quantity: 2, text: '2 thùng vải 10kg' }],
      phone: '0912 345 678',
      address: '12 Nguyễn Trãi, Thanh Xuân, HN',
      confidence: 1,
      doubts: [],
      orderAttempt: true,
    });
  });

  it.each([
    '0912.345.678',
    '+84 912 345 678',
    '84912345678',
    '(+84) 912 345 678',
    '0084912345678',
    '0912-345-678',
  ])('finds the phone %s with or without a label', (phone) => {
    expect(parseChatOrder(`2 thùng vải 5kg giao 1 Lê Lợi, Bắc Giang, sđt: ${phone}`).phone).toBe(phone);
    expect(parseChatOrder(`2 thùng vải 5kg giao 1 Lê Lợi, Bắc Giang ${phone}`).phone).toBe(phone);
  });

  it('reads a name only when the buyer gives one', () => {
    const named = parseChatOrder(
      'Lấy 2 thùng 5kg giao 5 Láng Hạ, Đống Đa, Hà Nội. Tên: Trần Thị Bích, sđt 0988123456',
    );
    expect(named.name).toBe('Trần Thị Bích');
    expect(named.address).toBe('5 Láng Hạ, Đống Đa, Hà Nội');
    expect(parseChatOrder('Lấy 2 thùng 5kg giao 5 Láng Hạ, Hà Nội, sđt 0988123456').name).toBeUndefined();
  });
});

describe('parseChatOrder: doubts instead of guesses', () => {
  it.each([
    ['vài thùng vải 5kg giao 3 Lê Lợi, Bắc Giang, sđt 0912345678', 'a count is written as "vài" (a few)'],
    ['2 thùng vải giao 3 Lê Lợi, Bắc Giang, sđt 0912345678', 'an item does not say the box size'],
    [
      '3 thùng vải 7kg giao 3 Lê Lợi, Bắc Giang, sđt 0912345678',
      'a box size is not one the shop sells (2, 3, 5 or 10 kg)',
    ],
    ['Đặt 10kg vải giao 1 Trần Phú, Hà Đông, HN 0912345678', 'a weight is given without a number of boxes'],
    ['2 thùng vải 5kg giao 3 Lê Lợi, Bắc Giang', 'no phone number'],
    ['2 thùng vải 5kg sđt 0912345678', 'no delivery address'],
    [
      '2 thùng vải 5kg giao 3 Lê Lợi, Bắc Giang, sđt chưa có',
      'the phone number is not a valid Vietnamese mobile',
    ],
    ['lấy thùng 5kg giao 3 Lê Lợi, Bắc Giang, sđt 0912345678', 'an item does not say how many'],
  ])('%s → below the threshold: %s', (text, doubt) => {
    const parsed = parseChatOrder(text);
    expect(parsed.doubts).toContain(doubt);
    expect(parsed.confidence).toBeLessThan(CHAT_CONFIDENCE_THRESHOLD);
  });

  it('tells "vải" (lychee) from "vài" (a few) when diacritics are typed', () => {
    expect(items('Cho em vài thùng 5kg giao 3 Lê Lợi, sđt 0912345678')).toEqual([]);
    expect(items('Cho em hai thùng vải 5kg giao 3 Lê Lợi, sđt 0912345678')).toEqual(['2x LYCHEE-LN-5KG']);
  });

  it.each([
    'Shop ơi còn vải không ạ?',
    'Giá bao nhiêu vậy shop?',
    'giá vải 5kg bao nhiêu?',
    'Cảm ơn shop nhiều nhé',
    'Cho mình hỏi sđt của shop với',
    'Mùa vải năm nay bao giờ có hàng?',
  ])('small talk with no order signal stays ignored: %s', (text) => {
    const parsed = parseChatOrder(text);
    expect(parsed.items).toEqual([]);
    expect(parsed.orderAttempt).toBe(false);
    expect(
      chatMessageToOrder({
        via: 'zalo',
        messageId: 'm1',
        senderId: '1',
        text,
        sentAt: 0,
        field: 'message.text',
      }),
    ).toBeUndefined();
  });

  it.each([
    ['vài thùng vải 5kg giao 3 Lê Lợi, Bắc Giang, sđt 0912345678', '0912345678', '3 Lê Lợi, Bắc Giang'],
    ['Đặt 10kg vải giao 1 Trần Phú, Hà Đông, HN 0912345678', '0912345678', '1 Trần Phú, Hà Đông, HN'],
    ['cho em vài hộp mật ong nhé', undefined, undefined],
    ['Đặt 10kg vải nhé shop', undefined, undefined],
  ])('an order attempt with no item read surely goes to review with no lines: %s', (text, phone, address) => {
    const parsed = parseChatOrder(text);
    expect(parsed.items).toEqual([]);
    expect(parsed.orderAttempt).toBe(true);
    const raw = chatMessageToOrder({
      via: 'zalo',
      messageId: 'm2',
      senderId: '591096110073612134',
      text,
      sentAt: NOW.getTime(),
      field: 'message.text',
    });
    expect(raw).toMatchObject({ channel: 'chat', lines: [], reviewReasons: ['uncertain_parse'] });
    expect(raw?.buyer.phone || undefined).toBe(phone);
    expect(raw?.buyer.address || undefined).toBe(address);
    const { order, rejectReasons } = normaliseOrder(raw!, NOW);
    expect(rejectReasons).toEqual([]);
    expect(order.lines).toEqual([]);
    expect(order.totalVnd).toBe(0);
    expect(order.reviewReasons).toContain('uncertain_parse');
    // The buyer's words are kept with the contact (personal data), not in the order's note.
    expect(order.contact.chatText).toBe(text);
    expect(order.note).toContain('no item could be read');
    if (phone) expect(order.note).not.toContain(phone);
  });

  it('only an unread chat order may have no lines: any other order without lines is refused', () => {
    const raw = chatMessageToOrder({
      via: 'zalo',
      messageId: 'm3',
      senderId: '1',
      text: 'Đặt 10kg vải giao 1 Trần Phú, Hà Đông, HN 0912345678',
      sentAt: NOW.getTime(),
      field: 'message.text',
    });
    expect(() => normaliseOrder({ ...raw!, reviewReasons: [] }, NOW)).toThrow('the order has no items');
    expect(() => normaliseOrder({ ...raw!, channel: 'zalo' }, NOW)).toThrow('the order has no items');
  });
});

describe('chat messages as orders', () => {
  const message = 'Cho mình 2 thùng vải 10kg giao 12 Nguyễn Trãi, Thanh Xuân, Hà Nội, sđt 0912 345 678';

  it('a sure parse is an order of channel chat at list price, received (no review reason)', () => {
    const raw = chatMessageToOrder({
      via: 'zalo',
      messageId: 'abc',
      senderId: '5910961100736121',
      text: message,
      sentAt: NOW.getTime(),
      field: 'message.text',
    });
    expect(raw).toMatchObject({
      channel: 'chat',
      externalId: 'zalo:abc',
      buyer: { phone: '0912 345 678', address: '12 Nguyễn Trãi, Thanh Xuân, Hà Nội' },
      lines: [{ sku: 'LYCHEE-LN-10KG', quantity: 2, unitPrice: 380_000 }],
    });
    expect(raw?.reviewReasons).toBeUndefined();
    const { order } = normaliseOrder(raw!, NOW);
    expect(order.reviewReasons).toEqual([]);
    expect(order.contact.phoneE164).toBe('+84912345678');
    expect(order.note).not.toContain('0912');
  });

  it('an uncertain parse goes to review with uncertain_parse, never guessed into allocation', () => {
    const raw = chatMessageToOrder({
      via: 'messenger',
      messageId: 'm_9',
      senderId: '6001',
      text: 'lấy thùng 5kg giao 3 Lê Lợi, Bắc Giang, sđt 0912345678',
      sentAt: NOW.getTime(),
      field: 'message.text',
    });
    const { order } = normaliseOrder(raw!, NOW);
    expect(order.reviewReasons).toContain('uncertain_parse');
    expect(order.note).toContain('an item does not say how many');
  });

  it('Zalo user_send_text: signed, parsed, keyed on the msg_id', async () => {
    const encoded = encodeZaloText(message, secrets, NOW, {
      msgId: 'f00dfeed',
      senderId: '591096110073612134',
    });
    const result = await zaloAdapter.handle(inbound(encoded), context());
    expect(result.kind === 'orders' && result.orders.map((o) => [o.channel, o.externalId])).toEqual([
      ['chat', 'zalo:f00dfeed'],
    ]);
  });

  it('Zalo user_send_text without message.msg_id fails naming it (F12: no dedupe key)', async () => {
    const timestamp = String(NOW.getTime());
    const body = JSON.stringify({
      event_name: 'user_send_text',
      timestamp,
      sender: { id: '1' },
      message: { text: message },
    });
    const { zaloRequest } = await import('../../../shared/channels/encoders.js');
    const error = await thrown(() =>
      zaloAdapter.handle(inbound(zaloRequest(body, timestamp, secrets)), context()),
    );
    expect((error as ValidationError).issues).toContainEqual({
      field: 'message.msg_id',
      message: 'is missing',
    });
  });

  it('Messenger text message: parsed from Meta’s \\uXXXX wire JSON, keyed on the mid; echoes stay ignored', async () => {
    const encoded = encodeMessengerText(message, secrets, NOW, { mid: 'm_abc', senderId: '6001' });
    expect(encoded.request.body.toString()).toContain('\\u');
    const result = await messengerAdapter.handle(inbound(encoded), context());
    expect(result.kind === 'orders' && result.orders.map((o) => o.externalId)).toEqual(['messenger:m_abc']);
  });

  it('reads every chat order of a generated harvest day exactly as the buyer wrote it', () => {
    const scenario = generateScenario({ seed: 7, orders: 2000, harvestDay: '2026-06-18' });
    const chats = scenario.orders.filter((o) => o.order.channel === 'chat');
    expect(chats.length).toBeGreaterThan(5);
    // A share of them leave something unsaid ("vài", no box size, "như hôm qua"): those must be
    // read with doubt (review), never guessed into a confident order.
    expect(chats.filter((c) => c.expected.uncertainParse).length).toBeGreaterThan(0);
    for (const chat of chats) {
      const parsed = parseChatOrder(chat.order.note ?? '');
      const items = parsed.items.map((i) => `${i.quantity}x ${i.sku}`).sort();
      const written = chat.order.lines.map((l) => `${l.quantity}x ${l.sku}`).sort();
      if (chat.expected.uncertainParse) {
        expect({ text: chat.order.note, uncertain: parsed.confidence < CHAT_CONFIDENCE_THRESHOLD }).toEqual({
          text: chat.order.note,
          uncertain: true,
        });
        expect(items).toEqual(expect.arrayContaining(written));
        continue;
      }
      expect({
        text: chat.order.note,
        items,
        confident: parsed.confidence >= CHAT_CONFIDENCE_THRESHOLD,
      }).toEqual({ text: chat.order.note, items: written, confident: true });
      expect(encodeChat(chat.order, secrets, NOW).externalIds[0]).toMatch(/^(zalo|messenger):/);
    }
  });
});
