/**
 * XLSX spreadsheet import: the reader (xlsx.ts, zip.ts) on workbooks shaped the way Excel, Google
 * Sheets and .NET exporters write them, its zip-bomb and size guards, and the spreadsheet adapter
 * choosing CSV or XLSX by Content-Type.
 */
import { deflateRawSync } from 'node:zlib';
import { spreadsheetRequest } from '../../../shared/channels/encoders.js';
import {
  MAX_SPREADSHEET_ROWS,
  readSpreadsheet,
  repairNumericPhone,
  spreadsheetAdapter,
  XLSX_CONTENT_TYPE,
  xlsxRecords,
} from '../../../shared/channels/spreadsheet.js';
import type { AdapterResult } from '../../../shared/channels/types.js';
import {
  excelSerialToText,
  isDateFormatCode,
  numberText,
  readFirstSheet,
  type WriteCell,
  writeXlsx,
  XlsxFormatError,
  XlsxTooLargeError,
} from '../../../shared/channels/xlsx.js';
import { writeZip } from '../../../shared/channels/zip.js';
import {
  InvalidSignatureError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../../shared/errors.js';
import { context, inbound, loadSample, NOW, secrets, tampered, thrown } from './fixtures.js';

const HEADER: WriteCell[] = [
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

function ordersOf(result: AdapterResult) {
  if (result.kind !== 'orders') throw new Error(`expected orders, got ${result.kind}`);
  return result;
}

function upload(file: Buffer | string, contentType?: string) {
  return inbound(spreadsheetRequest(file, 'postmart', secrets, NOW, undefined, contentType));
}

/** A workbook from raw XML parts (what other writers produce), zipped. */
function workbook(parts: Record<string, string>): Buffer {
  const base: Record<string, string> = {
    '[Content_Types].xml': '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    'xl/workbook.xml':
      '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="A" sheetId="1" r:id="rId1"/></sheets></workbook>',
    'xl/_rels/workbook.xml.rels':
      '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
  };
  return writeZip(
    Object.entries({ ...base, ...parts }).map(([name, xml]) => ({ name, data: Buffer.from(xml, 'utf8') })),
  );
}

describe('XLSX reader', () => {
  it('reads strings, rich text, numbers, dates and blank cells losslessly, with real row numbers', () => {
    const bytes = writeXlsx([
      ['DANH SÁCH ĐƠN HÀNG'],
      [],
      ['Mã', 'Ngày', 'Tên', 'SĐT', 'Giá', 'Ghi chú'],
      [
        'PM-1',
        { dateTime: '2026-06-15T08:10' },
        { richText: [{ text: 'Nguyễn ', bold: true }, { text: 'Thị Hoa' }] },
        912345678,
        199000,
        ' "gọi trước" & <giao> \n chiều ',
      ],
      [null, null, 'Lê Bình', 84912345678, 0.5],
    ]);
    const rows = readFirstSheet(bytes);
    expect(rows.map((r) => r.row)).toEqual([1, 3, 4, 5]);
    expect(rows[2]!.cells).toEqual([
      { text: 'PM-1', kind: 'string' },
      { text: '15/06/2026 08:10:00', kind: 'date' },
      { text: 'Nguyễn Thị Hoa', kind: 'string' },
      { text: '912345678', kind: 'number' },
      { text: '199000', kind: 'number' },
      { text: ' "gọi trước" & <giao> \n chiều ', kind: 'string' },
    ]);
    expect(rows[3]!.cells[0]).toBeUndefined();
    expect(rows[3]!.cells.slice(2)).toEqual([
      { text: 'Lê Bình', kind: 'string' },
      { text: '84912345678', kind: 'number' },
      { text: '0.5', kind: 'number' },
    ]);
  });

  it('reads prefixed namespaces, inline strings, phonetic runs, formulas, booleans, errors and the 1904 date system', () => {
    const bytes = workbook({
      'xl/workbook.xml':
        '<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><x:workbookPr date1904="1"/><x:sheets><x:sheet name="Đơn" sheetId="7" r:id="rId9"/><x:sheet name="Khác" sheetId="8" r:id="rId1"/></x:sheets></x:workbook>',
      'xl/_rels/workbook.xml.rels':
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/other.xml"/><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/orders.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="strings.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
      'xl/strings.xml':
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><r><t>Vải </t></r><r><t xml:space="preserve">thiều</t></r><rPh sb="0" eb="1"><t>ignored</t></rPh></si><si><t>a_x000D_b&amp;c</t></si></sst>',
      'xl/styles.xml':
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts><numFmt numFmtId="170" formatCode="[$-42A]dd/mm/yyyy;@"/><numFmt numFmtId="171" formatCode="#,##0&quot;đ&quot;"/></numFmts><cellStyleXfs><xf numFmtId="14"/></cellStyleXfs><cellXfs><xf numFmtId="0"/><xf numFmtId="170"/><xf numFmtId="171"/><xf numFmtId="14"/></cellXfs></styleSheet>',
      'xl/worksheets/other.xml':
        '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>wrong sheet</t></is></c></row></sheetData></worksheet>',
      'xl/worksheets/orders.xml':
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>' +
        '<x:row r="2"><x:c r="B2" t="s"><x:v>0</x:v></x:c><x:c r="C2" t="inlineStr"><x:is><x:t>Bắc &#7842; &#x1EA0;</x:t></x:is></x:c><x:c r="D2" s="1"><x:v>45456</x:v></x:c><x:c r="E2" s="2"><x:v>395000</x:v></x:c></x:row>' +
        '<x:row r="3"><x:c t="s"><x:v>1</x:v></x:c><x:c t="str"><x:f>A3&amp;"x"</x:f><x:v>kết quả</x:v></x:c><x:c t="b"><x:v>1</x:v></x:c><x:c t="e"><x:v>#N/A</x:v></x:c><x:c s="3"><x:v>0</x:v></x:c><x:c><x:v>1.2345678901234E+17</x:v></x:c><x:c t="d"><x:v>2026-06-15T08:10:00</x:v></x:c></x:row>' +
        '<x:row r="4"/></x:sheetData></x:worksheet>',
    });
    const rows = readFirstSheet(bytes);
    expect(rows.map((r) => r.row)).toEqual([2, 3]);
    expect(rows[0]!.cells[0]).toBeUndefined();
    expect(rows[0]!.cells.slice(1)).toEqual([
      { text: 'Vải thiều', kind: 'string' },
      { text: 'Bắc Ả Ạ', kind: 'string' },
      // 45456 in the 1904 system is 2028-06-14 (1,462 days after the same serial in the 1900 system).
      { text: '14/06/2028 00:00:00', kind: 'date' },
      { text: '395000', kind: 'number' },
    ]);
    expect(rows[1]!.cells).toEqual([
      { text: 'a\rb&c', kind: 'string' },
      { text: 'kết quả', kind: 'string' },
      { text: 'TRUE', kind: 'boolean' },
      { text: '#N/A', kind: 'error' },
      { text: '01/01/1904 00:00:00', kind: 'date' },
      { text: '123456789012340000', kind: 'number' },
      { text: '15/06/2026 08:10:00', kind: 'date' },
    ]);
  });

  it('shows numbers as Excel does: integers digit for digit, exponents written out, formula noise rounded', () => {
    expect(numberText('199000')).toBe('199000');
    expect(numberText('576486316948490001')).toBe('576486316948490001');
    expect(numberText('30000.000000000004')).toBe('30000');
    expect(numberText('0.30000000000000004')).toBe('0.3');
    expect(numberText('1.5')).toBe('1.5');
    expect(numberText('1.2345678901234E+17')).toBe('123456789012340000');
    expect(numberText('-2')).toBe('-2');
  });

  it('tells date formats from number formats, and converts 1900-system serials', () => {
    expect(isDateFormatCode('dd/mm/yyyy hh:mm')).toBe(true);
    expect(isDateFormatCode('[$-42A]d mmmm yyyy')).toBe(true);
    expect(isDateFormatCode('#,##0"đ"')).toBe(false);
    expect(isDateFormatCode('0.00E+00')).toBe(false);
    expect(isDateFormatCode('[h]:mm')).toBe(false);
    expect(isDateFormatCode('General')).toBe(false);
    expect(excelSerialToText(46188.34375, false)).toBe('15/06/2026 08:15:00');
    expect(excelSerialToText(1, false)).toBe('01/01/1900 00:00:00');
    expect(excelSerialToText(61, false)).toBe('01/03/1900 00:00:00');
  });

  it('refuses what is not an XLSX workbook', () => {
    expect(() => readFirstSheet(Buffer.from('Mã đơn hàng,SĐT\r\n'))).toThrow(XlsxFormatError);
    // A password-protected workbook is an OLE compound file, not a ZIP.
    expect(() => readFirstSheet(Buffer.from('d0cf11e0a1b11ae1', 'hex'))).toThrow(XlsxFormatError);
    expect(() =>
      readFirstSheet(writeZip([{ name: 'word/document.xml', data: Buffer.from('<w/>') }])),
    ).toThrow(/no xl\/workbook\.xml/);
    const bytes = writeXlsx([['a']]);
    expect(() => readFirstSheet(bytes.subarray(0, bytes.length - 30))).toThrow(XlsxFormatError);
  });

  it('stops a zip bomb: declared sizes are checked, and inflation is capped even when they lie', () => {
    const zeros = Buffer.alloc(64 * 1024 * 1024);
    const sheet = Buffer.concat([Buffer.from('<worksheet><sheetData>'), zeros]);
    const bomb = writeZip([
      {
        name: 'xl/workbook.xml',
        data: Buffer.from('<workbook><sheets><sheet r:id="rId1"/></sheets></workbook>'),
      },
      { name: 'xl/worksheets/sheet1.xml', data: sheet },
    ]);
    expect(bomb.length).toBeLessThan(200 * 1024);
    expect(() => readFirstSheet(bomb)).toThrow(XlsxTooLargeError);
    // The same archive claiming its sheet unpacks to 100 bytes (central directory edited).
    const lying = Buffer.from(bomb);
    const central = lying.lastIndexOf(Buffer.from('xl/worksheets/sheet1.xml')) - 46;
    expect(lying.readUInt32LE(central)).toBe(0x02014b50);
    lying.writeUInt32LE(100, central + 24);
    expect(() => readFirstSheet(lying)).toThrow(XlsxTooLargeError);
  });

  it('refuses more rows or columns than the limits', () => {
    const rows: WriteCell[][] = Array.from({ length: 11 }, (_v, i) => [`r${i}`]);
    expect(() =>
      readFirstSheet(writeXlsx(rows), { maxUnpackedBytes: 1e6, maxRows: 10, maxColumns: 5 }),
    ).toThrow(/more than 10 rows/);
    const wide = workbook({
      'xl/worksheets/sheet1.xml':
        '<worksheet><sheetData><row r="1"><c r="ZZ1"><v>1</v></c></row></sheetData></worksheet>',
    });
    expect(() => readFirstSheet(wide, { maxUnpackedBytes: 1e6, maxRows: 10, maxColumns: 256 })).toThrow(
      /beyond column 256/,
    );
  });

  it('refuses a damaged deflate stream and a checksum mismatch', () => {
    const good = writeXlsx([['PM-1']]);
    const name = Buffer.from('xl/worksheets/sheet1.xml');
    const local = good.indexOf(name) - 30;
    const bad = Buffer.from(good);
    bad.writeUInt32LE(
      (bad.readUInt32LE(bad.lastIndexOf(name) - 46 + 16) ^ 1) >>> 0,
      bad.lastIndexOf(name) - 46 + 16,
    );
    expect(() => readFirstSheet(bad)).toThrow(/checksum/);
    const garbled = Buffer.from(good);
    const dataAt = local + 30 + name.length;
    deflateRawSync(Buffer.from('x')).copy(garbled, dataAt); // wrong content, wrong length
    expect(() => readFirstSheet(garbled)).toThrow(XlsxFormatError);
  });
});

describe('numeric phones', () => {
  it.each([
    ['912345678', '0912345678'],
    ['2223854123', '02223854123'],
    ['84912345678', '+84912345678'],
    ['0912345678', '0912345678'],
    ['12345', '12345'],
  ])('%s → %s', (typed, repaired) => {
    expect(repairNumericPhone(typed)).toBe(repaired);
  });
});

describe('spreadsheet adapter with XLSX', () => {
  it('accepts the signed XLSX sample: title row skipped, dates read, the phone typed as a number gets its 0 back', async () => {
    const result = ordersOf(
      await spreadsheetAdapter.handle(inbound(loadSample('spreadsheet-postmart-xlsx')), context()),
    );
    expect(result.rowErrors).toEqual([]);
    expect(result.orders.map((o) => o.externalId)).toEqual(['PM2606150101', 'PM2606150102']);
    expect(result.orders[0]).toMatchObject({
      placedAt: '15/06/2026 08:45:00',
      buyer: { name: 'Trần Minh Khôi', phone: '0968123456' },
      lines: [
        { sku: 'LYCHEE-LN-5KG', quantity: '3', unitPrice: '200000' },
        { sku: 'LYCHEE-LN-3KG', quantity: '1', unitPrice: '135000' },
      ],
      shippingFee: '30000',
      paymentMethod: 'cod',
    });
    expect(result.orders[1]!.buyer.phone).toBe('+84 983 111 222'); // typed as text: kept as typed
  });

  it('verifies the signature over the raw XLSX bytes', async () => {
    const request = inbound(loadSample('spreadsheet-postmart-xlsx'));
    expect(await thrown(() => spreadsheetAdapter.handle(tampered(request), context()))).toBeInstanceOf(
      InvalidSignatureError,
    );
  });

  it('reports a bad row by its spreadsheet row number and field; good rows go through', async () => {
    const file = writeXlsx([
      ['Đơn hàng tháng 6'],
      HEADER,
      [
        'PM-X1',
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
        'PM-X2',
        { dateTime: '2026-06-15T08:11' },
        'Lê Văn Bình',
        912345679,
        '14 Nguyễn Trãi',
        'Phường Thanh Xuân',
        'Hà Nội',
        'LYCHEE-LN-5KG',
        1.5,
        200000,
      ],
      [
        'PM-X3',
        { dateTime: '2026-06-15T08:12' },
        'Lê Văn Cường',
        null,
        '16 Nguyễn Trãi',
        'Phường Thanh Xuân',
        'Hà Nội',
        'LYCHEE-LN-5KG',
        1,
        200000,
      ],
    ]);
    const result = ordersOf(await spreadsheetAdapter.handle(upload(file), context()));
    expect(result.orders.map((o) => o.externalId)).toEqual(['PM-X1']);
    expect(result.rowErrors).toEqual([
      expect.objectContaining({ row: 4, field: 'quantity', label: 'Số lượng' }),
      expect.objectContaining({ row: 5, field: 'phone', label: 'Số điện thoại', message: 'is empty' }),
    ]);
  });

  it('finds the same columns in CSV and XLSX: same orders from the same rows', () => {
    const rows: WriteCell[][] = [
      HEADER,
      [
        'PM-Y1',
        '15/06/2026 08:10',
        'Nguyễn Thị Hoa',
        '0912345678',
        '12 Nguyễn Trãi',
        'Phường Thanh Xuân',
        'Hà Nội',
        'LYCHEE-LN-5KG',
        '2',
        '200.000',
      ],
    ];
    const csv = rows.map((r) => r.join(',')).join('\r\n');
    expect(readSpreadsheet('postmart', xlsxRecords(writeXlsx(rows)))).toEqual(
      readSpreadsheet('postmart', csv),
    );
  });

  it('answers an unknown or missing Content-Type with 415, naming both accepted types', async () => {
    for (const type of ['application/vnd.ms-excel', 'application/octet-stream', '']) {
      const request = upload(writeXlsx([HEADER]), type);
      if (type === '') delete request.headers['content-type'];
      const error = await thrown(() => spreadsheetAdapter.handle(request, context()));
      expect(error).toBeInstanceOf(UnsupportedMediaTypeError);
      expect((error as Error).message).toContain('text/csv');
      expect((error as Error).message).toContain(XLSX_CONTENT_TYPE);
    }
  });

  it('refuses a body declared XLSX that is not one, naming the body', async () => {
    const error = await thrown(() =>
      spreadsheetAdapter.handle(upload('Mã đơn hàng\r\nPM-1\r\n', XLSX_CONTENT_TYPE), context()),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      expect.objectContaining({ field: 'body', message: expect.stringContaining('not a readable XLSX') }),
    ]);
  });

  it('refuses files over the row limit with 413 (CSV and XLSX alike)', async () => {
    const row =
      'PM-Z,15/06/2026 08:10,Hoa,0912345678,12 Nguyễn Trãi,Phường Thanh Xuân,Hà Nội,LYCHEE-LN-5KG,1,200000';
    const csv = [
      HEADER.join(','),
      ...Array.from({ length: MAX_SPREADSHEET_ROWS + 1 }, (_v, i) => row.replace('PM-Z', `PM-Z${i}`)),
    ].join('\n');
    expect(await thrown(() => spreadsheetAdapter.handle(upload(csv), context()))).toBeInstanceOf(
      PayloadTooLargeError,
    );
    const sheet: WriteCell[][] = [
      HEADER,
      ...Array.from({ length: MAX_SPREADSHEET_ROWS + 20 }, (_v, i) => [`PM-Z${i}`]),
    ];
    const error = await thrown(() => spreadsheetAdapter.handle(upload(writeXlsx(sheet)), context()));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as Error).message).toMatch(/split it/);
  });
});
