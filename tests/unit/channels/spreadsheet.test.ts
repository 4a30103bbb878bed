import { spreadsheetRequest } from '../../../shared/channels/encoders.js';
import { spreadsheetAdapter } from '../../../shared/channels/spreadsheet.js';
import type { AdapterResult } from '../../../shared/channels/types.js';
import { InvalidSignatureError, ValidationError } from '../../../shared/errors.js';
import { context, inbound, loadSample, NOW, secrets, tampered, thrown } from './fixtures.js';

const POSTMART_HEADER =
  'Mã đơn hàng,Ngày đặt hàng,Tên người nhận,Số điện thoại,Địa chỉ,Phường/Xã,Tỉnh/Thành phố,Mã SKU,Số lượng,Đơn giá,Phí vận chuyển,Thanh toán,Ghi chú';

function upload(csv: string, source = 'postmart') {
  const request = spreadsheetRequest(csv, 'postmart', secrets, NOW);
  return inbound({ ...request, query: { source } });
}

function ordersOf(result: AdapterResult) {
  if (result.kind !== 'orders') throw new Error(`expected orders, got ${result.kind}`);
  return result;
}

describe('spreadsheet adapter (POST /v1/imports/spreadsheet)', () => {
  it('accepts the signed Postmart sample: rows with the same order id form one order', async () => {
    const result = ordersOf(
      await spreadsheetAdapter.handle(inbound(loadSample('spreadsheet-postmart')), context()),
    );
    expect(result.rowErrors).toEqual([]);
    expect(result.orders).toEqual([
      {
        channel: 'postmart',
        externalId: 'PM2606150001',
        placedAt: '15/06/2026 08:10',
        buyer: {
          name: 'Nguyễn Thị Hoa',
          phone: '0912345678',
          address: { street: '12 Nguyễn Trãi', ward: 'Phường Thanh Xuân', province: 'Thành phố Hà Nội' },
        },
        lines: [
          { sku: 'LYCHEE-LN-5KG', quantity: '2', unitPrice: '200.000' },
          { sku: 'OCOP-MAT-ONG-500ML', quantity: '1', unitPrice: '150.000' },
        ],
        shippingFee: '30.000',
        paymentMethod: 'cod',
        note: 'Giao giờ hành chính, "gọi trước"',
      },
      {
        channel: 'postmart',
        externalId: 'PM2606150002',
        placedAt: '15/06/2026 08:31',
        buyer: {
          name: 'Đỗ Quang Huy',
          phone: '0977 000 333',
          address: {
            street: 'Số 7, ngõ 15 Lý Thường Kiệt',
            ward: 'Phường Kinh Bắc',
            province: 'Tỉnh Bắc Ninh',
          },
        },
        lines: [{ sku: 'OCOP-MIEN-CHU-1KG', quantity: '5', unitPrice: '65.000' }],
        shippingFee: '20.000',
        paymentMethod: 'prepaid',
      },
    ]);
  });

  it("accepts the signed Voso sample with Voso's own headers", async () => {
    const result = ordersOf(
      await spreadsheetAdapter.handle(inbound(loadSample('spreadsheet-voso')), context()),
    );
    expect(result.orders).toEqual([
      expect.objectContaining({
        channel: 'voso',
        externalId: 'VS-88213407',
        buyer: {
          name: 'Vũ Thị Lan',
          phone: '0345 678 901',
          address: { street: '102 Hoàng Quốc Việt', ward: 'Phường Nghĩa Đô', province: 'Hà Nội' },
        },
        lines: [{ sku: 'LYCHEE-LN-3KG', quantity: '4', unitPrice: '130000' }],
      }),
    ]);
  });

  it('refuses an upload with one changed byte', async () => {
    const request = inbound(loadSample('spreadsheet-postmart'));
    await expect(spreadsheetAdapter.handle(tampered(request), context())).rejects.toThrow(
      InvalidSignatureError,
    );
  });

  it('names the source query parameter when it is missing or unknown', async () => {
    const csv = `${POSTMART_HEADER}\nA1,,An,0912,Số 1,,Hà Nội,LYCHEE-LN-5KG,1,200000,,,`;
    for (const source of ['', 'lazada']) {
      const error = await thrown(() => spreadsheetAdapter.handle(upload(csv, source), context()));
      expect((error as ValidationError).issues[0]?.field).toBe('source');
    }
  });

  it('reports a bad row with its row number and Vietnamese column, and lets the good rows through', async () => {
    const csv = [
      POSTMART_HEADER,
      'A1,,Nguyễn An,0912000001,Số 1 Lê Lợi,Phường Kinh Bắc,Tỉnh Bắc Ninh,LYCHEE-LN-5KG,1,200.000,,COD,',
      'B2,,Trần Bình,,Số 2 Lê Lợi,Phường Kinh Bắc,Tỉnh Bắc Ninh,LYCHEE-LN-5KG,1,200.000,,COD,',
      'C3,,Lê Cúc,0912000003,Số 3 Lê Lợi,Phường Kinh Bắc,Tỉnh Bắc Ninh,LYCHEE-LN-3KG,2,130.000,,,',
      'D4,,Phạm Dũng,0912000004,Số 4 Lê Lợi,Phường Kinh Bắc,Tỉnh Bắc Ninh,LYCHEE-LN-3KG,hai,130.000,,,',
    ].join('\n');
    const result = ordersOf(await spreadsheetAdapter.handle(upload(csv), context()));
    expect(result.orders.map((o) => o.externalId)).toEqual(['A1', 'C3']);
    expect(result.rowErrors).toEqual([
      { row: 3, field: 'phone', label: 'Số điện thoại', message: 'is empty' },
      {
        row: 5,
        field: 'quantity',
        label: 'Số lượng',
        message: 'must be a whole number of units, at least 1 (got "hai")',
      },
    ]);
  });

  it('holds back a whole order when one of its rows is bad, and counts blank lines in row numbers', async () => {
    const csv = [
      POSTMART_HEADER,
      'M1,,Nguyễn An,0912000001,Số 1 Lê Lợi,,Tỉnh Bắc Ninh,LYCHEE-LN-5KG,1,200000,,,',
      '',
      'M1,,,,,,,,2,90000,,,',
      'N2,,Trần Bình,0912000002,Số 2 Lê Lợi,,Tỉnh Bắc Ninh,LYCHEE-LN-2KG,1,90000,,,',
    ].join('\r\n');
    const result = ordersOf(await spreadsheetAdapter.handle(upload(csv), context()));
    expect(result.orders.map((o) => o.externalId)).toEqual(['N2']);
    expect(result.rowErrors).toEqual([
      {
        row: 2,
        field: 'order id',
        label: 'Mã đơn hàng',
        message: 'order held back: row 4 of the same order has errors',
      },
      { row: 4, field: 'product code (SKU)', label: 'Mã SKU', message: 'is empty' },
    ]);
  });

  it('lets continuation rows of an order leave the recipient cells empty', async () => {
    const csv = [
      POSTMART_HEADER,
      'M1,,Nguyễn An,0912000001,Số 1 Lê Lợi,,Tỉnh Bắc Ninh,LYCHEE-LN-5KG,1,200000,30000,Đã thanh toán,',
      'M1,,,,,,,OCOP-MIEN-CHU-1KG,3,65000,,,',
    ].join('\n');
    const result = ordersOf(await spreadsheetAdapter.handle(upload(csv), context()));
    expect(result.rowErrors).toEqual([]);
    expect(result.orders).toEqual([
      expect.objectContaining({
        externalId: 'M1',
        buyer: {
          name: 'Nguyễn An',
          phone: '0912000001',
          address: { street: 'Số 1 Lê Lợi', province: 'Tỉnh Bắc Ninh' },
        },
        lines: [
          { sku: 'LYCHEE-LN-5KG', quantity: '1', unitPrice: '200000' },
          { sku: 'OCOP-MIEN-CHU-1KG', quantity: '3', unitPrice: '65000' },
        ],
        shippingFee: '30000',
        paymentMethod: 'prepaid',
      }),
    ]);
  });

  it('matches header variants by folded keys (no accents, any case), ;-delimited', async () => {
    const csv = [
      'MA DON HANG;ten nguoi nhan;SĐT;Địa Chỉ Giao Hàng;mã sku;SL;Giá bán;Hình thức thanh toán',
      '1250000000000000123;Nguyễn An;0912000001;Số 1 Lê Lợi, Bắc Ninh;LYCHEE-LN-5KG;1;200.000;Thanh toán khi nhận hàng',
    ].join('\n');
    const result = ordersOf(await spreadsheetAdapter.handle(upload(csv), context()));
    expect(result.orders).toEqual([
      {
        channel: 'postmart',
        externalId: '1250000000000000123',
        buyer: { name: 'Nguyễn An', phone: '0912000001', address: 'Số 1 Lê Lợi, Bắc Ninh' },
        lines: [{ sku: 'LYCHEE-LN-5KG', quantity: '1', unitPrice: '200.000' }],
        paymentMethod: 'cod',
      },
    ]);
  });

  it('refuses a file missing a required column, naming the column', async () => {
    const csv =
      'Mã đơn hàng,Tên người nhận,Địa chỉ,Mã SKU,Số lượng,Đơn giá\nA1,An,Số 1,LYCHEE-LN-5KG,1,200000\n';
    const error = await thrown(() => spreadsheetAdapter.handle(upload(csv), context()));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      {
        field: 'column Số điện thoại',
        label: 'Số điện thoại',
        message: '(phone) is missing from the header row',
      },
    ]);
  });

  it("reads Postmart spellings as variants of Voso's headers, and names Voso's own header when one is missing", async () => {
    const csv = `${POSTMART_HEADER}\nA1,,An,0912,Số 1,,Hà Nội,LYCHEE-LN-5KG,1,200000,,,`;
    const result = ordersOf(await spreadsheetAdapter.handle(upload(csv, 'voso'), context()));
    expect(result.orders[0]?.channel).toBe('voso');

    const noPhone = 'Mã ĐH,Người nhận,Địa chỉ nhận hàng,SKU,SL,Giá bán\nV1,An,Số 1,LYCHEE-LN-5KG,1,200000\n';
    const error = await thrown(() => spreadsheetAdapter.handle(upload(noPhone, 'voso'), context()));
    expect((error as ValidationError).issues).toEqual([
      {
        field: 'column SĐT người nhận',
        label: 'SĐT người nhận',
        message: '(phone) is missing from the header row',
      },
    ]);
  });

  it('reports a payment method it cannot read; a file with no good row is refused whole, naming row and field', async () => {
    const csv = `${POSTMART_HEADER}\nA1,,An,0912,Số 1,,Hà Nội,LYCHEE-LN-5KG,1,200000,,trả sau,`;
    const error = await thrown(() => spreadsheetAdapter.handle(upload(csv), context()));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      expect.objectContaining({ field: 'row 2: payment method', label: 'Thanh toán' }),
    ]);
  });

  it('refuses a column that appears twice, and a file with no order rows', async () => {
    const twice = `Mã đơn hàng,Mã ĐH,${POSTMART_HEADER.slice('Mã đơn hàng,'.length)}\n`;
    await expect(spreadsheetAdapter.handle(upload(twice), context())).rejects.toThrow(
      /second order id column/,
    );
    await expect(spreadsheetAdapter.handle(upload(`${POSTMART_HEADER}\r\n\r\n`), context())).rejects.toThrow(
      /no order rows/,
    );
  });
});
