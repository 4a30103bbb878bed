import { createMarketplaceSandbox } from '../../../infra/local/marketplace-sandbox.js';
import type { MarketplaceRecord } from '../../../shared/channels/encoders.js';
import { encodeShopee, shopeeRequest } from '../../../shared/channels/encoders.js';
import { SHOPEE_ACK, shopeeAdapter } from '../../../shared/channels/shopee.js';
import { InvalidSignatureError, ValidationError } from '../../../shared/errors.js';
import { context, inbound, loadSample, NOW, secrets, tampered, thrown } from './fixtures.js';

const sample = loadSample('shopee');
const record = sample.marketplaceRecord as MarketplaceRecord;

function seeded() {
  return context({ sandbox: createMarketplaceSandbox({ records: [record] }) });
}

function push(data: Record<string, unknown> = {}, code = 3) {
  return JSON.stringify({
    data: { ordersn: '2606150K7Q3M2D', status: 'READY_TO_SHIP', update_time: 1781490600, ...data },
    shop_id: 224466880,
    code,
    timestamp: 1781490600,
  });
}

describe('Shopee adapter (POST /v1/webhooks/shopee)', () => {
  it('accepts the signed sample, reads the order detail back, maps it and acks with an empty 2xx body', async () => {
    const result = await shopeeAdapter.handle(inbound(sample), seeded());
    expect(result).toEqual({
      kind: 'orders',
      ack: { status: 200, body: '', contentType: 'text/plain' },
      orders: [
        {
          channel: 'shopee',
          externalId: '2606150K7Q3M2D',
          placedAt: '2026-06-15T01:47:03.000Z',
          buyer: {
            name: 'Lê Thu Trang',
            phone: '84903123456',
            address: '88 Trần Phú, Phường Văn Quán, Quận Hà Đông, Hà Nội',
          },
          lines: [
            { sku: 'LYCHEE-LN-10KG', quantity: 1, unitPrice: 380_000 },
            { sku: 'LYCHEE-DRIED-500G', quantity: 2, unitPrice: 120_000 },
          ],
          shippingFee: 32_000,
          paymentMethod: 'cod',
          note: 'Gọi trước khi giao',
        },
      ],
    });
  });

  it('signs over the registered callback URL: the same body for another URL is refused', async () => {
    const ctx = seeded();
    ctx.secrets = { ...ctx.secrets, shopeeCallbackUrl: 'https://elsewhere.example/v1/webhooks/shopee' };
    await expect(shopeeAdapter.handle(inbound(sample), ctx)).rejects.toThrow(InvalidSignatureError);
  });

  it('refuses a body with one changed byte, before any read-back', async () => {
    const ctx = seeded();
    await expect(shopeeAdapter.handle(tampered(inbound(sample)), ctx)).rejects.toThrow(InvalidSignatureError);
    expect(ctx.sandbox.stats.shopeeCalls).toBe(0);
  });

  it('turns status CANCELLED into a cancellation of the same ordersn, with the empty ack and no read-back', async () => {
    const ctx = seeded();
    const result = await shopeeAdapter.handle(
      inbound(shopeeRequest(push({ status: 'CANCELLED' }), secrets)),
      ctx,
    );
    expect(result).toEqual({
      kind: 'cancellations',
      cancellations: [
        {
          channel: 'shopee',
          externalId: JSON.parse(push()).data.ordersn,
          reason: 'Shopee order status CANCELLED',
        },
      ],
      ack: SHOPEE_ACK,
    });
    expect(ctx.sandbox.stats.shopeeCalls).toBe(0);
  });

  it.each(['UNPAID', 'PROCESSED', 'SHIPPED', 'COMPLETED', 'IN_CANCEL'])(
    'ignores status %s with the empty ack',
    async (status) => {
      const ctx = seeded();
      const result = await shopeeAdapter.handle(inbound(shopeeRequest(push({ status }), secrets)), ctx);
      expect(result).toEqual({ kind: 'ignored', reason: `Shopee order status ${status}`, ack: SHOPEE_ACK });
      expect(ctx.sandbox.stats.shopeeCalls).toBe(0);
    },
  );

  it('ignores other push codes (e.g. 4, tracking number) with the empty ack', async () => {
    const body = JSON.stringify({
      data: { ordersn: 'X', tracking_no: 'SPX1' },
      shop_id: 1,
      code: 4,
      timestamp: 1,
    });
    await expect(shopeeAdapter.handle(inbound(shopeeRequest(body, secrets)), seeded())).resolves.toEqual({
      kind: 'ignored',
      reason: 'Shopee push code 4',
      ack: SHOPEE_ACK,
    });
  });

  it('fails clearly when the order number (data.ordersn) is missing (F12)', async () => {
    const body = JSON.parse(push()) as { data: Record<string, unknown> };
    delete body.data['ordersn'];
    const error = await thrown(() =>
      shopeeAdapter.handle(inbound(shopeeRequest(JSON.stringify(body), secrets)), seeded()),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([{ field: 'data.ordersn', message: 'is missing' }]);
  });

  it('names an item without model_sku or item_sku, and a missing recipient phone, in the detail', async () => {
    const order = {
      externalId: '2606150BADSKU1',
      buyer: { name: 'Lê Thu Trang', phone: '84903123456', address: '88 Trần Phú, Hà Đông, Hà Nội' },
      lines: [{ sku: 'LYCHEE-LN-5KG', quantity: 1, unitPrice: 200_000 }],
    };
    const encoded = encodeShopee(order, secrets, NOW);
    const detail = encoded.record!.order as { item_list: Record<string, unknown>[] };
    detail.item_list[0]!['model_sku'] = '';
    detail.item_list[0]!['item_sku'] = '';
    const ctx = context();
    ctx.sandbox.hold(encoded.record!);
    const error = await thrown(() => shopeeAdapter.handle(inbound(encoded), ctx));
    expect((error as ValidationError).issues).toEqual([
      { field: 'order_detail.item_list[0].model_sku', message: 'and item_sku are both empty' },
    ]);

    (encoded.record!.order as { recipient_address: Record<string, unknown> }).recipient_address['phone'] = '';
    ctx.sandbox.hold(encoded.record!);
    const error2 = await thrown(() => shopeeAdapter.handle(inbound(encoded), ctx));
    expect((error2 as ValidationError).issues).toEqual([
      { field: 'order_detail.recipient_address.phone', message: 'must not be empty' },
    ]);
  });

  it('falls back to item_sku when the model has no SKU', async () => {
    const order = {
      externalId: '2606150ITEMSKU',
      buyer: { name: 'A', phone: '0912000111', address: 'Hà Nội' },
      lines: [{ sku: 'OCOP-MIEN-CHU-1KG', quantity: 3, unitPrice: 65_000 }],
      paymentMethod: 'prepaid' as const,
    };
    const encoded = encodeShopee(order, secrets, NOW);
    (encoded.record!.order as { item_list: Record<string, unknown>[] }).item_list[0]!['model_sku'] = '';
    const ctx = context();
    ctx.sandbox.hold(encoded.record!);
    const result = await shopeeAdapter.handle(inbound(encoded), ctx);
    expect(result.kind === 'orders' && result.orders[0]).toMatchObject({
      lines: [{ sku: 'OCOP-MIEN-CHU-1KG', quantity: 3, unitPrice: 65_000 }],
      paymentMethod: 'prepaid',
    });
  });
});
