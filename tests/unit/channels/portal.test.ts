import { encodePortal, portalRequest } from '../../../shared/channels/encoders.js';
import { portalAdapter } from '../../../shared/channels/portal.js';
import {
  ForbiddenError,
  InvalidSignatureError,
  StaleRequestError,
  ValidationError,
} from '../../../shared/errors.js';
import { context, inbound, loadSample, NOW, secrets, tampered, thrown } from './fixtures.js';

const sample = loadSample('portal');

function signed(body: unknown, now = NOW, keyId?: string) {
  return inbound(portalRequest(typeof body === 'string' ? body : JSON.stringify(body), secrets, now, keyId));
}

const validBody = {
  externalId: 'SELLER-42',
  placedAt: '2026-06-15T09:30:00+07:00',
  buyer: { name: 'Nguyễn Thị Hoa', phone: '0912 345 678', address: '12 Nguyễn Trãi, Thanh Xuân, Hà Nội' },
  lines: [{ sku: 'LYCHEE-LN-5KG', quantity: 2, unitPrice: '200.000đ' }],
};

describe('portal adapter (POST /v1/orders)', () => {
  it('accepts the signed sample and maps every field of the canonical format', async () => {
    const result = await portalAdapter.handle(inbound(sample), context());
    expect(result).toEqual({
      kind: 'orders',
      orders: [
        {
          channel: 'portal',
          externalId: 'GHV-2026-000123',
          seller: 'ghv-local',
          placedAt: '2026-06-15T09:12:00+07:00',
          buyer: {
            name: 'Công ty TNHH Xuất khẩu Nông sản Kinh Bắc',
            phone: '0222 3854 123',
            address: { street: 'Lô C3, KCN Quế Võ', ward: 'Phường Quế Võ', province: 'Tỉnh Bắc Ninh' },
          },
          lines: [
            { sku: 'LYCHEE-LN-10KG', quantity: 120, unitPrice: 350_000 },
            { sku: 'LYCHEE-LN-5KG', quantity: 40, unitPrice: 185_000 },
          ],
          shippingFee: 0,
          paymentMethod: 'prepaid',
          note: 'Giao kho lạnh trước 14h',
          export: { market: 'JP', exporterId: 'EXP-KINHBAC-01' },
        },
      ],
    });
  });

  it('defaults the channel to portal and passes values through as sent', async () => {
    const result = await portalAdapter.handle(signed(validBody), context());
    expect(result.kind === 'orders' && result.orders[0]).toMatchObject({
      channel: 'portal',
      buyer: { phone: '0912 345 678', address: '12 Nguyễn Trãi, Thanh Xuân, Hà Nội' },
      lines: [{ unitPrice: '200.000đ' }],
    });
  });

  it('takes a relayed channel (Postmart) from the body of a Postmart relay key, with no seller', async () => {
    const body = { ...validBody, channel: 'postmart' };
    const result = await portalAdapter.handle(signed(body, NOW, 'postmart-relay-local'), context());
    expect(result.kind === 'orders' && result.orders[0]).toMatchObject({ channel: 'postmart' });
    expect(result.kind === 'orders' && result.orders[0]).not.toHaveProperty('seller');
  });

  it("a direct seller's portal order carries the seller of the key that signed it, never one from the body", async () => {
    const result = await portalAdapter.handle(signed(validBody, NOW, 'seller-local'), context());
    expect(result.kind === 'orders' && result.orders[0]?.seller).toBe('vaithieu-local');
    const error = await thrown(() =>
      portalAdapter.handle(signed({ ...validBody, seller: 'ghv-local' }, NOW, 'seller-local'), context()),
    );
    // The body cannot name a seller at all (unknown fields are refused).
    expect((error as ValidationError).issues).toEqual([
      { field: 'body', message: 'has unexpected field(s) seller' },
    ]);
  });

  it.each([
    ['seller-local', 'sapo'],
    ['seller-local', 'tiktok'],
    ['seller-local', 'postmart'],
    ['postmart-relay-local', 'portal'],
    ['postmart-relay-local', 'voso'],
  ])('refuses key %s posting a %s order: 403 naming channel', async (keyId, channel) => {
    const error = await thrown(() =>
      portalAdapter.handle(signed({ ...validBody, channel }, NOW, keyId), context()),
    );
    expect(error).toBeInstanceOf(ForbiddenError);
    expect((error as ForbiddenError).field).toBe('channel');
    expect((error as ForbiddenError).message).toContain(`channel ${channel} is not allowed for key ${keyId}`);
  });

  it('refuses a signed key that has no grant (fails closed)', async () => {
    const ungranted = { ...secrets, portalKeyGrants: {} };
    const error = await thrown(() =>
      portalAdapter.handle(signed(validBody), { ...context(), secrets: ungranted }),
    );
    expect(error).toBeInstanceOf(ForbiddenError);
  });

  it('keeps an integer external id beyond 2^53 exact', async () => {
    const body = JSON.stringify(validBody).replace('"SELLER-42"', '1250000000000000123');
    const result = await portalAdapter.handle(signed(body), context());
    expect(result.kind === 'orders' && result.orders[0]?.externalId).toBe('1250000000000000123');
  });

  it('refuses a body with one changed byte', async () => {
    await expect(portalAdapter.handle(tampered(inbound(sample)), context())).rejects.toThrow(
      InvalidSignatureError,
    );
  });

  it('refuses an unknown key id and a missing signature header', async () => {
    const request = inbound(sample);
    await expect(
      portalAdapter.handle(
        { ...request, headers: { ...request.headers, 'x-api-key-id': 'nobody' } },
        context(),
      ),
    ).rejects.toThrow(InvalidSignatureError);
    const { 'x-signature': _, ...headers } = request.headers;
    await expect(portalAdapter.handle({ ...request, headers }, context())).rejects.toThrow(
      /missing header x-signature/,
    );
  });

  it('refuses a request signed more than 300 s ago, and accepts one within the window', async () => {
    const old = signed(validBody, new Date(NOW.getTime() - 301_000));
    await expect(portalAdapter.handle(old, context())).rejects.toThrow(StaleRequestError);
    const recent = signed(validBody, new Date(NOW.getTime() - 299_000));
    await expect(portalAdapter.handle(recent, context())).resolves.toMatchObject({ kind: 'orders' });
  });

  it('verifies the signature before reading the body: a tampered malformed body is a signature error', async () => {
    const request = signed('{"not json');
    await expect(portalAdapter.handle(tampered(request, 2), context())).rejects.toThrow(
      InvalidSignatureError,
    );
  });

  it('names each bad field of a malformed order', async () => {
    const body = {
      ...validBody,
      placedAt: '2026-06-15 09:30',
      buyer: { name: 'Hoa', address: '12 Nguyễn Trãi' },
      lines: [{ sku: '', quantity: 2 }],
      shipping_fee: 30000,
    };
    const error = await thrown(() => portalAdapter.handle(signed(body), context()));
    expect(error).toBeInstanceOf(ValidationError);
    const issues = (error as ValidationError).issues.map((i) => `${i.field}: ${i.message}`);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^placedAt: /),
        'buyer.phone: is missing',
        'lines[0].sku: must not be empty',
        'lines[0].unitPrice: is missing',
        expect.stringMatching(/^body: has unexpected field\(s\) shipping_fee/),
      ]),
    );
  });

  it('fails clearly when the dedupe key (externalId) is missing (F12)', async () => {
    const { externalId: _, ...body } = validBody;
    const error = await thrown(() => portalAdapter.handle(signed(body), context()));
    expect((error as ValidationError).issues).toEqual([{ field: 'externalId', message: 'is missing' }]);
  });

  it('round-trips through its encoder', async () => {
    const order = {
      ...validBody,
      channel: 'postmart' as const,
      shippingFee: 15_000,
      paymentMethod: 'cod' as const,
    };
    const result = await portalAdapter.handle(
      inbound(encodePortal(order, secrets, NOW, 'postmart-relay-local')),
      context(),
    );
    expect(result).toEqual({ kind: 'orders', orders: [order] });
  });

  it('encodes an address without ward or province as the text the buyer typed, which the adapter accepts', async () => {
    const order = {
      ...validBody,
      buyer: { ...validBody.buyer, address: { street: 'Thôn Đồng Cốc', province: 'Bắc Giang' } },
    };
    const request = encodePortal(order, secrets, NOW).request;
    expect(JSON.parse(request.body.toString()).buyer.address).toBe('Thôn Đồng Cốc, Bắc Giang');
    const result = await portalAdapter.handle(inbound(encodePortal(order, secrets, NOW)), context());
    expect(result).toMatchObject({
      kind: 'orders',
      orders: [{ buyer: { address: 'Thôn Đồng Cốc, Bắc Giang' } }],
    });
  });
});
