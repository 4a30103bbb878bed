/**
 * `npm run import`: the CLI function run against the local runtime's HTTP server. It signs the file
 * with the import key, picks CSV or XLSX by extension, prints each accepted, duplicate and rejected
 * row, and exits 0 / 1 (a row rejected, the request refused or unreachable) / 2 (usage).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { importCli } from '../../infra/local/import-cli.js';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.js';
import { SAMPLE_NOW } from '../../shared/channels/samples.js';
import { type WriteCell, writeXlsx } from '../../shared/channels/xlsx.js';

jest.setTimeout(60_000);

let runtime: LocalRuntime;
let dir: string;
const realStart = Date.now();
const clock = () => new Date(SAMPLE_NOW.getTime() + (Date.now() - realStart));

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
const row = (id: string, quantity: WriteCell, phone: WriteCell = 912345678): WriteCell[] => [
  id,
  { dateTime: '2026-06-15T08:10' },
  'Nguyễn Thị Hoa',
  phone,
  '12 Nguyễn Trãi',
  'Phường Thanh Xuân',
  'Hà Nội',
  'LYCHEE-LN-5KG',
  quantity,
  200000,
];

function file(name: string, content: Buffer | string): string {
  const where = path.join(dir, name);
  writeFileSync(where, content);
  return where;
}

const cli = (...args: string[]) => importCli(['--url', runtime.url, ...args], { now: clock, env: {} });

async function stored(channel: string, externalId: string): Promise<number> {
  const page = await runtime.doc.send(
    new ScanCommand({
      TableName: runtime.tableName,
      FilterExpression: 'sk = :sk AND channel = :channel AND externalId = :externalId',
      ExpressionAttributeValues: { ':sk': 'ORDER', ':channel': channel, ':externalId': externalId },
    }),
  );
  return page.Items?.length ?? 0;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'harvest-import-'));
  runtime = await startLocalRuntime({ clock, carrier: { failureRate: 0 } });
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('an XLSX file: good rows accepted, a bad row printed with its number and field, exit 1', async () => {
  const xlsx = file(
    'postmart.xlsx',
    writeXlsx([['DANH SÁCH ĐƠN HÀNG'], HEADER, row('PM-CLI-1', 2), row('PM-CLI-2', 'hai')]),
  );
  const result = await cli('--source', 'postmart', xlsx);
  expect(result.exitCode).toBe(1);
  expect(result.status).toBe(200);
  const out = result.lines.join('\n');
  expect(out).toContain('(postmart.xlsx, XLSX,');
  expect(out).toMatch(/accepted {2}order PM-CLI-1 → \S+ \(/);
  expect(out).toContain(
    'rejected  row 4: quantity (Số lượng) must be a whole number of units, at least 1 (got "hai")',
  );
  expect(out).toContain('1 accepted, 0 duplicate, 1 rejected');
  expect(await stored('postmart', 'PM-CLI-1')).toBe(1);
  expect(await stored('postmart', 'PM-CLI-2')).toBe(0);
});

test('a clean CSV exits 0; importing it again prints duplicates and stores nothing new', async () => {
  const csv = file(
    'voso.csv',
    '\uFEFFMã ĐH,SKU,SL,Giá bán,Người nhận,SĐT người nhận,Địa chỉ nhận hàng,Xã/Phường,Tỉnh/TP\r\n' +
      'VS-CLI-1,LYCHEE-LN-3KG,4,130000,Vũ Thị Lan,0345 678 901,102 Hoàng Quốc Việt,Phường Nghĩa Đô,Hà Nội\r\n',
  );
  const first = await cli('--source', 'voso', csv);
  expect(first.exitCode).toBe(0);
  expect(first.lines.join('\n')).toContain('1 accepted, 0 duplicate, 0 rejected');
  const again = await cli('--source', 'voso', csv);
  expect(again.exitCode).toBe(0);
  expect(again.lines.join('\n')).toMatch(/duplicate order VS-CLI-1 → \S+ .*imported before/);
  expect(again.lines.join('\n')).toContain('0 accepted, 1 duplicate, 0 rejected');
  expect(await stored('voso', 'VS-CLI-1')).toBe(1);
});

test('a corrected file for an order imported before: printed as changed (not applied), exit 1', async () => {
  const header = 'Mã ĐH,SKU,SL,Giá bán,Người nhận,SĐT người nhận,Địa chỉ nhận hàng,Xã/Phường,Tỉnh/TP\r\n';
  const line = (quantity: number) =>
    `VS-CLI-FIX,LYCHEE-LN-3KG,${quantity},130000,Vũ Thị Lan,0345 678 901,102 Hoàng Quốc Việt,Phường Nghĩa Đô,Hà Nội\r\n`;
  expect((await cli('--source', 'voso', file('fix-1.csv', header + line(4)))).exitCode).toBe(0);
  const same = await cli('--source', 'voso', file('fix-2.csv', header + line(4)));
  expect(same.exitCode).toBe(0);
  expect(same.lines.join('\n')).toContain('0 accepted, 1 duplicate, 0 rejected');
  const corrected = await cli('--source', 'voso', file('fix-3.csv', header + line(6)));
  expect(corrected.exitCode).toBe(1);
  const out = corrected.lines.join('\n');
  expect(out).toMatch(
    /changed {3}order VS-CLI-FIX → \S+ \(\w+\) differs from the order stored on .*: changes are not applied; cancel it and import it under a new order id/,
  );
  expect(out).toContain('0 accepted, 0 duplicate, 1 changed duplicate (not applied), 0 rejected');
  const [order] =
    (
      await runtime.doc.send(
        new ScanCommand({
          TableName: runtime.tableName,
          FilterExpression: 'sk = :sk AND externalId = :externalId',
          ExpressionAttributeValues: { ':sk': 'ORDER', ':externalId': 'VS-CLI-FIX' },
        }),
      )
    ).Items ?? [];
  expect(order?.['lines']).toEqual([expect.objectContaining({ quantity: 4 })]);
});

test("a seller's own sheet is stored under the portal channel, as the seller --seller names", async () => {
  const xlsx = file('seller.xlsx', writeXlsx([HEADER, row('SELLER-CLI-1', 1, '0912 345 678')]));
  const result = await cli('--source', 'seller', '--seller', 'vaithieu-local', xlsx);
  expect(result.exitCode).toBe(0);
  expect(await stored('portal', 'SELLER-CLI-1')).toBe(1);
  // Another seller's sheet with the same order number is another order.
  const other = await cli('--source', 'seller', '--seller', 'ghv-local', xlsx);
  expect(other.lines.join('\n')).toContain('1 accepted, 0 duplicate, 0 rejected');
  expect(await stored('portal', 'SELLER-CLI-1')).toBe(2);
  // A seller no portal key acts for is refused, naming the parameter.
  const unknown = await cli('--source', 'seller', '--seller', 'nobody', xlsx);
  expect(unknown.status).toBe(400);
  expect(unknown.lines.join('\n')).toContain('seller');
});

test('a file with no good row is refused (400): each row named, exit 1', async () => {
  const xlsx = file('bad.xlsx', writeXlsx([HEADER, row('PM-CLI-BAD', 0)]));
  const result = await cli('--source', 'postmart', xlsx);
  expect(result.exitCode).toBe(1);
  expect(result.status).toBe(400);
  expect(result.lines.join('\n')).toContain('rejected  row 2: quantity (Số lượng)');
});

test('a wrong key is refused with 401, exit 1, nothing stored', async () => {
  const xlsx = file('wrong-key.xlsx', writeXlsx([HEADER, row('PM-CLI-KEY', 1)]));
  const result = await cli('--source', 'postmart', '--key-id', 'operator-local', '--secret', 'guess', xlsx);
  expect(result.exitCode).toBe(1);
  expect(result.status).toBe(401);
  expect(result.lines.join('\n')).toContain('refused:');
  expect(await stored('postmart', 'PM-CLI-KEY')).toBe(0);
});

test('usage errors exit 2 with a clear message: missing file, bad flag, unknown source or extension', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--source', 'postmart', path.join(dir, 'nope.xlsx')], /no such file: .*nope\.xlsx/],
    [['--source', 'postmart'], /the file to import is missing/],
    [
      ['--source', 'shopee', path.join(dir, 'postmart.xlsx')],
      /--source must be one of postmart, voso, seller/,
    ],
    [[path.join(dir, 'postmart.xlsx')], /--source is required/],
    [['--source', 'seller', path.join(dir, 'postmart.xlsx')], /--source seller needs --seller ID/],
    [
      ['--source', 'postmart', '--seller', 'x', path.join(dir, 'postmart.xlsx')],
      /--seller goes with --source seller only/,
    ],
    [['--source', 'postmart', '--bogus', path.join(dir, 'postmart.xlsx')], /bogus/],
    [['--source', 'postmart', file('orders.xls', 'x')], /name it \.csv or \.xlsx/],
  ];
  for (const [args, message] of cases) {
    const result = await cli(...args);
    expect({ args, exitCode: result.exitCode }).toEqual({ args, exitCode: 2 });
    expect(result.lines.join('\n')).toMatch(message);
    expect(result.lines.join('\n')).toContain('Usage:');
  }
});

test('an unreachable API exits 1 and says so', async () => {
  const xlsx = path.join(dir, 'postmart.xlsx');
  const result = await importCli(['--url', 'http://127.0.0.1:9', '--source', 'postmart', xlsx], {
    now: clock,
    env: {},
  });
  expect(result.exitCode).toBe(1);
  expect(result.lines.join('\n')).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9 .*npm run serve/);
});
