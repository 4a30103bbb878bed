import { createHmac } from 'node:crypto';
import { haravanRequest, sapoRequest } from '../../../shared/channels/encoders.js';
import { haravanAdapter, sapoAdapter } from '../../../shared/channels/shopify-like.js';
import { normaliseOrder } from '../../../shared/domain/normalise-order.js';
import { InvalidSignatureError, ValidationError } from '../../../shared/errors.js';
import { context, inbound, loadSample, NOW, secrets, tampered, thrown } from './fixtures.js';

const platforms = [
  {
    name: 'haravan',
    adapter: haravanAdapter,
    header: 'x-haravan-hmacsha256',
    secret: secrets.haravanWebhookSecret,
    request: (body: string, topic?: string) => haravanRequest(body, secrets, topic),
  },
  {
    name: 'sapo',
    adapter: sapoAdapter,
    header: 'x-sapo-hmac-sha256',
    secret: secrets.sapoWebhookSecret,
    request: (body: string, topic?: string) => sapoRequest(body, secrets, topic),
  },
] as const;

function order(overrides: Record<string, unknown> = {}) {
  return {
    id: 1004283799,
    name: '#83799',
    created_at: '2026-06-15T09:02:30+07:00',
    gateway: 'Thanh toán khi giao hàng (COD)',
    financial_status: 'pending',
    note: '  ',
    shipping_address: {
      first_name: 'Hoa',
      last_name: 'Nguyễn Thị',
      phone: '0912345678',
      address1: '12 Nguyễn Trãi',
      ward: 'Phường Thanh Xuân',
      province: 'Hà Nội',
    },
    shipping_lines: [{ price: 20_000 }, { price: '10000' }],
    line_items: [{ id: 1, sku: 'LYCHEE-LN-5KG', quantity: 2, price: '200000' }],
    ...overrides,
  };
}

describe.each(platforms)('$name orders/create webhook', (p) => {
  const sample = loadSample(p.name);

  it('signs as base64 HMAC-SHA256 of the raw body', () => {
    const expected = createHmac('sha256', p.secret).update(Buffer.from(sample.body, 'utf8')).digest('base64');
    expect(sample.headers[p.header]).toBe(expected);
  });

  it('accepts the signed sample and maps it to a raw order of its own channel', async () => {
    const result = await p.adapter.handle(inbound(sample), context());
    expect(result.kind).toBe('orders');
    const raw = result.kind === 'orders' ? result.orders[0]! : undefined;
    expect(raw).toMatchObject({ channel: p.name, externalId: sample.externalIds[0] });
    const normalised = normaliseOrder(raw!, NOW);
    expect(normalised.rejectReasons).toEqual([]);
    expect(normalised.order.reviewReasons).toEqual([]);
  });

  it('maps names, COD, several shipping lines and a blank note', async () => {
    const result = await p.adapter.handle(inbound(p.request(JSON.stringify(order()))), context());
    expect(result).toEqual({
      kind: 'orders',
      orders: [
        {
          channel: p.name,
          externalId: '1004283799',
          placedAt: '2026-06-15T09:02:30+07:00',
          buyer: {
            name: 'Nguyễn Thị Hoa',
            phone: '0912345678',
            address: { street: '12 Nguyễn Trãi', ward: 'Phường Thanh Xuân', province: 'Hà Nội' },
          },
          lines: [{ sku: 'LYCHEE-LN-5KG', quantity: 2, unitPrice: '200000' }],
          paymentMethod: 'cod',
          shippingFee: 30_000,
        },
      ],
    });
  });

  it('refuses a tampered body and a missing signature header', async () => {
    expect(await thrown(() => p.adapter.handle(tampered(inbound(sample)), context()))).toBeInstanceOf(
      InvalidSignatureError,
    );
    const unsigned = inbound(sample);
    delete unsigned.headers[p.header];
    expect(await thrown(() => p.adapter.handle(unsigned, context()))).toBeInstanceOf(InvalidSignatureError);
  });

  it('ignores topics other than orders/create', async () => {
    const result = await p.adapter.handle(
      inbound(p.request(JSON.stringify(order()), 'orders/paid')),
      context(),
    );
    expect(result).toEqual({ kind: 'ignored', reason: `${p.name} topic orders/paid` });
  });

  it('turns topic orders/cancelled into a cancellation of the same order id; a tampered one is refused', async () => {
    const body = JSON.stringify(
      order({ cancel_reason: 'inventory', cancelled_at: '2026-06-15T10:00:00+07:00' }),
    );
    const result = await p.adapter.handle(inbound(p.request(body, 'orders/cancelled')), context());
    expect(result).toEqual({
      kind: 'cancellations',
      cancellations: [
        { channel: p.name, externalId: '1004283799', reason: `${p.name} orders/cancelled (inventory)` },
      ],
    });
    await expect(
      p.adapter.handle(tampered(inbound(p.request(body, 'orders/cancelled'))), context()),
    ).rejects.toThrow(InvalidSignatureError);
    const noId = await thrown(() =>
      p.adapter.handle(
        inbound(p.request(JSON.stringify({ cancel_reason: null }), 'orders/cancelled')),
        context(),
      ),
    );
    expect((noId as ValidationError).issues).toEqual([expect.objectContaining({ field: 'id' })]);
  });

  it('F12: an order without its id fails naming `id`; a line without sku names it', async () => {
    const { id: _id, ...withoutId } = order();
    const error = await thrown(() =>
      p.adapter.handle(inbound(p.request(JSON.stringify(withoutId))), context()),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toContainEqual({ field: 'id', message: 'is missing' });
    const noSku = order({ line_items: [{ id: 1, quantity: 1, price: 1 }] });
    const error2 = await thrown(() => p.adapter.handle(inbound(p.request(JSON.stringify(noSku))), context()));
    expect((error2 as ValidationError).issues).toContainEqual({
      field: 'line_items[0].sku',
      message: 'is missing',
    });
  });
});
