/**
 * Money is integer đồng. Vietnamese sellers write `150.000đ`, `150,000 VND`, `150k`, `1,5 triệu`:
 * the dot and the comma are both thousands separators, and đồng has no minor unit, so a lone
 * `1.5` or `12,5` is ambiguous and rejected rather than guessed. Never parseFloat: it reads
 * `150.000đ` as 150.
 */
import { toNfc } from './text.js';

export class MoneyFormatError extends Error {
  override readonly name = 'MoneyFormatError';
  constructor(
    readonly field: string,
    readonly input: string | number,
    message: string,
  ) {
    super(message);
  }
}

/** Written multipliers, longest first so `triệu` wins over `tr`. */
const MULTIPLIERS: ReadonlyArray<readonly [string, number]> = [
  ['nghìn', 1_000],
  ['nghin', 1_000],
  ['ngàn', 1_000],
  ['ngan', 1_000],
  ['k', 1_000],
  ['triệu', 1_000_000],
  ['trieu', 1_000_000],
  ['tr', 1_000_000],
  ['tỷ', 1_000_000_000],
  ['tỉ', 1_000_000_000],
  ['ty', 1_000_000_000],
];

/** Currency words, matched on the lowercased NFC text after the number. */
const CURRENCY_SUFFIX = /\s*(?:vnđ|vnd|đồng|dong|₫|đ)\.?$/u;
const CURRENCY_PREFIX = /^(?:vnđ|vnd|₫)\s*/u;

const PLAIN = /^\d+$/;
const GROUPED_DOT = /^\d{1,3}(?:\.\d{3})+$/;
const GROUPED_COMMA = /^\d{1,3}(?:,\d{3})+$/;
const GROUPED_SPACE = /^\d{1,3}(?: \d{3})+$/;
/** Spreadsheet exports: `150,000.00` / `150.000,00` / `150000.00` (zero minor part only). */
const ZERO_CENTS = /^(\d{1,3}(?:,\d{3})*|\d+)\.00$|^(\d{1,3}(?:\.\d{3})*|\d+),00$/;
/** With a multiplier one decimal separator is fine: `1.5tr`, `1,5 triệu`, `2,25k`. */
const DECIMAL = /^(\d+)(?:[.,](\d+))?$/;

/**
 * Parses a VND amount into integer đồng.
 * @param field the field's name, used in the error message ("codAmount" → "COD amount").
 * @throws MoneyFormatError for empty, negative, ambiguous-decimal or non-numeric input.
 */
export function parseVnd(input: string | number, field = 'amount'): number {
  const label = fieldLabel(field);
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new MoneyFormatError(field, input, `${label} is not a number`);
    if (input < 0) throw new MoneyFormatError(field, input, `${label} must not be negative (got ${input})`);
    if (!Number.isInteger(input)) {
      throw new MoneyFormatError(field, input, `${label} must be a whole number of đồng (got ${input})`);
    }
    if (!Number.isSafeInteger(input)) throw new MoneyFormatError(field, input, `${label} is too large`);
    return input;
  }
  if (typeof input !== 'string') {
    throw new MoneyFormatError(field, String(input), `${label} is missing`);
  }

  const text = toNfc(input).toLowerCase();
  if (text === '') throw new MoneyFormatError(field, input, `${label} is empty`);
  if (/^[-−–]/.test(text)) {
    throw new MoneyFormatError(field, input, `${label} must not be negative (got "${input}")`);
  }

  const body = text.replace(CURRENCY_PREFIX, '').replace(CURRENCY_SUFFIX, '').trim();
  const value = parseBody(body);
  if (value === 'ambiguous') {
    throw new MoneyFormatError(
      field,
      input,
      `${label} "${input}" is ambiguous: đồng amounts have no decimal part (write e.g. 12500, 12.500đ or 12,5k)`,
    );
  }
  if (value === undefined) {
    throw new MoneyFormatError(field, input, `${label} "${input}" is not an amount in đồng`);
  }
  if (!Number.isSafeInteger(value))
    throw new MoneyFormatError(field, input, `${label} "${input}" is too large`);
  return value;
}

function parseBody(body: string): number | 'ambiguous' | undefined {
  if (body === '') return undefined;
  for (const [word, factor] of MULTIPLIERS) {
    if (body.endsWith(word)) {
      const number = body.slice(0, -word.length).trim();
      // "150k" but not "150 kg"; a multiplier must follow a digit (with optional space).
      if (!/\d$/.test(number)) return undefined;
      return withMultiplier(number, factor);
    }
  }
  const integer = parseGroupedInteger(body);
  if (integer !== undefined) return integer;
  if (DECIMAL.test(body)) return 'ambiguous';
  return undefined;
}

function parseGroupedInteger(s: string): number | undefined {
  if (PLAIN.test(s)) return Number(s);
  if (GROUPED_DOT.test(s) || GROUPED_COMMA.test(s) || GROUPED_SPACE.test(s))
    return Number(s.replace(/\D/g, ''));
  const cents = ZERO_CENTS.exec(s);
  if (cents) return Number((cents[1] ?? cents[2] ?? '').replace(/\D/g, ''));
  return undefined;
}

/** `1.5` × 1,000,000 in integer arithmetic; a result with a fraction of a đồng is ambiguous. */
function withMultiplier(number: string, factor: number): number | 'ambiguous' | undefined {
  const grouped = parseGroupedInteger(number);
  const decimal = DECIMAL.exec(number);
  if (decimal) {
    const whole = decimal[1] ?? '';
    const fraction = decimal[2] ?? '';
    const scale = 10 ** fraction.length;
    const scaledFraction = fraction === '' ? 0 : Number(fraction) * factor;
    if (scaledFraction % scale !== 0) return 'ambiguous';
    return Number(whole) * factor + scaledFraction / scale;
  }
  return grouped === undefined ? undefined : grouped * factor;
}

/** "codAmount" → "COD amount", "unit_price" → "Unit price". */
function fieldLabel(field: string): string {
  const words = field
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_\-.]+/)
    .filter((w) => w !== '')
    .map((w) => (/^(cod|vnd|id|sku)$/i.test(w) ? w.toUpperCase() : w.toLowerCase()));
  const sentence = words.join(' ') || 'amount';
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}
