/** The GHN client against the local GHN-shaped sandbox, over real HTTP. */
import { pickupUnixSeconds } from '../../../shared/adapters/carriers/ghn.js';
import { ConcurrencyLimiter } from '../../../shared/adapters/carriers/limiter.js';
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

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof UpstreamError)) throw new Error(`expected an UpstreamError, got ${String(error)}`);
  return error;
}

const creates = (reference: string) =>
  sandbox.requests().filter((r) => r.route === 'create' && r.clientOrderCode === reference);

describe('GhnClient.bookPickup', () => {
  it('books one shipment and sends GHN-shaped create body', async () => {
    const request = pickupRequest({ refrigerated: true, note: 'Gọi trước khi lấy' });

    const booking = await ghnClient(sandbox).bookPickup(request);

    const [shipment] = sandbox.shipments();
    expect(booking).toEqual({
      carrier: 'GHN',
      clientReference: request.clientReference,
      trackingCode: shipment?.orderCode,
      feeVnd: shipment?.totalFee,
      existing: false,
    });
    expect(sandbox.createCount(request.clientReference)).toBe(1);
    expect(shipment?.request).toMatchObject({
      client_order_code: request.clientReference,
      to_name: 'Nguyễn Thị Hồng',
      to_phone: '0912345678',
      to_address: '12 Nguyễn Trãi, Thanh Xuân, Hà Nội',
      to_ward_name: 'Phường Thanh Xuân',
      to_province_name: 'Thành phố Hà Nội',
      from_ward_name: 'Xã Lục Ngạn',
      weight: 15_000,
      cod_amount: 600_000,
      service_type_id: 2,
      payment_type_id: 1,
      required_note: 'CHOXEMHANGKHONGTHU',
      pickup_time: pickupUnixSeconds('2026-06-18', 7),
      items: [{ name: 'Vải thiều Lục Ngạn thùng 5kg', quantity: 3, weight: 5_000 }],
    });
    expect(shipment?.request.note).toContain('xe lạnh');
    // 07:00 in Asia/Ho_Chi_Minh is 00:00Z.
    expect(new Date((shipment?.pickupTime ?? 0) * 1_000).toISOString()).toBe('2026-06-18T00:00:00.000Z');
  });

  it('sends pick_shift instead of pickup_time when a shift is configured', async () => {
    await ghnClient(sandbox, { pickShiftId: 2 }).bookPickup(pickupRequest());

    const [shipment] = sandbox.shipments();
    expect(shipment?.pickShift).toEqual([2]);
    expect(shipment?.request.pickup_time).toBeUndefined();
  });

  it("sends GHN's own ward code and district id when the ward can be mapped", async () => {
    const client = ghnClient(sandbox, {
      resolveWard: () => ({ ghnWardCode: '1A0401', ghnDistrictId: 1451 }),
    });

    await client.bookPickup(pickupRequest());

    expect(sandbox.shipments()[0]?.request).toMatchObject({ to_ward_code: '1A0401', to_district_id: 1451 });
  });

  it('F15 a create answered after the client timeout is found by reference on retry: one shipment, existing: true', async () => {
    sandbox.injectFault({ kind: 'slow', delayMs: 800 }, { route: 'create' });
    const request = pickupRequest();

    const booking = await ghnClient(sandbox, { timeoutMs: 200 }).bookPickup(request);

    expect(booking.existing).toBe(true);
    expect(sandbox.createCount(request.clientReference)).toBe(1);
    expect(booking.trackingCode).toBe(sandbox.shipments()[0]?.orderCode);
    expect(creates(request.clientReference)).toHaveLength(1);
  });

  it('F15 the lookup alone prevents a second shipment when the carrier does not dedupe', async () => {
    await sandbox.stop();
    sandbox = await startCarrierSandbox({
      seed: 7,
      latencyMs: [1, 5],
      rejectDuplicateClientOrderCode: false,
    });
    sandbox.injectFault({ kind: 'slow', delayMs: 800 }, { route: 'create' });
    const request = pickupRequest();

    const booking = await ghnClient(sandbox, { timeoutMs: 200 }).bookPickup(request);

    expect(booking.existing).toBe(true);
    expect(sandbox.createCount(request.clientReference)).toBe(1);
  });

  it('F15 a 502 after the carrier committed is looked up, not booked again', async () => {
    sandbox.injectFault({ kind: 'status', status: 502, afterCommit: true }, { route: 'create' });
    const request = pickupRequest();

    const booking = await ghnClient(sandbox).bookPickup(request);

    expect(booking.existing).toBe(true);
    expect(sandbox.createCount(request.clientReference)).toBe(1);
  });

  it('F15 a redelivered booking of the same allocation returns the existing shipment', async () => {
    const request = pickupRequest();
    const first = await ghnClient(sandbox).bookPickup(request);

    const second = await ghnClient(sandbox).bookPickup(request);

    expect(second).toMatchObject({ trackingCode: first.trackingCode, existing: true });
    expect(sandbox.createCount(request.clientReference)).toBe(1);
    expect(sandbox.createAttempts(request.clientReference)).toBe(2);
  });

  it('F15 concurrent bookings of one allocation make one shipment with one tracking code', async () => {
    const client = ghnClient(sandbox);
    const request = pickupRequest();

    const bookings = await Promise.all(Array.from({ length: 6 }, () => client.bookPickup(request)));

    expect(sandbox.createCount(request.clientReference)).toBe(1);
    expect(new Set(bookings.map((b) => b.trackingCode))).toEqual(
      new Set([sandbox.shipments()[0]?.orderCode]),
    );
    expect(bookings.filter((b) => !b.existing)).toHaveLength(1);
  });

  it('retries a 5xx that happened before the carrier did anything, and books once', async () => {
    sandbox.injectFault({ kind: 'status', status: 503 }, { route: 'create' });
    const request = pickupRequest();

    const booking = await ghnClient(sandbox).bookPickup(request);

    expect(booking.existing).toBe(false);
    expect(sandbox.createCount(request.clientReference)).toBe(1);
  });

  it('F16 429 with Retry-After is retried no sooner than the carrier asked', async () => {
    sandbox.injectFault({ kind: 'status', status: 429, retryAfter: '1' }, { route: 'create' });
    const request = pickupRequest();

    const booking = await ghnClient(sandbox, { retry: { attempts: 3, baseMs: 10, maxMs: 2_000 } }).bookPickup(
      request,
    );

    const [limited, retried] = creates(request.clientReference);
    expect(limited?.status).toBe(429);
    expect(retried?.status).toBe(200);
    expect((retried?.receivedAt ?? 0) - (limited?.answeredAt ?? 0)).toBeGreaterThanOrEqual(995);
    expect(booking.existing).toBe(false);
    expect(sandbox.createCount(request.clientReference)).toBe(1);
  });

  it('F16 a Retry-After longer than the retry budget goes back to the queue with retryAfterMs', async () => {
    sandbox.injectFault({ kind: 'status', status: 429, retryAfter: '30' }, { route: 'create' });
    const request = pickupRequest();

    const error = await rejection(ghnClient(sandbox, { retry: { maxMs: 2_000 } }).bookPickup(request));

    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(30_000);
    expect(creates(request.clientReference)).toHaveLength(1);
  });

  it('F16 reads Retry-After given as an HTTP date', async () => {
    const at = new Date(Date.now() + 60_000).toUTCString();
    sandbox.injectFault({ kind: 'status', status: 429, retryAfter: at }, { route: 'create' });

    const error = await rejection(
      ghnClient(sandbox, { retry: { maxMs: 2_000 } }).bookPickup(pickupRequest()),
    );

    expect(error.retryAfterMs).toBeGreaterThan(55_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('F16 a 400 is not retried and its message names the field', async () => {
    const request = pickupRequest({
      to: { ...pickupRequest().to, phoneNational: '091234567' },
    });

    const error = await rejection(ghnClient(sandbox).bookPickup(request));

    expect(error.retryable).toBe(false);
    expect(error.message).toContain('to_phone');
    expect(error.message).toContain(request.clientReference);
    expect(error.message).not.toContain('091234567');
    expect(creates(request.clientReference)).toHaveLength(1);
    expect(sandbox.createCount(request.clientReference)).toBe(0);
  });

  it('F16 a zero weight is refused naming the weight', async () => {
    const error = await rejection(ghnClient(sandbox).bookPickup(pickupRequest({ weightGrams: 0 })));

    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/weight/);
  });

  it('a wrong token is a non-retryable credentials error', async () => {
    const error = await rejection(ghnClient(sandbox, { token: 'not-the-token' }).bookPickup(pickupRequest()));

    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/credentials/);
    expect(error.message).not.toContain('not-the-token');
    expect(sandbox.requests()).toHaveLength(1);
  });

  it("F11 the caller's deadline cuts a hung call short and leaves the outcome to the lookup", async () => {
    sandbox.injectFault({ kind: 'slow', delayMs: 3_000 }, { route: 'create' });
    const started = performance.now();

    const error = await rejection(
      ghnClient(sandbox, { timeoutMs: 10_000 }).bookPickup(pickupRequest(), {
        signal: AbortSignal.timeout(150),
      }),
    );

    expect(performance.now() - started).toBeLessThan(1_000);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/time budget/);
    expect(error.message).toMatch(/looks it up/);
  });

  it('never has more calls in flight to the carrier than its limiter allows', async () => {
    await sandbox.stop();
    sandbox = await startCarrierSandbox({ seed: 3, latencyMs: [10, 30] });
    const limiter = new ConcurrencyLimiter(3);
    const client = ghnClient(sandbox, { limiter });

    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        client.bookPickup(pickupRequest({ clientReference: `alloc_${i}` })),
      ),
    );

    expect(sandbox.shipments()).toHaveLength(20);
    expect(sandbox.stats().maxInFlight).toBeLessThanOrEqual(3);
    expect(limiter.maxInFlight).toBe(3);
  });
});

describe('GhnClient.findByClientReference', () => {
  it('finds a shipment by our reference', async () => {
    const request = pickupRequest();
    const booked = await ghnClient(sandbox).bookPickup(request);

    const found = await ghnClient(sandbox).findByClientReference(request.clientReference);

    expect(found).toEqual({
      carrier: 'GHN',
      clientReference: request.clientReference,
      trackingCode: booked.trackingCode,
      existing: true,
    });
  });

  it('answers undefined for a reference GHN does not know', async () => {
    await expect(ghnClient(sandbox).findByClientReference('alloc_unknown')).resolves.toBeUndefined();
  });
});
