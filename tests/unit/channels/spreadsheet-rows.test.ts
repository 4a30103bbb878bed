/**
 * Spreadsheet rows against the canonical checks: every error a file can cause names its row and
 * Vietnamese column (quantity and money bounds, dates, errors found only once rows form an order),
 * rows of one order that contradict or repeat each other, and the hints for legacy .xls and
 * non-UTF-8 CSV files.
 */
import { spreadsheetRequest } from '../../../shared/channels/encoders.js';
import { readSpreadsheet, spreadsheetAdapter } from '../../../shared/channels/spreadsheet.js';
import type { AdapterResult } from '../../../shared/channels/types.js';
import { writeXlsx } from '../../../shared/channels/xlsx.js';
import { MAX_LINE_QUANTITY, normaliseOrder } from '../../../shared/domain/normalise-order.js';
import type { RawOrder } from '../../../shared/domain/order.js';
import type { ValidationError } from '../../../shared/errors.js';
import { context, inbound, NOW, secrets, thrown } from './fixtures.js';

const HEADER =
  'Mã đơn hàng,Ngày đặt hàng,Tên người nhận,Số điện thoại,Địa chỉ,Phường/Xã,Tỉnh/Thành phố,Mã SKU,Số lượng,Đơn giá,Phí vận chuyển,Thanh toán,Ghi chú';
const row = (
  id: string,
  over: Partial<Record<'date' | 'name' | 'phone' | 'sku' | 'qty' | 'price' | 'fee' | 'pay', string>> = {},
) =>
  [
    id,
    over.date ?? '15/06/2026 08:10',
    over.name ?? 'Nguyễn An',
    over.phone ?? '0912000001',
    'Số 1 Lê Lợi',
    'Phường Kinh Bắc',
    'Tỉnh Bắc Ninh',
    over.sku ?? 'LYCHEE-LN-5KG',
    over.qty ?? '1',
    over.price ?? '200.000',
    over.fee ?? '',
    over.pay ?? 'COD',
    '',
  ].join(',');

const read = (...rows: string[]) => readSpreadsheet('postmart', [HEADER, ...rows].join('\n'));

function ordersOf(result: AdapterResult) {
  if (result.kind !== 'orders') throw new Error(`expected orders, got ${result.kind}`);
  return result;
}

describe('canonical bounds (every channel)', () => {
  const raw = (
    quantity: number | string,
    unitPrice: number | string = 200_000,
    shippingFee?: number | string,
  ): RawOrder => ({
    channel: 'portal',
    seller: 'ghv-local',
    externalId: 'B-1',
    buyer: { name: 'An', phone: '0912000001', address: 'Số 1 Lê Lợi, Phường Kinh Bắc, Tỉnh Bắc Ninh' },
    lines: [{ sku: 'LYCHEE-LN-5KG', quantity, unitPrice }],
    ...(shippingFee !== undefined ? { shippingFee } : {}),
  });
  const issuesOf = (order: RawOrder) =>
    (thrownSync(() => normaliseOrder(order, NOW)) as ValidationError).issues.map((i) => i.field);

  it('refuses a quantity above 100,000 units or past a safe integer, naming the line', () => {
    expect(issuesOf(raw(99_999_999_999))).toEqual(['lines[0].quantity']);
    expect(issuesOf(raw('99999999999'))).toEqual(['lines[0].quantity']);
    expect(issuesOf(raw(1e15))).toEqual(['lines[0].quantity']);
    expect(issuesOf(raw(MAX_LINE_QUANTITY + 1))).toEqual(['lines[0].quantity']);
    expect(normaliseOrder(raw(MAX_LINE_QUANTITY), NOW).order.lines[0]?.quantity).toBe(MAX_LINE_QUANTITY);
  });

  it('refuses a unit price or shipping fee over 100 million đồng, and keeps every total a safe integer', () => {
    expect(issuesOf(raw(1, 100_000_001))).toEqual(['lines[0].unitPrice']);
    expect(issuesOf(raw(1, '1e15'))).toEqual(['lines[0].unitPrice']);
    expect(issuesOf(raw(1, 200_000, 100_000_001))).toEqual(['shippingFee']);
    expect(issuesOf(raw(MAX_LINE_QUANTITY, 100_000_000))).toEqual(['totalVnd']);
    const { order } = normaliseOrder(raw(1000, 100_000_000), NOW);
    expect(order.totalVnd).toBe(100_000_000_000);
  });
});

function thrownSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('spreadsheet rows: every error names its row and column', () => {
  it('a huge quantity, a bad date, a price "abc" and a negative fee are row errors; the good rows go through', () => {
    const { orders, rowErrors } = read(
      row('A1'),
      row('B2', { qty: '99999999999' }),
      row('C3', { date: '32/13/2026 08:10' }),
      row('D4', { price: 'abc' }),
      row('E5', { fee: '-5' }),
      row('F6', { price: '100.000.001' }),
    );
    expect(orders.map((o) => o.externalId)).toEqual(['A1']);
    expect(rowErrors.map((e) => [e.row, e.field, e.label])).toEqual([
      [3, 'quantity', 'Số lượng'],
      [4, 'order date', 'Ngày đặt hàng'],
      [5, 'unit price', 'Đơn giá'],
      [6, 'shipping fee', 'Phí vận chuyển'],
      [7, 'unit price', 'Đơn giá'],
    ]);
    expect(rowErrors[0]?.message).toMatch(/at most 100,000 units/);
  });

  it('an error found only once rows form an order (the total) names a row of that order', () => {
    const { orders, rowErrors } = read(
      row('A1', { qty: '100000', price: '100.000.000' }),
      row('A1', { qty: '100000', price: '100.000.000', sku: 'LYCHEE-LN-3KG' }),
    );
    expect(orders).toEqual([]);
    expect(rowErrors[0]).toMatchObject({ row: 2, field: 'order total' });
    expect(rowErrors[1]).toMatchObject({
      row: 3,
      message: 'order held back: row 2 of the same order has errors',
    });
  });

  it('an XLSX quantity of 1e15 is a row error with its header', async () => {
    const bytes = writeXlsx([
      HEADER.split(','),
      [
        'A1',
        '15/06/2026 08:10',
        'Nguyễn An',
        '0912000001',
        'Số 1',
        'Phường Kinh Bắc',
        'Tỉnh Bắc Ninh',
        'LYCHEE-LN-5KG',
        1,
        200000,
      ],
      [
        'B2',
        '15/06/2026 08:10',
        'Trần Bình',
        '0912000002',
        'Số 2',
        'Phường Kinh Bắc',
        'Tỉnh Bắc Ninh',
        'LYCHEE-LN-5KG',
        1e15,
        200000,
      ],
    ]);
    const result = ordersOf(
      await spreadsheetAdapter.handle(
        inbound(spreadsheetRequest(bytes, 'postmart', secrets, NOW)),
        context(),
      ),
    );
    expect(result.orders.map((o) => o.externalId)).toEqual(['A1']);
    expect(result.rowErrors).toEqual([
      expect.objectContaining({ row: 3, field: 'quantity', label: 'Số lượng' }),
    ]);
  });
});

describe('spreadsheet rows of one order', () => {
  it('refuses an order whose rows disagree on recipient, phone or date, naming the rows and column', () => {
    const { orders, rowErrors } = read(
      row('A1'),
      row('A1', { sku: 'LYCHEE-LN-3KG', name: 'Trần Bình', phone: '0912000009' }),
      row('B2'),
      row('B2', { sku: 'LYCHEE-LN-3KG', date: '16/06/2026 08:10', pay: 'đã thanh toán' }),
      row('C3'),
    );
    expect(orders.map((o) => o.externalId)).toEqual(['C3']);
    expect(rowErrors.map((e) => [e.row, e.field, e.label, e.message])).toEqual([
      [2, 'order id', 'Mã đơn hàng', 'order held back: row 3 of the same order has errors'],
      [3, 'recipient name', 'Tên người nhận', expect.stringMatching(/^differs from row 2 of the same order/)],
      [3, 'phone', 'Số điện thoại', expect.stringMatching(/^differs from row 2/)],
      [4, 'order id', 'Mã đơn hàng', 'order held back: row 5 of the same order has errors'],
      [5, 'order date', 'Ngày đặt hàng', expect.stringMatching(/^differs from row 4/)],
      [5, 'payment method', 'Thanh toán', expect.stringMatching(/^differs from row 4/)],
    ]);
  });

  it('lets a continuation row leave order-level cells empty (no disagreement)', () => {
    const { orders, rowErrors } = read(row('A1'), `A1,,,,,,,LYCHEE-LN-3KG,2,130.000,,,`);
    expect(rowErrors).toEqual([]);
    expect(orders[0]?.lines).toHaveLength(2);
  });

  it('refuses an order with a row pasted twice: "row 3 repeats row 2"', () => {
    const { orders, rowErrors } = read(row('A1'), row('A1'), row('B2'));
    expect(orders.map((o) => o.externalId)).toEqual(['B2']);
    expect(rowErrors).toEqual([
      {
        row: 2,
        field: 'order id',
        label: 'Mã đơn hàng',
        message: 'order held back: row 3 of the same order has errors',
      },
      expect.objectContaining({
        row: 3,
        field: 'order line',
        message: expect.stringMatching(/^repeats row 2 cell for cell/),
      }),
    ]);
  });
});

describe('files in the wrong format', () => {
  it('a legacy .xls (OLE) workbook is told to be saved as .xlsx', async () => {
    const ole = Buffer.concat([
      Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
      Buffer.alloc(504),
    ]);
    const request = spreadsheetRequest(
      ole,
      'postmart',
      secrets,
      NOW,
      undefined,
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    const error = await thrown(() => spreadsheetAdapter.handle(inbound(request), context()));
    expect((error as ValidationError).issues).toEqual([
      {
        field: 'body',
        message:
          'is a legacy .xls workbook: save it as .xlsx (Excel: File → Save As → Excel Workbook) and upload again',
      },
    ]);
  });

  it('a cp1258 CSV is told to be saved as CSV UTF-8', async () => {
    // "Nguyễn" in cp1258 has bytes that are not UTF-8 (0xD4 0xEA …).
    const bytes = Buffer.concat([
      Buffer.from(`${HEADER}\nA1,,Nguy`),
      Buffer.from([0xea, 0xde, 0x6e]),
      Buffer.from(',0912000001,x,,,LYCHEE-LN-5KG,1,1,,,\n'),
    ]);
    const error = await thrown(() =>
      spreadsheetAdapter.handle(inbound(spreadsheetRequest(bytes, 'postmart', secrets, NOW)), context()),
    );
    expect((error as ValidationError).issues[0]?.message).toMatch(
      /^is not valid UTF-8 text.*save as CSV UTF-8/,
    );
  });
});
