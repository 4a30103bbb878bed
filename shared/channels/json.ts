/**
 * Reading JSON request bodies without losing ids. Marketplaces (Lazada, Shopee, TikTok, Zalo) use
 * integer ids beyond 2^53; `JSON.parse` would silently round 1250000000000000123 to
 * 1250000000000000000. `parseJsonLossless` turns every integer literal outside the safe range into
 * its exact decimal string before parsing, so ids survive and schemas take them as strings.
 */
import { ValidationError } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Sixteen digits in a row: the only way an unsafe integer can appear (2^53 has 16 digits). */
const LONG_DIGIT_RUN = /\d{16}/;

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** Wraps integer literals beyond Number.MAX_SAFE_INTEGER in quotes; leaves strings untouched. */
function quoteUnsafeIntegers(text: string): string {
  let out = '';
  let copiedUpTo = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip a string literal, honouring backslash escapes.
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i += 2;
        else if (d === 0x22) {
          i++;
          break;
        } else i++;
      }
      continue;
    }
    if (c === 0x2d || isDigit(c)) {
      const start = i;
      i++;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      let integer = true;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d || isDigit(d)) {
          integer = false;
          i++;
        } else break;
      }
      if (integer && i - start >= 16) {
        const token = text.slice(start, i);
        if (!Number.isSafeInteger(Number(token))) {
          out += `${text.slice(copiedUpTo, start)}"${token}"`;
          copiedUpTo = i;
        }
      }
      continue;
    }
    i++;
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}

/**
 * `JSON.parse` that keeps integers beyond Number.MAX_SAFE_INTEGER as exact strings
 * (`{"id":1250000000000000123}` → `{ id: '1250000000000000123' }`). Safe integers and decimals
 * stay numbers. Throws SyntaxError on invalid JSON, like JSON.parse.
 */
export function parseJsonLossless(text: string): unknown {
  return JSON.parse(LONG_DIGIT_RUN.test(text) ? quoteUnsafeIntegers(text) : text);
}

/** Decodes a body as strict UTF-8 (a leading BOM is dropped); names the problem otherwise. */
export function decodeUtf8Body(rawBody: Buffer): string {
  if (rawBody.length >= 2 && rawBody[0] === 0xff && rawBody[1] === 0xfe) {
    throw new ValidationError([
      { field: 'body', message: 'is UTF-16 text; send UTF-8 (from Excel: save as "CSV UTF-8")' },
    ]);
  }
  try {
    return utf8.decode(rawBody);
  } catch (cause) {
    throw new ValidationError([{ field: 'body', message: 'is not valid UTF-8 text' }], { cause });
  }
}

/** Decodes and parses a JSON body losslessly; a body that is not JSON is a ValidationError on `body`. */
export function readJsonBody(rawBody: Buffer): unknown {
  const text = decodeUtf8Body(rawBody);
  if (text.trim() === '') throw new ValidationError([{ field: 'body', message: 'is empty; expected JSON' }]);
  try {
    return parseJsonLossless(text);
  } catch (cause) {
    // The parser's own message quotes the body (personal data): keep only the position.
    const position = cause instanceof Error ? /position (\d+)/.exec(cause.message)?.[1] : undefined;
    const detail = position === undefined ? '' : ` (syntax error at character ${position})`;
    throw new ValidationError([{ field: 'body', message: `is not valid JSON${detail}` }]);
  }
}
