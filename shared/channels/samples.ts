/**
 * The sample requests kept in events/channels/ (one signed request per adapter, plus the Messenger
 * handshake): built from a few realistic orders with the encoders and the sandbox secrets, at a
 * fixed instant, so regenerating them gives the same bytes. `write-samples.ts` writes them; the
 * tests read them as fixtures and check they are still what the encoders produce.
 */
import type { EncodableOrder, Encoded, EncodedRequest, MarketplaceRecord } from './encoders.js';
import {
  encodeHaravan,
  encodeLazada,
  encodeMessenger,
  encodePortal,
  encodeShopee,
  encodeSpreadsheet,
  encodeTiktok,
  encodeSapo,
  encodeZalo,
  messengerHandshakeRequest,
} from './encoders.js';
import type { ChannelSecrets } from './types.js';

/** 2026-06-15 09:30 in Bắc Ninh: main-crop harvest. Tests run the adapters' clock at this instant. */
export const SAMPLE_NOW = new Date('2026-06-15T02:30:00Z');

/**
 * A sample as stored in events/channels/<name>.json: the body is the exact UTF-8 text sent, or,
 * for a binary body (an XLSX upload), its bytes in base64 with `bodyEncoding: 'base64'`.
 */
export interface ChannelSample {
  description: string;
  method: EncodedRequest['method'];
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  bodyEncoding?: 'base64';
  externalIds: string[];
  /** TikTok/Shopee/Lazada: the order detail the marketplace sandbox must hold. */
  marketplaceRecord?: MarketplaceRecord;
}

export const SAMPLE_ORDERS = {
  portal: {
    channel: 'portal',
    externalId: 'GHV-2026-000123',
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
  tiktok: {
    externalId: '576486316948490001',
    placedAt: '2026-06-15T09:05:41+07:00',
    buyer: {
      name: 'Trần Văn Nam',
      phone: '(+84) 987 654 321',
      address: { street: '45 Lê Lợi', ward: 'Phường Bắc Giang', province: 'Tỉnh Bắc Ninh' },
    },
    lines: [{ sku: 'LYCHEE-LN-3KG', quantity: 3, unitPrice: 130_000 }],
    shippingFee: 25_000,
    paymentMethod: 'prepaid',
  },
  shopee: {
    externalId: '2606150K7Q3M2D',
    placedAt: '2026-06-15T08:47:03+07:00',
    buyer: {
      name: 'Lê Thu Trang',
      phone: '84903123456',
      address: {
        street: '88 Trần Phú',
        ward: 'Phường Văn Quán',
        district: 'Quận Hà Đông',
        province: 'Hà Nội',
      },
    },
    lines: [
      { sku: 'LYCHEE-LN-10KG', quantity: 1, unitPrice: 380_000 },
      { sku: 'LYCHEE-DRIED-500G', quantity: 2, unitPrice: 120_000 },
    ],
    shippingFee: 32_000,
    paymentMethod: 'cod',
    note: 'Gọi trước khi giao',
  },
  messenger: {
    externalId: 'FB-FORM-8812',
    buyer: {
      name: 'Phạm Minh Châu',
      phone: '0988 111 222',
      address: '25/3 Nguyễn Văn Cừ, Phường Bồ Đề, Hà Nội',
    },
    lines: [{ sku: 'LYCHEE-LN-2KG', quantity: 2, unitPrice: 90_000 }],
    note: 'Cho mình 2 thùng vải thiều Lục Ngạn',
  },
  zalo: {
    externalId: 'zalo-form-0001',
    buyer: {
      name: 'Hoàng Văn Tú',
      phone: '84912000111',
      address: {
        street: 'Thôn Phì Điền',
        ward: 'Xã Phì Điền',
        district: 'Huyện Lục Ngạn',
        province: 'Tỉnh Bắc Giang',
      },
    },
    lines: [
      { sku: 'LYCHEE-LN-5KG', quantity: 1, unitPrice: 200_000 },
      { sku: 'OCOP-GA-YEN-THE', quantity: 1, unitPrice: 260_000 },
    ],
    note: 'Giao trước 10h',
  },
  postmart: [
    {
      externalId: 'PM2606150001',
      placedAt: '2026-06-15T08:10:00+07:00',
      buyer: {
        name: 'Nguyễn Thị Hoa',
        phone: '0912345678',
        address: { street: '12 Nguyễn Trãi', ward: 'Phường Thanh Xuân', province: 'Thành phố Hà Nội' },
      },
      lines: [
        { sku: 'LYCHEE-LN-5KG', quantity: 2, unitPrice: '200.000' },
        { sku: 'OCOP-MAT-ONG-500ML', quantity: 1, unitPrice: '150.000' },
      ],
      shippingFee: '30.000',
      paymentMethod: 'cod',
      note: 'Giao giờ hành chính, "gọi trước"',
    },
    {
      externalId: 'PM2606150002',
      placedAt: '2026-06-15T08:31:00+07:00',
      buyer: {
        name: 'Đỗ Quang Huy',
        phone: '0977 000 333',
        address: {
          street: 'Số 7, ngõ 15 Lý Thường Kiệt',
          ward: 'Phường Kinh Bắc',
          province: 'Tỉnh Bắc Ninh',
        },
      },
      lines: [{ sku: 'OCOP-MIEN-CHU-1KG', quantity: 5, unitPrice: '65.000' }],
      shippingFee: '20.000',
      paymentMethod: 'prepaid',
    },
  ],
  /** The XLSX sample: its own orders (the CSV sample's are already stored when both are sent). */
  postmartXlsx: [
    {
      externalId: 'PM2606150101',
      placedAt: '2026-06-15T08:45:00+07:00',
      buyer: {
        name: 'Trần Minh Khôi',
        phone: '0968123456',
        address: { street: '25 Phố Huế', ward: 'Phường Hai Bà Trưng', province: 'Thành phố Hà Nội' },
      },
      lines: [
        { sku: 'LYCHEE-LN-5KG', quantity: 3, unitPrice: 200_000 },
        { sku: 'LYCHEE-LN-3KG', quantity: 1, unitPrice: 135_000 },
      ],
      shippingFee: 30_000,
      paymentMethod: 'cod',
      note: 'Giao sau 17h',
    },
    {
      externalId: 'PM2606150102',
      placedAt: '2026-06-15T09:02:00+07:00',
      buyer: {
        name: 'Phạm Thu Trang',
        phone: '+84 983 111 222',
        address: { street: 'Số 3 Ngô Gia Tự', ward: 'Phường Kinh Bắc', province: 'Tỉnh Bắc Ninh' },
      },
      lines: [{ sku: 'LYCHEE-LN-10KG', quantity: 1, unitPrice: '395.000' }],
      paymentMethod: 'prepaid',
    },
  ],
  voso: [
    {
      externalId: 'VS-88213407',
      placedAt: '2026-06-15T07:55:00+07:00',
      buyer: {
        name: 'Vũ Thị Lan',
        phone: '0345 678 901',
        address: { street: '102 Hoàng Quốc Việt', ward: 'Phường Nghĩa Đô', province: 'Hà Nội' },
      },
      lines: [{ sku: 'LYCHEE-LN-3KG', quantity: 4, unitPrice: '130000' }],
      shippingFee: '35000',
      paymentMethod: 'cod',
    },
  ],
  lazada: {
    externalId: '1254870312654321',
    placedAt: '2026-06-15 08:58:12 +0700',
    buyer: {
      name: 'Đặng Thị Mai',
      phone: '0903 456 789',
      address: {
        street: '15 Ngõ 68 Cầu Giấy',
        ward: 'Phường Quan Hoa',
        district: 'Quận Cầu Giấy',
        province: 'Hà Nội',
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
  haravan: {
    externalId: '1004283715',
    placedAt: '2026-06-15T09:02:30+07:00',
    buyer: {
      name: 'Bùi Đức Anh',
      phone: '+84 936 222 444',
      address: { street: '7 Trần Hưng Đạo', ward: 'Phường Hồng Bàng', province: 'Thành phố Hải Phòng' },
    },
    lines: [{ sku: 'LYCHEE-LN-10KG', quantity: 1, unitPrice: 395_000 }],
    shippingFee: 35_000,
    paymentMethod: 'prepaid',
  },
  sapo: {
    externalId: '61849302',
    placedAt: '2026-06-15T09:15:00+07:00',
    buyer: {
      name: 'Ngô Thanh Hương',
      phone: '0985 321 654',
      address: {
        street: 'Số 20 Lý Thái Tổ',
        ward: 'Phường Võ Cường',
        district: 'Thành phố Bắc Ninh',
        province: 'Tỉnh Bắc Ninh',
      },
    },
    lines: [
      { sku: 'LYCHEE-LN-3KG', quantity: 2, unitPrice: 135_000 },
      { sku: 'OCOP-MIEN-CHU-1KG', quantity: 2, unitPrice: 65_000 },
    ],
    shippingFee: 25_000,
    paymentMethod: 'cod',
    note: 'Gọi trước 30 phút',
  },
} satisfies Record<string, EncodableOrder | EncodableOrder[]>;

function sample(description: string, encoded: Encoded): ChannelSample {
  const { request } = encoded;
  const out: ChannelSample = {
    description,
    method: request.method,
    path: request.path,
    query: request.query,
    headers: request.headers,
    body: request.body.toString('utf8'),
    externalIds: encoded.externalIds,
  };
  const text = request.body.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(request.body)) {
    out.body = request.body.toString('base64');
    out.bodyEncoding = 'base64';
  }
  if (encoded.record !== undefined) out.marketplaceRecord = encoded.record;
  return out;
}

/** Every sample, by file name (without `.json`). */
export function buildChannelSamples(secrets: ChannelSecrets): Record<string, ChannelSample> {
  const now = SAMPLE_NOW;
  return {
    portal: sample(
      'Portal order API: an exporter’s order for Japan, signed with x-api-key-id/x-timestamp/x-signature',
      encodePortal(SAMPLE_ORDERS.portal, secrets, now),
    ),
    tiktok: sample(
      'TikTok Shop ORDER_STATUS_CHANGE to AWAITING_SHIPMENT; marketplaceRecord is the Get Order Detail order',
      encodeTiktok(SAMPLE_ORDERS.tiktok, secrets, now),
    ),
    shopee: sample(
      'Shopee order status push (code 3) READY_TO_SHIP; marketplaceRecord is the get_order_detail order',
      encodeShopee(SAMPLE_ORDERS.shopee, secrets, now),
    ),
    messenger: sample(
      'Messenger page webhook with one order-form postback, in Meta’s wire format (\\uXXXX, \\/)',
      encodeMessenger(SAMPLE_ORDERS.messenger, secrets, now),
    ),
    'messenger-handshake': sample('Messenger subscription handshake: answer hub.challenge as text/plain', {
      request: messengerHandshakeRequest(secrets.messengerVerifyToken, '1158201444'),
      externalIds: [],
    }),
    zalo: sample(
      'Zalo OA user_submit_info from our order form (info.order lists the items), old three-level address',
      encodeZalo(SAMPLE_ORDERS.zalo, secrets, now),
    ),
    'spreadsheet-postmart': sample(
      'Postmart CSV export upload: two orders, the first with two lines',
      encodeSpreadsheet(SAMPLE_ORDERS.postmart, 'postmart', secrets, now),
    ),
    'spreadsheet-voso': sample(
      'Voso CSV export upload (its own header set)',
      encodeSpreadsheet(SAMPLE_ORDERS.voso, 'voso', secrets, now),
    ),
    'spreadsheet-postmart-xlsx': sample(
      'Postmart XLSX export upload (body base64): a title row above the header, date cells, phones typed as numbers (leading 0 lost)',
      encodeSpreadsheet(SAMPLE_ORDERS.postmartXlsx, 'postmart', secrets, now, undefined, 'xlsx'),
    ),
    lazada: sample(
      'Lazada trade-order push (message_type 0, pending); marketplaceRecord is GetOrder + GetOrderItems',
      encodeLazada(SAMPLE_ORDERS.lazada, secrets, now),
    ),
    haravan: sample(
      'Haravan orders/create webhook (Shopify-like), signed with X-Haravan-Hmacsha256 (base64)',
      encodeHaravan(SAMPLE_ORDERS.haravan, secrets, now),
    ),
    sapo: sample(
      'Sapo orders/create webhook (Shopify-like), signed with X-Sapo-Hmac-Sha256 (base64)',
      encodeSapo(SAMPLE_ORDERS.sapo, secrets, now),
    ),
  };
}

/** A stored sample as the encoded request it came from (body bytes = the UTF-8 text). */
export function sampleRequest(sample: ChannelSample): EncodedRequest {
  return {
    method: sample.method,
    path: sample.path,
    query: sample.query,
    headers: sample.headers,
    body: Buffer.from(sample.body, sample.bodyEncoding === 'base64' ? 'base64' : 'utf8'),
  };
}
