/**
 * Every channel through the local runtime's HTTP server (one runtime for the whole file): the
 * signed sample from events/channels is accepted and stored, a tampered copy is refused with 401
 * and stores nothing, a redelivery returns the same internal order id and stores no second order,
 * and a malformed (but correctly signed) request gets a 4xx JSON body naming the field. Plus the
 * field cases F12, F13, F14, F17 and F18 as they show at the HTTP edge.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.js';
import { putCatalog } from '../../shared/adapters/dynamodb/catalog-store.js';
import { orderIdFor } from '../../shared/adapters/dynamodb/keys.js';
import {
  type EncodableOrder,
  type EncodedRequest,
  encodePortal,
  encodeMessengerText,
  encodeTiktok,
  encodeZalo,
  encodeZaloText,
  haravanRequest,
  lazadaRequest,
  messengerRequest,
  portalRequest,
  sapoRequest,
  shopeeRequest,
  spreadsheetRequest,
  tiktokRequest,
  zaloRequest,
} from '../../shared/channels/encoders.js';
import { type ChannelSample, SAMPLE_NOW, sampleRequest } from '../../shared/channels/samples.js';
import { XLSX_CONTENT_TYPE } from '../../shared/channels/spreadsheet.js';
import { type WriteCell, writeXlsx } from '../../shared/channels/xlsx.js';
import type { MarketplaceRecord } from '../../shared/channels/encoders.js';
import type { Channel } from '../../shared/domain/order.js';
import { foldKey } from '../../shared/normalise/text.js';

jest.setTimeout(60_000);

let runtime: LocalRuntime;
// The samples are signed at SAMPLE_NOW (portal/import keys allow ±300 s, Zalo 10 min): the
// pipeline's clock starts there.
const realStart = Date.now();
const clock = () => new Date(SAMPLE_NOW.getTime() + (Date.now() - realStart));

function loadSample(name: string): ChannelSample {
  const file = path.resolve(__dirname, '../../events/channels', `${name}.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as ChannelSample;
}

interface AnswerBody {
  orderId?: string;
  duplicate?: boolean;
  status?: string;
  orders?: Array<{ orderId: string; externalId: string; duplicate: boolean }>;
  rowErrors?: Array<{ row: number; field: string; label?: string }>;
  eventErrors?: Array<{ field: string; message: string }>;
  errors?: Array<{ field: string; label?: string; message: string }>;
}

interface OrderView {
  channel: string;
  status: string;
  lines: Array<{ sku: string; quantity: number; unitPriceVnd: number }>;
  totalVnd: number;
  reviewReasons: string[];
  destination: { wardCode?: string; provinceCode?: string };
}

interface Answer {
  status: number;
  text: string;
  body: AnswerBody;
}

async function send(request: EncodedRequest, body?: Buffer): Promise<Answer> {
  const query = new URLSearchParams(request.query).toString();
  const response = await fetch(`${runtime.url}${request.path}${query ? `?${query}` : ''}`, {
    method: request.method,
    headers: request.headers,
    body: request.method === 'GET' ? undefined : (body ?? request.body),
  });
  const text = await response.text();
  let parsed: AnswerBody = {};
  try {
    parsed = text === '' ? {} : (JSON.parse(text) as AnswerBody);
  } catch {
    parsed = {};
  }
  return { status: response.status, text, body: parsed };
}

async function getOrder(orderId: string): Promise<{ status: number; body: OrderView }> {
  const response = await fetch(`${runtime.url}/v1/orders/${encodeURIComponent(orderId)}`);
  return { status: response.status, body: (await response.json()) as OrderView };
}

/** ORDER items stored for this channel's external id (dedupe: never more than one). */
async function storedOrders(channel: Channel, externalId: string): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await runtime.doc.send(
      new ScanCommand({
        TableName: runtime.tableName,
        FilterExpression: 'sk = :sk AND channel = :channel AND externalId = :externalId',
        ExpressionAttributeValues: { ':sk': 'ORDER', ':channel': channel, ':externalId': externalId },
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...((page.Items ?? []) as Array<Record<string, unknown>>));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}

async function contactOf(orderId: string): Promise<Record<string, unknown>> {
  const page = await runtime.doc.send(
    new ScanCommand({
      TableName: runtime.tableName,
      FilterExpression: 'pk = :pk AND sk = :sk',
      ExpressionAttributeValues: { ':pk': `ORDER#${orderId}`, ':sk': 'CONTACT' },
    }),
  );
  return (page.Items?.[0] ?? {}) as Record<string, unknown>;
}

function flipByte(body: Buffer): Buffer {
  const copy = Buffer.from(body);
  const i = Math.floor(copy.length / 2);
  copy[i] = (copy[i] ?? 0) ^ 0x01;
  return copy;
}

function fieldsOf(answer: Answer): string {
  const errors = (answer.body?.errors ?? []) as Array<{ field: string; label?: string }>;
  return errors.map((e) => `${e.field}${e.label ? ` (${e.label})` : ''}`).join(' | ');
}

beforeAll(async () => {
  runtime = await startLocalRuntime({ clock, carrier: { failureRate: 0 } });
  await putCatalog(runtime.doc, runtime.tableName, {
    cooperatives: [
      {
        cooperativeId: 'htx-test',
        name: 'HTX Nông nghiệp Vải thiều Phượng Sơn',
        kind: 'cooperative',
        provinceCode: '24',
        wardCode: '07582',
        wardName: 'Xã Lục Ngạn',
        dailyCapacityUnits: 500,
        zaloUserId: '8123456789012345678',
        contactPhone: '0912345678',
        carrier: 'ghn',
      },
    ],
    growingAreaCodes: [],
    stockBatches: ['LYCHEE-LN-2KG', 'LYCHEE-LN-3KG', 'LYCHEE-LN-5KG', 'LYCHEE-LN-10KG'].map((sku) => ({
      cooperativeId: 'htx-test',
      batchId: `B-0615-${sku}`,
      sku,
      harvestedAt: '2026-06-15T05:00:00+07:00',
      expiresAt: '2026-06-19T05:00:00+07:00',
      coldChain: false,
      quantity: 50,
      available: 50,
      growingAreaCodes: {},
    })),
  });
});

afterAll(async () => {
  await runtime?.stop();
});

// ---------------------------------------------------------------------------------------------
// The four checks, per channel

interface ChannelCase {
  sample: string;
  /** The channel orders from this sample are stored under. */
  channel: Channel;
  /** A correctly signed request with a bad field, and the field its answer must name. */
  malformed: () => EncodedRequest;
  field: string;
  /** A label (Vietnamese) the answer must give for the field, where the source used one. */
  label?: string;
}

const zaloForm = (info: Record<string, string>) => {
  const timestamp = String(clock().getTime());
  const body = JSON.stringify({
    app_id: runtime.secrets.zaloAppId,
    event_name: 'user_submit_info',
    timestamp,
    sender: { id: '591096110073612999' },
    info,
  });
  return zaloRequest(body, timestamp, runtime.secrets);
};

const XLSX_HEADER: WriteCell[] = [
  'Mã đơn hàng',
  'Ngày đặt hàng',
  'Tên người nhận',
  'Số điện thoại',
  'Địa chỉ',
  'Phường/Xã',
  'Tỉnh/Thành phố',
  'Mã SKU',
  'Số lượng',
  'Đơn giá',
];

const CASES: ChannelCase[] = [
  {
    sample: 'portal',
    channel: 'portal',
    malformed: () =>
      portalRequest(
        JSON.stringify({
          externalId: 'GHV-BAD-1',
          placedAt: '2026-06-15T09:00:00+07:00',
          buyer: { name: 'Nguyễn Văn A', address: '12 Nguyễn Trãi, Thanh Xuân, Hà Nội' },
          lines: [{ sku: 'LYCHEE-LN-5KG', quantity: 1, unitPrice: 200000 }],
        }),
        runtime.secrets,
        clock(),
      ),
    field: 'buyer.phone',
  },
  {
    sample: 'tiktok',
    channel: 'tiktok',
    malformed: () =>
      tiktokRequest(
        JSON.stringify({
          type: 1,
          tts_notification_id: '7327112393057371999',
          shop_id: '7494049642642441621',
          timestamp: 1781490600,
          data: { order_id: '576486316948490999', update_time: 1781490600 },
        }),
        runtime.secrets,
      ),
    field: 'data.order_status',
  },
  {
    sample: 'shopee',
    channel: 'shopee',
    malformed: () =>
      shopeeRequest(
        JSON.stringify({
          shop_id: 224466880,
          code: 3,
          timestamp: 1781490600,
          data: { ordersn: '2606150BADBAD1', update_time: 1781490600 },
        }),
        runtime.secrets,
      ),
    field: 'data.status',
  },
  {
    sample: 'messenger',
    channel: 'messenger',
    // Not a page webhook Meta sends (an event without its timestamp): the whole request is refused.
    // A bad order form inside a good webhook is a 200 naming it (see "Messenger batch" below).
    malformed: () =>
      messengerRequest(
        JSON.stringify({
          object: 'page',
          entry: [
            {
              id: '104857392018475',
              time: 1781490600000,
              messaging: [
                {
                  sender: { id: '6001' },
                  recipient: { id: '104857392018475' },
                  postback: {
                    title: 'Đặt hàng',
                    payload: JSON.stringify({
                      form: 'order',
                      ref: 'FB-BAD-1',
                      name: 'Phạm Minh Châu',
                      address: '25/3 Nguyễn Văn Cừ, Phường Bồ Đề, Hà Nội',
                      items: [{ sku: 'LYCHEE-LN-2KG', qty: 2 }],
                    }),
                  },
                },
              ],
            },
          ],
        }),
        runtime.secrets,
      ),
    field: 'entry[0].messaging[0].timestamp',
  },
  {
    sample: 'zalo',
    channel: 'zalo',
    malformed: () =>
      zaloForm({ name: 'Hoàng Văn Tú', address: 'Thôn Phì Điền, Lục Ngạn', order: '1x LYCHEE-LN-5KG' }),
    field: 'info.phone',
    label: 'Số điện thoại',
  },
  {
    sample: 'spreadsheet-postmart',
    channel: 'postmart',
    malformed: () =>
      spreadsheetRequest(
        loadSample('spreadsheet-postmart').body.replace('Số điện thoại', 'Ghi chú nội bộ'),
        'postmart',
        runtime.secrets,
        clock(),
      ),
    field: 'column Số điện thoại',
    label: 'Số điện thoại',
  },
  {
    sample: 'spreadsheet-voso',
    channel: 'voso',
    malformed: () =>
      spreadsheetRequest(
        loadSample('spreadsheet-voso').body.replace('Mã ĐH', 'Mã vận đơn'),
        'voso',
        runtime.secrets,
        clock(),
      ),
    field: 'column Mã ĐH',
    label: 'Mã ĐH',
  },
  {
    sample: 'spreadsheet-postmart-xlsx',
    channel: 'postmart',
    // Every row bad: nothing to import, so a 400 naming the row and the field.
    malformed: () =>
      spreadsheetRequest(
        writeXlsx([
          XLSX_HEADER,
          [
            'PM-XBAD-1',
            { dateTime: '2026-06-15T08:10' },
            'Nguyễn Thị Hoa',
            912345678,
            '12 Nguyễn Trãi',
            'Phường Thanh Xuân',
            'Hà Nội',
            'LYCHEE-LN-5KG',
            'hai',
            200000,
          ],
        ]),
        'postmart',
        runtime.secrets,
        clock(),
      ),
    field: 'row 2: quantity',
    label: 'Số lượng',
  },
  {
    sample: 'lazada',
    channel: 'lazada',
    malformed: () =>
      lazadaRequest(
        JSON.stringify({
          seller_id: '200160575542',
          message_type: 0,
          timestamp: 1781490600000,
          data: { trade_order_id: '1254870312659999', order_status: 5 },
        }),
        runtime.secrets,
      ),
    field: 'data.order_status',
  },
  {
    sample: 'haravan',
    channel: 'haravan',
    malformed: () => haravanRequest(shopifyLikeWithout('phone'), runtime.secrets),
    field: 'shipping_address.phone',
  },
  {
    sample: 'sapo',
    channel: 'sapo',
    malformed: () => sapoRequest(shopifyLikeWithout('address1'), runtime.secrets),
    field: 'shipping_address.address1',
  },
];

/** A Shopify-like orders/create body whose shipping address lacks one field. */
function shopifyLikeWithout(field: string): string {
  const address: Record<string, unknown> = {
    name: 'Bùi Đức Anh',
    phone: '0936222444',
    address1: '7 Trần Hưng Đạo',
    ward: 'Phường Hồng Bàng',
    province: 'Thành phố Hải Phòng',
  };
  delete address[field];
  return JSON.stringify({
    id: 1004289999,
    created_at: '2026-06-15T09:02:30+07:00',
    shipping_address: address,
    line_items: [{ sku: 'LYCHEE-LN-10KG', quantity: 1, price: 395000 }],
  });
}

/** The internal order ids an answer names (one order, or a spreadsheet's list). */
function orderIdsOf(answer: Answer): string[] {
  if (answer.body?.orderId) return [answer.body.orderId as string];
  return ((answer.body?.orders ?? []) as Array<{ orderId: string }>).map((o) => o.orderId);
}

describe.each(CASES)('$sample over HTTP', (c) => {
  const sample = loadSample(c.sample);
  // The portal sample is signed with portal-local, the key of seller ghv-local.
  const expectedIds = sample.externalIds.map((e) =>
    orderIdFor({
      channel: c.channel,
      externalId: e,
      ...(c.channel === 'portal' ? { seller: 'ghv-local' } : {}),
    }),
  );

  beforeAll(() => {
    if (sample.marketplaceRecord) runtime.marketplace.hold(sample.marketplaceRecord as MarketplaceRecord);
  });

  it('refuses a copy with one changed byte with 401 and stores nothing', async () => {
    const request = sampleRequest(sample);
    const answer = await send(request, flipByte(request.body));
    expect(answer.status).toBe(401);
    for (const id of expectedIds) expect((await getOrder(id)).status).toBe(404);
    for (const e of sample.externalIds) expect(await storedOrders(c.channel, e)).toHaveLength(0);
  });

  it('accepts the signed sample and stores its orders', async () => {
    const answer = await send(sampleRequest(sample));
    expect([200, 201]).toContain(answer.status);
    // Shopee's ack is an empty body; everyone else names the internal ids.
    if (c.channel !== 'shopee') expect(orderIdsOf(answer).sort()).toEqual([...expectedIds].sort());
    for (const id of expectedIds) {
      const view = await getOrder(id);
      expect(view.status).toBe(200);
      expect(view.body.channel).toBe(c.channel);
    }
  });

  it('deduplicates a redelivery: same internal order id, still one order', async () => {
    const answer = await send(sampleRequest(sample));
    expect(answer.status).toBe(200);
    if (c.channel !== 'shopee') {
      expect(orderIdsOf(answer).sort()).toEqual([...expectedIds].sort());
      const duplicates =
        answer.body.duplicate ?? (answer.body.orders as Array<{ duplicate: boolean }>)[0]?.duplicate;
      expect(duplicates).toBe(true);
    }
    for (const e of sample.externalIds) expect(await storedOrders(c.channel, e)).toHaveLength(1);
  });

  it('answers a malformed request with a 4xx JSON body naming the field', async () => {
    const answer = await send(c.malformed());
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.body).toBeDefined();
    expect(fieldsOf(answer)).toContain(c.field);
    if (c.label) expect(fieldsOf(answer)).toContain(`(${c.label})`);
  });
});

test('Messenger handshake: the right verify token gets hub.challenge back, a wrong one 403', async () => {
  const ok = await send(sampleRequest(loadSample('messenger-handshake')));
  expect(ok.status).toBe(200);
  expect(ok.text).toBe('1158201444');
  const wrong = sampleRequest(loadSample('messenger-handshake'));
  const refused = await send({ ...wrong, query: { ...wrong.query, 'hub.verify_token': 'guess' } });
  expect(refused.status).toBe(403);
});

test('a spreadsheet with one bad row: the row is reported by number and field, the good rows go through', async () => {
  const csv = [
    'Mã đơn hàng,Ngày đặt hàng,Tên người nhận,Số điện thoại,Địa chỉ,Phường/Xã,Tỉnh/Thành phố,Mã SKU,Số lượng,Đơn giá',
    'PM-ROW-1,15/06/2026 08:10,Nguyễn Thị Hoa,0912345678,12 Nguyễn Trãi,Phường Thanh Xuân,Hà Nội,LYCHEE-LN-5KG,2,200.000',
    'PM-ROW-2,15/06/2026 08:11,Lê Văn Bình,0912345679,14 Nguyễn Trãi,Phường Thanh Xuân,Hà Nội,LYCHEE-LN-5KG,hai,200.000',
  ].join('\r\n');
  const answer = await send(spreadsheetRequest(csv, 'postmart', runtime.secrets, clock()));
  expect(answer.status).toBe(200);
  expect((answer.body.orders ?? []).map((o) => o.externalId)).toEqual(['PM-ROW-1']);
  expect(answer.body.rowErrors).toEqual([
    expect.objectContaining({ row: 3, label: 'Số lượng', field: expect.stringContaining('quantity') }),
  ]);
  expect(await storedOrders('postmart', 'PM-ROW-2')).toHaveLength(0);
});

describe('XLSX spreadsheet upload over HTTP', () => {
  it('reports a bad row by number and field, imports the good ones, and keeps a phone typed as a number', async () => {
    const file = writeXlsx([
      ['DANH SÁCH ĐƠN HÀNG'],
      XLSX_HEADER,
      [
        'PM-XROW-1',
        { dateTime: '2026-06-15T08:10' },
        'Nguyễn Thị Hoa',
        912345678,
        '12 Nguyễn Trãi',
        'Phường Thanh Xuân',
        'Hà Nội',
        'LYCHEE-LN-5KG',
        2,
        200000,
      ],
      [
        'PM-XROW-2',
        { dateTime: '2026-06-15T08:11' },
        'Lê Văn Bình',
        912345679,
        '14 Nguyễn Trãi',
        'Phường Thanh Xuân',
        'Hà Nội',
        'LYCHEE-LN-5KG',
        0,
        200000,
      ],
    ]);
    const answer = await send(spreadsheetRequest(file, 'postmart', runtime.secrets, clock()));
    expect(answer.status).toBe(200);
    expect((answer.body.orders ?? []).map((o) => o.externalId)).toEqual(['PM-XROW-1']);
    expect(answer.body.rowErrors).toEqual([
      expect.objectContaining({ row: 4, label: 'Số lượng', field: 'quantity' }),
    ]);
    expect(await storedOrders('postmart', 'PM-XROW-2')).toHaveLength(0);
    const [stored] = await storedOrders('postmart', 'PM-XROW-1');
    const contact = await contactOf(stored!['orderId'] as string);
    expect(JSON.stringify(contact)).toContain('+84912345678');
  });

  it('answers another Content-Type with 415 JSON naming the accepted types, and stores nothing', async () => {
    const request = spreadsheetRequest(
      writeXlsx([
        XLSX_HEADER,
        ['PM-X415', '15/06/2026 08:10', 'An', '0912345678', 'Số 1', '', 'Hà Nội', 'LYCHEE-LN-5KG', 1, 200000],
      ]),
      'postmart',
      runtime.secrets,
      clock(),
      undefined,
      'application/vnd.ms-excel',
    );
    const answer = await send(request);
    expect(answer.status).toBe(415);
    expect(JSON.parse(answer.text).message).toContain(XLSX_CONTENT_TYPE);
    expect(await storedOrders('postmart', 'PM-X415')).toHaveLength(0);
  });

  it('refuses an upload over 4 MiB with 413 JSON (base64 in the Lambda event must stay under 6 MB)', async () => {
    const big = Buffer.concat([writeXlsx([XLSX_HEADER]), Buffer.alloc(6 * 1024 * 1024)]);
    const answer = await send(spreadsheetRequest(big, 'postmart', runtime.secrets, clock()));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text).message).toMatch(/at most 4194304 \(4 MiB\)/);
  });
});

// ---------------------------------------------------------------------------------------------
// Field cases

describe('F12 idempotency key missing for one channel', () => {
  it('a TikTok push without data.order_id fails clearly (400 naming it) and stores nothing', async () => {
    const body = JSON.stringify({
      type: 1,
      tts_notification_id: '7327112393057371777',
      shop_id: '7494049642642441621',
      timestamp: 1781490600,
      data: { order_status: 'AWAITING_SHIPMENT', update_time: 1781490600 },
    });
    const before = runtime.marketplace.stats.tiktokCalls;
    const answer = await send(tiktokRequest(body, runtime.secrets));
    expect(answer.status).toBe(400);
    expect(fieldsOf(answer)).toContain('data.order_id');
    // No detail fetch, no shared "cached" result: nothing went past the key check.
    expect(runtime.marketplace.stats.tiktokCalls).toBe(before);
  });

  it('a Shopee push without data.ordersn fails clearly naming it', async () => {
    const body = JSON.stringify({
      shop_id: 224466880,
      code: 3,
      timestamp: 1781490600,
      data: { status: 'READY_TO_SHIP', update_time: 1781490600 },
    });
    const answer = await send(shopeeRequest(body, runtime.secrets));
    expect(answer.status).toBe(400);
    expect(fieldsOf(answer)).toContain('data.ordersn');
  });

  it('a Lazada push without data.trade_order_id fails clearly naming it, before any detail fetch', async () => {
    const before = runtime.marketplace.stats.lazadaCalls;
    const body = JSON.stringify({
      seller_id: '200160575542',
      message_type: 0,
      timestamp: 1781490600000,
      data: { order_status: 'pending', trade_order_line_id: '1254870312650001' },
    });
    const answer = await send(lazadaRequest(body, runtime.secrets));
    expect(answer.status).toBe(400);
    expect(fieldsOf(answer)).toContain('data.trade_order_id');
    expect(runtime.marketplace.stats.lazadaCalls).toBe(before);
  });

  it('a Haravan order without its id fails clearly naming `id`', async () => {
    const body = JSON.parse(shopifyLikeWithout('nothing')) as Record<string, unknown>;
    delete body.id;
    const answer = await send(haravanRequest(JSON.stringify(body), runtime.secrets));
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toContainEqual({ field: 'id', message: 'is missing' });
  });

  it('a Zalo form with neither msg_id nor sender.id fails clearly: it could not be deduplicated', async () => {
    const timestamp = String(clock().getTime());
    const body = JSON.stringify({
      app_id: runtime.secrets.zaloAppId,
      event_name: 'user_submit_info',
      timestamp,
      info: {
        name: 'Hoàng Văn Tú',
        phone: '0912000111',
        address: 'Thôn Phì Điền',
        order: '1x LYCHEE-LN-5KG',
      },
    });
    const answer = await send(zaloRequest(body, timestamp, runtime.secrets));
    expect(answer.status).toBe(400);
    expect(fieldsOf(answer)).toContain('sender.id');
    expect(JSON.stringify(answer.body)).toContain('deduplicated');
  });
});

test('Messenger batch: one bad order form does not sink the good one (200, the bad one named by its path)', async () => {
  const page = '104857392018475';
  const good = {
    form: 'order',
    ref: 'FB-BATCH-GOOD',
    name: 'Phạm Minh Châu',
    phone: '0988 111 222',
    address: '25/3 Nguyễn Văn Cừ, Phường Bồ Đề, Hà Nội',
    items: [{ sku: 'LYCHEE-LN-5KG', qty: 2 }],
  };
  const { phone: _, ...bad } = { ...good, ref: 'FB-BATCH-BAD' };
  const postback = (payload: unknown, mid: string) => ({
    sender: { id: '3364324066055701' },
    recipient: { id: page },
    timestamp: clock().getTime(),
    postback: { title: 'Đặt hàng', payload: JSON.stringify(payload), mid },
  });
  const body = JSON.stringify({
    object: 'page',
    entry: [
      { id: page, time: clock().getTime(), messaging: [postback(good, 'm_b1'), postback(bad, 'm_b2')] },
    ],
  });
  const request = messengerRequest(body, runtime.secrets);

  // A bad signature still refuses the whole request.
  expect((await send(request, flipByte(request.body))).status).toBe(401);
  expect(await storedOrders('messenger', 'FB-BATCH-GOOD')).toHaveLength(0);

  const first = await send(request);
  expect(first.status).toBe(200);
  expect(first.body.orders).toEqual([
    expect.objectContaining({ externalId: 'FB-BATCH-GOOD', duplicate: false, status: 'received' }),
  ]);
  expect(first.body.eventErrors).toEqual([
    { field: 'entry[0].messaging[1].postback.payload.phone', message: 'is missing' },
  ]);
  expect(first.text).not.toContain('0988');
  expect(await storedOrders('messenger', 'FB-BATCH-GOOD')).toHaveLength(1);
  expect(await storedOrders('messenger', 'FB-BATCH-BAD')).toHaveLength(0);

  // Meta redelivers the batch: the good form is not stored twice, the answer is the same.
  const again = await send(request);
  expect(again.status).toBe(200);
  expect(again.body.orders).toEqual([
    expect.objectContaining({ externalId: 'FB-BATCH-GOOD', duplicate: true }),
  ]);
  expect(await storedOrders('messenger', 'FB-BATCH-GOOD')).toHaveLength(1);
});

test('F13 Messenger: the HMAC is checked over the raw \\uXXXX bytes; a re-serialised body is refused', async () => {
  const sample = loadSample('messenger');
  expect(sample.body).toContain('\\u1ea1'); // "Lục Ngạn" escaped as Meta sends it
  expect(sample.body).toContain('\\/');
  // The raw bytes verify (the sample was accepted above); the same JSON re-serialised does not.
  const reserialised = Buffer.from(JSON.stringify(JSON.parse(sample.body)), 'utf8');
  const answer = await send(sampleRequest(sample), reserialised);
  expect(answer.status).toBe(401);
});

describe('F14 the webhook answers after verify + persist + enqueue, before allocation runs', () => {
  const order: EncodableOrder = {
    externalId: '576486316948491414',
    placedAt: '2026-06-15T09:20:00+07:00',
    buyer: {
      name: 'Trần Văn Nam',
      phone: '0987654321',
      address: { street: '45 Lê Lợi', ward: 'Phường Bắc Giang', province: 'Tỉnh Bắc Ninh' },
    },
    lines: [{ sku: 'LYCHEE-LN-3KG', quantity: 1, unitPrice: 130_000 }],
  };

  it.each(['tiktok', 'zalo'] as const)(
    '%s: answered with the order received and still queued',
    async (channel) => {
      const queue = runtime.queues.allocation;
      await queue.stop(); // allocation cannot run until the answer has been checked
      try {
        const encoded =
          channel === 'tiktok'
            ? encodeTiktok(order, runtime.secrets, clock())
            : encodeZalo({ ...order, externalId: 'zalo-f14' }, runtime.secrets, clock());
        if (encoded.record) runtime.marketplace.hold(encoded.record);
        const started = performance.now();
        const first = await send(encoded.request);
        const elapsedMs = performance.now() - started;
        expect(first.status).toBe(201);
        expect(elapsedMs).toBeGreaterThan(0);
        const orderId = first.body.orderId as string;
        expect((await getOrder(orderId)).body.status).toBe('received');
        expect(queue.peek().some((m) => m.body.includes(orderId))).toBe(true);

        // The provider, impatient, resends: same internal id, no second order.
        const again = await send(encoded.request);
        expect(again.status).toBe(200);
        expect(again.body).toMatchObject({ orderId, duplicate: true });
        expect(await storedOrders(channel, encoded.externalIds[0] as string)).toHaveLength(1);
      } finally {
        queue.start();
      }
      await runtime.drain();
    },
  );

  it('once the queue runs, allocation moves those orders on', async () => {
    const id = orderIdFor({ channel: 'tiktok', externalId: '576486316948491414' });
    expect((await getOrder(id)).body.status).not.toBe('received');
  });
});

describe('F17 NFD and NFC are the same person after ingest', () => {
  it('a decomposed portal name and a composed TikTok name are stored as the same NFC string', async () => {
    const nfc = 'Nguyễn Thị Hồng';
    const nfd = nfc.normalize('NFD');
    expect(nfd).not.toBe(nfc);
    const address = 'Số 3 Hùng Vương, Phường Lục Ngạn, Tỉnh Bắc Ninh';
    const portal = await send(
      encodePortal(
        {
          channel: 'portal',
          externalId: 'GHV-F17-NFD',
          placedAt: '2026-06-15T09:00:00+07:00',
          buyer: { name: nfd, phone: '0912 345 678', address: address.normalize('NFD') },
          lines: [{ sku: 'LYCHEE-LN-2KG', quantity: 1, unitPrice: 90_000 }],
        },
        runtime.secrets,
        clock(),
      ).request,
    );
    const tiktokOrder: EncodableOrder = {
      externalId: '576486316948491717',
      buyer: { name: nfc, phone: '+84 912 345 678', address },
      lines: [{ sku: 'LYCHEE-LN-2KG', quantity: 1, unitPrice: 90_000 }],
    };
    const encoded = encodeTiktok(tiktokOrder, runtime.secrets, clock());
    runtime.marketplace.hold(encoded.record as MarketplaceRecord);
    const tiktok = await send(encoded.request);
    expect(portal.status).toBe(201);
    expect(tiktok.status).toBe(201);

    const portalId = portal.body.orderId ?? '';
    const tiktokId = tiktok.body.orderId ?? '';
    const [a, b] = [await contactOf(portalId), await contactOf(tiktokId)];
    expect(a.name).toBe(nfc);
    expect(b.name).toBe(nfc);
    expect(a.phoneE164).toBe(b.phoneE164);
    const [va, vb] = [(await getOrder(portalId)).body, (await getOrder(tiktokId)).body];
    expect(va.destination.wardCode).toBeDefined();
    expect(va.destination.wardCode).toBe(vb.destination.wardCode);
    expect(foldKey('Lục Ngạn')).toBe('luc ngan');
    expect(foldKey('LỤC NGẠN'.normalize('NFD'))).toBe(foldKey('luc ngan'));
    expect(foldKey('Đồng Đăng')).toBe('dong dang');
  });
});

describe('F18 money strings in a portal order', () => {
  const base = {
    channel: 'portal' as const,
    placedAt: '2026-06-15T09:00:00+07:00',
    buyer: {
      name: 'Vũ Thị Lan',
      phone: '0345 678 901',
      address: '102 Hoàng Quốc Việt, Phường Nghĩa Đô, Hà Nội',
    },
  };

  it('150.000đ, 150,000 VND, 150k and 1.250.000 ₫ are 150000, 150000, 150000 and 1250000 đồng', async () => {
    const answer = await send(
      encodePortal(
        {
          ...base,
          externalId: 'GHV-F18-OK',
          lines: [
            { sku: 'LYCHEE-LN-2KG', quantity: 1, unitPrice: '150.000đ' },
            { sku: 'LYCHEE-LN-3KG', quantity: 1, unitPrice: '150,000 VND' },
            { sku: 'LYCHEE-LN-5KG', quantity: 1, unitPrice: '150k' },
            { sku: 'LYCHEE-LN-10KG', quantity: 1, unitPrice: '1.250.000 ₫' },
          ],
          shippingFee: '30.000đ',
        },
        runtime.secrets,
        clock(),
      ).request,
    );
    expect(answer.status).toBe(201);
    const view = (await getOrder(answer.body.orderId ?? '')).body;
    expect(view.lines.map((l) => l.unitPriceVnd)).toEqual([150_000, 150_000, 150_000, 1_250_000]);
    expect(view.totalVnd).toBe(1_730_000);
  });

  it.each(['12,5', 'abc'])(
    '%s is refused with a 400 naming the field, and nothing is stored',
    async (price) => {
      const externalId = `GHV-F18-${price}`;
      const answer = await send(
        encodePortal(
          { ...base, externalId, lines: [{ sku: 'LYCHEE-LN-5KG', quantity: 1, unitPrice: price }] },
          runtime.secrets,
          clock(),
        ).request,
      );
      expect(answer.status).toBe(400);
      expect(fieldsOf(answer)).toContain('lines[0].unitPrice');
      expect(await storedOrders('portal', externalId)).toHaveLength(0);
    },
  );
});

describe('free-text chat orders over HTTP (Zalo user_send_text, Messenger text)', () => {
  const text = 'Cho mình 2 thùng vải 10kg giao 12 Nguyễn Trãi, Thanh Xuân, HN, sđt 0912 345 678';

  it.each([
    [
      'zalo',
      () =>
        encodeZaloText(text, runtime.secrets, clock(), { msgId: 'c0ffee01', senderId: '591096110073612134' }),
    ],
    [
      'messenger',
      () => encodeMessengerText(text, runtime.secrets, clock(), { mid: 'm_chat_01', senderId: '6001' }),
    ],
  ] as const)('%s: tampered 401, accepted as a chat order, redelivery deduplicated', async (_via, encode) => {
    const encoded = encode();
    const externalId = encoded.externalIds[0] as string;
    expect((await send(encoded.request, flipByte(encoded.request.body))).status).toBe(401);
    expect(await storedOrders('chat', externalId)).toHaveLength(0);

    const first = await send(encoded.request);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      orderId: orderIdFor({ channel: 'chat', externalId: externalId }),
      status: 'received',
    });
    const view = (await getOrder(first.body.orderId ?? '')).body;
    expect(view.lines).toEqual([{ sku: 'LYCHEE-LN-10KG', quantity: 2, unitPriceVnd: 380_000 }]);
    expect(JSON.stringify(view)).not.toContain('0912');

    const again = await send(encode().request);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ orderId: first.body.orderId, duplicate: true });
    expect(await storedOrders('chat', externalId)).toHaveLength(1);
  });

  it('an uncertain message is kept in review with reason uncertain_parse (not allocated, not dropped)', async () => {
    const encoded = encodeZaloText(
      'lấy thùng 5kg giao 3 Lê Lợi, Bắc Giang, sđt 0912345678',
      runtime.secrets,
      clock(),
      {
        msgId: 'c0ffee02',
        senderId: '591096110073612134',
      },
    );
    const answer = await send(encoded.request);
    expect(answer.status).toBe(201);
    expect(answer.body.status).toBe('review');
    expect((await getOrder(answer.body.orderId ?? '')).body.reviewReasons).toContain('uncertain_parse');
  });

  it.each([
    ['c0ffee03', 'vài thùng vải 5kg giao 3 Lê Lợi, Bắc Giang, sđt 0912345678'],
    ['c0ffee04', 'Đặt 10kg vải giao 1 Trần Phú, Hà Đông, HN 0912345678'],
  ])(
    'a vague order attempt (%s) is kept in review (uncertain_parse, no lines reserved), not dropped; redelivery dedupes',
    async (msgId, vague) => {
      const encode = () =>
        encodeZaloText(vague, runtime.secrets, clock(), { msgId, senderId: '591096110073612134' });
      const externalId = encode().externalIds[0] as string;
      const answer = await send(encode().request);
      expect(answer.status).toBe(201);
      expect(answer.body).toMatchObject({
        orderId: orderIdFor({ channel: 'chat', externalId }),
        status: 'review',
      });
      const view = (await getOrder(answer.body.orderId ?? '')).body;
      expect(view.status).toBe('review');
      expect(view.reviewReasons).toContain('uncertain_parse');
      expect(view.lines).toEqual([]);
      expect(JSON.stringify(view)).not.toContain('0912');
      // The buyer's own words are kept for the operator, with the contact (personal data item).
      expect((await contactOf(answer.body.orderId ?? '')).chatText).toBe(vague);
      const [stored] = await storedOrders('chat', externalId);
      expect(JSON.stringify(stored)).not.toContain('0912');

      const again = await send(encode().request);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ orderId: answer.body.orderId, duplicate: true, status: 'review' });
      expect(await storedOrders('chat', externalId)).toHaveLength(1);
    },
  );

  it('small talk with no order signal is still acknowledged and ignored', async () => {
    const answer = await send(
      encodeZaloText('Shop ơi còn vải không ạ?', runtime.secrets, clock(), {
        msgId: 'c0ffee05',
        senderId: '591096110073612134',
      }).request,
    );
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('"ignored":true');
  });

  it('a Zalo text without message.msg_id gets a 400 naming it (no dedupe key: F12)', async () => {
    const timestamp = String(clock().getTime());
    const body = JSON.stringify({
      app_id: runtime.secrets.zaloAppId,
      event_name: 'user_send_text',
      timestamp,
      sender: { id: '591096110073612134' },
      message: { text },
    });
    const answer = await send(zaloRequest(body, timestamp, runtime.secrets));
    expect(answer.status).toBe(400);
    expect(fieldsOf(answer)).toContain('message.msg_id');
  });
});

describe('a very large number from any channel is a 400 naming the field, never a 500', () => {
  const portalOrder = (externalId: string, quantity: number | string): EncodableOrder => ({
    channel: 'portal',
    externalId,
    placedAt: '2026-06-15T09:00:00+07:00',
    buyer: {
      name: 'Vũ Thị Lan',
      phone: '0345 678 901',
      address: '102 Hoàng Quốc Việt, Phường Nghĩa Đô, Hà Nội',
    },
    lines: [{ sku: 'LYCHEE-LN-5KG', quantity, unitPrice: 200_000 }],
  });

  it('portal JSON quantity 99999999999: 400 naming lines[0].quantity, nothing stored', async () => {
    const answer = await send(
      encodePortal(portalOrder('GHV-BIG-1', 99_999_999_999), runtime.secrets, clock()).request,
    );
    expect(answer.status).toBe(400);
    expect(fieldsOf(answer)).toContain('lines[0].quantity');
    expect(answer.text).toContain('at most 100,000 units');
    expect(await storedOrders('portal', 'GHV-BIG-1')).toHaveLength(0);
  });

  it('Haravan line_items[0].quantity 99999999999: 400 naming the quantity, nothing stored', async () => {
    const body = JSON.parse(shopifyLikeWithout('nothing')) as {
      id: number;
      line_items: Array<{ quantity: number }>;
    };
    body.id = 1004288888;
    body.line_items[0]!.quantity = 99_999_999_999;
    const answer = await send(haravanRequest(JSON.stringify(body), runtime.secrets));
    expect(answer.status).toBe(400);
    expect(fieldsOf(answer)).toMatch(/quantity/);
    expect(await storedOrders('haravan', '1004288888')).toHaveLength(0);
  });

  it('a CSV with Số lượng 99999999999 in its middle row: 200, that row named, the rows around it stored', async () => {
    const csv = [
      'Mã đơn hàng,Tên người nhận,Số điện thoại,Địa chỉ,Phường/Xã,Tỉnh/Thành phố,Mã SKU,Số lượng,Đơn giá',
      'PM-BIG-1,Nguyễn An,0912000001,12 Nguyễn Trãi,Phường Thanh Xuân,Hà Nội,LYCHEE-LN-5KG,1,200000',
      'PM-BIG-2,Trần Bình,0912000002,14 Nguyễn Trãi,Phường Thanh Xuân,Hà Nội,LYCHEE-LN-5KG,99999999999,200000',
      'PM-BIG-3,Lê Cúc,0912000003,16 Nguyễn Trãi,Phường Thanh Xuân,Hà Nội,LYCHEE-LN-5KG,2,200000',
    ].join('\n');
    const answer = await send(spreadsheetRequest(csv, 'postmart', runtime.secrets, clock()));
    expect(answer.status).toBe(200);
    expect((answer.body.orders ?? []).map((o) => o.externalId)).toEqual(['PM-BIG-1', 'PM-BIG-3']);
    expect(answer.body.rowErrors).toEqual([
      expect.objectContaining({ row: 3, field: 'quantity', label: 'Số lượng' }),
    ]);
    expect(await storedOrders('postmart', 'PM-BIG-2')).toHaveLength(0);
    expect(await storedOrders('postmart', 'PM-BIG-3')).toHaveLength(1);
  });

  it('a resent order: identical is a plain duplicate; changed content is a duplicate marked changed, not applied', async () => {
    const first = await send(encodePortal(portalOrder('GHV-RESENT-1', 2), runtime.secrets, clock()).request);
    expect(first.status).toBe(201);
    const again = await send(encodePortal(portalOrder('GHV-RESENT-1', 2), runtime.secrets, clock()).request);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({
      externalId: 'GHV-RESENT-1',
      orderId: first.body.orderId,
      status: expect.any(String),
      duplicate: true,
    });
    const changed = await send(
      encodePortal(portalOrder('GHV-RESENT-1', 3), runtime.secrets, clock()).request,
    );
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ orderId: first.body.orderId, duplicate: true, changed: true });
    expect(changed.text).toMatch(/differs from the order stored on .*changes are not applied/);
    expect((await getOrder(first.body.orderId ?? '')).body.lines[0]?.quantity).toBe(2);
  });
});
