/**
 * Vietnamese mobile numbers → E.164 (stored) and `0xxxxxxxxx` (what couriers want).
 *
 * Uses the `max` metadata: the default metadata still accepts pre-2018 11-digit numbers.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { toNfc } from './text.js';

export type PhoneResult = { ok: true; e164: string; national: string } | { ok: false; reason: string };

/**
 * 11-digit mobile prefixes retired in 2018, as national significant digits (no leading 0):
 * old 3-digit prefix → new 2-digit prefix; the 7 subscriber digits are kept.
 */
const OLD_MOBILE_PREFIXES: Readonly<Record<string, string>> = {
  // Viettel 0162-0169 → 032-039
  '162': '32',
  '163': '33',
  '164': '34',
  '165': '35',
  '166': '36',
  '167': '37',
  '168': '38',
  '169': '39',
  // MobiFone
  '120': '70',
  '121': '79',
  '122': '77',
  '126': '76',
  '128': '78',
  // VinaPhone
  '123': '83',
  '124': '84',
  '125': '85',
  '127': '81',
  '129': '82',
  // Vietnamobile
  '186': '56',
  '188': '58',
  // Gmobile
  '199': '59',
};

/** Characters people put in phone numbers; anything else (letters, names, `@`) is rejected. */
const ALLOWED = /^[\d\s.\-()+/]*$/;

/** Normalises a Vietnamese mobile number; never throws. */
export function normalisePhone(input: string): PhoneResult {
  if (typeof input !== 'string') return { ok: false, reason: 'phone number is missing' };
  const text = toNfc(input);
  if (text === '') return { ok: false, reason: 'phone number is empty' };
  if (!ALLOWED.test(text)) return { ok: false, reason: 'not a phone number (unexpected characters)' };
  if (text.lastIndexOf('+') > 0) return { ok: false, reason: 'not a phone number (misplaced +)' };

  // "(0)" after the country code is a national trunk prefix written for humans: drop it first.
  const digits = text.replace(/\(\s*0\s*\)/, '').replace(/\D/g, '');
  if (digits === '') return { ok: false, reason: 'not a phone number (no digits)' };

  const nsn = nationalSignificantNumber(text.startsWith('+'), digits);
  if (nsn === undefined) return { ok: false, reason: 'not a Vietnamese phone number' };

  const converted = convertOldMobilePrefix(nsn);
  if (converted.length < 9) return { ok: false, reason: 'too few digits' };
  if (converted.length > 10) return { ok: false, reason: 'too many digits' };

  const parsed = parsePhoneNumberFromString(`+84${converted}`);
  if (parsed?.country !== 'VN' || !parsed.isValid()) {
    return { ok: false, reason: 'not a valid Vietnamese phone number' };
  }
  const type = parsed.getType();
  if (type === 'FIXED_LINE') return { ok: false, reason: 'landline number, a mobile number is needed' };
  if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') {
    return { ok: false, reason: 'not a mobile number' };
  }
  return { ok: true, e164: parsed.number, national: `0${parsed.nationalNumber}` };
}

/**
 * The digits after the country code / trunk 0, or undefined for a foreign country code.
 * Accepts +84…, 0084…, 84… (11-12 digits), 0… and the bare 9-10 digit form.
 */
function nationalSignificantNumber(hasPlus: boolean, digits: string): string | undefined {
  let international: string | undefined;
  if (hasPlus) international = digits;
  else if (digits.startsWith('00')) international = digits.slice(2);
  // 84 + 9 digits (or + 10 for an old 11-digit mobile, or + a written trunk 0): a national number
  // is at most 10 digits without its 0, so 11+ digits starting with 84 carry the country code.
  else if (digits.startsWith('84') && digits.length >= 11) international = digits;

  if (international !== undefined) {
    if (!international.startsWith('84')) return undefined;
    return stripTrunkZero(international.slice(2));
  }
  return stripTrunkZero(digits);
}

function stripTrunkZero(digits: string): string {
  return digits.startsWith('0') ? digits.slice(1) : digits;
}

function convertOldMobilePrefix(nsn: string): string {
  if (nsn.length !== 10) return nsn;
  const replacement = OLD_MOBILE_PREFIXES[nsn.slice(0, 3)];
  return replacement === undefined ? nsn : replacement + nsn.slice(3);
}

/** For logs: `+84912345678` → `+8491*****78`. Keeps the country code, carrier prefix and last 2 digits. */
export function maskPhone(e164: string): string {
  const s = e164.trim();
  if (s.length <= 7) return '*'.repeat(s.length);
  const keepStart = 5;
  const keepEnd = 2;
  return s.slice(0, keepStart) + '*'.repeat(s.length - keepStart - keepEnd) + s.slice(-keepEnd);
}
