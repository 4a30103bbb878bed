/**
 * GhnClient.cancelPickup against the local GHN-shaped sandbox over real HTTP: POST
 * switch-status/cancel with `order_codes`, cancellable only before collection, idempotent, retried
 * through 5xx, refused (not thrown) when the parcel is collected, and credentials errors thrown.
 */
import { GHN_CANCEL_PATH } from '../../../shared/adapters/carriers/ghn.js';
import { UpstreamError } from '../../../shared/errors.js';
import { type CarrierSandbox, startCarrierSandbox } from '../../../infra/local/carrier-sandbox.js';
import { ghnClient, pickupRequest } from './fixtures.js';

let sandbox: CarrierSandbox;

beforeEach(async () => {
  sandbox = await startCarrierSandbox({ seed: 7, latencyMs: [1, 5] });
});

afterEach(async () => {
  await sandbox.stop();
});

async function booked(reference = 'alloc-1'): Promise<string> {
  const booking = await ghnClient(sandbox).bookPickup(pickupRequest({ clientReference: reference }));
  return booking.trackingCode;
}
const statusOf = (code: string) => sandbox.shipments().find((s) => s.orderCode === code)?.status;

describe('GhnClient.cancelPickup', () => {
  it('cancels a shipment waiting to be picked, with GHN’s path, headers and body', async () => {
    const code = await booked();
    let sent: { url: string; headers: Record<string, string>; body: unknown } | undefined;
    const client = ghnClient(sandbox, {
      fetch: async (url, init) => {
        sent = {
          url: String(url),
          headers: init?.headers as Record<string, string>,
          body: JSON.parse(String(init?.body)),
        };
        return fetch(url, init);
      },
    });

    expect(await client.cancelPickup(code)).toEqual({ outcome: 'cancelled', trackingCode: code });
    expect(statusOf(code)).toBe('cancel');
    expect(sent?.url).toBe(`${sandbox.url}${GHN_CANCEL_PATH}`);
    expect(sent?.url).toMatch(/\/v2\/switch-status\/cancel$/);
    expect(sent?.headers).toMatchObject({ Token: 'sandbox-token', ShopId: '885' });
    expect(sent?.body).toEqual({ order_codes: [code] });
  });

  it('cancels while the courier is on its way (picking), and again without error', async () => {
    const code = await booked();
    sandbox.setStatus(code, 'picking');
    const client = ghnClient(sandbox);
    expect((await client.cancelPickup(code)).outcome).toBe('cancelled');
    expect((await client.cancelPickup(code)).outcome).toBe('cancelled');
    expect(statusOf(code)).toBe('cancel');
  });

  it.each(['picked', 'storing', 'delivering', 'delivered'])(
    'is refused with GHN’s words once the parcel is %s, and nothing changes',
    async (status) => {
      const code = await booked();
      sandbox.setStatus(code, status);
      const answer = await ghnClient(sandbox).cancelPickup(code);
      expect(answer).toEqual({
        outcome: 'refused',
        trackingCode: code,
        reason: expect.stringContaining(`trạng thái ${status}, không thể hủy`),
      });
      expect(statusOf(code)).toBe(status);
      expect(sandbox.cancelAttempts(code)).toBe(1);
    },
  );

  it('is refused for an order code GHN does not know', async () => {
    const answer = await ghnClient(sandbox).cancelPickup('GNOSUCH1');
    expect(answer).toMatchObject({ outcome: 'refused', reason: expect.stringContaining('không tồn tại') });
  });

  it('retries through a 5xx and a 429 within one call', async () => {
    const code = await booked();
    sandbox.injectFault({ kind: 'status', status: 503 }, { route: 'cancel' });
    sandbox.injectFault({ kind: 'status', status: 429, retryAfter: '0' }, { route: 'cancel' });
    expect((await ghnClient(sandbox).cancelPickup(code)).outcome).toBe('cancelled');
    expect(sandbox.cancelAttempts(code)).toBe(1); // faults are answered before processing
    expect(statusOf(code)).toBe('cancel');
  });

  it('is safe to retry after a gateway error that came after GHN cancelled', async () => {
    const code = await booked();
    sandbox.injectFault({ kind: 'status', status: 502, afterCommit: true }, { route: 'cancel' });
    expect((await ghnClient(sandbox).cancelPickup(code)).outcome).toBe('cancelled');
    expect(sandbox.cancelAttempts(code)).toBe(2);
  });

  it('throws a non-retryable error naming the credentials when GHN refuses them', async () => {
    const code = await booked();
    const error = await ghnClient(sandbox, { token: 'wrong' })
      .cancelPickup(code)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).retryable).toBe(false);
    expect((error as UpstreamError).message).toMatch(/credentials .* while cancelling/);
    expect(statusOf(code)).toBe('ready_to_pick');
  });
});
