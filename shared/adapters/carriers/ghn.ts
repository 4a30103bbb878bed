/**
 * GHN (Giao Hàng Nhanh) carrier client: a thin, typed `fetch` wrapper implementing CarrierClient.
 *
 * Shapes follow GHN's public API v2 (`/shiip/public-api/v2/shipping-order/create` and
 * `/detail-by-client-code`, headers `Token` + `ShopId`, envelope `{ code, message, data }`, errors
 * with `code_message` / `code_message_value`), as used by public integrations. Unverified against
 * GHN itself, hence tolerant parsing: the exact duplicate and not-found messages, the HTTP status
 * GHN uses for them, and whether `data` of a detail lookup is an object or a list.
 *
 * Safety (F11, F15, F16):
 * - `client_order_code` is our allocation's stable reference: GHN keeps at most one order per code.
 * - Every HTTP call has its own timeout, cut short by the caller's signal (the Lambda's remaining
 *   time minus a margin), so a hung call never outlives the invocation.
 * - After a call whose outcome is unknown (timeout, network error, 5xx), the next attempt first looks
 *   the shipment up by client reference; a create refused as a duplicate is looked up too. Either
 *   way the booking comes back with `existing: true` and no second pickup is made.
 * - 429 and 5xx are retryable (Retry-After honoured), 400/401/403 are not; calls go through a
 *   per-carrier concurrency limiter.
 * Buyer contact travels in the request body only; it is never put in error messages or logs.
 */
import { z } from 'zod';
import type { CarrierClient, PickupBooking, PickupCancellation, PickupRequest } from '../../domain/pickup.js';
import { UpstreamError, ValidationError } from '../../errors.js';
import { requestSignal } from './deadline.js';
import { type ConcurrencyLimiter, carrierLimiter } from './limiter.js';
import { type RetryOptions, withRetry } from './retry.js';

export const GHN_CARRIER = 'GHN';
/** GHN's light (e-commerce) service takes parcels up to 50 kg; heavier ones need the heavy service. */
export const LIGHT_SERVICE_MAX_GRAMS = 50_000;
export const HEAVY_SERVICE_TYPE = 5;
export const GHN_CREATE_ORDER_PATH = '/shiip/public-api/v2/shipping-order/create';
export const GHN_DETAIL_BY_CLIENT_CODE_PATH = '/shiip/public-api/v2/shipping-order/detail-by-client-code';
/** `{ order_codes: [...] }`; GHN cancels only orders not yet collected (`ready_to_pick`, `picking`). */
export const GHN_CANCEL_PATH = '/shiip/public-api/v2/switch-status/cancel';

/** What the receiver may do before paying: try on, look without trying, or not look. */
export type GhnRequiredNote = 'CHOTHUHANG' | 'CHOXEMHANGKHONGTHU' | 'KHONGCHOXEMHANG';

export interface GhnOrderItem {
  name: string;
  quantity: number;
  /** Grams. */
  weight: number;
}

/** The subset of GHN's create-order request this client sends. */
export interface GhnCreateOrderRequest {
  payment_type_id: 1 | 2;
  note?: string;
  required_note: GhnRequiredNote;
  client_order_code: string;
  from_name: string;
  from_phone: string;
  from_address: string;
  from_ward_name: string;
  from_province_name: string;
  to_name: string;
  to_phone: string;
  to_address: string;
  to_ward_name?: string;
  to_province_name?: string;
  /** GHN's own ward code and district id (not the national ward code), when a mapping is known. */
  to_ward_code?: string;
  to_district_id?: number;
  cod_amount: number;
  content: string;
  /** Grams. */
  weight: number;
  length: number;
  width: number;
  height: number;
  service_type_id: number;
  pick_shift?: number[];
  /** Unix seconds. */
  pickup_time?: number;
  items: GhnOrderItem[];
}

export interface GhnClientConfig {
  /** e.g. `https://online-gateway.ghn.vn` (production), `https://dev-online-gateway.ghn.vn`, or the local sandbox. */
  baseUrl: string;
  token: string;
  shopId: string | number;
  /** Per HTTP call; the caller's signal may cut it shorter. Default 8 s. */
  timeoutMs?: number;
  /** Calls in flight to GHN from this container. Default 4. Ignored when `limiter` is given. */
  maxConcurrency?: number;
  limiter?: ConcurrencyLimiter;
  /** Default: 4 attempts, 200 ms base, 5 s cap. */
  retry?: Partial<Omit<RetryOptions, 'signal' | 'isRetryable'>>;
  /**
   * `after-uncertain` (default) looks the shipment up only after a call whose outcome is unknown, or
   * when GHN refuses the create as a duplicate. `always` looks up before every create: one more call
   * per booking, for carriers whose duplicate check cannot be trusted.
   */
  lookupBeforeCreate?: 'after-uncertain' | 'always';
  /** GHN service type: 2 light (e-commerce), 5 heavy. Default 2. */
  serviceTypeId?: number;
  /** 1: the shop pays the fee, 2: the receiver does. Default 1. */
  paymentTypeId?: 1 | 2;
  /** Default `CHOXEMHANGKHONGTHU`: fresh fruit may be looked at, not tried. */
  requiredNote?: GhnRequiredNote;
  /** Box size in cm when the request does not say (GHN requires it). Default 40×30×30. */
  parcel?: { lengthCm: number; widthCm: number; heightCm: number };
  /** A GHN pick shift id; when set it replaces `pickup_time`. */
  pickShiftId?: number;
  /** Local hour (Asia/Ho_Chi_Minh) of `pickup_time` on the pickup date. Default 7. */
  pickupHourLocal?: number;
  /** Maps the buyer's ward to GHN's own ward code and district id; without it GHN gets names only. */
  resolveWard?: (ward: {
    wardCode?: string;
    wardName?: string;
    provinceName?: string;
  }) => { ghnWardCode: string; ghnDistrictId: number } | undefined;
  fetch?: typeof fetch;
}

/** Why a GHN call failed, kept as the `cause` of the UpstreamError the caller sees. */
export class GhnCallError extends Error {
  override readonly name = 'GhnCallError';
  constructor(
    message: string,
    readonly details: {
      kind: 'timeout' | 'aborted' | 'network' | 'http' | 'malformed';
      status?: number;
      code?: number;
      codeMessage?: string;
      ghnMessage?: string;
    },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The request may have been processed: a create must be looked up before it is sent again. */
  get outcomeUnknown(): boolean {
    const { kind, status } = this.details;
    return kind !== 'http' || (status !== undefined && status >= 500);
  }
}

const Envelope = z.object({
  code: z.number().optional(),
  message: z.string().optional(),
  code_message: z.string().optional(),
  code_message_value: z.string().optional(),
  data: z.unknown().optional(),
});
type Envelope = z.infer<typeof Envelope>;

const Fee = z.union([z.number(), z.string()]).optional();

const CreatedOrder = z.object({
  order_code: z.string().min(1),
  expected_delivery_time: z.string().optional(),
  total_fee: Fee,
});

const OrderDetail = z.object({
  order_code: z.string().min(1),
  client_order_code: z.string().optional(),
  status: z.string().optional(),
  total_fee: Fee,
});

const DEFAULTS = {
  timeoutMs: 8_000,
  maxConcurrency: 4,
  retry: { attempts: 4, baseMs: 200, maxMs: 5_000 },
  serviceTypeId: 2,
  paymentTypeId: 1 as const,
  requiredNote: 'CHOXEMHANGKHONGTHU' as const,
  parcel: { lengthCm: 40, widthCm: 30, heightCm: 30 },
  pickupHourLocal: 7,
};

/** Builds GHN's create-order body from our pickup request (pure; exported for tests). */
export function ghnCreateOrderBody(
  request: PickupRequest,
  config: Partial<GhnClientConfig> = {},
): GhnCreateOrderRequest {
  const parcel = config.parcel ?? DEFAULTS.parcel;
  const { from, to } = request;
  const ward = config.resolveWard?.({
    wardCode: to.wardCode,
    wardName: to.wardName,
    provinceName: to.provinceName,
  });
  const note = [request.refrigerated ? 'Hàng tươi dễ hỏng, cần xe lạnh 2-5 °C' : undefined, request.note]
    .filter((part): part is string => Boolean(part?.trim()))
    .join('. ');
  const body: GhnCreateOrderRequest = {
    payment_type_id: config.paymentTypeId ?? DEFAULTS.paymentTypeId,
    required_note: config.requiredNote ?? DEFAULTS.requiredNote,
    client_order_code: request.clientReference,
    from_name: from.name,
    from_phone: from.phoneNational,
    from_address: [from.street, from.wardName, from.provinceName].filter(Boolean).join(', '),
    from_ward_name: from.wardName,
    from_province_name: from.provinceName,
    to_name: to.name,
    to_phone: to.phoneNational,
    // The buyer's own words: GHN parses them, and they may be the pre-2025 three-level form.
    to_address: to.addressRaw,
    cod_amount: request.codAmountVnd,
    content: request.items
      .map((item) => `${item.quantity} x ${item.name}`)
      .join('; ')
      .slice(0, 2_000),
    weight: Math.round(request.weightGrams),
    length: parcel.lengthCm,
    width: parcel.widthCm,
    height: parcel.heightCm,
    // Parcels over 50 kg (B2B and export consolidations) go as GHN's heavy service (type 5).
    service_type_id:
      request.weightGrams > LIGHT_SERVICE_MAX_GRAMS
        ? HEAVY_SERVICE_TYPE
        : (config.serviceTypeId ?? DEFAULTS.serviceTypeId),
    items: request.items.map((item) => ({
      name: item.name,
      quantity: item.quantity,
      weight: Math.round(item.weightGrams),
    })),
  };
  if (note) body.note = note;
  if (to.wardName) body.to_ward_name = to.wardName;
  if (to.provinceName) body.to_province_name = to.provinceName;
  if (ward) {
    body.to_ward_code = ward.ghnWardCode;
    body.to_district_id = ward.ghnDistrictId;
  }
  if (config.pickShiftId !== undefined) body.pick_shift = [config.pickShiftId];
  else
    body.pickup_time = pickupUnixSeconds(
      request.pickupDate,
      config.pickupHourLocal ?? DEFAULTS.pickupHourLocal,
    );
  return body;
}

/** `YYYY-MM-DD` at `hour`:00 in Asia/Ho_Chi_Minh (UTC+7, no DST) as Unix seconds. */
export function pickupUnixSeconds(pickupDate: string, hour: number): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(pickupDate);
  const ms = match
    ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), hour - 7)
    : Number.NaN;
  if (!match || Number.isNaN(ms) || new Date(ms + 7 * 3_600_000).toISOString().slice(0, 10) !== pickupDate) {
    throw new ValidationError([
      { field: 'pickupDate', message: `must be a calendar date YYYY-MM-DD, got "${pickupDate}"` },
    ]);
  }
  return Math.floor(ms / 1_000);
}

/** Retry-After as ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1_000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Carrier messages sometimes echo the phone number they refuse: keep digits runs out of errors and logs. */
function maskPersonalData(text: string): string {
  return text.replace(/\+?\d(?:[\s.-]?\d){8,}/g, '[số đã ẩn]');
}

function callError(error: unknown): GhnCallError | undefined {
  if (error instanceof GhnCallError) return error;
  if (error instanceof UpstreamError && error.cause instanceof GhnCallError) return error.cause;
  return undefined;
}

function isDuplicateClientCode(error: unknown): boolean {
  const details = callError(error)?.details;
  if (details?.kind !== 'http' || details.status === undefined) return false;
  if (details.status !== 400 && details.status !== 409 && details.code !== 400) return false;
  const codeMessage = details.codeMessage ?? '';
  const text = details.ghnMessage ?? '';
  if (/NOT_?EXIST|NOT_?FOUND/i.test(codeMessage) || /không tồn tại/i.test(text)) return false;
  return (
    /EXIST|DUPLICAT/i.test(codeMessage) ||
    (/client_order_code|mã đơn/i.test(text) && /đã tồn tại|already exist|duplicat|trùng/i.test(text))
  );
}

function isNotFound(error: unknown): boolean {
  const details = callError(error)?.details;
  if (details?.kind !== 'http' || (details.status !== 400 && details.status !== 404)) return false;
  return (
    /NOT_?FOUND|NOT_?EXIST/i.test(details.codeMessage ?? '') ||
    /không tồn tại|không tìm thấy|not found|does not exist/i.test(details.ghnMessage ?? '')
  );
}

function toFeeVnd(fee: number | string | undefined): number | undefined {
  const value = typeof fee === 'string' ? Number(fee) : fee;
  return value !== undefined && Number.isFinite(value) ? Math.round(value) : undefined;
}

/** One entry of a cancel answer's `data`: GHN reports each order code on its own. */
const CancelResult = z.object({
  order_code: z.string().optional(),
  result: z.boolean(),
  message: z.string().optional(),
});

type Operation = 'create' | 'lookup' | 'cancel';

export class GhnClient implements CarrierClient {
  readonly carrier = GHN_CARRIER;
  readonly #config: GhnClientConfig;
  readonly #baseUrl: string;
  readonly #fetch: typeof fetch;
  readonly #limiter: ConcurrencyLimiter;
  readonly #timeoutMs: number;
  readonly #retry: Omit<RetryOptions, 'signal' | 'isRetryable'>;

  constructor(config: GhnClientConfig) {
    this.#config = config;
    this.#baseUrl = config.baseUrl.replace(/\/+$/, '');
    this.#fetch = config.fetch ?? globalThis.fetch;
    this.#limiter =
      config.limiter ?? carrierLimiter(GHN_CARRIER, config.maxConcurrency ?? DEFAULTS.maxConcurrency);
    this.#timeoutMs = config.timeoutMs ?? DEFAULTS.timeoutMs;
    this.#retry = { ...DEFAULTS.retry, ...config.retry };
  }

  async bookPickup(request: PickupRequest, options?: { signal?: AbortSignal }): Promise<PickupBooking> {
    const body = ghnCreateOrderBody(request, this.#config);
    const reference = request.clientReference;
    const signal = options?.signal;
    // True once a create may have reached GHN without us learning the result.
    let mayExist = this.#config.lookupBeforeCreate === 'always';
    return withRetry(
      async () => {
        if (mayExist) {
          const found = await this.findByClientReference(reference, { signal });
          if (found) return found;
        }
        try {
          const data = await this.#post(GHN_CREATE_ORDER_PATH, body, 'create', reference, signal);
          const created = CreatedOrder.safeParse(data);
          if (!created.success) {
            // Caught just below: a malformed answer leaves the outcome unknown, like a timeout.
            throw this.#upstream(
              new GhnCallError('GHN answered the create without an order_code', { kind: 'malformed' }),
              'create',
              reference,
            );
          }
          const booking: PickupBooking = {
            carrier: GHN_CARRIER,
            clientReference: reference,
            trackingCode: created.data.order_code,
            existing: false,
          };
          const feeVnd = toFeeVnd(created.data.total_fee);
          if (feeVnd !== undefined) booking.feeVnd = feeVnd;
          return booking;
        } catch (error) {
          if (isDuplicateClientCode(error)) {
            const found = await this.findByClientReference(reference, { signal });
            if (found) return found;
            throw new UpstreamError(
              `GHN refused the create for ${reference} as a duplicate but has no shipment under that reference yet; will look again`,
              true,
              { cause: error },
            );
          }
          if (callError(error)?.outcomeUnknown) mayExist = true;
          throw error;
        }
      },
      { ...this.#retry, signal },
    );
  }

  async findByClientReference(
    clientReference: string,
    options?: { signal?: AbortSignal },
  ): Promise<PickupBooking | undefined> {
    let data: unknown;
    try {
      data = await this.#post(
        GHN_DETAIL_BY_CLIENT_CODE_PATH,
        { client_order_code: clientReference },
        'lookup',
        clientReference,
        options?.signal,
      );
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    // Public integrations disagree on whether `data` is one order or a list of them.
    const candidates = Array.isArray(data) ? data : [data];
    for (const candidate of candidates) {
      const order = OrderDetail.safeParse(candidate);
      if (!order.success) continue;
      if (order.data.client_order_code !== undefined && order.data.client_order_code !== clientReference)
        continue;
      const booking: PickupBooking = {
        carrier: GHN_CARRIER,
        clientReference,
        trackingCode: order.data.order_code,
        existing: true,
      };
      const feeVnd = toFeeVnd(order.data.total_fee);
      if (feeVnd !== undefined) booking.feeVnd = feeVnd;
      return booking;
    }
    return undefined;
  }

  /**
   * Cancels one GHN order by its order code (POST switch-status/cancel), through the same limiter,
   * per-call timeout and retries as a create; cancelling is idempotent, so a retry after an unknown
   * outcome is safe. GHN's refusal — per order `result: false`, or a 4xx other than credentials,
   * typically because the parcel was already collected — comes back as `refused` with GHN's words,
   * not as an error: no retry would change it.
   */
  async cancelPickup(trackingCode: string, options?: { signal?: AbortSignal }): Promise<PickupCancellation> {
    const signal = options?.signal;
    let data: unknown;
    try {
      data = await withRetry(
        () => this.#post(GHN_CANCEL_PATH, { order_codes: [trackingCode] }, 'cancel', trackingCode, signal),
        { ...this.#retry, signal },
      );
    } catch (error) {
      const details = callError(error)?.details;
      if (
        error instanceof UpstreamError &&
        !error.retryable &&
        details?.kind === 'http' &&
        details.status !== 401 &&
        details.status !== 403
      ) {
        return { outcome: 'refused', trackingCode, reason: error.message };
      }
      throw error;
    }
    const entries = (Array.isArray(data) ? data : [data])
      .map((d) => CancelResult.safeParse(d))
      .flatMap((r) => (r.success ? [r.data] : []));
    const mine = entries.find((e) => e.order_code === undefined || e.order_code === trackingCode);
    if (mine && !mine.result) {
      return {
        outcome: 'refused',
        trackingCode,
        reason: `GHN refused to cancel ${trackingCode}: ${maskPersonalData(mine.message ?? 'no reason given')}`,
      };
    }
    // `code: 200` without a per-order entry: GHN accepted the request as a whole.
    return { outcome: 'cancelled', trackingCode };
  }

  /** One POST through the limiter; resolves with `data` of a `code: 200` answer, else throws UpstreamError. */
  async #post(
    path: string,
    body: unknown,
    operation: Operation,
    reference: string,
    callerSignal: AbortSignal | undefined,
  ): Promise<unknown> {
    try {
      return await this.#limiter.run(
        () => this.#send(path, body, operation, reference, callerSignal),
        callerSignal,
      );
    } catch (error) {
      if (error instanceof UpstreamError) throw error;
      // Aborted while waiting for a free slot: nothing was sent.
      const failure = new GhnCallError(
        'gave up waiting for a free GHN slot',
        { kind: 'aborted' },
        { cause: error },
      );
      throw this.#upstream(failure, operation, reference);
    }
  }

  async #send(
    path: string,
    body: unknown,
    operation: Operation,
    reference: string,
    callerSignal: AbortSignal | undefined,
  ): Promise<unknown> {
    const signal = requestSignal(this.#timeoutMs, callerSignal);
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(`${this.#baseUrl}${path}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Token: this.#config.token,
          ShopId: String(this.#config.shopId),
        },
        body: JSON.stringify(body),
        signal,
      });
      text = await response.text();
    } catch (error) {
      throw this.#upstream(this.#transportError(error, callerSignal), operation, reference);
    }
    let envelope: Envelope | undefined;
    try {
      const parsed = Envelope.safeParse(JSON.parse(text));
      envelope = parsed.success ? parsed.data : undefined;
    } catch {
      envelope = undefined;
    }
    const code = envelope?.code ?? response.status;
    if (response.ok && code === 200) return envelope?.data;
    const ghnMessage = envelope?.code_message_value || envelope?.message;
    const status = response.ok ? code : response.status;
    const failure = new GhnCallError(`GHN answered HTTP ${response.status} (code ${code})`, {
      kind: envelope || !response.ok ? 'http' : 'malformed',
      status,
      code,
      ...(envelope?.code_message !== undefined && { codeMessage: envelope.code_message }),
      ...(ghnMessage !== undefined && { ghnMessage: maskPersonalData(ghnMessage) }),
    });
    throw this.#upstream(failure, operation, reference, parseRetryAfter(response.headers.get('retry-after')));
  }

  #transportError(error: unknown, callerSignal: AbortSignal | undefined): GhnCallError {
    if (callerSignal?.aborted) {
      return new GhnCallError(
        'the caller gave up (time budget spent)',
        { kind: 'aborted' },
        { cause: error },
      );
    }
    const name = error instanceof Error ? error.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new GhnCallError(
        `no answer within ${this.#timeoutMs} ms`,
        { kind: 'timeout' },
        { cause: error },
      );
    }
    const detail =
      error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    return new GhnCallError(`network error: ${detail}`, { kind: 'network' }, { cause: error });
  }

  /** Plain-words UpstreamError for the queue consumer and the operators' failure list. */
  #upstream(
    failure: GhnCallError,
    operation: Operation,
    reference: string,
    retryAfterMs?: number,
  ): UpstreamError {
    const what =
      operation === 'create'
        ? `booking ${reference}`
        : operation === 'cancel'
          ? `cancelling ${reference}`
          : `looking up ${reference}`;
    const { kind, status, ghnMessage } = failure.details;
    const said = ghnMessage ? `: ${ghnMessage}` : '';
    const unknown = operation === 'create' ? '; the shipment may exist, the retry looks it up first' : '';
    switch (kind) {
      case 'timeout':
        return new UpstreamError(`GHN did not answer ${what} within ${this.#timeoutMs} ms${unknown}`, true, {
          cause: failure,
        });
      case 'aborted':
        return new UpstreamError(
          `GHN call (${what}) stopped: the function's time budget ran out${unknown}`,
          true,
          {
            cause: failure,
          },
        );
      case 'network':
        return new UpstreamError(`GHN unreachable while ${what} (${failure.message})${unknown}`, true, {
          cause: failure,
        });
      case 'malformed':
        return new UpstreamError(`GHN gave an unreadable answer while ${what}${unknown}`, true, {
          cause: failure,
        });
      case 'http':
        break;
    }
    if (status === 429) {
      const wait = retryAfterMs !== undefined ? `; asked to wait ${Math.ceil(retryAfterMs / 1_000)} s` : '';
      return new UpstreamError(`GHN is rate limiting (HTTP 429) while ${what}${wait}`, true, {
        cause: failure,
        ...(retryAfterMs !== undefined && { retryAfterMs }),
      });
    }
    if (status === 401 || status === 403) {
      return new UpstreamError(
        `GHN refused our credentials (HTTP ${status}) while ${what}: check the GHN Token and ShopId configured for this shop${said}`,
        false,
        { cause: failure },
      );
    }
    if (status !== undefined && status >= 500) {
      return new UpstreamError(`GHN failed (HTTP ${status}) while ${what}${said}${unknown}`, true, {
        cause: failure,
        ...(retryAfterMs !== undefined && { retryAfterMs }),
      });
    }
    return new UpstreamError(`GHN rejected ${what} (HTTP ${status})${said || ' without a reason'}`, false, {
      cause: failure,
    });
  }
}
