/**
 * Instants and business dates. Business dates are calendar days in Asia/Ho_Chi_Minh (UTC+7, no
 * DST): 17:00Z is already the next day there.
 */
import { toNfc } from './text.js';

export const BUSINESS_TIME_ZONE = 'Asia/Ho_Chi_Minh';
const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;
/** Below this an epoch number is seconds (up to year 5138), above it milliseconds (from 1973). */
const EPOCH_SECONDS_LIMIT = 1e11;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DD` of the instant in `tz` (default Asia/Ho_Chi_Minh). Strings go through `parseInstant`. */
export function businessDate(instant: Date | string, tz = BUSINESS_TIME_ZONE): string {
  const date = typeof instant === 'string' ? parseInstant(instant) : instant;
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError('businessDate: invalid Date');
  if (tz === BUSINESS_TIME_ZONE) return new Date(ms + VIETNAM_OFFSET_MS).toISOString().slice(0, 10);

  let formatter = formatters.get(tz);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(tz, formatter);
  }
  const parts = formatter.formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

const ISO_WITH_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)$/i;
const ISO_WITHOUT_OFFSET = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/;
/** `dd/MM/yyyy HH:mm[:ss]` as Vietnamese spreadsheets write it (day first, 24-hour clock). */
const VIETNAMESE_DATE_TIME = /^(\d{1,2})\/(\d{1,2})\/(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?$/;
/** Epoch seconds (9-10 digits, optional fraction) or milliseconds (12-13 digits); `20250615` is not one. */
const EPOCH = /^(?:\d{9,10}(?:\.\d+)?|\d{12,13})$/;

export class InstantFormatError extends Error {
  override readonly name = 'InstantFormatError';
  constructor(
    readonly input: string | number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Parses an instant from: ISO 8601 with an offset (`2025-06-15T10:00:00+07:00`, `…Z`), epoch
 * seconds or milliseconds (decided by magnitude), or `dd/MM/yyyy HH:mm[:ss]` in Asia/Ho_Chi_Minh.
 * @throws InstantFormatError for anything else (ISO without an offset is ambiguous and rejected).
 */
export function parseInstant(input: string | number): Date {
  if (typeof input === 'number') return fromEpoch(input, input);
  if (typeof input !== 'string') throw new InstantFormatError(String(input), 'time is missing');
  const text = toNfc(input);
  if (text === '') throw new InstantFormatError(input, 'time is empty');

  if (EPOCH.test(text)) return fromEpoch(Number(text), input);

  const iso = ISO_WITH_OFFSET.exec(text);
  if (iso) {
    const [, y, mo, d, h, mi, s = '0', frac = '', offset = 'Z'] = iso;
    const ms = Number(frac.padEnd(3, '0').slice(0, 3));
    const offsetMinutes = parseOffset(offset);
    if (offsetMinutes === undefined)
      throw new InstantFormatError(input, `time "${input}" has an invalid UTC offset`);
    const local = utcFromParts(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), ms);
    if (local === undefined)
      throw new InstantFormatError(input, `time "${input}" is not a real date or time`);
    return new Date(local - offsetMinutes * 60_000);
  }
  if (ISO_WITHOUT_OFFSET.test(text)) {
    throw new InstantFormatError(input, `time "${input}" has no UTC offset (add Z or +07:00)`);
  }

  const vn = VIETNAMESE_DATE_TIME.exec(text);
  if (vn) {
    const [, d, mo, y, h, mi, s = '0'] = vn;
    const local = utcFromParts(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), 0);
    if (local === undefined)
      throw new InstantFormatError(input, `time "${input}" is not a real date or time`);
    return new Date(local - VIETNAM_OFFSET_MS);
  }

  throw new InstantFormatError(
    input,
    `time "${input}" is not understood: use ISO 8601 with an offset, epoch seconds/milliseconds, or dd/MM/yyyy HH:mm`,
  );
}

function fromEpoch(n: number, input: string | number): Date {
  if (!Number.isFinite(n) || n < 0) {
    throw new InstantFormatError(input, `time ${JSON.stringify(input)} is not a valid epoch value`);
  }
  const date = new Date(n < EPOCH_SECONDS_LIMIT ? Math.round(n * 1000) : n);
  if (Number.isNaN(date.getTime())) {
    throw new InstantFormatError(input, `time ${JSON.stringify(input)} is out of range`);
  }
  return date;
}

/** `Z`, `+07`, `+0700`, `+07:00` → minutes east of UTC. */
function parseOffset(offset: string): number | undefined {
  if (offset.toUpperCase() === 'Z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(offset);
  if (!m) return undefined;
  const hours = Number(m[2]);
  const minutes = Number(m[3] ?? '0');
  if (hours > 14 || minutes > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

/** Epoch ms of the wall-clock parts read as UTC, or undefined when a part is out of range (31/02). */
function utcFromParts(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number) {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (new Date(t).getUTCDate() !== d) return undefined;
  return t;
}
