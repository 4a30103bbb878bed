import { createMarketplaceSandbox } from '../../../infra/local/marketplace-sandbox.js';
import { encodeTiktok, tiktokRequest } from '../../../shared/channels/encoders.js';
import type { MarketplaceRecord } from '../../../shared/channels/encoders.js';
import { tiktokAdapter } from '../../../shared/channels/tiktok.js';
import { InvalidSignatureError, UpstreamError, ValidationError } from '../../../shared/errors.js';
import { context, inbound, loadSample, NOW, secrets, tampered, thrown } from './fixtures.js';

const sample = loadSample('tiktok');
const record = sample.marketplaceRecord as MarketplaceRecord;

function seeded() {
  return context({ sandbox: createMarketplaceSandbox({ records: [record] }) });
}

function push(overrides: Record<string, unknown> = {}, data: Record<string, unknown> = {}) {
  return JSON.stringify({
    type: 1,
    tts_notification_id: '7327112393057371910',
    shop_id: '7494049642642441621',
    timestamp: 1781490600,
    data: {
      order_id: '576486316948490001',
      order_status: 'AWAITING_SHIPMENT',
      update_time: 1781490600,
      ...data,
    },
    ...overrides,
  });
}

describe('TikTok Shop adapter (POST /v1/webhooks/tiktok)', () => {
  it('accepts the signed sample, reads the order detail back and maps it', async () => {
    const ctx = seeded();
    const result = await tiktokAdapter.handle(inbound(sample), ctx);
    expect(ctx.sandbox.stats.tiktokCalls).toBe(1);
    expect(result).toEqual({
      kind: 'orders',
      orders: [
        {
          channel: 'tiktok',
          externalId: '576486316948490001',
          placedAt: '2026-06-15T02:05:41.000Z',
          buyer: {
            name: 'Trần Văn Nam',
            phone: '(+84) 987 654 321',
            address: { street: '45 Lê Lợi', province: 'Tỉnh Bắc Ninh', ward: 'Phường Bắc Giang' },
          },
          // Three one-unit line items counted back into one line of three.
          lines: [{ sku: 'LYCHEE-LN-3KG', quantity: 3, unitPrice: '130000' }],
          shippingFee: '25000',
          paymentMethod: 'prepaid',
        },
      ],
    });
  });

  it('maps a COD order with its buyer message and a plain full address', async () => {
    const order = {
      externalId: '576486316948490777',
      buyer: { name: 'Ngô Bảo', phone: '0912000999', address: 'Số 3 Hùng Vương, Lục Ngạn, Bắc Ninh' },
      lines: [
        { sku: 'LYCHEE-LN-5KG', quantity: 1, unitPrice: 200_000 },
        { sku: 'OCOP-MAT-ONG-500ML', quantity: 2, unitPrice: 150_000 },
      ],
      paymentMethod: 'cod' as const,
      note: 'Giao buổi chiều',
    };
    const encoded = encodeTiktok(order, secrets, NOW);
    const ctx = context();
    ctx.sandbox.hold(encoded.record!);
    const result = await tiktokAdapter.handle(inbound(encoded), ctx);
    expect(result.kind === 'orders' && result.orders[0]).toMatchObject({
      externalId: '576486316948490777',
      buyer: { address: 'Số 3 Hùng Vương, Lục Ngạn, Bắc Ninh' },
      lines: [
        { sku: 'LYCHEE-LN-5KG', quantity: 1, unitPrice: '200000' },
        { sku: 'OCOP-MAT-ONG-500ML', quantity: 2, unitPrice: '150000' },
      ],
      paymentMethod: 'cod',
      note: 'Giao buổi chiều',
    });
  });

  it('refuses a body with one changed byte, before any read-back', async () => {
    const ctx = seeded();
    await expect(tiktokAdapter.handle(tampered(inbound(sample)), ctx)).rejects.toThrow(InvalidSignatureError);
    expect(ctx.sandbox.stats.tiktokCalls).toBe(0);
  });

  it('refuses a request without the authorization header', async () => {
    const request = inbound(sample);
    await expect(tiktokAdapter.handle({ ...request, headers: {} }, seeded())).rejects.toThrow(
      /missing header authorization/,
    );
  });

  it.each(['CANCELLED', 'CANCEL'])(
    'turns status %s into a cancellation of the same order id, without reading the order',
    async (status) => {
      const ctx = seeded();
      const result = await tiktokAdapter.handle(
        inbound(tiktokRequest(push({}, { order_status: status }), secrets)),
        ctx,
      );
      expect(result).toEqual({
        kind: 'cancellations',
        cancellations: [
          {
            channel: 'tiktok',
            externalId: '576486316948490001',
            reason: `TikTok Shop order status ${status}`,
          },
        ],
      });
      expect(ctx.sandbox.stats.tiktokCalls).toBe(0);
    },
  );

  it('refuses a tampered cancel push', async () => {
    const request = inbound(tiktokRequest(push({}, { order_status: 'CANCELLED' }), secrets));
    await expect(tiktokAdapter.handle(tampered(request), seeded())).rejects.toThrow(InvalidSignatureError);
  });

  it.each(['UNPAID', 'ON_HOLD', 'AWAITING_COLLECTION', 'DELIVERED'])(
    'ignores status %s without reading the order',
    async (status) => {
      const ctx = seeded();
      const result = await tiktokAdapter.handle(
        inbound(tiktokRequest(push({}, { order_status: status }), secrets)),
        ctx,
      );
      expect(result).toEqual({ kind: 'ignored', reason: `TikTok order status ${status}` });
      expect(ctx.sandbox.stats.tiktokCalls).toBe(0);
    },
  );

  it('ignores other webhook types (e.g. 11, cancellation status change)', async () => {
    const body = JSON.stringify({ type: 11, tts_notification_id: '1', shop_id: '2', timestamp: 1, data: {} });
    await expect(tiktokAdapter.handle(inbound(tiktokRequest(body, secrets)), seeded())).resolves.toEqual({
      kind: 'ignored',
      reason: 'TikTok webhook type 11',
    });
  });

  it('fails clearly when the order id or the notification id is missing (F12)', async () => {
    const noOrderId = JSON.parse(push()) as { data: Record<string, unknown> };
    delete noOrderId.data['order_id'];
    let error = await thrown(() =>
      tiktokAdapter.handle(inbound(tiktokRequest(JSON.stringify(noOrderId), secrets)), seeded()),
    );
    expect((error as ValidationError).issues).toEqual([{ field: 'data.order_id', message: 'is missing' }]);

    const noNotificationId = JSON.parse(push()) as Record<string, unknown>;
    delete noNotificationId['tts_notification_id'];
    error = await thrown(() =>
      tiktokAdapter.handle(inbound(tiktokRequest(JSON.stringify(noNotificationId), secrets)), seeded()),
    );
    expect((error as ValidationError).issues).toEqual([
      { field: 'tts_notification_id', message: 'is missing' },
    ]);
  });

  it('keeps a numeric order id beyond 2^53 exact', async () => {
    const body = push().replace('"576486316948490001"', '576486316948490001');
    const result = await tiktokAdapter.handle(inbound(tiktokRequest(body, secrets)), seeded());
    expect(result.kind === 'orders' && result.orders[0]?.externalId).toBe('576486316948490001');
  });

  it('names the bad field of a malformed order detail', async () => {
    const broken = structuredClone(record) as MarketplaceRecord & {
      order: { line_items: Record<string, unknown>[] };
    };
    delete broken.order.line_items[1]?.['seller_sku'];
    const ctx = context({ sandbox: createMarketplaceSandbox({ records: [broken] }) });
    const error = await thrown(() => tiktokAdapter.handle(inbound(sample), ctx));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      { field: 'order_detail.line_items[1].seller_sku', message: 'is missing' },
    ]);
  });

  it('answers a retryable UpstreamError when the detail is not there yet or the API fails', async () => {
    const missing = await thrown(() => tiktokAdapter.handle(inbound(sample), context()));
    expect(missing).toBeInstanceOf(UpstreamError);
    expect((missing as UpstreamError).retryable).toBe(true);

    const failing = context({ sandbox: createMarketplaceSandbox({ records: [record], failureRate: 1 }) });
    await expect(tiktokAdapter.handle(inbound(sample), failing)).rejects.toThrow(UpstreamError);
  });
});
