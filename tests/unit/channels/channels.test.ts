import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createMarketplaceSandbox } from '../../../infra/local/marketplace-sandbox.js';
import {
  type EncodableOrder,
  encodeMessenger,
  encodePortal,
  encodeShopee,
  encodeSpreadsheet,
  encodeTiktok,
  encodeZalo,
} from '../../../shared/channels/encoders.js';
import { ADAPTERS, findAdapter } from '../../../shared/channels/index.js';
import { buildChannelSamples } from '../../../shared/channels/samples.js';
import { UpstreamError } from '../../../shared/errors.js';
import { context, inbound, loadSample, NOW, secrets } from './fixtures.js';

const SAMPLE_NAMES = Object.keys(buildChannelSamples(secrets));

describe('events/channels samples', () => {
  it('are exactly what the encoders produce with the sandbox secrets (regenerate with write-samples.ts)', () => {
    const built = buildChannelSamples(secrets);
    for (const name of SAMPLE_NAMES)
      expect({ name, sample: loadSample(name) }).toEqual({ name, sample: built[name] });
    const files = readdirSync(path.resolve(__dirname, '../../../events/channels')).filter((f) =>
      f.endsWith('.json'),
    );
    expect(files.map((f) => f.replace(/\.json$/, '')).sort()).toEqual([...SAMPLE_NAMES].sort());
  });

  it.each(SAMPLE_NAMES)(
    '%s is served by an adapter and ingests the external ids it announces',
    async (name) => {
      const sample = loadSample(name);
      const adapter = findAdapter(sample.method, sample.path);
      expect(adapter).toBeDefined();
      const sandbox = createMarketplaceSandbox({
        records: sample.marketplaceRecord ? [sample.marketplaceRecord] : [],
      });
      const result = await adapter!.handle(inbound(sample), context({ sandbox }));
      if (name === 'messenger-handshake') expect(result.kind).toBe('direct');
      else
        expect(result.kind === 'orders' && result.orders.map((o) => o.externalId)).toEqual(
          sample.externalIds,
        );
    },
  );
});

describe('findAdapter', () => {
  it('finds each route, ignoring a query string and a trailing slash', () => {
    expect(findAdapter('POST', '/v1/orders')?.channel).toBe('portal');
    expect(findAdapter('post', '/v1/webhooks/tiktok/')?.channel).toBe('tiktok');
    expect(findAdapter('GET', '/v1/webhooks/messenger?hub.mode=subscribe')?.channel).toBe('messenger');
    expect(findAdapter('POST', '/v1/imports/spreadsheet?source=voso')?.channel).toBe('spreadsheet');
    expect(findAdapter('GET', '/v1/orders')).toBeUndefined();
    expect(findAdapter('POST', '/v1/webhooks/lazada')?.channel).toBe('lazada');
    expect(findAdapter('POST', '/v1/webhooks/haravan')?.channel).toBe('haravan');
    expect(findAdapter('POST', '/v1/webhooks/sapo')?.channel).toBe('sapo');
    expect(findAdapter('POST', '/v1/webhooks/woocommerce')).toBeUndefined();
  });

  it('serves every route once', () => {
    const routes = ADAPTERS.flatMap((a) => a.routes);
    expect(new Set(routes).size).toBe(routes.length);
    expect(routes).toHaveLength(10);
  });
});

describe('marketplace sandbox', () => {
  it('answers in the documented envelopes and returns a copy, not its own record', async () => {
    const encoded = encodeTiktok(
      { externalId: '576486316948490002', buyer: { name: 'A', phone: '1', address: 'x' }, lines: [] },
      secrets,
      NOW,
    );
    const sandbox = createMarketplaceSandbox({ records: [encoded.record!] });
    const first = (await sandbox.tiktokOrderDetail('576486316948490002')) as {
      code: number;
      data: { orders: { id: string }[] };
    };
    expect(first.code).toBe(0);
    expect(first.data.orders.map((o) => o.id)).toEqual(['576486316948490002']);
    first.data.orders[0]!.id = 'changed';
    const again = (await sandbox.tiktokOrderDetail('576486316948490002')) as typeof first;
    expect(again.data.orders[0]?.id).toBe('576486316948490002');
    await expect(sandbox.shopeeOrderDetail('nope')).resolves.toMatchObject({
      error: '',
      response: { order_list: [] },
    });
  });

  it('fails with a retryable UpstreamError at the configured rate, the same way for the same seed', async () => {
    const outcomes = async (seed: number) => {
      const sandbox = createMarketplaceSandbox({ failureRate: 0.3, seed });
      const results: boolean[] = [];
      for (let i = 0; i < 200; i++) {
        results.push(
          await sandbox.shopeeOrderDetail('x').then(
            () => true,
            (e: unknown) => {
              if (!(e instanceof UpstreamError) || !e.retryable) throw e;
              return false;
            },
          ),
        );
      }
      return results;
    };
    const a = await outcomes(7);
    expect(await outcomes(7)).toEqual(a);
    const failures = a.filter((ok) => !ok).length;
    expect(failures).toBeGreaterThan(35);
    expect(failures).toBeLessThan(85);
  });

  it('delays answers by the configured latency', async () => {
    const sandbox = createMarketplaceSandbox({ latencyMs: 30 });
    const started = Date.now();
    await sandbox.tiktokOrderDetail('x');
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});

describe('encoders', () => {
  const order: EncodableOrder = {
    externalId: '576486316948490003',
    buyer: {
      name: 'Nguyễn Thị Hoa',
      phone: '0912345678',
      address: { street: '12 Nguyễn Trãi', ward: 'Phường Thanh Xuân', province: 'Hà Nội' },
    },
    lines: [
      { sku: 'LYCHEE-LN-5KG', quantity: 2, unitPrice: 200_000 },
      { sku: 'OCOP-MAT-ONG-500ML', quantity: 1, unitPrice: 150_000 },
    ],
    shippingFee: 30_000,
    paymentMethod: 'cod',
  };

  it('are deterministic: the same order at the same instant gives the same bytes', () => {
    expect(encodeMessenger(order, secrets, NOW).request.body).toEqual(
      encodeMessenger(order, secrets, NOW).request.body,
    );
    expect(encodeZalo(order, secrets, NOW)).toEqual(encodeZalo(order, secrets, NOW));
  });

  it('produce thousands of signed requests per second', () => {
    const started = performance.now();
    const n = 600;
    for (let i = 0; i < n; i++) {
      const o = { ...order, externalId: `5764863169484${String(i).padStart(5, '0')}` };
      encodePortal(o, secrets, NOW);
      encodeTiktok(o, secrets, NOW);
      encodeShopee(o, secrets, NOW);
      encodeMessenger(o, secrets, NOW);
      encodeZalo(o, secrets, NOW);
    }
    encodeSpreadsheet(Array(n).fill(order), 'voso', secrets, NOW);
    const perSecond = (5 * n) / ((performance.now() - started) / 1000);
    // Measured ~20-40k/s on one core; the bound leaves room for a busy shared machine.
    expect(perSecond).toBeGreaterThan(2000);
  });

  it('refuse a non-numeric quantity for the marketplaces, whose payloads are numeric', () => {
    const bad = { ...order, lines: [{ sku: 'LYCHEE-LN-5KG', quantity: 'hai', unitPrice: 200_000 }] };
    expect(() => encodeShopee(bad, secrets, NOW)).toThrow(/lines\[0\]\.quantity/);
  });
});
