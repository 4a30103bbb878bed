/**
 * Text normalisation for Vietnamese input.
 *
 * Every inbound string goes through `toNfc`: iOS/macOS keyboards and some Windows IMEs send
 * decomposed (NFD) text, so the same name can arrive as two different byte sequences.
 * `foldKey` builds matching keys (search, dedupe, address lookup); it is never shown to users.
 */

/** Zero-width space/joiners, word joiner and BOM: invisible, but they break equality. */
const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF]/g;
/** Any combining mark (tone marks, circumflex, breve, horn) once the text is decomposed. */
const COMBINING_MARK = /\p{M}/gu;
const WHITESPACE_RUN = /\s+/g;
const SINGLE_MARK = /^\p{M}$/u;
const SINGLE_SPACE = /^\s$/;

/** NFC, zero-width characters removed, whitespace runs (incl. NBSP, tabs, newlines) collapsed, trimmed. */
export function toNfc(s: string): string {
  return s.replace(ZERO_WIDTH, '').normalize('NFC').replace(WHITESPACE_RUN, ' ').trim();
}

/**
 * Matching key: diacritics removed, đ/Đ mapped to d by hand (they are letters, not base + mark,
 * so NFD leaves them alone), lowercased, whitespace collapsed.
 * "Lục Ngạn", "LỤC NGẠN", "luc ngan" and a decomposed "Lục Ngạn" all give "luc ngan".
 */
export function foldKey(s: string): string {
  return s
    .replace(ZERO_WIDTH, '')
    .normalize('NFD')
    .replace(COMBINING_MARK, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(WHITESPACE_RUN, ' ')
    .trim();
}

/**
 * A stricter key that keeps the diacritics but not their placement: per word, the base letters
 * (đ kept) plus the sorted set of marks. "Hoà" and "Hòa" (old and new tone placement) give the same
 * key, while "Văn Lang" and "Văn Lăng" (two different communes of one province) stay distinct.
 */
export function accentKey(s: string): string {
  const text = s.replace(ZERO_WIDTH, '').normalize('NFD').toLowerCase();
  let out = '';
  let base = '';
  let marks: string[] = [];
  const flush = () => {
    if (base === '' && marks.length === 0) return;
    if (out !== '') out += ' ';
    out += marks.length > 0 ? `${base}:${marks.sort().join('')}` : base;
    base = '';
    marks = [];
  };
  // A character loop rather than regexes: this runs for every word of every address resolved.
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (code < 0x80) {
      if (code <= 0x20) flush();
      else base += ch;
    } else if ((code >= 0x300 && code <= 0x36f) || SINGLE_MARK.test(ch)) marks.push(ch);
    else if (SINGLE_SPACE.test(ch)) flush();
    else base += ch;
  }
  flush();
  return out;
}
