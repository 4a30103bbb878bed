/**
 * The harvest-day scenario: one day of orders from every channel, with the flash-sale spike of a
 * TikTok livestream, plus the cooperatives, growing-area codes, stock and exporters it runs
 * against. Deterministic: the same options give byte-identical output.
 *
 * `at` is the offset (ms) from the scenario's start (harvest day 00:00, Vietnam time) at which the
 * provider delivers the order. A runner replays the day as fast as the system allows, so `at`
 * orders deliveries and shapes the spike; it is not a wall-clock schedule.
 */
import type { Cooperative, GrowingAreaCode, StockBatch } from '../domain/cooperative.js';
import type { ExportMarket } from '../domain/market.js';
import type { Channel, RawOrder, RawOrderLine } from '../domain/order.js';
import { findProduct, PRODUCTS } from '../domain/product.js';
import { type BadKind, drawQuality, generateBuyer, type MessKind, pickMessKinds } from './buyers.js';
import { generateCooperatives } from './cooperatives.js';
import { demandOf, drawLines, SKU } from './demand.js';
import { type DemoExporter, exporterAddress, generateExporters } from './exporters.js';
import { generateGrowingAreaCodes, lycheeSeason } from './growing-areas.js';
import { createRng, type Rng, WeightedTable } from './random.js';
import { generateStockBatches } from './stock.js';

export interface FlashSale {
  /** Minutes after midnight (Vietnam time) the livestream starts: 20:00 → 1200. */
  startMinute: number;
  minutes: number;
  /** Order rate during the sale over the day's average rate (10-30 for a livestream). */
  multiplier: number;
  channel: Channel;
}

export interface ScenarioOptions {
  seed: number | string;
  orders?: number;
  /** YYYY-MM-DD, a day in the main crop. */
  harvestDay?: string;
  cooperatives?: number;
  /** Share of orders with messy-but-valid input (default 0.15). */
  messyShare?: number;
  /** Share of orders with genuinely bad input that must go to review (default 0.005). */
  badShare?: number;
  /** Share of export orders (default 0.025). */
  exportShare?: number;
  /** Share of orders the provider delivers more than once (default 0.03). */
  redeliveryShare?: number;
  /** The livestream; `false` for a flat day. */
  flashSale?: Partial<FlashSale> | false;
  /** Stock supply over demand, all SKUs (default 1: most SKUs suffice, the 5 kg box runs short). */
  supplyRatio?: number;
  skuSupply?: Partial<Record<string, number>>;
  /** Only these channels (default: all). The local pipeline leaves out channels it has no adapter for yet. */
  channels?: readonly Channel[];
}

export type OrderQuality = 'clean' | 'messy' | 'bad';

export interface ScenarioOrder {
  /** Offset in ms from the scenario start at which the provider delivers the order. */
  at: number;
  order: RawOrder;
  /** How many extra times the provider resends it (0 mostly; ~3 % 1-2). */
  redeliveries: number;
  /** Spreadsheet channels (Postmart, Voso): the upload the row belongs to; rows of one upload share `at`. */
  importBatch?: string;
  /** Placed during the flash sale. */
  flashSale?: boolean;
  /** What the pipeline should make of it: for checking results, never sent to the pipeline. */
  expected: {
    quality: OrderQuality;
    mess: MessKind[];
    bad: BadKind[];
    provinceCode: string;
    wardCode?: string;
    phoneE164?: string;
    /** A free-text chat that leaves part of the order unsaid: review with `uncertain_parse`. */
    uncertainParse?: true;
  };
}

export interface Scenario {
  seed: string;
  harvestDay: string;
  /** Harvest day 00:00 in Vietnam, ISO 8601. */
  startsAt: string;
  cooperatives: Cooperative[];
  growingAreaCodes: GrowingAreaCode[];
  stockBatches: StockBatch[];
  exporters: DemoExporter[];
  orders: ScenarioOrder[];
}

const DAY_MS = 86_400_000;

const DEFAULT_FLASH_SALE: FlashSale = {
  startMinute: 20 * 60,
  minutes: 30,
  multiplier: 20,
  channel: 'tiktok',
};

/** Orders per hour relative to each other (Vietnamese e-commerce: lunch and evening peaks). */
const HOURLY: readonly number[] = [
  0.25, 0.12, 0.08, 0.06, 0.08, 0.2, 0.45, 0.8, 1.0, 1.15, 1.2, 1.35, 1.3, 1.0, 0.95, 1.0, 1.05, 1.05, 1.2,
  1.55, 1.8, 1.9, 1.45, 0.75,
];

/**
 * Outside the flash sale. Haravan and Sapo shops send their own orders/create webhooks. Every
 * channel must have a weight (`satisfies`: a new channel without one is a compile error, not a
 * channel that silently gets no orders); the key order is the draw order, keep it stable.
 */
const CHANNEL_WEIGHT = {
  portal: 12,
  tiktok: 16,
  shopee: 22,
  lazada: 6,
  messenger: 9,
  zalo: 9,
  postmart: 8,
  voso: 8,
  haravan: 3,
  sapo: 3,
  chat: 1.5,
} as const satisfies Record<Channel, number>;
const CHANNEL_WEIGHTS: ReadonlyArray<readonly [Channel, number]> = Object.entries(CHANNEL_WEIGHT) as Array<
  [Channel, number]
>;

/** How much more often than average a channel's input is messy (typed by hand, free text). */
const MESS_FACTOR: Readonly<Record<Channel, number>> = {
  portal: 0.5,
  tiktok: 0.8,
  shopee: 0.8,
  lazada: 0.8,
  messenger: 2,
  zalo: 2,
  postmart: 1.5,
  voso: 1.5,
  haravan: 0.7,
  sapo: 0.7,
  chat: 3,
};

/** Channels whose amounts can arrive as written strings ("150k", "1.250.000 ₫"). */
const MONEY_AS_TEXT = new Set<Channel>([
  'portal',
  'messenger',
  'zalo',
  'postmart',
  'voso',
  'haravan',
  'sapo',
  'chat',
]);

const COD_SHARE: Readonly<Record<Channel, number>> = {
  portal: 0.8,
  tiktok: 0.7,
  shopee: 0.65,
  lazada: 0.65,
  messenger: 0.97,
  zalo: 0.97,
  postmart: 0.9,
  voso: 0.85,
  haravan: 0.8,
  sapo: 0.8,
  chat: 1,
};

const REDELIVERY_WEIGHT: Readonly<Record<Channel, number>> = {
  portal: 0.7,
  tiktok: 1.3,
  shopee: 1.3,
  lazada: 1,
  messenger: 1,
  zalo: 1.7,
  postmart: 0.3,
  voso: 0.3,
  haravan: 1,
  sapo: 1,
  chat: 0.3,
};

/** Seconds between the buyer placing the order and the provider delivering it: [min, max]. */
const DELIVERY_DELAY_MS: Readonly<Partial<Record<Channel, readonly [number, number]>>> = {
  tiktok: [500, 3000],
  shopee: [1000, 8000],
  lazada: [1000, 5000],
  portal: [200, 2000],
  haravan: [300, 2500],
  sapo: [300, 2500],
  messenger: [100, 1000],
  zalo: [100, 1000],
  chat: [100, 1000],
};

const EXPORT_MIX: ReadonlyArray<readonly [ExportMarket, number]> = [
  ['CN', 60],
  ['EU', 10],
  ['JP', 10],
  ['US', 8],
  ['AU', 7],
  ['TH', 5],
];

const US_STATES: ReadonlyArray<readonly [string, number]> = [
  ['CA', 30],
  ['TX', 12],
  ['NY', 10],
  ['WA', 8],
  ['NJ', 5],
  ['IL', 5],
  ['GA', 5],
  ['VA', 5],
  ['MA', 5],
  ['PA', 5],
  ['OR', 3],
  ['MN', 3],
];

const EXPORT_NOTES: Readonly<Record<ExportMarket, string>> = {
  CN: 'Lô xuất Trung Quốc qua cửa khẩu Hữu Nghị: cần mã số vùng trồng và mã cơ sở đóng gói',
  JP: 'Lô xuất Nhật Bản: xông hơi methyl bromide tại cơ sở được phê duyệt',
  US: 'Lô xuất Hoa Kỳ: chiếu xạ 400 Gy',
  AU: 'Lô xuất Úc: chiếu xạ',
  EU: 'Lô xuất EU: kiểm dư lượng thuốc BVTV, nhà nhập khẩu khai CHED-PP',
  TH: 'Lô xuất Thái Lan',
};

const NOTES: readonly string[] = [
  'Giao giờ hành chính',
  'Gọi trước khi giao',
  'Hàng dễ dập, nhẹ tay giúp em',
  'Biếu ông bà, không gửi kèm hóa đơn',
  'Giao trước 17h',
  'Để ở phòng bảo vệ nếu không có nhà',
  'Shop chọn quả to giúp mình',
  'Giao cuối tuần',
];

/** How a buyer names each product in a chat message ("2 thùng vải 10kg"). */
const CHAT_ITEM_NAMES: Readonly<Record<string, string>> = {
  [SKU.lychee2]: 'thùng vải 2kg',
  [SKU.lychee3]: 'thùng vải 3kg',
  [SKU.lychee5]: 'thùng vải 5kg',
  [SKU.lychee10]: 'thùng vải 10kg',
  [SKU.driedLychee]: 'gói vải sấy',
  [SKU.chuNoodles]: 'gói mì Chũ',
  [SKU.honey]: 'chai mật ong vải',
  [SKU.yenTheChicken]: 'con gà đồi Yên Thế',
};

/** Share of free-text chat orders that leave something to guess (no box size, "vài", "như hôm qua"). */
const VAGUE_CHAT_SHARE = 0.25;
/** Added after the readable items, so the order still has lines, but not certain ones. */
const VAGUE_CHAT_ADDITIONS: readonly string[] = [
  'và 1 thùng vải như hôm qua,',
  'thêm vài gói vải sấy nữa,',
  'và 2 thùng vải nữa,',
  'với mấy thùng vải 3kg như hôm qua,',
];

/** Prices as each kind of seller writes them. */
type Rounding = 'x9k' | '5k' | '10k' | '1k';
const PRICE_STYLE: Readonly<Record<Channel, { range: readonly [number, number]; rounding: Rounding }>> = {
  tiktok: { range: [0.88, 1.02], rounding: 'x9k' },
  shopee: { range: [0.9, 1.05], rounding: 'x9k' },
  lazada: { range: [0.92, 1.06], rounding: 'x9k' },
  portal: { range: [0.95, 1.1], rounding: '5k' },
  haravan: { range: [0.95, 1.1], rounding: '5k' },
  sapo: { range: [0.95, 1.1], rounding: '5k' },
  messenger: { range: [0.95, 1.1], rounding: '10k' },
  zalo: { range: [0.95, 1.1], rounding: '10k' },
  chat: { range: [0.95, 1.1], rounding: '10k' },
  postmart: { range: [0.93, 1.08], rounding: '1k' },
  voso: { range: [0.93, 1.08], rounding: '1k' },
};

function roundPrice(vnd: number, rounding: Rounding): number {
  switch (rounding) {
    case 'x9k':
      return Math.max(9_000, Math.ceil(vnd / 10_000) * 10_000 - 1_000); // 89.000, 129.000
    case '5k':
      return Math.round(vnd / 5_000) * 5_000;
    case '10k':
      return Math.round(vnd / 10_000) * 10_000;
    case '1k':
      return Math.round(vnd / 1_000) * 1_000;
  }
}

/** `1250000` → `1.250.000` (or with `,`). */
function group(vnd: number, sep: '.' | ','): string {
  return String(vnd).replace(/\B(?=(\d{3})+(?!\d))/g, sep);
}

/** An amount as people type it: `150.000đ`, `150k`, `1.250.000 ₫`, `150,000 VND`. */
export function writtenAmount(rng: Rng, vnd: number): string {
  const forms = [
    `${group(vnd, '.')}đ`,
    `${group(vnd, '.')} ₫`,
    `${group(vnd, ',')} VND`,
    `${group(vnd, '.')} VNĐ`,
  ];
  if (vnd % 1000 === 0 && vnd > 0) forms.push(`${vnd / 1000}k`, `${vnd / 1000}k`);
  return rng.pick(forms);
}

/** YYMMDD of an instant, Vietnam time. */
const yymmddCache = new Map<number, string>();
function yymmdd(ms: number): string {
  const day = Math.floor((ms + 7 * 3_600_000) / DAY_MS);
  let s = yymmddCache.get(day);
  if (s === undefined) {
    s = new Date(day * DAY_MS).toISOString().slice(2, 10).replaceAll('-', '');
    yymmddCache.set(day, s);
  }
  return s;
}

/** ISO 8601 with +07:00. */
function vietnamIso(ms: number): string {
  return `${new Date(ms + 7 * 3_600_000).toISOString().slice(0, 19)}+07:00`;
}

/** Per-minute base intensity over the day, linearly interpolated between hour midpoints. */
function baseIntensity(): number[] {
  const out: number[] = [];
  for (let m = 0; m < 1440; m++) {
    const h = (m - 30) / 60;
    const i = Math.floor(h);
    const f = h - i;
    const a = HOURLY[(i + 24) % 24] ?? 1;
    const b = HOURLY[(i + 25) % 24] ?? 1;
    out.push(a + (b - a) * f);
  }
  return out;
}

/** Shape of a livestream sale over its minutes: steep ramp, plateau, decay. Mean ≈ 1. */
function flashShape(minutes: number): number[] {
  const raw: number[] = [];
  const ramp = Math.max(1, Math.round(minutes * 0.1));
  const plateau = Math.max(ramp + 1, Math.round(minutes * 0.4));
  for (let m = 0; m < minutes; m++) {
    raw.push(m < ramp ? (m + 0.5) / ramp : m < plateau ? 1 : Math.exp(-(m - plateau) / (minutes * 0.3)));
  }
  const mean = raw.reduce((a, b) => a + b, 0) / raw.length;
  return raw.map((x) => x / mean);
}

/** Samples minute indexes proportionally to `weights` (inverse CDF, binary search). */
function sampler(weights: readonly number[]): (rng: Rng) => number {
  const cdf: number[] = [];
  let total = 0;
  for (const w of weights) {
    total += w;
    cdf.push(total);
  }
  return (rng) => {
    const r = rng.next() * total;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] ?? 0) > r) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

interface Draft {
  seq: number;
  placedMs: number; // offset from start
  channel: Channel;
  flashSale: boolean;
  exportMarket?: ExportMarket;
}

class IdFactory {
  private readonly used = new Map<Channel, Set<string>>();
  constructor(private readonly rng: Rng) {}

  next(channel: Channel, placedAbsMs: number, exporter?: DemoExporter): string {
    const set = this.used.get(channel) ?? new Set<string>();
    this.used.set(channel, set);
    for (;;) {
      const id = this.make(channel, placedAbsMs, exporter);
      if (!set.has(id)) {
        set.add(id);
        return id;
      }
    }
  }

  private make(channel: Channel, ms: number, exporter?: DemoExporter): string {
    const rng = this.rng;
    const day = yymmdd(ms);
    const hex = '0123456789abcdef';
    const digits = '0123456789';
    if (exporter) {
      const short = exporter.exporterId.replace(/^exp-/, '').toUpperCase();
      return `PO-${short}-${day}-${rng.chars(4, digits)}`;
    }
    switch (channel) {
      case 'tiktok': // 18-19 digits, far beyond 2^53
        return `57${rng.chars(rng.chance(0.7) ? 16 : 17, digits)}`;
      case 'shopee': // ordersn: YYMMDD + 8 upper-case alphanumerics
        return `${day}${rng.chars(8, '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ')}`;
      case 'lazada': // ~1.25e15
        return `${rng.pick(['12', '13'])}${rng.chars(14, digits)}`;
      case 'portal':
        return `GHV-${day}-${rng.chars(6, digits)}`;
      case 'haravan':
        return `1${rng.chars(9, digits)}`;
      case 'sapo':
        return `${rng.int(3, 9)}${rng.chars(8, digits)}`;
      case 'messenger': // the order-form postback's message id
        return `m_${rng.chars(40, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_')}`;
      case 'zalo': // msg_id
        return rng.chars(32, hex);
      case 'postmart':
        return `PM${day}${rng.chars(7, digits)}`;
      case 'voso':
        return `VS${day}${rng.chars(7, digits)}`;
      case 'chat':
        return `chat-${rng.chars(24, hex)}`;
    }
  }
}

/** `placedAt` in the form each provider sends it. */
function placedAtFor(channel: Channel, abs: number): string | number {
  switch (channel) {
    case 'tiktok':
    case 'shopee':
      return Math.floor(abs / 1000); // unix seconds
    case 'lazada': {
      const iso = new Date(abs + 7 * 3_600_000).toISOString();
      return `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0700`;
    }
    case 'messenger':
    case 'chat':
      return abs; // epoch ms
    case 'zalo':
      return String(abs); // epoch ms, as a string
    case 'postmart':
    case 'voso': {
      const iso = new Date(abs + 7 * 3_600_000).toISOString();
      return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)} ${iso.slice(11, 16)}`;
    }
    default:
      return vietnamIso(abs);
  }
}

/** Spreadsheet uploads: Postmart at :15, Voso at :45, hourly 08-22, plus one at the end of the day. */
function uploadTimes(channel: Channel): number[] {
  const minute = channel === 'postmart' ? 15 : 45;
  const out: number[] = [];
  for (let h = 8; h <= 22; h++) out.push((h * 60 + minute) * 60_000);
  out.push(DAY_MS);
  return out;
}

/** Generates the harvest-day scenario. */
export function generateScenario(options: ScenarioOptions): Scenario {
  const seed = String(options.seed);
  const total = options.orders ?? 5000;
  const harvestDay = options.harvestDay ?? '2026-06-18';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(harvestDay))
    throw new RangeError(`harvestDay must be YYYY-MM-DD: ${harvestDay}`);
  const startMs = Date.parse(`${harvestDay}T00:00:00+07:00`);
  const messyShare = options.messyShare ?? 0.15;
  const badShare = options.badShare ?? 0.005;
  const exportShare = options.exportShare ?? 0.025;
  const redeliveryShare = options.redeliveryShare ?? 0.03;
  const flash: FlashSale | undefined =
    options.flashSale === false ? undefined : { ...DEFAULT_FLASH_SALE, ...options.flashSale };

  const root = createRng(seed);
  const cooperatives = generateCooperatives(root.fork('cooperatives'), options.cooperatives ?? 200);
  const growingAreaCodes = generateGrowingAreaCodes(
    root.fork('growing-areas'),
    cooperatives,
    lycheeSeason(Number(harvestDay.slice(0, 4))),
  );
  const exporters = generateExporters(root.fork('exporters'));

  // 1. When, and through which channel.
  const timeline = root.fork('timeline');
  const base = baseIntensity();
  const baseMean = base.reduce((a, b) => a + b, 0) / base.length;
  const nExport = Math.round(total * exportShare);
  let nFlash = 0;
  if (flash) {
    const end = Math.min(1440, flash.startMinute + flash.minutes);
    const window = base.slice(flash.startMinute, end);
    const windowMean = window.reduce((a, b) => a + b, 0) / Math.max(1, window.length);
    // Extra volume so the window averages `multiplier` × the day's average rate.
    const extra = Math.max(0, flash.multiplier * baseMean - windowMean) * window.length;
    nFlash = Math.round(((total - nExport) * extra) / (baseMean * 1440 + extra));
  }
  const nBase = total - nExport - nFlash;
  const drawBaseMinute = sampler(base);
  const flashWeights = flash ? flashShape(Math.min(flash.minutes, 1440 - flash.startMinute)) : [];
  const drawFlashMinute = sampler(flashWeights);
  const drawExportMinute = sampler(base.map((w, m) => (m >= 450 && m < 1050 ? w : 0))); // 07:30-17:30

  const channelMix = new WeightedTable<Channel>(
    CHANNEL_WEIGHTS.filter(([c]) => !options.channels || options.channels.includes(c)),
  );
  const drafts: Draft[] = [];
  const at = (minute: number) => minute * 60_000 + timeline.int(0, 59_999);
  for (let i = 0; i < nBase; i++) {
    drafts.push({
      seq: 0,
      placedMs: at(drawBaseMinute(timeline)),
      channel: timeline.draw(channelMix),
      flashSale: false,
    });
  }
  for (let i = 0; i < nFlash && flash; i++) {
    drafts.push({
      seq: 0,
      placedMs: at(flash.startMinute + drawFlashMinute(timeline)),
      channel: flash.channel,
      flashSale: true,
    });
  }
  for (let i = 0; i < nExport; i++) {
    drafts.push({
      seq: 0,
      placedMs: at(drawExportMinute(timeline)),
      channel: 'portal',
      flashSale: false,
      exportMarket: timeline.weighted(EXPORT_MIX),
    });
  }
  drafts.sort((a, b) => a.placedMs - b.placedMs);
  drafts.forEach((d, i) => {
    d.seq = i;
  });

  // Messy share per channel, scaled so the day as a whole meets `messyShare` (exports are clean).
  let messWeight = 0;
  for (const d of drafts) if (!d.exportMarket) messWeight += MESS_FACTOR[d.channel];
  const messScale = messWeight > 0 ? (messyShare * total) / messWeight : 0;
  const domestic = total - nExport;
  const badP = domestic > 0 ? Math.min(1, (badShare * total) / domestic) : 0;
  let redeliveryWeight = 0;
  for (const d of drafts) redeliveryWeight += REDELIVERY_WEIGHT[d.channel];
  const redeliveryScale = redeliveryWeight > 0 ? (redeliveryShare * total) / redeliveryWeight : 0;

  // 2. Prices: each channel has three sellers with their own price list; the livestream has its own.
  const pricing = root.fork('prices');
  const priceList = new Map<string, number>();
  for (const [channel, style] of Object.entries(PRICE_STYLE) as Array<
    [Channel, (typeof PRICE_STYLE)[Channel]]
  >) {
    for (let shop = 0; shop < 3; shop++) {
      for (const p of PRODUCTS) {
        const [lo, hi] = style.range;
        priceList.set(
          `${channel}|${shop}|${p.sku}`,
          roundPrice(p.listPriceVnd * pricing.float(lo, hi), style.rounding),
        );
      }
    }
  }
  for (const p of PRODUCTS) {
    priceList.set(`flash|${p.sku}`, roundPrice(p.listPriceVnd * pricing.float(0.75, 0.85), 'x9k'));
    priceList.set(`b2b|${p.sku}`, roundPrice(p.listPriceVnd * 0.85, '5k'));
  }

  // 3. The orders themselves.
  const rng = root.fork('orders');
  // Its own stream, so drawing vague chats leaves every other order of the day as it was.
  const vagueRng = root.fork('vague-chats');
  const ids = new IdFactory(root.fork('ids'));
  const uploads = new Map<Channel, number[]>([
    ['postmart', uploadTimes('postmart')],
    ['voso', uploadTimes('voso')],
  ]);
  const usOrders: ScenarioOrder[] = [];
  const out: Array<{ item: ScenarioOrder; seq: number; placedMs: number }> = [];

  for (const d of drafts) {
    const abs = startMs + d.placedMs;
    const exporter = d.exportMarket ? pickExporter(rng, exporters, d.exportMarket) : undefined;
    let quality: OrderQuality = 'clean';
    let mess: MessKind[] = [];
    let buyerPart: ReturnType<typeof generateBuyer> | undefined;
    let uncertainParse = false;

    let order: RawOrder;
    if (d.exportMarket && exporter) {
      const market = d.exportMarket;
      const quantity = 5 * (market === 'CN' ? rng.int(8, 30) : rng.int(2, 12));
      const state = market === 'US' ? rng.weighted(US_STATES) : undefined;
      order = {
        channel: 'portal',
        externalId: ids.next('portal', abs, exporter),
        placedAt: placedAtFor('portal', abs),
        buyer: { name: exporter.name, phone: exporter.phone, address: exporterAddress(exporter) },
        lines: [{ sku: SKU.lychee10, quantity, unitPrice: 5_000 * rng.int(60, 76) }],
        shippingFee: 0,
        paymentMethod: 'prepaid',
        note: EXPORT_NOTES[market],
        export: { market, exporterId: exporter.exporterId, ...(state ? { destinationState: state } : {}) },
      };
      buyerPart = undefined;
    } else {
      const q = drawQuality(rng, Math.min(0.95, messScale * MESS_FACTOR[d.channel]), badP);
      quality = q;
      if (q === 'messy') mess = pickMessKinds(rng, MONEY_AS_TEXT.has(d.channel));
      const buyerMess = mess.filter((k) => k !== 'money');
      buyerPart = generateBuyer(rng, {
        addressStyle: d.channel === 'messenger' || d.channel === 'chat' ? 'text' : 'parts',
        quality: q === 'bad' ? 'bad' : buyerMess.length > 0 ? 'messy' : 'clean',
        ...(buyerMess.length > 0 ? { mess: buyerMess } : {}),
      });
      if (q === 'messy') mess = [...buyerPart.mess, ...(mess.includes('money') ? (['money'] as const) : [])];

      const b2b = d.channel === 'portal' && rng.chance(0.05);
      const shop = rng.int(0, 2);
      const moneyText = mess.includes('money');
      const spreadsheet = d.channel === 'postmart' || d.channel === 'voso';
      const lines: RawOrderLine[] = drawLines(rng, { b2b }).map((l) => {
        const price =
          priceList.get(
            b2b ? `b2b|${l.sku}` : d.flashSale ? `flash|${l.sku}` : `${d.channel}|${shop}|${l.sku}`,
          ) ??
          findProduct(l.sku)?.listPriceVnd ??
          0;
        return {
          sku: l.sku,
          quantity: spreadsheet ? String(l.quantity) : l.quantity,
          unitPrice: moneyText ? writtenAmount(rng, price) : spreadsheet ? String(price) : price,
        };
      });
      const fee = shippingFee(rng, d.channel, d.flashSale, lines);
      order = {
        channel: d.channel,
        externalId: ids.next(d.channel, abs),
        placedAt: placedAtFor(d.channel, abs),
        buyer: buyerPart.buyer,
        lines,
        ...(fee === undefined
          ? {}
          : { shippingFee: moneyText ? writtenAmount(rng, fee) : spreadsheet ? String(fee) : fee }),
        paymentMethod: rng.chance(COD_SHARE[d.channel]) ? 'cod' : 'prepaid',
      };
      if (d.channel === 'chat') {
        const addr = typeof order.buyer.address === 'string' ? order.buyer.address : '';
        const items = lines.map((l) => `${l.quantity} ${CHAT_ITEM_NAMES[l.sku] ?? l.sku}`).join(' và ');
        order.note = `Cho mình ${items} giao ${addr}, sđt ${order.buyer.phone}`;
        // Some buyers leave part of the order to guesswork: the parser must send those to review.
        if (vagueRng.chance(VAGUE_CHAT_SHARE)) {
          const vague = vagueRng.pick(VAGUE_CHAT_ADDITIONS);
          order.note = `Cho mình ${items} ${vague} giao ${addr}, sđt ${order.buyer.phone}`;
          uncertainParse = true;
        }
      } else if (rng.chance(0.12)) {
        order.note = rng.pick(NOTES);
      }
    }

    // Delivery: webhooks shortly after placing; spreadsheets at the next upload.
    let deliveredAt: number;
    let importBatch: string | undefined;
    const schedule = uploads.get(order.channel);
    if (schedule) {
      deliveredAt = schedule.find((t) => t >= d.placedMs) ?? DAY_MS;
      const hhmm = new Date(deliveredAt).toISOString().slice(11, 16).replace(':', '');
      importBatch = `${order.channel}-${harvestDay.replaceAll('-', '')}-${deliveredAt >= DAY_MS ? '2400' : hhmm}`;
    } else {
      const [lo, hi] = DELIVERY_DELAY_MS[order.channel] ?? [200, 2000];
      deliveredAt = d.placedMs + rng.int(lo, hi);
    }
    const redeliveries = rng.chance(redeliveryScale * REDELIVERY_WEIGHT[order.channel])
      ? rng.chance(0.75)
        ? 1
        : 2
      : 0;

    const expected: ScenarioOrder['expected'] = buyerPart
      ? {
          quality: quality === 'messy' && mess.length === 0 ? 'clean' : quality,
          mess,
          bad: buyerPart.bad,
          ...buyerPart.expected,
          ...(uncertainParse ? { uncertainParse: true } : {}),
        }
      : {
          quality: 'clean',
          mess: [],
          bad: [],
          provinceCode: exporter?.site.provinceCode ?? '',
          ...(exporter
            ? { wardCode: exporter.site.wardCode, phoneE164: `+84${exporter.phone.slice(1)}` }
            : {}),
        };
    const item: ScenarioOrder = {
      at: deliveredAt,
      order,
      redeliveries,
      ...(importBatch ? { importBatch } : {}),
      ...(d.flashSale ? { flashSale: true } : {}),
      expected,
    };
    if (order.export?.market === 'US') usOrders.push(item);
    out.push({ item, seq: d.seq, placedMs: d.placedMs });
  }

  // A couple of US orders bound for Florida and Hawaii, which US rules close to Vietnamese lychee.
  if (usOrders.length >= 3) {
    const forbidden = rng.sample(usOrders, 2);
    forbidden.forEach((o, i) => {
      if (o.order.export) o.order.export.destinationState = i === 0 ? 'FL' : 'HI';
    });
  }

  out.sort((a, b) => a.item.at - b.item.at || a.placedMs - b.placedMs || a.seq - b.seq);
  const orders = out.map((o) => o.item);

  // 4. Stock, relative to what this day actually asks for.
  const rawOrders = orders.map((o) => o.order);
  const exportDemand: Partial<Record<ExportMarket, number>> = {};
  for (const o of rawOrders) {
    if (!o.export) continue;
    for (const line of o.lines) {
      exportDemand[o.export.market] = (exportDemand[o.export.market] ?? 0) + Number(line.quantity);
    }
  }
  const stockBatches = generateStockBatches(root.fork('stock'), cooperatives, growingAreaCodes, harvestDay, {
    demandUnits: demandOf(rawOrders),
    exportDemandUnits: exportDemand,
    ...(options.supplyRatio === undefined ? {} : { supplyRatio: options.supplyRatio }),
    ...(options.skuSupply === undefined ? {} : { skuSupply: options.skuSupply }),
  });

  return {
    seed,
    harvestDay,
    startsAt: `${harvestDay}T00:00:00+07:00`,
    cooperatives,
    growingAreaCodes,
    stockBatches,
    exporters,
    orders,
  };
}

function pickExporter(
  rng: Rng,
  exporters: readonly DemoExporter[],
  market: ExportMarket,
): DemoExporter | undefined {
  const serving = exporters.filter((e) => e.markets.includes(market));
  return serving.length > 0 ? rng.pick(serving) : exporters[0];
}

/** What the buyer pays for delivery, or undefined where the channel does not say. */
function shippingFee(rng: Rng, channel: Channel, flashSale: boolean, lines: readonly RawOrderLine[]) {
  const boxes = lines.reduce((a, l) => a + Number(l.quantity), 0);
  switch (channel) {
    case 'tiktok':
    case 'shopee':
    case 'lazada':
      if (rng.chance(flashSale ? 0.8 : 0.4)) return 0; // freeship voucher
      return 1_000 * rng.int(15, 35);
    case 'portal':
    case 'haravan':
    case 'sapo':
      return rng.chance(0.3) ? 0 : 5_000 * rng.int(4, 9);
    case 'messenger':
    case 'zalo':
    case 'chat':
      if (rng.chance(0.3)) return undefined;
      return boxes >= 3 ? 0 : 30_000;
    case 'postmart':
    case 'voso':
      return 1_000 * rng.int(25, 40);
  }
}

/** Counts that describe a scenario (for logs, reports and tests). */
export function scenarioStats(scenario: Scenario) {
  const byChannel: Partial<Record<Channel, number>> = {};
  const byQuality: Record<OrderQuality, number> = { clean: 0, messy: 0, bad: 0 };
  const byMarket: Partial<Record<ExportMarket, number>> = {};
  let redelivered = 0;
  let flashSale = 0;
  for (const o of scenario.orders) {
    byChannel[o.order.channel] = (byChannel[o.order.channel] ?? 0) + 1;
    byQuality[o.expected.quality] += 1;
    if (o.order.export) byMarket[o.order.export.market] = (byMarket[o.order.export.market] ?? 0) + 1;
    if (o.redeliveries > 0) redelivered += 1;
    if (o.flashSale) flashSale += 1;
  }
  const codesByMarket: Partial<Record<ExportMarket, number>> = {};
  for (const c of scenario.growingAreaCodes) codesByMarket[c.market] = (codesByMarket[c.market] ?? 0) + 1;
  return {
    orders: scenario.orders.length,
    byChannel,
    byQuality,
    exportsByMarket: byMarket,
    redelivered,
    flashSale,
    cooperatives: scenario.cooperatives.length,
    growingAreaCodesByMarket: codesByMarket,
    stockBatches: scenario.stockBatches.length,
    stockUnits: scenario.stockBatches.reduce((a, b) => a + b.quantity, 0),
  };
}
