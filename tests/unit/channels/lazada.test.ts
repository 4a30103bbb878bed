import { createMarketplaceSandbox } from '../../../infra/local/marketplace-sandbox.js';
import { lazadaSign } from '../../../shared/adapters/marketplace-http.js';
import { encodeLazada, lazadaRequest, type MarketplaceRecord } from '../../../shared/channels/encoders.js';
import { parseJsonLossless } from '../../../shared/channels/json.js';
import { lazadaAdapter } from '../../../shared/channels/lazada.js';
import { hmacSha256Hex } from '../../../shared/channels/signature.js';
import { normaliseOrder } from '../../../shared/domain/normalise-order.js';
import { InvalidSignatureError, UpstreamError, ValidationError } from '../../../shared/errors.js';
import { context, inbound, loadSample, NOW, secrets, tampered, thrown } from './fixtures.js';

const sample = loadSample('lazada');
const record = sample.marketplaceRecord as MarketplaceRecord;

function seeded() {
  return context({ sandbox: createMarketplaceSandbox({ records: [record] }) });
}

function push(data: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}) {
  return JSON.stringify({
    seller_id: '200160575542',
    message_type: 0,
    data: { order_status: 'pending', trade_order_id: '1254870312654321', ...data },
    timestamp: 1781490600000,
    site: 'lazada_vn',
    ...overrides,
  });
}

describe('Lazada adapter (POST /v1/webhooks/lazada)', () => {
  it('signs as hex HMAC-SHA256(app secret, app_key + raw body)', () => {
    const body = Buffer.from(sample.body, 'utf8');
    expect(sample.headers['authorization']).toBe(
      hmacSha256Hex(secrets.lazadaAppSecret, Buffer.concat([Buffer.from(secrets.lazadaAppKey), body])),
    );
  });

  it('accepts the signed sample, reads GetOrder + GetOrderItems back and counts units into lines', async () => {
    const ctx = seeded();
    const result = await lazadaAdapter.handle(inbound(sample), ctx);
    expect(ctx.sandbox.stats.lazadaCalls).toBe(1);
    expect(result).toEqual({
      kind: 'orders',
      orders: [
        {
          channel: 'lazada',
          externalId: '1254870312654321',
          placedAt: '2026-06-15 08:58:12 +0700',
          buyer: {
            name: 'Đặng Thị Mai',
            phone: '0903 456 789',
            address: {
              street: '15 Ngõ 68 Cầu Giấy',
              province: 'Hà Nội',
              ward: 'Phường Quan Hoa',
              district: 'Quận Cầu Giấy',
            },
          },
          lines: [
            { sku: 'LYCHEE-LN-5KG', quantity: 2, unitPrice: 199_000 },
            { sku: 'OCOP-MAT-ONG-500ML', quantity: 1, unitPrice: 149_000 },
          ],
          shippingFee: 18_000,
          paymentMethod: 'cod',
          note: 'Giao giờ hành chính',
        },
      ],
    });
    const raw = result.kind === 'orders' ? result.orders[0] : undefined;
    const normalised = normaliseOrder(raw!, NOW);
    expect(normalised.order.totalVnd).toBe(2 * 199_000 + 149_000 + 18_000);
    expect(normalised.order.placedAt).toBe('2026-06-15T01:58:12.000Z');
  });

  it('keeps a trade order id as the exact string, whether it came as text or a number', async () => {
    const id = '1254870312654399';
    const encoded = encodeLazada(
      {
        externalId: id,
        buyer: { name: 'A B', phone: '0903456789', address: '1 Lê Lợi, Phường Bắc Giang, Bắc Ninh' },
        lines: [{ sku: 'LYCHEE-LN-2KG', quantity: 1, unitPrice: 90_000 }],
      },
      secrets,
      NOW,
    );
    const ctx = context();
    ctx.sandbox.hold(encoded.record!);
    const numeric = push({ trade_order_id: 0 }).replace('"trade_order_id":0', `"trade_order_id":${id}`);
    expect((parseJsonLossless(numeric) as { data: { trade_order_id: unknown } }).data.trade_order_id).toBe(
      Number(id),
    );
    const result = await lazadaAdapter.handle(inbound(lazadaRequest(numeric, secrets)), ctx);
    expect(result.kind === 'orders' && result.orders[0]?.externalId).toBe(id);
  });

  it('refuses a tampered body, a missing header and a signature made with another app key', async () => {
    const ctx = seeded();
    expect(await thrown(() => lazadaAdapter.handle(tampered(inbound(sample)), ctx))).toBeInstanceOf(
      InvalidSignatureError,
    );
    const unsigned = inbound(sample);
    delete unsigned.headers['authorization'];
    expect(await thrown(() => lazadaAdapter.handle(unsigned, ctx))).toBeInstanceOf(InvalidSignatureError);
    const other = lazadaRequest(push(), { ...secrets, lazadaAppKey: '999999' });
    expect(await thrown(() => lazadaAdapter.handle(inbound(other), ctx))).toBeInstanceOf(
      InvalidSignatureError,
    );
    expect(ctx.sandbox.stats.lazadaCalls).toBe(0);
  });

  it('ignores other message types and statuses without fetching', async () => {
    const ctx = seeded();
    const reverse = await lazadaAdapter.handle(
      inbound(lazadaRequest(push({}, { message_type: 10 }), secrets)),
      ctx,
    );
    expect(reverse).toEqual({ kind: 'ignored', reason: 'Lazada message_type 10' });
    const unpaid = await lazadaAdapter.handle(
      inbound(lazadaRequest(push({ order_status: 'unpaid' }), secrets)),
      ctx,
    );
    expect(unpaid).toEqual({ kind: 'ignored', reason: 'Lazada order status unpaid' });
    expect(ctx.sandbox.stats.lazadaCalls).toBe(0);
  });

  it('turns order_status canceled into a cancellation of the trade order, without fetching', async () => {
    const ctx = seeded();
    const result = await lazadaAdapter.handle(
      inbound(lazadaRequest(push({ order_status: 'canceled', trade_order_id: 1254870312654321 }), secrets)),
      ctx,
    );
    expect(result).toEqual({
      kind: 'cancellations',
      cancellations: [
        { channel: 'lazada', externalId: '1254870312654321', reason: 'Lazada order status canceled' },
      ],
    });
    expect(ctx.sandbox.stats.lazadaCalls).toBe(0);
  });

  it('F12: a push without data.trade_order_id fails naming it, before any fetch', async () => {
    const ctx = seeded();
    const body = JSON.stringify({
      seller_id: '1',
      message_type: 0,
      timestamp: 1,
      data: { order_status: 'pending' },
    });
    const error = await thrown(() => lazadaAdapter.handle(inbound(lazadaRequest(body, secrets)), ctx));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      { field: 'data.trade_order_id', message: 'is missing' },
    ]);
    expect(ctx.sandbox.stats.lazadaCalls).toBe(0);
  });

  it('retries (UpstreamError) when the detail is not visible yet, and names a bad detail field', async () => {
    const missing = await thrown(() =>
      lazadaAdapter.handle(
        inbound(lazadaRequest(push({ trade_order_id: '1254870312600000' }), secrets)),
        context(),
      ),
    );
    expect(missing).toBeInstanceOf(UpstreamError);
    expect((missing as UpstreamError).retryable).toBe(true);

    const broken = structuredClone(record) as MarketplaceRecord & { kind: 'lazada' };
    delete (broken.order['address_shipping'] as Record<string, unknown>)['phone'];
    const ctx = context({ sandbox: createMarketplaceSandbox({ records: [broken] }) });
    const error = await thrown(() => lazadaAdapter.handle(inbound(sample), ctx));
    expect((error as ValidationError).issues).toEqual([
      { field: 'order_detail.order.address_shipping.phone', message: 'is missing' },
    ]);
  });
});

describe('Lazada API signing', () => {
  it('is upper-case hex HMAC-SHA256 over the path and the sorted parameters, sign excluded', () => {
    const params = {
      app_key: '501234',
      timestamp: '1781490600000',
      sign_method: 'sha256',
      order_id: '1',
      sign: 'x',
    };
    const expected = hmacSha256Hex(
      'secret',
      '/order/getapp_key501234order_id1sign_methodsha256timestamp1781490600000',
    ).toUpperCase();
    expect(lazadaSign('secret', '/order/get', params)).toBe(expected);
  });
});
