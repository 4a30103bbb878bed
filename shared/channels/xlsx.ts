/**
 * A small XLSX (Office Open XML spreadsheet) reader for sellers' order exports, and a writer for
 * sample workbooks. Why not a library: the npm `xlsx` 0.18 package has unfixed advisories, and
 * `exceljs` brings a dozen transitive packages into the Lambda bundle and unpacks with JSZip, which
 * has no cap on unpacked size. Reading the first sheet of an export needs only the ZIP directory,
 * zlib with `maxOutputLength` (a hard zip-bomb guard), and a tokenizer for the handful of XML parts
 * involved (workbook, its relationships, shared strings, styles, the sheet).
 *
 * Cells are mapped losslessly to text, with their kind kept so callers can repair what Excel did:
 * - strings (shared, inline, rich text runs concatenated, `_xHHHH_` escapes decoded);
 * - numbers as Excel wrote them (`<v>` text, so 199000 stays `199000` and long ids keep their
 *   digits; exponent notation expanded when the value is an integer);
 * - dates (a number whose style is a date format, or a `t="d"` cell) as `dd/MM/yyyy HH:mm:ss`
 *   wall-clock time, as Vietnamese exports write them (1900 and 1904 date systems);
 * - booleans as TRUE/FALSE, errors as their code (`#N/A`), formulas by their cached value.
 */
import { writeZip, readZipDirectory, readZipEntry, ZipFormatError, ZipTooLargeError } from './zip.js';

export type CellKind = 'string' | 'number' | 'date' | 'boolean' | 'error';

export interface SheetCell {
  text: string;
  kind: CellKind;
}

export interface SheetRow {
  /** The row number as the spreadsheet shows it (1-based). */
  row: number;
  /** Cells by column (A = 0); gaps are undefined. */
  cells: Array<SheetCell | undefined>;
}

export interface XlsxLimits {
  /** All XML parts read, unpacked, together. */
  maxUnpackedBytes: number;
  /** Rows with at least one cell. */
  maxRows: number;
  maxColumns: number;
}

export const DEFAULT_XLSX_LIMITS: XlsxLimits = {
  maxUnpackedBytes: 48 * 1024 * 1024,
  maxRows: 5001,
  maxColumns: 256,
};

/** The workbook is not a readable XLSX file (message in plain words, e.g. "is not a ZIP archive"). */
export class XlsxFormatError extends Error {
  override readonly name = 'XlsxFormatError';
}

/** The workbook is bigger than the limits allow (unpacked bytes, rows or columns). */
export class XlsxTooLargeError extends Error {
  override readonly name = 'XlsxTooLargeError';
}

// ---------------------------------------------------------------------------------------------
// XML

const TOKEN =
  /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|([^<]+)|(<)/g;
const ATTRIBUTE = /([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const ENTITY = /&(?:#x([0-9a-fA-F]+)|#(\d+)|(amp|lt|gt|quot|apos));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeXmlText(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(
    ENTITY,
    (_m, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
      if (name !== undefined) return NAMED[name]!;
      const code = hex !== undefined ? Number.parseInt(hex, 16) : Number(dec);
      return code <= 0x10ffff ? String.fromCodePoint(code) : '';
    },
  );
}

export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

const localName = (name: string) => name.slice(name.indexOf(':') + 1);

interface XmlVisitor {
  open?(name: string, attributes: Record<string, string>, selfClosing: boolean): void;
  close?(name: string): void;
  text?(text: string): void;
}

/** Walks the XML: element names without namespace prefix; attribute names as written. */
function walkXml(xml: string, visitor: XmlVisitor, part: string): void {
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(xml); m !== null; m = TOKEN.exec(xml)) {
    const [, slash, name, rawAttributes, selfClose, cdata, text, stray] = m;
    if (stray !== undefined) throw new XlsxFormatError(`has malformed XML in ${part}`);
    if (name !== undefined) {
      const local = localName(name);
      if (slash === '/') {
        visitor.close?.(local);
        continue;
      }
      const attributes: Record<string, string> = {};
      if (rawAttributes) {
        ATTRIBUTE.lastIndex = 0;
        for (let a = ATTRIBUTE.exec(rawAttributes); a !== null; a = ATTRIBUTE.exec(rawAttributes)) {
          attributes[a[1]!] = decodeXmlText(a[2] ?? a[3] ?? '');
        }
      }
      visitor.open?.(local, attributes, selfClose === '/');
      if (selfClose === '/') visitor.close?.(local);
    } else if (cdata !== undefined) {
      visitor.text?.(cdata);
    } else if (text !== undefined) {
      visitor.text?.(decodeXmlText(text));
    }
  }
}

/** OOXML escapes characters XML cannot carry as `_xHHHH_` (e.g. `_x000D_` for a carriage return). */
function unescapeOoxml(text: string): string {
  if (!text.includes('_x')) return text;
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_m, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

// ---------------------------------------------------------------------------------------------
// Reading

class PartReader {
  private readonly entries;
  private budget: number;
  constructor(
    private readonly bytes: Buffer,
    limits: XlsxLimits,
  ) {
    this.entries = readZipDirectory(bytes);
    this.budget = limits.maxUnpackedBytes;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  read(name: string): string {
    const entry = this.entries.get(name);
    if (entry === undefined) throw new XlsxFormatError(`has no ${name} (not an XLSX workbook)`);
    const data = readZipEntry(this.bytes, entry, this.budget);
    this.budget -= data.length;
    return data.toString('utf8');
  }
}

interface Relationship {
  type: string;
  target: string;
}

function readRelationships(reader: PartReader, part: string): Map<string, Relationship> {
  const relationships = new Map<string, Relationship>();
  if (!reader.has(part)) return relationships;
  walkXml(
    reader.read(part),
    {
      open(name, a) {
        if (name === 'Relationship' && a['Id'] !== undefined && a['Target'] !== undefined) {
          relationships.set(a['Id'], { type: a['Type'] ?? '', target: a['Target'] });
        }
      },
    },
    part,
  );
  return relationships;
}

/** A relationship target of xl/workbook.xml as a ZIP entry name. */
function partName(target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  const parts = ['xl'];
  for (const segment of target.split('/')) {
    if (segment === '..') parts.pop();
    else if (segment !== '.' && segment !== '') parts.push(segment);
  }
  return parts.join('/');
}

function readSharedStrings(xml: string, part: string): string[] {
  const strings: string[] = [];
  let current: string | undefined;
  let inText = false;
  let phonetic = 0;
  walkXml(
    xml,
    {
      open(name, _a, selfClosing) {
        if (name === 'si') current = '';
        else if (name === 'rPh') phonetic++;
        else if (name === 't' && !selfClosing) inText = true;
      },
      close(name) {
        if (name === 'si') {
          strings.push(unescapeOoxml(current ?? ''));
          current = undefined;
        } else if (name === 'rPh') phonetic--;
        else if (name === 't') inText = false;
      },
      text(text) {
        if (inText && phonetic === 0 && current !== undefined) current += text;
      },
    },
    part,
  );
  return strings;
}

/** Built-in number formats that show dates or times. */
const BUILTIN_DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 30, 36, 45, 46, 47, 50, 57]);

export function isDateFormatCode(code: string): boolean {
  const bare = code
    .replace(/"[^"]*"/g, '')
    .replace(/\\./g, '')
    .replace(/\[(?:h+|m+|s+)\]/gi, 'ELAPSED')
    .replace(/\[[^\]]*\]/g, '');
  if (bare.includes('ELAPSED')) return false; // a duration, not a date
  // The first section decides (positive numbers); "General" and "@" are not dates.
  const first = bare.split(';', 1)[0] ?? '';
  return /[dmyhs]/i.test(first.replace(/General/gi, '').replace(/[eE][+-]/g, ''));
}

function readDateStyles(xml: string, part: string): boolean[] {
  const customDate = new Map<number, boolean>();
  const styles: boolean[] = [];
  let inCellXfs = false;
  walkXml(
    xml,
    {
      open(name, a) {
        if (name === 'numFmt' && a['numFmtId'] !== undefined) {
          customDate.set(Number(a['numFmtId']), isDateFormatCode(a['formatCode'] ?? ''));
        } else if (name === 'cellXfs') inCellXfs = true;
        else if (name === 'xf' && inCellXfs) {
          const id = Number(a['numFmtId'] ?? '0');
          styles.push(customDate.get(id) ?? BUILTIN_DATE_FORMATS.has(id));
        }
      },
      close(name) {
        if (name === 'cellXfs') inCellXfs = false;
      },
    },
    part,
  );
  return styles;
}

const two = (n: number) => String(n).padStart(2, '0');

/** An Excel date serial as `dd/MM/yyyy HH:mm:ss` wall-clock time. */
export function excelSerialToText(serial: number, date1904: boolean): string {
  // 1900 system: day 1 is 1900-01-01, and Excel counts a 29 Feb 1900 that never was (serial 60).
  const epoch = date1904
    ? Date.UTC(1904, 0, 1)
    : serial < 60
      ? Date.UTC(1899, 11, 31)
      : Date.UTC(1899, 11, 30);
  const d = new Date(epoch + Math.round(serial * 86_400) * 1000);
  return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(
    d.getUTCMinutes(),
  )}:${two(d.getUTCSeconds())}`;
}

/**
 * A number as Excel shows it: integers digit for digit as written (long ids keep every digit),
 * exponent notation (1.2345E+17) written out, and binary noise from formulas (30000.000000000004,
 * 0.30000000000000004) rounded to Excel's 15 significant digits.
 */
export function numberText(raw: string): string {
  const text = raw.trim();
  if (/^-?\d+$/.test(text)) return text;
  const n = Number(text);
  if (!Number.isFinite(n)) return text;
  const shown = Number(n.toPrecision(15));
  return Number.isInteger(shown) ? BigInt(shown).toString() : String(shown);
}

function columnIndex(ref: string): number | undefined {
  const letters = /^([A-Za-z]{1,3})\d*$/.exec(ref)?.[1];
  if (letters === undefined) return undefined;
  let index = 0;
  for (const c of letters.toUpperCase()) index = index * 26 + (c.charCodeAt(0) - 64);
  return index - 1;
}

/**
 * The first sheet of the workbook (in the workbook's tab order), rows with at least one cell.
 * @throws XlsxFormatError for a file that is not a readable XLSX, XlsxTooLargeError past the limits.
 */
export function readFirstSheet(bytes: Buffer, limits: XlsxLimits = DEFAULT_XLSX_LIMITS): SheetRow[] {
  try {
    return readFirstSheetUnsafe(bytes, limits);
  } catch (error) {
    if (error instanceof ZipTooLargeError) throw new XlsxTooLargeError(error.message);
    if (error instanceof ZipFormatError) throw new XlsxFormatError(error.message);
    throw error;
  }
}

function readFirstSheetUnsafe(bytes: Buffer, limits: XlsxLimits): SheetRow[] {
  const reader = new PartReader(bytes, limits);
  let date1904 = false;
  let firstSheetRel: string | undefined;
  walkXml(
    reader.read('xl/workbook.xml'),
    {
      open(name, a) {
        if (name === 'workbookPr') date1904 = a['date1904'] === '1' || a['date1904'] === 'true';
        if (name === 'sheet' && firstSheetRel === undefined) {
          firstSheetRel = Object.entries(a).find(([k]) => /(^|:)id$/.test(k))?.[1];
        }
      },
    },
    'xl/workbook.xml',
  );
  const relationships = readRelationships(reader, 'xl/_rels/workbook.xml.rels');
  const sheetTarget = firstSheetRel === undefined ? undefined : relationships.get(firstSheetRel)?.target;
  const sheetPart = sheetTarget !== undefined ? partName(sheetTarget) : 'xl/worksheets/sheet1.xml';
  const relOfType = (suffix: string, fallback: string) => {
    for (const rel of relationships.values()) if (rel.type.endsWith(suffix)) return partName(rel.target);
    return fallback;
  };
  const stringsPart = relOfType('/sharedStrings', 'xl/sharedStrings.xml');
  const stylesPart = relOfType('/styles', 'xl/styles.xml');
  const shared = reader.has(stringsPart) ? readSharedStrings(reader.read(stringsPart), stringsPart) : [];
  const dateStyles = reader.has(stylesPart) ? readDateStyles(reader.read(stylesPart), stylesPart) : [];

  const rows: SheetRow[] = [];
  let row: SheetRow | undefined;
  let lastRow = 0;
  let column = -1;
  let cell: { type: string; style: number; column: number; value: string; inline: string } | undefined;
  let capture: 'v' | 't' | undefined;
  let phonetic = 0;

  const finishCell = () => {
    if (row === undefined || cell === undefined) return;
    const { type, value, inline } = cell;
    let out: SheetCell | undefined;
    if (type === 'inlineStr') out = { text: unescapeOoxml(inline), kind: 'string' };
    else if (value === '') out = undefined;
    else if (type === 's') {
      const text = shared[Number(value)];
      if (text === undefined)
        throw new XlsxFormatError(`refers to shared string ${value} that does not exist`);
      out = { text, kind: 'string' };
    } else if (type === 'str') out = { text: unescapeOoxml(value), kind: 'string' };
    else if (type === 'b') out = { text: value.trim() === '1' ? 'TRUE' : 'FALSE', kind: 'boolean' };
    else if (type === 'e') out = { text: value, kind: 'error' };
    else if (type === 'd') {
      const iso = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(value);
      out = {
        text: iso
          ? `${iso[3]}/${iso[2]}/${iso[1]} ${iso[4] ?? '00'}:${iso[5] ?? '00'}:${iso[6] ?? '00'}`
          : value,
        kind: 'date',
      };
    } else if (dateStyles[cell.style] === true && Number.isFinite(Number(value))) {
      out = { text: excelSerialToText(Number(value), date1904), kind: 'date' };
    } else out = { text: numberText(value), kind: 'number' };
    if (out !== undefined) row.cells[cell.column] = out;
  };

  walkXml(
    reader.read(sheetPart),
    {
      open(name, a, selfClosing) {
        if (name === 'row') {
          const number = a['r'] !== undefined ? Number(a['r']) : lastRow + 1;
          if (!Number.isInteger(number) || number <= lastRow) {
            throw new XlsxFormatError(`has rows out of order in ${sheetPart}`);
          }
          lastRow = number;
          row = { row: number, cells: [] };
          column = -1;
        } else if (name === 'c' && row !== undefined) {
          const ref = a['r'];
          column = ref !== undefined ? (columnIndex(ref) ?? column + 1) : column + 1;
          if (column >= limits.maxColumns) {
            throw new XlsxTooLargeError(`has cells beyond column ${limits.maxColumns} (row ${row.row})`);
          }
          cell = { type: a['t'] ?? 'n', style: Number(a['s'] ?? '0'), column, value: '', inline: '' };
        } else if (cell !== undefined && !selfClosing) {
          if (name === 'v') capture = 'v';
          else if (name === 'rPh') phonetic++;
          else if (name === 't' && phonetic === 0) capture = 't';
        }
      },
      close(name) {
        if (name === 'c') {
          finishCell();
          cell = undefined;
        } else if (name === 'row') {
          if (row?.cells.some((c) => c !== undefined)) {
            if (rows.length >= limits.maxRows) {
              throw new XlsxTooLargeError(`has more than ${limits.maxRows} rows`);
            }
            rows.push(row);
          }
          row = undefined;
        } else if (name === 'v' || name === 't') capture = undefined;
        else if (name === 'rPh') phonetic--;
      },
      text(text) {
        if (cell === undefined || capture === undefined) return;
        if (capture === 'v') cell.value += text;
        else cell.inline += text;
      },
    },
    sheetPart,
  );
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Writing (sample workbooks, tests)

/** A cell to write: text, a number, a wall-clock date-time (`YYYY-MM-DDTHH:mm[:ss]`), rich text runs. */
export type WriteCell =
  | string
  | number
  | { dateTime: string }
  | { richText: Array<{ text: string; bold?: boolean }> }
  | null
  | undefined;

function columnName(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  }
  return name;
}

function serialOf(dateTime: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(dateTime);
  if (!m) throw new TypeError(`writeXlsx: dateTime must be YYYY-MM-DDTHH:mm[:ss], got ${dateTime}`);
  const ms = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6] ?? 0),
  );
  return (ms - Date.UTC(1899, 11, 30)) / 86_400_000;
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n';
const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

const textElement = (text: string) =>
  `<t${text.trim() !== text || /\n/.test(text) ? ' xml:space="preserve"' : ''}>${escapeXml(text)}</t>`;

/**
 * A minimal but complete XLSX workbook with one sheet named `sheetName`: strings go to the shared
 * string table (as Excel writes them), dates use a `dd/mm/yyyy hh:mm` style. Deterministic bytes.
 */
export function writeXlsx(rows: WriteCell[][], sheetName = 'Sheet1'): Buffer {
  const shared: string[] = [];
  const sharedIndex = new Map<string, number>();
  const share = (xml: string) => {
    let index = sharedIndex.get(xml);
    if (index === undefined) {
      index = shared.length;
      shared.push(xml);
      sharedIndex.set(xml, index);
    }
    return index;
  };
  const sheetRows = rows.map((cells, r) => {
    const xmlCells = cells.map((value, c) => {
      const ref = `${columnName(c)}${r + 1}`;
      if (value === null || value === undefined || value === '') return '';
      if (typeof value === 'number') return `<c r="${ref}"><v>${value}</v></c>`;
      if (typeof value === 'string') return `<c r="${ref}" t="s"><v>${share(textElement(value))}</v></c>`;
      if ('dateTime' in value) return `<c r="${ref}" s="1"><v>${serialOf(value.dateTime)}</v></c>`;
      const runs = value.richText
        .map((run) => `<r>${run.bold ? '<rPr><b/></rPr>' : ''}${textElement(run.text)}</r>`)
        .join('');
      return `<c r="${ref}" t="s"><v>${share(runs)}</v></c>`;
    });
    return `<row r="${r + 1}">${xmlCells.join('')}</row>`;
  });
  const parts: Array<{ name: string; xml: string }> = [
    {
      name: '[Content_Types].xml',
      xml: `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`,
    },
    {
      name: '_rels/.rels',
      xml: `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    },
    {
      name: 'xl/workbook.xml',
      xml: `<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><workbookPr/><sheets><sheet name="${escapeXml(sheetName)}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      xml: `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL_NS}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${REL_NS}/styles" Target="styles.xml"/><Relationship Id="rId3" Type="${REL_NS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
    },
    {
      name: 'xl/styles.xml',
      xml: `<styleSheet xmlns="${MAIN_NS}"><numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy hh:mm"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>`,
    },
    {
      name: 'xl/worksheets/sheet1.xml',
      xml: `<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><sheetData>${sheetRows.join('')}</sheetData></worksheet>`,
    },
    {
      name: 'xl/sharedStrings.xml',
      xml: `<sst xmlns="${MAIN_NS}" count="${shared.length}" uniqueCount="${shared.length}">${shared
        .map((s) => `<si>${s}</si>`)
        .join('')}</sst>`,
    },
  ];
  return writeZip(parts.map((p) => ({ name: p.name, data: Buffer.from(XML_HEAD + p.xml, 'utf8') })));
}
