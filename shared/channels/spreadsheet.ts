/**
 * Spreadsheet import: `POST /v1/imports/spreadsheet?source=postmart|voso`, for the order exports
 * of marketplaces with no seller API (Postmart.vn, Voso.vn). An operator uploads the file as the
 * raw body, signed like the portal API with an import key (headers `x-api-key-id`, `x-timestamp`,
 * `x-signature` over the raw bytes; see api-key-auth.ts). The Content-Type picks the reader:
 * `text/csv` (UTF-8, BOM allowed; `,` or `;` delimited) or
 * `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` (XLSX, first sheet; see
 * xlsx.ts); anything else is a 415. Files over 4 MiB, over 5,000 rows, or an XLSX that unpacks past
 * 48 MiB (a zip bomb) are refused with 413 before any order is read.
 *
 * The header row is the first row (of the first ten) where at least three cells are known headers
 * for the source, so a title row above the table ("DANH SÁCH ĐƠN HÀNG") is skipped; row numbers are
 * the spreadsheet's own. XLSX cells keep their value: dates become `dd/MM/yyyy HH:mm:ss` (Vietnam
 * time), and a phone typed as a number, which Excel shows without its leading 0 (912345678), gets
 * it back (0912345678; 84912345678 → +84912345678).
 *
 * Columns are found by their Vietnamese headers, compared as folded keys (no accents, đ → d, case
 * and punctuation ignored), so `Số điện thoại`, `SO DIEN THOAI` and `Số Điện Thoại` all match. Each
 * marketplace has its own header set; a few common variants are accepted for each. Several rows with
 * the same order id form one order with several lines.
 *
 * A bad row is reported in `rowErrors` (the spreadsheet's row number, the field, and the column
 * header as the file wrote it) and the good orders go through; a file where no row is good is a 400
 * naming each row and field (`row 3: quantity`). An order with a bad row is held
 * back whole: importing it without that line would ship an incomplete order, and the fixed file
 * would then be deduplicated away. A file lacking a required column is refused, naming the column.
 *
 * Rows are checked cell by cell with the canonical rules (quantity 1..100,000, money bounds, dates;
 * normalise-order.ts), then each grouped order as a whole (`checkOrderFields`), whose errors are
 * mapped back to the row and header they came from. Rows of one order that disagree on an
 * order-level cell (recipient, phone, address, date, payment), or repeat another row cell for cell
 * (an export pasted twice would double the quantity), hold the order back naming the rows.
 *
 * `source=seller` (a direct seller's own sheet, channel portal) needs `&seller=<seller id>`: whose
 * order numbers these are. Import keys are operators' keys, which act for any seller, so the upload
 * names the seller, and it must be one a portal key is granted (portal-keys.ts); a missing or
 * unknown seller is a 400 naming `seller`. The orders then dedupe with that seller's API orders.
 */
import type { Channel, RawAddressParts, RawOrder, RawOrderLine } from '../domain/order.js';
import {
  type FieldIssue,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors.js';
import {
  checkOrderFields,
  MAX_SHIPPING_FEE_VND,
  MAX_UNIT_PRICE_VND,
  moneyOf,
  quantityOf,
} from '../domain/normalise-order.js';
import { parseInstant } from '../normalise/time.js';
import { foldKey } from '../normalise/text.js';
import { verifyApiKeySignature } from './api-key-auth.js';
import { knownSellers } from './portal-keys.js';
import { parseCsv } from './csv.js';
import { decodeUtf8Body } from './json.js';
import type { AdapterResult, ChannelAdapter, ChannelContext, InboundRequest, RowError } from './types.js';
import { type CellKind, readFirstSheet, XlsxFormatError, XlsxTooLargeError } from './xlsx.js';

export const CSV_CONTENT_TYPE = 'text/csv';
export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/**
 * Upload limits: the raw body, and the data rows of one file. 4 MiB because API Gateway hands a
 * binary body to Lambda base64-encoded (4/3 larger) and a synchronous invocation takes at most 6 MB.
 */
export const MAX_SPREADSHEET_BYTES = 4 * 1024 * 1024;
export const MAX_SPREADSHEET_ROWS = 5000;
/** How many rows from the top may hold a title above the header row. */
const HEADER_SEARCH_ROWS = 10;

/** One spreadsheet row as read from the file: its row number, its cells as text, and (XLSX) their kinds. */
export interface SheetRecord {
  row: number;
  cells: string[];
  kinds?: Array<CellKind | undefined>;
}

export const SPREADSHEET_SOURCES = ['postmart', 'voso', 'seller'] as const;
export type SpreadsheetSource = (typeof SPREADSHEET_SOURCES)[number];

/**
 * The channel a source's orders are stored under: Postmart and Voso are marketplaces of their own;
 * `seller` is a direct seller's own order sheet (our template below), which is the portal channel
 * under the seller named by the `seller` query parameter (the same orders sent through the portal
 * API with that seller's key deduplicate against it).
 */
export const SPREADSHEET_CHANNEL: Record<SpreadsheetSource, Channel> = {
  postmart: 'postmart',
  voso: 'voso',
  seller: 'portal',
};

export type ColumnKey =
  | 'externalId'
  | 'placedAt'
  | 'name'
  | 'phone'
  | 'address'
  | 'ward'
  | 'district'
  | 'province'
  | 'sku'
  | 'quantity'
  | 'unitPrice'
  | 'shippingFee'
  | 'payment'
  | 'note';

export interface ColumnSpec {
  key: ColumnKey;
  /** The header this marketplace's export writes (used when the column is missing). */
  header: string;
  /** Other spellings seen in the wild. */
  variants: string[];
  required: boolean;
}

const col = (key: ColumnKey, header: string, variants: string[], required = false): ColumnSpec => ({
  key,
  header,
  variants,
  required,
});

/** Postmart.vn seller export ("Xuất đơn hàng"). */
const POSTMART_COLUMNS: ColumnSpec[] = [
  col('externalId', 'Mã đơn hàng', ['Mã đơn', 'Mã ĐH'], true),
  col('placedAt', 'Ngày đặt hàng', ['Ngày đặt', 'Thời gian đặt hàng']),
  col('name', 'Tên người nhận', ['Người nhận', 'Họ tên người nhận', 'Họ và tên'], true),
  col('phone', 'Số điện thoại', ['SĐT', 'Điện thoại', 'Số điện thoại người nhận'], true),
  col('address', 'Địa chỉ', ['Địa chỉ nhận hàng', 'Địa chỉ giao hàng'], true),
  col('ward', 'Phường/Xã', ['Xã/Phường', 'Phường', 'Xã']),
  col('district', 'Quận/Huyện', ['Huyện/Quận', 'Quận', 'Huyện']),
  col('province', 'Tỉnh/Thành phố', ['Tỉnh/TP', 'Tỉnh', 'Thành phố']),
  col('sku', 'Mã SKU', ['SKU', 'Mã sản phẩm'], true),
  col('quantity', 'Số lượng', ['SL'], true),
  col('unitPrice', 'Đơn giá', ['Giá bán', 'Giá'], true),
  col('shippingFee', 'Phí vận chuyển', ['Phí giao hàng', 'Phí ship']),
  col('payment', 'Thanh toán', ['Hình thức thanh toán', 'Phương thức thanh toán']),
  col('note', 'Ghi chú', ['Ghi chú của khách', 'Ghi chú đơn hàng']),
];

/** Voso.vn seller centre export ("Tải danh sách đơn"): shorter headers, different order. */
const VOSO_COLUMNS: ColumnSpec[] = [
  col('externalId', 'Mã ĐH', ['Mã đơn hàng', 'Mã đơn'], true),
  col('placedAt', 'Thời gian tạo đơn', ['Ngày tạo', 'Ngày đặt']),
  col('sku', 'SKU', ['Mã SKU', 'Mã hàng'], true),
  col('quantity', 'SL', ['Số lượng'], true),
  col('unitPrice', 'Giá bán', ['Đơn giá'], true),
  col('name', 'Người nhận', ['Tên người nhận', 'Khách hàng'], true),
  col('phone', 'SĐT người nhận', ['Số điện thoại', 'SĐT'], true),
  col('address', 'Địa chỉ nhận hàng', ['Địa chỉ', 'Địa chỉ chi tiết'], true),
  col('ward', 'Xã/Phường', ['Phường/Xã']),
  col('district', 'Huyện/Quận', ['Quận/Huyện']),
  col('province', 'Tỉnh/TP', ['Tỉnh/Thành phố', 'Tỉnh']),
  col('shippingFee', 'Phí ship', ['Phí vận chuyển']),
  col('payment', 'PT thanh toán', ['Hình thức thanh toán', 'Thanh toán']),
  col('note', 'Ghi chú của người mua', ['Ghi chú']),
];

/**
 * A direct seller's own sheet ("Mẫu đơn hàng" in the README): the Postmart headers, and the
 * spellings sellers type by hand.
 */
const SELLER_COLUMNS: ColumnSpec[] = [
  col('externalId', 'Mã đơn hàng', ['Mã đơn', 'Mã ĐH', 'Số đơn', 'STT đơn'], true),
  col('placedAt', 'Ngày đặt hàng', ['Ngày đặt', 'Ngày', 'Thời gian']),
  col('name', 'Tên người nhận', ['Người nhận', 'Họ tên', 'Họ và tên', 'Khách hàng', 'Tên khách'], true),
  col('phone', 'Số điện thoại', ['SĐT', 'Điện thoại', 'SĐT người nhận'], true),
  col('address', 'Địa chỉ', ['Địa chỉ nhận hàng', 'Địa chỉ giao hàng'], true),
  col('ward', 'Phường/Xã', ['Xã/Phường', 'Phường', 'Xã']),
  col('district', 'Quận/Huyện', ['Huyện/Quận', 'Quận', 'Huyện']),
  col('province', 'Tỉnh/Thành phố', ['Tỉnh/TP', 'Tỉnh', 'Thành phố']),
  col('sku', 'Mã SKU', ['SKU', 'Mã sản phẩm', 'Mã hàng'], true),
  col('quantity', 'Số lượng', ['SL'], true),
  col('unitPrice', 'Đơn giá', ['Giá bán', 'Giá'], true),
  col('shippingFee', 'Phí vận chuyển', ['Phí giao hàng', 'Phí ship']),
  col('payment', 'Thanh toán', ['Hình thức thanh toán', 'Phương thức thanh toán']),
  col('note', 'Ghi chú', ['Ghi chú của khách', 'Ghi chú đơn hàng']),
];

export const SPREADSHEET_COLUMNS: Record<SpreadsheetSource, readonly ColumnSpec[]> = {
  postmart: POSTMART_COLUMNS,
  voso: VOSO_COLUMNS,
  seller: SELLER_COLUMNS,
};

/** Plain-English names of the fields, for messages. */
const FIELD_WORDS: Record<ColumnKey, string> = {
  externalId: 'order id',
  placedAt: 'order date',
  name: 'recipient name',
  phone: 'phone',
  address: 'address',
  ward: 'ward/commune',
  district: 'district',
  province: 'province',
  sku: 'product code (SKU)',
  quantity: 'quantity',
  unitPrice: 'unit price',
  shippingFee: 'shipping fee',
  payment: 'payment method',
  note: 'note',
};

/**
 * Header matching key: the shared `foldKey` (accents stripped, đ → d, lower case, zero-width
 * characters dropped) with punctuation collapsed too, so `Phường/Xã` and `phuong xa` match.
 */
export function foldHeader(header: string): string {
  return foldKey(header)
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

const INDEX_BY_SOURCE = new Map<SpreadsheetSource, Map<string, ColumnSpec>>(
  SPREADSHEET_SOURCES.map((source) => {
    const index = new Map<string, ColumnSpec>();
    for (const spec of SPREADSHEET_COLUMNS[source]) {
      for (const name of [spec.header, ...spec.variants]) index.set(foldHeader(name), spec);
    }
    return [source, index];
  }),
);

interface Column {
  spec: ColumnSpec;
  index: number;
  /** The header exactly as this file wrote it. */
  label: string;
}

function mapHeader(source: SpreadsheetSource, header: string[]): Map<ColumnKey, Column> {
  const index = INDEX_BY_SOURCE.get(source)!;
  const columns = new Map<ColumnKey, Column>();
  const issues: FieldIssue[] = [];
  header.forEach((cell, i) => {
    const spec = index.get(foldHeader(cell));
    if (spec === undefined) return;
    const seen = columns.get(spec.key);
    if (seen !== undefined) {
      issues.push({
        field: `column ${cell.trim()}`,
        label: cell.trim(),
        message: `is a second ${FIELD_WORDS[spec.key]} column (first: "${seen.label}"); keep one`,
      });
      return;
    }
    columns.set(spec.key, { spec, index: i, label: cell.trim() });
  });
  for (const spec of SPREADSHEET_COLUMNS[source]) {
    if (spec.required && !columns.has(spec.key)) {
      issues.push({
        field: `column ${spec.header}`,
        label: spec.header,
        message: `(${FIELD_WORDS[spec.key]}) is missing from the header row`,
      });
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return columns;
}

/** Reads the payment cell: COD / thu hộ / thanh toán khi nhận hàng vs. paid online or by transfer. */
export function readPaymentMethod(cell: string): 'cod' | 'prepaid' | undefined | 'unknown' {
  const folded = foldHeader(cell);
  if (folded === '') return undefined;
  if (/\bcod\b|khi nhan hang|thu ho|tien mat/.test(folded)) return 'cod';
  if (/da thanh toan|chuyen khoan|\bvi\b|the |online|prepaid|vnpay|momo|zalopay|napas/.test(`${folded} `)) {
    return 'prepaid';
  }
  return 'unknown';
}

/** Cells that describe the whole order rather than one line. */
const ORDER_LEVEL = new Set<ColumnKey>(['name', 'phone', 'address']);

interface GoodRow {
  row: number;
  cells: Map<ColumnKey, string>;
}

/** Records of a CSV text, numbered as the spreadsheet shows them. */
export function csvRecords(csvText: string): SheetRecord[] {
  return parseCsv(csvText).map((cells, i) => ({ row: i + 1, cells }));
}

/** Records of the first sheet of an XLSX workbook. */
export function xlsxRecords(bytes: Buffer): SheetRecord[] {
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === 0xd0cf11e0) {
    throw new ValidationError([
      {
        field: 'body',
        message:
          'is a legacy .xls workbook: save it as .xlsx (Excel: File → Save As → Excel Workbook) and upload again',
      },
    ]);
  }
  try {
    return readFirstSheet(bytes, {
      maxUnpackedBytes: 48 * 1024 * 1024,
      maxRows: MAX_SPREADSHEET_ROWS + HEADER_SEARCH_ROWS,
      maxColumns: 256,
    }).map(({ row, cells }) => {
      const texts: string[] = [];
      const kinds: Array<CellKind | undefined> = [];
      for (let i = 0; i < cells.length; i++) {
        texts.push(cells[i]?.text ?? '');
        kinds.push(cells[i]?.kind);
      }
      return { row, cells: texts, kinds };
    });
  } catch (error) {
    if (error instanceof XlsxTooLargeError) {
      throw new PayloadTooLargeError(`The XLSX file ${error.message}; split it into smaller files`);
    }
    if (error instanceof XlsxFormatError) {
      throw new ValidationError([
        { field: 'body', message: `is not a readable XLSX workbook: it ${error.message}` },
      ]);
    }
    throw error;
  }
}

/**
 * A phone Excel stored as a number has lost its leading 0 (0912345678 → 912345678) or its `+`
 * (+84912345678 → 84912345678): put it back. Text cells are left as typed.
 */
export function repairNumericPhone(text: string): string {
  const digits = text.trim();
  if (!/^\d+$/.test(digits)) return text;
  if (digits.startsWith('84') && (digits.length === 11 || digits.length === 12)) return `+${digits}`;
  if (!digits.startsWith('0') && (digits.length === 9 || digits.length === 10)) return `0${digits}`;
  return text;
}

function isBlank(record: SheetRecord): boolean {
  return record.cells.every((c) => c.trim() === '');
}

/** The header row: the first of the top rows with at least three known headers, else the first row. */
function findHeader(source: SpreadsheetSource, records: SheetRecord[]): number {
  const index = INDEX_BY_SOURCE.get(source)!;
  let first = -1;
  let seen = 0;
  for (let i = 0; i < records.length && seen < HEADER_SEARCH_ROWS; i++) {
    const record = records[i]!;
    if (isBlank(record)) continue;
    if (first < 0) first = i;
    seen++;
    const known = new Set(
      record.cells.map((c) => index.get(foldHeader(c))?.key).filter((k) => k !== undefined),
    );
    if (known.size >= 3) return i;
  }
  return first;
}

export function readSpreadsheet(
  source: SpreadsheetSource,
  input: string | SheetRecord[],
): { orders: RawOrder[]; rowErrors: RowError[] } {
  const records = typeof input === 'string' ? csvRecords(input) : input;
  const headerAt = findHeader(source, records);
  if (headerAt < 0) {
    throw new ValidationError([
      { field: 'body', message: 'is empty; expected a spreadsheet with a header row' },
    ]);
  }
  const header = records[headerAt]!.cells;
  let dataRows = 0;
  for (let r = headerAt + 1; r < records.length; r++) if (!isBlank(records[r]!)) dataRows++;
  if (dataRows > MAX_SPREADSHEET_ROWS) {
    throw new PayloadTooLargeError(
      `The spreadsheet has more than ${MAX_SPREADSHEET_ROWS} order rows; split it into smaller files`,
    );
  }
  const columns = mapHeader(source, header);
  const rowErrors: RowError[] = [];
  const groups = new Map<string, { rows: GoodRow[]; badRows: number[] }>();

  for (let r = headerAt + 1; r < records.length; r++) {
    const record = records[r]!;
    const { row } = record;
    if (isBlank(record)) continue;
    const cells = new Map<ColumnKey, string>();
    for (const [key, column] of columns) {
      let text = (record.cells[column.index] ?? '').trim();
      if (key === 'phone' && record.kinds?.[column.index] === 'number') text = repairNumericPhone(text);
      cells.set(key, text);
    }
    const errorsBefore = rowErrors.length;
    const fail = (key: ColumnKey, message: string) => {
      const column = columns.get(key)!;
      rowErrors.push({ row, field: FIELD_WORDS[key], label: column.label, message });
    };
    const externalId = cells.get('externalId') ?? '';
    // Continuation rows of an order may leave the order-level cells (recipient) empty.
    const continuation = externalId !== '' && groups.has(externalId);
    for (const [key, column] of columns) {
      if (!column.spec.required || cells.get(key) !== '') continue;
      if (continuation && ORDER_LEVEL.has(key)) continue;
      fail(key, 'is empty');
    }
    // The canonical checks (normalise-order.ts), cell by cell, so each error names its row.
    const check = (key: ColumnKey, read: (text: string, issues: FieldIssue[]) => void) => {
      const text = cells.get(key) ?? '';
      if (text === '') return;
      const issues: FieldIssue[] = [];
      read(text, issues);
      for (const issue of issues) fail(key, issue.message);
    };
    check('quantity', (text, issues) => quantityOf(text, 'quantity', issues));
    check('unitPrice', (text, issues) => moneyOf(text, 'unitPrice', issues, MAX_UNIT_PRICE_VND));
    check('shippingFee', (text, issues) => moneyOf(text, 'shippingFee', issues, MAX_SHIPPING_FEE_VND));
    check('placedAt', (text, issues) => {
      try {
        parseInstant(text);
      } catch (error) {
        issues.push({ field: 'placedAt', message: (error as Error).message });
      }
    });
    if (readPaymentMethod(cells.get('payment') ?? '') === 'unknown') {
      fail('payment', 'is neither cash on delivery (COD, thu hộ) nor paid (đã thanh toán, chuyển khoản, ví)');
    }
    if (externalId === '') continue;
    const group = groups.get(externalId) ?? { rows: [], badRows: [] };
    groups.set(externalId, group);
    if (rowErrors.length > errorsBefore) group.badRows.push(row);
    else group.rows.push({ row, cells });
  }

  const orders: RawOrder[] = [];
  const externalIdLabel = columns.get('externalId')!.label;
  const holdBack = (rows: GoodRow[], badRows: number[]) => {
    for (const good of rows) {
      if (badRows.includes(good.row)) continue;
      rowErrors.push({
        row: good.row,
        field: FIELD_WORDS.externalId,
        label: externalIdLabel,
        message: `order held back: row ${badRows.join(', ')} of the same order has errors`,
      });
    }
  };
  const receivedAt = new Date();
  for (const [externalId, group] of groups) {
    if (group.badRows.length > 0) {
      holdBack(group.rows, group.badRows);
      continue;
    }
    const conflicts = conflictsOf(group.rows, columns);
    if (conflicts.length > 0) {
      rowErrors.push(...conflicts);
      holdBack(group.rows, [...new Set(conflicts.map((c) => c.row))]);
      continue;
    }
    const order = toRawOrder(SPREADSHEET_CHANNEL[source], externalId, group.rows);
    try {
      // Everything the pipeline will check, here, so no error of this file comes back as an order
      // error without its row (a total over the limit, a field a later rule adds).
      checkOrderFields(order, receivedAt);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const mapped = error.issues.map((issue) => rowErrorOf(issue, group.rows, columns));
      rowErrors.push(...mapped);
      holdBack(group.rows, [...new Set(mapped.map((e) => e.row))]);
      continue;
    }
    orders.push(order);
  }
  rowErrors.sort((a, b) => a.row - b.row);
  return { orders, rowErrors };
}

/** Cells that must agree on every row of one order (a blank cell on a later row is fine). */
const AGREEING: ColumnKey[] = [
  'name',
  'phone',
  'address',
  'ward',
  'district',
  'province',
  'placedAt',
  'payment',
];

/**
 * Rows of one order that contradict each other (two recipients, two dates) or repeat each other
 * cell for cell (an export pasted twice, which would double the quantity): one error per row.
 */
function conflictsOf(rows: GoodRow[], columns: Map<ColumnKey, Column>): RowError[] {
  const errors: RowError[] = [];
  const seen = new Map<string, number>();
  for (const [i, { row, cells }] of rows.entries()) {
    const key = JSON.stringify([...columns.keys()].map((k) => cells.get(k) ?? ''));
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      errors.push({
        row,
        field: 'order line',
        message: `repeats row ${earlier} cell for cell (the same line twice would double the quantity): delete one of them, or put the total quantity on one row`,
      });
      continue;
    }
    seen.set(key, row);
    if (i === 0) continue;
    for (const column of AGREEING) {
      const value = cells.get(column) ?? '';
      if (value === '') continue;
      const first = rows.find((r) => (r.cells.get(column) ?? '') !== '')!;
      if (first.row === row || first.cells.get(column) === value) continue;
      errors.push({
        row,
        field: FIELD_WORDS[column],
        label: columns.get(column)!.label,
        message: `differs from row ${first.row} of the same order: one order has one ${FIELD_WORDS[column]}; correct the rows, or give them different order ids`,
      });
    }
  }
  return errors;
}

/** Which spreadsheet column holds each order-level field the canonical check names. */
const ORDER_FIELD_COLUMN: Record<string, ColumnKey> = {
  externalId: 'externalId',
  'buyer.name': 'name',
  placedAt: 'placedAt',
  shippingFee: 'shippingFee',
  lines: 'sku',
};
const LINE_FIELD_COLUMN: Record<string, ColumnKey> = {
  sku: 'sku',
  quantity: 'quantity',
  unitPrice: 'unitPrice',
};

/**
 * A canonical field issue (`lines[1].unitPrice`, `placedAt`, `totalVnd`) as the row error of the row
 * it came from: a line's field is its row; an order-level field is the first row with a value.
 */
function rowErrorOf(issue: FieldIssue, rows: GoodRow[], columns: Map<ColumnKey, Column>): RowError {
  const line = /^lines\[(\d+)\]\.(\w+)$/.exec(issue.field);
  const key = line ? LINE_FIELD_COLUMN[line[2]!] : ORDER_FIELD_COLUMN[issue.field];
  const source = line
    ? rows[Number(line[1])]
    : key !== undefined
      ? (rows.find((r) => (r.cells.get(key) ?? '') !== '') ?? rows[0])
      : rows[0];
  const column = key !== undefined ? columns.get(key) : undefined;
  if (key === undefined || column === undefined) {
    return {
      row: source!.row,
      field: issue.field === 'totalVnd' ? 'order total' : issue.field,
      message: issue.message,
    };
  }
  return { row: source!.row, field: FIELD_WORDS[key], label: column.label, message: issue.message };
}

function firstNonEmpty(rows: GoodRow[], key: ColumnKey): string | undefined {
  for (const row of rows) {
    const value = row.cells.get(key);
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

function toRawOrder(channel: Channel, externalId: string, rows: GoodRow[]): RawOrder {
  const first = rows[0]!.cells;
  const street = first.get('address') ?? '';
  const parts: RawAddressParts = { street };
  for (const key of ['ward', 'district', 'province'] as const) {
    const value = first.get(key);
    if (value !== undefined && value !== '') parts[key] = value;
  }
  const hasParts = parts.ward !== undefined || parts.district !== undefined || parts.province !== undefined;
  const lines: RawOrderLine[] = rows.map(({ cells }) => ({
    sku: cells.get('sku') ?? '',
    quantity: cells.get('quantity') ?? '',
    unitPrice: cells.get('unitPrice') ?? '',
  }));
  const order: RawOrder = {
    channel,
    externalId,
    buyer: {
      name: first.get('name') ?? '',
      phone: first.get('phone') ?? '',
      address: hasParts ? parts : street,
    },
    lines,
  };
  const placedAt = firstNonEmpty(rows, 'placedAt');
  if (placedAt !== undefined) order.placedAt = placedAt;
  // Exports repeat order-level values on every line, or write them on the first line only.
  const shippingFee = firstNonEmpty(rows, 'shippingFee');
  if (shippingFee !== undefined) order.shippingFee = shippingFee;
  const payment = readPaymentMethod(first.get('payment') ?? '');
  if (payment === 'cod' || payment === 'prepaid') order.paymentMethod = payment;
  const note = firstNonEmpty(rows, 'note');
  if (note !== undefined) order.note = note;
  return order;
}

/** The CSV's text; one that is not UTF-8 (Excel's Windows default, cp1258) is told how to save it. */
export function decodeCsvBody(bytes: Buffer): string {
  try {
    return decodeUtf8Body(bytes);
  } catch (error) {
    if (error instanceof ValidationError && error.issues[0]?.message === 'is not valid UTF-8 text') {
      throw new ValidationError([
        {
          field: 'body',
          message:
            "is not valid UTF-8 text (Excel's Windows encoding, cp1258?): save as CSV UTF-8 (Excel: File → Save As → CSV UTF-8 (Comma delimited)) and upload again",
        },
      ]);
    }
    throw error;
  }
}

function sourceOf(request: InboundRequest): SpreadsheetSource {
  const source = request.query['source'];
  if (source === undefined || !(SPREADSHEET_SOURCES as readonly string[]).includes(source)) {
    throw new ValidationError([
      { field: 'source', message: `query parameter must be one of ${SPREADSHEET_SOURCES.join(', ')}` },
    ]);
  }
  return source as SpreadsheetSource;
}

/** `source=seller` names whose sheet it is; other sources have no seller. */
function sellerOf(
  request: InboundRequest,
  source: SpreadsheetSource,
  ctx: ChannelContext,
): string | undefined {
  const seller = request.query['seller'];
  if (source !== 'seller') {
    if (seller === undefined) return undefined;
    throw new ValidationError([
      { field: 'seller', message: `only source=seller takes a seller; ${source} orders have none` },
    ]);
  }
  if (seller === undefined || seller === '')
    throw new ValidationError([
      { field: 'seller', message: 'query parameter is required with source=seller: whose orders these are' },
    ]);
  if (!knownSellers(ctx.secrets.portalKeyGrants).has(seller))
    throw new ValidationError([{ field: 'seller', message: `no portal key acts for seller ${seller}` }]);
  return seller;
}

/** The reader the Content-Type asks for: CSV or XLSX; anything else is a 415. */
export function formatOf(request: InboundRequest): 'csv' | 'xlsx' {
  const type = (request.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (type === CSV_CONTENT_TYPE) return 'csv';
  if (type === XLSX_CONTENT_TYPE) return 'xlsx';
  throw new UnsupportedMediaTypeError(
    `Content-Type ${type === '' ? '(none)' : `"${type}"`} is not read here: send ${CSV_CONTENT_TYPE} (CSV, UTF-8) or ${XLSX_CONTENT_TYPE} (XLSX)`,
  );
}

export const spreadsheetAdapter: ChannelAdapter = {
  routes: ['POST /v1/imports/spreadsheet'],
  channel: 'spreadsheet',
  async handle(request: InboundRequest, ctx: ChannelContext): Promise<AdapterResult> {
    verifyApiKeySignature(request, ctx.secrets.importApiKeys, ctx.now());
    const source = sourceOf(request);
    const seller = sellerOf(request, source, ctx);
    const format = formatOf(request);
    if (request.rawBody.length > MAX_SPREADSHEET_BYTES) {
      throw new PayloadTooLargeError(
        `The file is ${request.rawBody.length} bytes; at most ${MAX_SPREADSHEET_BYTES} (4 MiB) per upload, split it`,
      );
    }
    const records =
      format === 'xlsx' ? xlsxRecords(request.rawBody) : csvRecords(decodeCsvBody(request.rawBody));
    const { orders, rowErrors } = readSpreadsheet(source, records);
    if (orders.length === 0 && rowErrors.length === 0) {
      throw new ValidationError([{ field: 'body', message: 'has a header row but no order rows' }]);
    }
    // Nothing to import at all: the upload as a whole is refused (400), each row named.
    if (orders.length === 0) {
      throw new ValidationError(
        rowErrors.map((e) => ({
          field: `row ${e.row}: ${e.field}`,
          ...(e.label !== undefined ? { label: e.label } : {}),
          message: e.message,
        })),
      );
    }
    return {
      kind: 'orders',
      orders: seller === undefined ? orders : orders.map((o) => ({ ...o, seller })),
      rowErrors,
    };
  },
};
