import { encodeZalo, zaloRequest } from '../../../shared/channels/encoders.js';
import { parseZaloOrderItems, zaloAdapter } from '../../../shared/channels/zalo.js';
import { InvalidSignatureError, StaleRequestError, ValidationError } from '../../../shared/errors.js';
import { context, inbound, loadSample, NOW, secrets, tampered, thrown } from './fixtures.js';

const sample = loadSample('zalo');

function submitInfo(overrides: Record<string, unknown> = {}, info: Record<string, unknown> = {}) {
  return {
    app_id: secrets.zaloAppId,
    oa_id: '388613280879808645',
    user_id_by_app: '552172779717587730',
    event_name: 'user_submit_info',
    timestamp: String(NOW.getTime()),
    sender: { id: '246845883529197922' },
    recipient: { id: '388613280879808645' },
    info: {
      name: 'Hoàng Văn Tú',
      phone: '84912000111',
      address: 'Thôn Phì Điền',
      ward: 'Xã Phì Điền',
      district: 'Huyện Lục Ngạn',
      city: 'Tỉnh Bắc Giang',
      order: '2x LYCHEE-LN-5KG',
      ...info,
    },
    ...overrides,
  };
}

function signed(payload: Record<string, unknown>) {
  return inbound(zaloRequest(JSON.stringify(payload), String(payload['timestamp']), secrets));
}

describe('Zalo OA adapter (POST /v1/webhooks/zalo)', () => {
  it('accepts the signed sample and maps the order form', async () => {
    const result = await zaloAdapter.handle(inbound(sample), context());
    expect(result).toEqual({
      kind: 'orders',
      orders: [
        {
          channel: 'zalo',
          externalId: sample.externalIds[0],
          placedAt: NOW.toISOString(),
          buyer: {
            name: 'Hoàng Văn Tú',
            phone: '84912000111',
            address: {
              street: 'Thôn Phì Điền',
              ward: 'Xã Phì Điền',
              district: 'Huyện Lục Ngạn',
              province: 'Tỉnh Bắc Giang',
            },
          },
          lines: [
            { sku: 'LYCHEE-LN-5KG', quantity: 1, unitPrice: 200_000 },
            { sku: 'OCOP-GA-YEN-THE', quantity: 1, unitPrice: 260_000 },
          ],
          note: 'Giao trước 10h',
        },
      ],
    });
    expect(sample.externalIds[0]).toMatch(/^\d{18}:1781490600000$/);
  });

  it('refuses a body with one changed byte', async () => {
    await expect(zaloAdapter.handle(tampered(inbound(sample)), context())).rejects.toThrow(
      InvalidSignatureError,
    );
  });

  it('refuses a MAC computed over another timestamp than the body carries', async () => {
    const payload = submitInfo();
    const request = inbound(zaloRequest(JSON.stringify(payload), String(NOW.getTime() + 1), secrets));
    await expect(zaloAdapter.handle(request, context())).rejects.toThrow(InvalidSignatureError);
  });

  it('refuses a body with no timestamp to verify against', async () => {
    const { timestamp: _, ...payload } = submitInfo();
    await expect(zaloAdapter.handle(signed(payload), context())).rejects.toThrow(/no timestamp/);
  });

  it('refuses a replay older than 10 minutes and accepts a 9-minute-old delivery', async () => {
    const old = signed(submitInfo({ timestamp: String(NOW.getTime() - 601_000) }));
    await expect(zaloAdapter.handle(old, context())).rejects.toThrow(StaleRequestError);
    const late = signed(submitInfo({ timestamp: String(NOW.getTime() - 540_000) }));
    await expect(zaloAdapter.handle(late, context())).resolves.toMatchObject({ kind: 'orders' });
  });

  it('a user_send_text order attempt with no item read surely is an order in review, not ignored', async () => {
    const payload = {
      ...submitInfo({ event_name: 'user_send_text' }),
      message: { msg_id: 'abd', text: 'vài thùng vải 5kg giao 3 Lê Lợi, Bắc Giang, sđt 0912345678' },
    };
    const result = await zaloAdapter.handle(signed(payload), context());
    expect(result).toMatchObject({
      kind: 'orders',
      orders: [{ channel: 'chat', externalId: 'zalo:abd', lines: [], reviewReasons: ['uncertain_parse'] }],
    });
  });

  it('ignores a user_send_text message with no order in it (small talk, a question)', async () => {
    const payload = {
      ...submitInfo({ event_name: 'user_send_text' }),
      message: { msg_id: 'abc', text: 'Còn vải không?' },
    };
    await expect(zaloAdapter.handle(signed(payload), context())).resolves.toEqual({
      kind: 'ignored',
      reason: 'Zalo text message with no order attempt in it',
    });
  });

  it.each(['follow', 'user_seen_message', 'user_send_image'])('ignores %s events', async (eventName) => {
    const payload = {
      ...submitInfo({ event_name: eventName }),
      message: { msg_id: 'abc', text: 'Còn vải không?' },
    };
    await expect(zaloAdapter.handle(signed(payload), context())).resolves.toEqual({
      kind: 'ignored',
      reason: `Zalo event ${eventName}`,
    });
  });

  it('keys the order on msg_id when the event has one', async () => {
    const result = await zaloAdapter.handle(
      signed(submitInfo({ message: { msg_id: 'f3a9c0de11' } })),
      context(),
    );
    expect(result.kind === 'orders' && result.orders[0]?.externalId).toBe('f3a9c0de11');
  });

  it('fails clearly when neither sender.id nor msg_id can key the order (F12)', async () => {
    const { sender: _, ...payload } = submitInfo();
    const error = await thrown(() => zaloAdapter.handle(signed(payload), context()));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([expect.objectContaining({ field: 'sender.id' })]);
  });

  it('refuses a form whose order cannot be read, naming info.order with its label', async () => {
    const unreadable = await thrown(() =>
      zaloAdapter.handle(signed(submitInfo({}, { order: 'hai thùng vải 5kg' })), context()),
    );
    expect((unreadable as ValidationError).issues).toEqual([
      expect.objectContaining({ field: 'info.order', label: 'Đơn hàng' }),
    ]);

    const { order: _, ...withoutOrder } = submitInfo().info;
    const missing = await thrown(() =>
      zaloAdapter.handle(signed(submitInfo({ info: withoutOrder })), context()),
    );
    expect((missing as ValidationError).issues).toEqual([
      { field: 'info.order', label: 'Đơn hàng', message: 'is missing' },
    ]);

    const unknown = await thrown(() =>
      zaloAdapter.handle(signed(submitInfo({}, { order: '1x DURIAN' })), context()),
    );
    expect((unknown as ValidationError).issues).toEqual([
      { field: 'info.order', label: 'Đơn hàng', message: '"DURIAN" is not a product code in our catalogue' },
    ]);
  });

  it('names a missing phone with its Vietnamese label', async () => {
    const { phone: _, ...info } = submitInfo().info;
    const error = await thrown(() => zaloAdapter.handle(signed(submitInfo({ info })), context()));
    expect((error as ValidationError).issues).toEqual([
      { field: 'info.phone', label: 'Số điện thoại', message: 'is missing' },
    ]);
  });

  it("reads Zalo's newer full_address shape", async () => {
    const payload = submitInfo({
      info: {
        name: 'Hoàng Văn Tú',
        phone: '84912000111',
        full_address: { user_address: 'Thôn Kép', user_ward: 'Xã Lục Ngạn', user_city: 'Tỉnh Bắc Ninh' },
        order: '1x LYCHEE-LN-10KG',
      },
    });
    const result = await zaloAdapter.handle(signed(payload), context());
    expect(result.kind === 'orders' && result.orders[0]?.buyer.address).toEqual({
      street: 'Thôn Kép',
      ward: 'Xã Lục Ngạn',
      province: 'Tỉnh Bắc Ninh',
    });
  });

  it('round-trips an order with a plain-text address through its encoder', async () => {
    const order = {
      externalId: 'zalo-x',
      buyer: { name: 'Tú', phone: '0912000111', address: 'Thôn Kép, Lục Ngạn, Bắc Ninh' },
      lines: [{ sku: 'LYCHEE-LN-3KG', quantity: 4, unitPrice: 130_000 }],
    };
    const encoded = encodeZalo(order, secrets, NOW);
    const result = await zaloAdapter.handle(inbound(encoded), context());
    expect(result.kind === 'orders' && result.orders[0]).toMatchObject({
      externalId: encoded.externalIds[0],
      buyer: { address: 'Thôn Kép, Lục Ngạn, Bắc Ninh' },
      lines: [{ sku: 'LYCHEE-LN-3KG', quantity: 4, unitPrice: 130_000 }],
    });
  });
});

describe('parseZaloOrderItems', () => {
  it('reads count x code items separated by ;, commas or new lines', () => {
    expect(parseZaloOrderItems('2x LYCHEE-LN-5KG; 1 × ocop-mat-ong-500ml\n3*LYCHEE-LN-2KG,').items).toEqual([
      expect.objectContaining({ sku: 'LYCHEE-LN-5KG', qty: 2 }),
      expect.objectContaining({ sku: 'ocop-mat-ong-500ml', qty: 1 }),
      expect.objectContaining({ sku: 'LYCHEE-LN-2KG', qty: 3 }),
    ]);
  });

  it('names the item that cannot be read and refuses a count of 0', () => {
    expect(parseZaloOrderItems('2x LYCHEE-LN-5KG; vài thùng').issues[0]?.message).toMatch(
      /^item 2 cannot be read/,
    );
    expect(parseZaloOrderItems('0x LYCHEE-LN-5KG').issues).toHaveLength(1);
    expect(parseZaloOrderItems(' ; ').issues[0]?.message).toBe('lists no item');
  });
});
