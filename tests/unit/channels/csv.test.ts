import { csvCell, detectDelimiter, parseCsv } from '../../../shared/channels/csv.js';
import { ValidationError } from '../../../shared/errors.js';

describe('parseCsv (RFC 4180)', () => {
  it('reads quoted cells with commas, doubled quotes and line breaks inside', () => {
    const text = 'a,b,c\r\n"1, 2","say ""hi""","line\r\nbreak"\r\n';
    expect(parseCsv(text)).toEqual([
      ['a', 'b', 'c'],
      ['1, 2', 'say "hi"', 'line\r\nbreak'],
    ]);
  });

  it('drops a leading BOM and accepts LF, CRLF and CR line endings', () => {
    expect(parseCsv('\uFEFFx,y\ny1,y2\r\nz1,z2\rw1,w2')).toEqual([
      ['x', 'y'],
      ['y1', 'y2'],
      ['z1', 'z2'],
      ['w1', 'w2'],
    ]);
  });

  it('keeps blank lines as records so row numbers match the spreadsheet', () => {
    expect(parseCsv('h\n\nv\n')).toEqual([['h'], [''], ['v']]);
  });

  it('keeps empty trailing cells and a quoted empty cell', () => {
    expect(parseCsv('a,,\n"",b')).toEqual([
      ['a', '', ''],
      ['', 'b'],
    ]);
  });

  it('uses ; when the header is ; delimited (Excel in Vietnamese locale)', () => {
    const text = 'Mã đơn hàng;Đơn giá\nA1;"200.000,5"\n';
    expect(detectDelimiter(text)).toBe(';');
    expect(parseCsv(text)).toEqual([
      ['Mã đơn hàng', 'Đơn giá'],
      ['A1', '200.000,5'],
    ]);
  });

  it('names the row of a quote that is never closed', () => {
    expect(() => parseCsv('a,b\n1,2\n"open,3\n')).toThrow(ValidationError);
    expect(() => parseCsv('a,b\n1,2\n"open,3\n')).toThrow(/row 3/);
  });

  it('round-trips cells written by csvCell', () => {
    const cells = ['plain', 'with, comma', 'with "quote"', 'two\nlines', ' padded '];
    expect(parseCsv(cells.map((c) => csvCell(c)).join(','))).toEqual([cells]);
  });
});
