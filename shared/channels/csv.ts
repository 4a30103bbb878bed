/**
 * A small RFC 4180 CSV reader for sellers' spreadsheet exports: quoted fields with `""` escapes,
 * delimiters and line breaks inside quotes, CRLF/LF/CR line endings, a leading BOM, and the
 * `;` delimiter that Excel uses where the decimal separator is a comma (Vietnamese Windows).
 * Records are returned in order, blank lines included, so index + 1 is the spreadsheet row number.
 */
import { ValidationError } from '../errors.js';

const CANDIDATE_DELIMITERS = [',', ';', '\t'] as const;

/** The delimiter used most often in the first record (outside quotes); `,` when none. */
export function detectDelimiter(text: string): string {
  const counts = new Map<string, number>();
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && (c === ',' || c === ';' || c === '\t')) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let best = ',';
  let bestCount = 0;
  for (const d of CANDIDATE_DELIMITERS) {
    const count = counts.get(d) ?? 0;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

/** Parses CSV text into records of cells. Throws a ValidationError naming the row of an unclosed quote. */
export function parseCsv(text: string, delimiter: string = detectDelimiter(text)): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let atFieldStart = true;
  let quotedFromRow = 0;
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < n) {
    const c = text[i];
    if (quotedFromRow > 0) {
      const close = text.indexOf('"', i);
      if (close === -1) {
        throw new ValidationError([
          {
            field: `row ${quotedFromRow}`,
            message: 'a quoted cell is never closed (unbalanced " character)',
          },
        ]);
      }
      field += text.slice(i, close);
      if (text[close + 1] === '"') {
        field += '"';
        i = close + 2;
      } else {
        quotedFromRow = 0;
        i = close + 1;
      }
      continue;
    }
    if (c === '"' && atFieldStart) {
      quotedFromRow = records.length + 1;
      atFieldStart = false;
      i++;
    } else if (c === delimiter) {
      record.push(field);
      field = '';
      atFieldStart = true;
      i++;
    } else if (c === '\n' || c === '\r') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      atFieldStart = true;
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      // A quote inside an unquoted cell is kept literally, as Excel does.
      field += c;
      atFieldStart = false;
      i++;
    }
  }
  if (!atFieldStart || field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

/** Quotes a cell when it needs it (delimiter, quote, line break, or leading/trailing space). */
export function csvCell(value: string, delimiter = ','): string {
  if (value === '') return '';
  const needs =
    value.includes(delimiter) ||
    value.includes('"') ||
    value.includes('\n') ||
    value.includes('\r') ||
    value.trim() !== value;
  return needs ? `"${value.replaceAll('"', '""')}"` : value;
}
