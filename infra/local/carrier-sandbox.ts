/**
 * A local courier shaped like GHN's public API v2 (same paths, `Token`/`ShopId` headers, `{ code,
 * message, data }` envelope), for unit tests, the local runtime and load runs.
 *
 * Its ledger of created shipments is the carrier-side truth the pipeline's invariants are checked
 * against: a second create with the same `client_order_code` is refused as a duplicate (as GHN does)
 * and never becomes a second shipment. `switch-status/cancel` cancels a shipment only while it is
 * `ready_to_pick` or `picking` (a collected one is refused, per order code, as GHN answers). Faults come from a seeded PRNG (latency, 5xx, slow answers
 * that still create, 429 with Retry-After from a token bucket) or are injected one by one.
 *
 * Binds 127.0.0.1 on a free port; keep-alive, so one client can drive hundreds of requests/s.
 * The duplicate and not-found messages and codes are this sandbox's guesses at GHN's wording.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const SANDBOX_TOKEN = 'sandbox-token';
export const SANDBOX_SHOP_ID = '885';

const CREATE_PATH = '/shiip/public-api/v2/shipping-order/create';
const DETAIL_BY_CLIENT_CODE_PATH = '/shiip/public-api/v2/shipping-order/detail-by-client-code';
const DETAIL_PATH = '/shiip/public-api/v2/shipping-order/detail';
const CANCEL_PATH = '/shiip/public-api/v2/switch-status/cancel';
/** GHN cancels an order only before it is collected. */
const CANCELLABLE_STATUSES = new Set(['ready_to_pick', 'picking']);
const MAX_BODY_BYTES = 1_000_000;

export interface CarrierSandboxOptions {
  /** PRNG seed: the same seed and request sequence give the same faults and order codes. Default 1. */
  seed?: number;
  /** Uniform latency range of every answer, ms. Default [0, 5]. */
  latencyMs?: [number, number];
  /** Share of requests answered 500/502/503 before anything is done. Default 0. */
  failureRate?: number;
  /** Token-bucket limit over all requests; beyond it: 429 with Retry-After. Default: no limit. */
  rateLimitPerSecond?: number;
  /** Share of requests processed (a create is committed) but answered only after `slowMs`. Default 0. */
  timeoutRate?: number;
  /** Delay of a slow answer, ms. Default 3000. */
  slowMs?: number;
  token?: string;
  shopId?: string | number;
  /** Turn off to imitate a carrier that does not dedupe: then only the client's lookups prevent doubles. */
  rejectDuplicateClientOrderCode?: boolean;
  now?: () => Date;
}

/** One-off behaviour for the next matching request(s), applied before the random faults. */
export type SandboxFault =
  /** Process normally (a create is committed), answer after `delayMs`. */
  | { kind: 'slow'; delayMs: number }
  /**
   * Answer with `status` (429, 5xx, …). Before processing by default; with `afterCommit` the request is
   * processed first (the shipment exists) and the answer is replaced, like a gateway error after commit.
   */
  | { kind: 'status'; status: number; retryAfter?: string; afterCommit?: boolean };

export type SandboxRoute = 'create' | 'lookup' | 'cancel';

export interface SandboxShipment {
  clientOrderCode: string;
  orderCode: string;
  createdAt: string;
  shopId: string;
  status: string;
  weight: number;
  codAmount: number;
  totalFee: number;
  expectedDeliveryTime: string;
  pickupTime?: number;
  pickShift?: number[];
  /** The create body as received (test data only: it holds the buyer's contact). */
  request: Record<string, unknown>;
}

export interface SandboxRequestRecord {
  route: SandboxRoute | 'other';
  clientOrderCode?: string;
  /** ms since the sandbox started. */
  receivedAt: number;
  answeredAt?: number;
  status?: number;
}

export interface CarrierSandbox {
  url: string;
  stop(): Promise<void>;
  /** Ledger of created shipments, oldest first (copies). */
  shipments(): SandboxShipment[];
  /** Moves a shipment along as the courier would (`picking`, `picked`…), e.g. to see a cancel refused. */
  setStatus(orderCode: string, status: string): void;
  /** Cancel requests received per GHN order code (refused ones included). */
  cancelAttempts(orderCode: string): number;
  /** Shipments created under this client_order_code: the invariant is at most 1. */
  createCount(clientOrderCode: string): number;
  /** Create requests received for this client_order_code, refused ones included. */
  createAttempts(clientOrderCode: string): number;
  injectFault(fault: SandboxFault, options?: { route?: SandboxRoute; times?: number }): void;
  requests(): SandboxRequestRecord[];
  /** `connections` counts TCP connections accepted: with keep-alive it stays near the client's concurrency. */
  stats(): { requests: number; inFlight: number; maxInFlight: number; connections: number };
}

/** mulberry32: tiny, seedable, good enough for fault injection. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Overrides the random latency. */
  delayMs?: number;
}

const ghn = (status: number, message: string, extra: Record<string, unknown> = {}): Answer => ({
  status,
  body: { code: status, message, data: null, ...extra },
});

const REQUIRED_NOTES = new Set(['CHOTHUHANG', 'CHOXEMHANGKHONGTHU', 'KHONGCHOXEMHANG']);

const isNonEmptyString = (value: unknown): value is string =>
  typeof value === 'string' && value.trim() !== '';
const isInt = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

/** GHN-like validation of a create body: the first problem, naming the field. */
function validateCreate(body: Record<string, unknown>): Answer | undefined {
  const fail = (field: string, message: string, codeMessage: string) =>
    ghn(400, `${field}: ${message}`, {
      code_message: codeMessage,
      code_message_value: `${field}: ${message}`,
    });
  if (!isNonEmptyString(body.to_name))
    return fail('to_name', 'Tên người nhận không được để trống', 'TO_NAME_REQUIRED');
  if (typeof body.to_phone !== 'string' || !/^0\d{9}$/.test(body.to_phone)) {
    return fail(
      'to_phone',
      'Số điện thoại người nhận không hợp lệ, cần 10 chữ số bắt đầu bằng 0',
      'PHONE_INVALID',
    );
  }
  if (!isNonEmptyString(body.to_address)) {
    return fail('to_address', 'Địa chỉ người nhận không được để trống', 'TO_ADDRESS_REQUIRED');
  }
  if (!isNonEmptyString(body.to_ward_code) && !isNonEmptyString(body.to_ward_name)) {
    return fail('to_ward_name', 'Cần mã hoặc tên phường/xã người nhận', 'TO_WARD_REQUIRED');
  }
  const maxGrams = body.service_type_id === 5 ? 1_600_000 : 50_000;
  if (!isInt(body.weight) || body.weight <= 0 || body.weight > maxGrams) {
    return fail(
      'weight',
      `Khối lượng phải là số nguyên gram, lớn hơn 0 và tối đa ${maxGrams}`,
      'WEIGHT_INVALID',
    );
  }
  for (const dimension of ['length', 'width', 'height'] as const) {
    const value = body[dimension];
    if (value !== undefined && (!isInt(value) || value < 0 || value > 200)) {
      return fail(dimension, 'Kích thước phải là số nguyên cm, tối đa 200', 'DIMENSION_INVALID');
    }
  }
  if (
    body.cod_amount !== undefined &&
    (!isInt(body.cod_amount) || body.cod_amount < 0 || body.cod_amount > 50_000_000)
  ) {
    return fail('cod_amount', 'Tiền thu hộ phải là số nguyên từ 0 đến 50.000.000', 'COD_INVALID');
  }
  if (typeof body.required_note !== 'string' || !REQUIRED_NOTES.has(body.required_note)) {
    return fail(
      'required_note',
      'Ghi chú bắt buộc phải là CHOTHUHANG, CHOXEMHANGKHONGTHU hoặc KHONGCHOXEMHANG',
      'REQUIRED_NOTE_INVALID',
    );
  }
  if (body.payment_type_id !== 1 && body.payment_type_id !== 2) {
    return fail(
      'payment_type_id',
      'Người trả phí phải là 1 (người gửi) hoặc 2 (người nhận)',
      'PAYMENT_TYPE_INVALID',
    );
  }
  if (
    !(isInt(body.service_type_id) && body.service_type_id > 0) &&
    !(isInt(body.service_id) && body.service_id > 0)
  ) {
    return fail('service_type_id', 'Cần service_type_id hoặc service_id', 'SERVICE_REQUIRED');
  }
  if (
    body.client_order_code !== undefined &&
    (typeof body.client_order_code !== 'string' || body.client_order_code.length > 50)
  ) {
    return fail('client_order_code', 'Mã đơn của shop tối đa 50 ký tự', 'CLIENT_ORDER_CODE_INVALID');
  }
  if (!Array.isArray(body.items) || body.items.length === 0) {
    return fail('items', 'Cần ít nhất một sản phẩm', 'ITEMS_REQUIRED');
  }
  for (const [index, item] of body.items.entries()) {
    const record = (item ?? {}) as Record<string, unknown>;
    if (!isNonEmptyString(record.name))
      return fail(`items[${index}].name`, 'Tên sản phẩm không được để trống', 'ITEM_INVALID');
    if (!isInt(record.quantity) || record.quantity <= 0) {
      return fail(`items[${index}].quantity`, 'Số lượng phải là số nguyên dương', 'ITEM_INVALID');
    }
  }
  if (body.pickup_time !== undefined && !isInt(body.pickup_time)) {
    return fail('pickup_time', 'Thời gian lấy hàng phải là Unix timestamp (giây)', 'PICKUP_TIME_INVALID');
  }
  if (body.pick_shift !== undefined && !(Array.isArray(body.pick_shift) && body.pick_shift.every(isInt))) {
    return fail('pick_shift', 'Ca lấy hàng phải là danh sách mã ca', 'PICK_SHIFT_INVALID');
  }
  return undefined;
}

function feeFor(weight: number, codAmount: number): number {
  const extraHalfKilos = Math.ceil(Math.max(0, weight - 3_000) / 500);
  return 22_000 + extraHalfKilos * 2_500 + Math.round(codAmount * 0.005);
}

export async function startCarrierSandbox(options: CarrierSandboxOptions = {}): Promise<CarrierSandbox> {
  const random = seededRandom(options.seed ?? 1);
  const [latencyMin, latencyMax] = options.latencyMs ?? [0, 5];
  const failureRate = options.failureRate ?? 0;
  const timeoutRate = options.timeoutRate ?? 0;
  const slowMs = options.slowMs ?? 3_000;
  const token = options.token ?? SANDBOX_TOKEN;
  const shopId = String(options.shopId ?? SANDBOX_SHOP_ID);
  const rejectDuplicates = options.rejectDuplicateClientOrderCode ?? true;
  const now = options.now ?? (() => new Date());
  const startedAt = performance.now();
  const elapsed = () => Math.round((performance.now() - startedAt) * 10) / 10;

  const ledger: SandboxShipment[] = [];
  const byClientCode = new Map<string, SandboxShipment[]>();
  const byOrderCode = new Map<string, SandboxShipment>();
  const attempts = new Map<string, number>();
  const cancelAttempts = new Map<string, number>();
  const faults: Array<{ fault: SandboxFault; route: SandboxRoute | undefined; remaining: number }> = [];
  const log: SandboxRequestRecord[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  let maxInFlight = 0;
  let connections = 0;

  const rate = options.rateLimitPerSecond;
  let bucket = rate ?? 0;
  let bucketAt = performance.now();
  /** Seconds until a token is free, or 0 when one was taken. */
  const takeToken = (): number => {
    if (rate === undefined) return 0;
    const at = performance.now();
    bucket = Math.min(rate, bucket + ((at - bucketAt) / 1_000) * rate);
    bucketAt = at;
    if (bucket >= 1) {
      bucket -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket) / rate));
  };

  const nextOrderCode = (): string => {
    const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
    for (;;) {
      let code = 'G';
      for (let i = 0; i < 7; i++) code += alphabet[Math.floor(random() * alphabet.length)];
      if (!byOrderCode.has(code)) return code;
    }
  };

  const takeFault = (route: SandboxRoute): SandboxFault | undefined => {
    const index = faults.findIndex((entry) => entry.route === undefined || entry.route === route);
    const entry = faults[index];
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) faults.splice(index, 1);
    return entry.fault;
  };

  const serverError = (status: number): Answer =>
    status === 502
      ? {
          status,
          body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
          headers: { 'Content-Type': 'text/html' },
        }
      : ghn(status, 'Hệ thống đang bận, vui lòng thử lại sau');

  const create = (body: Record<string, unknown>): Answer => {
    const invalid = validateCreate(body);
    if (invalid) return invalid;
    const clientOrderCode = typeof body.client_order_code === 'string' ? body.client_order_code : '';
    if (clientOrderCode && rejectDuplicates && byClientCode.has(clientOrderCode)) {
      return ghn(400, `Mã đơn hàng của shop (client_order_code) ${clientOrderCode} đã tồn tại`, {
        code_message: 'CLIENT_ORDER_CODE_EXISTED',
      });
    }
    const createdAt = now();
    const weight = body.weight as number;
    const codAmount = (body.cod_amount as number | undefined) ?? 0;
    const shipment: SandboxShipment = {
      clientOrderCode,
      orderCode: nextOrderCode(),
      createdAt: createdAt.toISOString(),
      shopId,
      status: 'ready_to_pick',
      weight,
      codAmount,
      totalFee: feeFor(weight, codAmount),
      expectedDeliveryTime: new Date(createdAt.getTime() + 2 * 86_400_000).toISOString(),
      request: body,
    };
    if (typeof body.pickup_time === 'number') shipment.pickupTime = body.pickup_time;
    if (Array.isArray(body.pick_shift)) shipment.pickShift = body.pick_shift as number[];
    ledger.push(shipment);
    byOrderCode.set(shipment.orderCode, shipment);
    if (clientOrderCode)
      byClientCode.set(clientOrderCode, [...(byClientCode.get(clientOrderCode) ?? []), shipment]);
    return {
      status: 200,
      body: {
        code: 200,
        message: 'Success',
        data: {
          order_code: shipment.orderCode,
          sort_code: '000-A-00-00',
          trans_type: 'truck',
          total_fee: shipment.totalFee,
          expected_delivery_time: shipment.expectedDeliveryTime,
        },
      },
    };
  };

  const detail = (shipment: SandboxShipment | undefined): Answer => {
    if (!shipment) return ghn(400, 'Đơn hàng không tồn tại', { code_message: 'ORDER_NOT_FOUND' });
    return {
      status: 200,
      body: {
        code: 200,
        message: 'Success',
        data: {
          order_code: shipment.orderCode,
          client_order_code: shipment.clientOrderCode,
          shop_id: Number(shipment.shopId),
          status: shipment.status,
          weight: shipment.weight,
          cod_amount: shipment.codAmount,
          created_date: shipment.createdAt,
          updated_date: shipment.createdAt,
          leadtime: shipment.expectedDeliveryTime,
        },
      },
    };
  };

  /**
   * switch-status/cancel: each order code answered on its own (`result`, `message`), as GHN does.
   * Cancelling a cancelled order succeeds again (idempotent); a collected one is refused.
   */
  const cancel = (body: Record<string, unknown>): Answer => {
    const codes = body.order_codes;
    if (!Array.isArray(codes) || codes.length === 0 || !codes.every(isNonEmptyString)) {
      return ghn(400, 'order_codes: cần danh sách mã đơn hàng', { code_message: 'ORDER_CODES_REQUIRED' });
    }
    const data = codes.map((code) => {
      cancelAttempts.set(code, (cancelAttempts.get(code) ?? 0) + 1);
      const shipment = byOrderCode.get(code);
      if (!shipment) return { order_code: code, result: false, message: 'Đơn hàng không tồn tại' };
      if (shipment.status === 'cancel') return { order_code: code, result: true, message: 'OK' };
      if (!CANCELLABLE_STATUSES.has(shipment.status)) {
        return {
          order_code: code,
          result: false,
          message: `Đơn hàng đang ở trạng thái ${shipment.status}, không thể hủy`,
        };
      }
      shipment.status = 'cancel';
      return { order_code: code, result: true, message: 'OK' };
    });
    return { status: 200, body: { code: 200, message: 'Success', data } };
  };

  const handle = (route: SandboxRoute, body: Record<string, unknown>): Answer => {
    const limitedFor = takeToken();
    if (limitedFor > 0) {
      return { ...ghn(429, 'Too many requests'), headers: { 'Retry-After': String(limitedFor) } };
    }
    const processRequest = (): Answer => {
      if (route === 'create') return create(body);
      if (route === 'cancel') return cancel(body);
      const code = body.client_order_code;
      const found = typeof code === 'string' ? byClientCode.get(code)?.at(-1) : undefined;
      return detail(found);
    };
    const fault = takeFault(route);
    if (fault?.kind === 'slow') return { ...processRequest(), delayMs: fault.delayMs };
    if (fault?.kind === 'status') {
      if (fault.afterCommit) processRequest();
      const answer = fault.status >= 500 ? serverError(fault.status) : ghn(fault.status, 'Sandbox fault');
      return fault.retryAfter !== undefined
        ? { ...answer, headers: { 'Retry-After': fault.retryAfter } }
        : answer;
    }
    const roll = random();
    if (roll < failureRate) return serverError([500, 502, 503][Math.floor(random() * 3)] ?? 500);
    if (roll < failureRate + timeoutRate) return { ...processRequest(), delayMs: slowMs };
    return processRequest();
  };

  const readBody = (req: IncomingMessage): Promise<string | undefined> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      });
      req.on('end', () =>
        resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')),
      );
      req.on('error', reject);
    });

  const answer = async (req: IncomingMessage, record: SandboxRequestRecord): Promise<Answer> => {
    const path = (req.url ?? '').split('?')[0];
    const route: SandboxRoute | undefined =
      path === CREATE_PATH
        ? 'create'
        : path === DETAIL_BY_CLIENT_CODE_PATH
          ? 'lookup'
          : path === CANCEL_PATH
            ? 'cancel'
            : undefined;
    if (route) record.route = route;
    const text = await readBody(req);
    if (req.method !== 'POST' || (route === undefined && path !== DETAIL_PATH)) return ghn(404, 'Not found');
    if (req.headers.token !== token) return ghn(401, 'Token không hợp lệ');
    if ((route === 'create' || route === 'cancel') && req.headers.shopid !== shopId)
      return ghn(401, 'ShopId không hợp lệ hoặc không thuộc Token');
    if (text === undefined) return ghn(413, 'Dữ liệu quá lớn');
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      return ghn(400, 'Dữ liệu gửi lên không phải JSON hợp lệ');
    }
    if (route === undefined) {
      const code = body.order_code;
      return detail(typeof code === 'string' ? byOrderCode.get(code) : undefined);
    }
    if (typeof body.client_order_code === 'string') {
      record.clientOrderCode = body.client_order_code;
      if (route === 'create')
        attempts.set(body.client_order_code, (attempts.get(body.client_order_code) ?? 0) + 1);
    }
    return handle(route, body);
  };

  const send = (res: ServerResponse, result: Answer, record: SandboxRequestRecord) => {
    const payload = typeof result.body === 'string' ? result.body : JSON.stringify(result.body);
    record.status = result.status;
    record.answeredAt = elapsed();
    if (res.destroyed) return;
    res.writeHead(result.status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(payload),
      ...result.headers,
    });
    res.end(payload);
  };

  const server = createServer((req, res) => {
    const record: SandboxRequestRecord = { route: 'other', receivedAt: elapsed() };
    log.push(record);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => {
      inFlight -= 1;
    });
    answer(req, record).then(
      (result) => {
        const delay = result.delayMs ?? latencyMin + random() * Math.max(0, latencyMax - latencyMin);
        if (delay <= 0) return send(res, result, record);
        const timer = setTimeout(() => {
          timers.delete(timer);
          send(res, result, record);
        }, delay);
        timers.add(timer);
      },
      () => send(res, ghn(500, 'Sandbox error'), record),
    );
  });
  server.on('connection', () => {
    connections += 1;
  });
  // Clients reuse connections (undici keeps them alive): keep them open longer than Node's 5 s default.
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 31_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    shipments: () => structuredClone(ledger),
    setStatus(orderCode, status) {
      const shipment = byOrderCode.get(orderCode);
      if (!shipment) throw new Error(`no shipment ${orderCode} in the sandbox`);
      shipment.status = status;
    },
    cancelAttempts: (orderCode) => cancelAttempts.get(orderCode) ?? 0,
    createCount: (clientOrderCode) => byClientCode.get(clientOrderCode)?.length ?? 0,
    createAttempts: (clientOrderCode) => attempts.get(clientOrderCode) ?? 0,
    injectFault(fault, injectOptions) {
      faults.push({ fault, route: injectOptions?.route, remaining: injectOptions?.times ?? 1 });
    },
    requests: () => log.map((record) => ({ ...record })),
    stats: () => ({ requests: log.length, inFlight, maxInFlight, connections }),
  };
}
