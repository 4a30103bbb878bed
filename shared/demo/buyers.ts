/**
 * Demo buyers across Vietnam: Vietnamese names, real 2025 wards weighted towards the big cities,
 * street addresses as people write them, and valid mobile numbers. A configurable share is messy
 * the way real input is (decomposed text, old three-level addresses, abbreviations, phones in
 * every format) and a small share is genuinely bad (goes to review).
 */
import type { RawAddressParts, RawOrder } from '../domain/order.js';
import { addressBook, type LegacyWardEntry, type WardEntry } from './address-book.js';
import { type Gender, personName, type Region } from './names.js';
import { type Rng, WeightedTable } from './random.js';

export type BuyerQuality = 'clean' | 'messy' | 'bad';

/** Ways input is messy yet still valid. `money` is applied to the order's amounts, not the buyer. */
export const MESS_KINDS = [
  'nfd',
  'legacy-address',
  'abbreviated',
  'no-diacritics',
  'spacing-case',
  'phone-format',
  'old-phone-prefix',
  'money',
] as const;
export type MessKind = (typeof MESS_KINDS)[number];

/** Ways input is genuinely bad: a person has to look at it. */
export type BadKind = 'bad-address' | 'bad-phone';

export type AddressStyle = 'parts' | 'text';

export interface DemoBuyer {
  buyer: RawOrder['buyer'];
  quality: BuyerQuality;
  mess: MessKind[];
  bad: BadKind[];
  /** What normalisation should find: the 2025 ward and the E.164 phone (absent where bad). */
  expected: { provinceCode: string; wardCode?: string; phoneE164?: string };
}

export interface BuyerOptions {
  /** Structured fields (marketplaces, portal, forms) or one free-text line (chat). */
  addressStyle?: AddressStyle;
  /** Clean by default; `messy` uses `mess` (or draws 1-3 kinds); `bad` uses `bad` (or draws). */
  quality?: BuyerQuality;
  mess?: readonly MessKind[];
  bad?: readonly BadKind[];
  /** Force the province (2-digit code). */
  provinceCode?: string;
}

export interface BuyersOptions {
  /** Share of messy-but-valid buyers, default 0.15. */
  messyShare?: number;
  /** Share of genuinely bad buyers, default 0.005. */
  badShare?: number;
  addressStyle?: AddressStyle;
}

/** Where orders come from, weighted by province code. Unlisted provinces weigh 0.5. */
const PROVINCE_WEIGHTS: Readonly<Record<string, number>> = {
  '01': 28, // Hà Nội
  '79': 22, // TP Hồ Chí Minh
  '24': 8, // Bắc Ninh (incl. old Bắc Giang)
  '31': 6, // Hải Phòng
  '48': 5, // Đà Nẵng
  '22': 3, // Quảng Ninh
  '33': 3, // Hưng Yên
  '75': 3, // Đồng Nai
  '19': 2, // Thái Nguyên
  '25': 2, // Phú Thọ
  '37': 2, // Ninh Bình
  '38': 2, // Thanh Hóa
  '40': 2, // Nghệ An
  '92': 2, // Cần Thơ
  '56': 2, // Khánh Hòa
  '46': 1.5, // Huế
  '68': 1.5, // Lâm Đồng
  '80': 1, // Tây Ninh
  '86': 1, // Vĩnh Long
  '20': 1, // Lạng Sơn
  '15': 1, // Lào Cai
};

const URBAN_PROVINCES = new Set(['01', '79', '31', '48', '92', '46']);

/** Mobile prefixes in use since 2018 with rough market shares (Viettel, MobiFone, VinaPhone…). */
const MOBILE_PREFIXES = new WeightedTable<string>([
  ['032', 4],
  ['033', 4],
  ['034', 4],
  ['035', 4],
  ['036', 4],
  ['037', 4],
  ['038', 4],
  ['039', 4],
  ['086', 4],
  ['096', 6],
  ['097', 7],
  ['098', 7],
  ['070', 3],
  ['076', 2],
  ['077', 2],
  ['078', 2],
  ['079', 2],
  ['090', 6],
  ['093', 5],
  ['081', 2],
  ['082', 2],
  ['083', 2],
  ['084', 2],
  ['085', 2],
  ['088', 3],
  ['091', 6],
  ['094', 5],
  ['056', 1],
  ['058', 1],
  ['092', 1],
  ['059', 0.5],
]);

/** New prefix → the 11-digit prefix it replaced in 2018 (what old contact lists still hold). */
const OLD_PREFIX: Readonly<Record<string, string>> = {
  '032': '0162',
  '033': '0163',
  '034': '0164',
  '035': '0165',
  '036': '0166',
  '037': '0167',
  '038': '0168',
  '039': '0169',
  '070': '0120',
  '079': '0121',
  '077': '0122',
  '076': '0126',
  '078': '0128',
  '083': '0123',
  '084': '0124',
  '085': '0125',
  '081': '0127',
  '082': '0129',
  '056': '0186',
  '058': '0188',
  '059': '0199',
};

const STREETS: readonly string[] = [
  'Trần Hưng Đạo',
  'Lê Lợi',
  'Quang Trung',
  'Hai Bà Trưng',
  'Lý Thường Kiệt',
  'Nguyễn Trãi',
  'Hùng Vương',
  'Lê Duẩn',
  'Nguyễn Du',
  'Phan Chu Trinh',
  'Phan Bội Châu',
  'Trần Phú',
  'Ngô Quyền',
  'Điện Biên Phủ',
  'Nguyễn Văn Cừ',
  'Lê Hồng Phong',
  'Nguyễn Thị Minh Khai',
  'Võ Thị Sáu',
  'Bạch Đằng',
  'Hoàng Văn Thụ',
  'Nguyễn Văn Linh',
  'Trường Chinh',
  'Lê Thánh Tông',
  'Tôn Đức Thắng',
  'Lạc Long Quân',
  'Nguyễn Chí Thanh',
];
/** Hà Nội's own streets. */
const STREETS_HANOI: readonly string[] = [
  'Giải Phóng',
  'Kim Mã',
  'Xuân Thủy',
  'Cầu Giấy',
  'Láng',
  'Tây Sơn',
  'Đội Cấn',
  'Hoàng Quốc Việt',
  'Phạm Văn Đồng',
  'Minh Khai',
  'Âu Cơ',
  'Khuất Duy Tiến',
  'Lê Văn Lương',
  'Tố Hữu',
  'Bạch Mai',
  'Kim Ngưu',
  'Tam Trinh',
  'Nguyễn Khang',
  'Trần Duy Hưng',
  'Nguyễn Văn Huyên',
  'Lê Trọng Tấn',
];
/** TP Hồ Chí Minh's own streets. */
const STREETS_HCMC: readonly string[] = [
  'Cách Mạng Tháng Tám',
  'Nguyễn Đình Chiểu',
  'Lê Văn Sỹ',
  'Võ Văn Tần',
  'Nam Kỳ Khởi Nghĩa',
  'Xô Viết Nghệ Tĩnh',
  'Phan Xích Long',
  'Nguyễn Oanh',
  'Lê Văn Việt',
  'Kha Vạn Cân',
  'Huỳnh Tấn Phát',
  'Nguyễn Thị Thập',
  'Lũy Bán Bích',
  'Phạm Văn Chiêu',
  'Nguyễn Kiệm',
  'Bùi Đình Túy',
  'Võ Văn Ngân',
];
const HAMLETS_NORTH: readonly string[] = [
  'Thôn Đông',
  'Thôn Trung',
  'Thôn Hạ',
  'Thôn Thượng',
  'Thôn Tân Lập',
  'Thôn Phú Mỹ',
  'Thôn Đồng Tâm',
  'Thôn Bãi',
  'Thôn Chùa',
  'Thôn Cầu',
  'Thôn Ngọc',
  'Thôn Mới',
  'Xóm Chợ',
  'Xóm Giữa',
];
const HAMLETS_SOUTH: readonly string[] = [
  'Ấp Bình Hòa',
  'Ấp Tân Thạnh',
  'Ấp Phú Lợi',
  'Ấp Long Hưng',
  'Ấp Mỹ Điền',
  'Ấp An Phú',
  'Ấp Hòa Bình',
];

/** Free text no resolver can place: a person has to call the buyer. */
const BAD_ADDRESSES: readonly string[] = [
  'Giao tận nơi, gọi trước khi giao',
  'Cổng sau bệnh viện, gần cây xăng',
  'Xóm trên, cạnh nhà văn hóa',
  'ship về quê ngoại em nhé',
  'Địa chỉ như lần trước',
  'Gần chợ, hỏi chị bán rau',
  'Công ty em, tầng 3',
];

function regionOf(provinceCode: string): Region {
  const n = Number(provinceCode);
  return n <= 38 ? 'north' : n <= 68 ? 'central' : 'south';
}

let provinceTable: WeightedTable<string> | undefined;
function provinceWeights(): WeightedTable<string> {
  provinceTable ??= new WeightedTable(
    addressBook().provinces.map((p) => [p.code, PROVINCE_WEIGHTS[p.code] ?? 0.5] as const),
  );
  return provinceTable;
}

const wardTables = new Map<string, WeightedTable<WardEntry>>();
function wardWeights(provinceCode: string): WeightedTable<WardEntry> {
  let table = wardTables.get(provinceCode);
  if (!table) {
    const urban = URBAN_PROVINCES.has(provinceCode);
    const entries = addressBook()
      .wards(provinceCode)
      .map((w) => {
        const weight = w.name.startsWith('Phường')
          ? urban
            ? 4
            : 2
          : w.name.startsWith('Đặc khu')
            ? 0.02
            : 1;
        return [w, weight] as const;
      });
    table = new WeightedTable(entries);
    wardTables.set(provinceCode, table);
  }
  return table;
}

const legacyTables = new Map<string, LegacyWardEntry[]>();
/** Old communes that went whole into one 2025 ward: an old address for them resolves exactly. */
function legacyChoices(provinceCode: string): LegacyWardEntry[] {
  let list = legacyTables.get(provinceCode);
  if (!list) {
    list = addressBook()
      .legacyWards(provinceCode)
      .filter((w) => w.unambiguous && w.oldWardCode !== undefined);
    legacyTables.set(provinceCode, list);
  }
  return list;
}

/** A mobile number in national format, `0xxxxxxxxx`. */
export function mobileNumber(rng: Rng): string {
  return rng.draw(MOBILE_PREFIXES) + rng.chars(7, '0123456789');
}

function streetLine(rng: Rng, provinceCode: string, wardName: string): string {
  const region = regionOf(provinceCode);
  const n = rng.int(1, 300);
  if (wardName.startsWith('Xã') || wardName.startsWith('Đặc khu')) {
    if (region === 'south') return rng.chance(0.7) ? rng.pick(HAMLETS_SOUTH) : `Ấp ${rng.int(1, 9)}`;
    return rng.weighted([
      [rng.pick(HAMLETS_NORTH), 50],
      [`Thôn ${rng.int(1, 12)}`, 15],
      [`Xóm ${rng.int(1, 15)}`, 15],
      [`Số ${n} đường ${rng.pick(STREETS)}`, 20],
    ] as const);
  }
  const street = rng.pick(
    provinceCode === '79' && rng.chance(0.6)
      ? STREETS_HCMC
      : provinceCode === '01' && rng.chance(0.5)
        ? STREETS_HANOI
        : STREETS,
  );
  if (provinceCode === '79' || region === 'south') {
    return rng.weighted([
      [`${n}/${rng.int(1, 80)} ${street}`, 35],
      [`${n} ${street}`, 30],
      [`Số ${n} ${street}`, 15],
      [`${n}/${rng.int(1, 60)}/${rng.int(1, 30)} ${street}`, 8],
      [
        `Căn hộ ${rng.int(2, 25)}.${String(rng.int(1, 20)).padStart(2, '0')} tòa ${rng.pick(['A', 'B', 'C'])} ${street}`,
        12,
      ],
    ] as const);
  }
  return rng.weighted([
    [`Số ${n} ngõ ${rng.int(1, 500)} ${street}`, 30],
    [`Số ${n} ${street}`, 30],
    [`${n} ${street}`, 15],
    [`Số ${n} ngách ${rng.int(1, 200)}/${rng.int(1, 80)} ${street}`, 10],
    [
      `Phòng ${rng.int(2, 30)}${String(rng.int(1, 20)).padStart(2, '0')} tòa ${rng.pick(['A', 'B', 'C', 'D'])}${rng.int(1, 5)} ${street}`,
      8,
    ],
    [`Ngõ ${rng.int(1, 500)} ${street}`, 7],
  ] as const);
}

/** The province as people write it: "Thành phố Hà Nội", "Hà Nội", "Tỉnh Bắc Ninh", "Bắc Ninh". */
function provinceLabel(rng: Rng, name: string): string {
  if (name.startsWith('Thành phố ')) return rng.chance(0.6) ? name : name.slice('Thành phố '.length);
  if (name.startsWith('Tỉnh ')) return rng.chance(0.5) ? name : name.slice('Tỉnh '.length);
  return rng.chance(0.5) ? `Tỉnh ${name}` : name;
}

const ABBREVIATED_TYPES: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  [/^Phường /u, ['P. ', 'P.', 'p ']],
  [/^Xã /u, ['X. ', 'X.', 'xã ']],
  [/^Thị trấn /u, ['TT. ', 'TT.']],
  [/^Quận /u, ['Q. ', 'Q.', 'q ']],
  [/^Huyện /u, ['H. ', 'H.']],
  [/^Thị xã /u, ['TX. ', 'TX.']],
];

/** "Phường Thanh Xuân" → "P. Thanh Xuân"; district-level "Thành phố Bắc Giang" → "TP. Bắc Giang". */
function abbreviateUnit(rng: Rng, name: string, level: 'ward' | 'district'): string {
  if (level === 'district' && name.startsWith('Thành phố ')) return `TP. ${name.slice('Thành phố '.length)}`;
  for (const [pattern, forms] of ABBREVIATED_TYPES) {
    if (pattern.test(name)) return name.replace(pattern, rng.pick(forms));
  }
  return name;
}

function abbreviateProvince(rng: Rng, name: string): string {
  const bare = name.replace(/^(Thành phố|Tỉnh)\s+/u, '');
  if (bare === 'Hà Nội') return rng.pick(['HN', 'Hà Nội', 'HÀ NỘI']);
  if (bare === 'Hồ Chí Minh') return rng.pick(['TP.HCM', 'TPHCM', 'HCM', 'TP. HCM']);
  if (name.startsWith('Thành phố ')) return `TP. ${bare}`;
  return rng.chance(0.5) ? `T. ${bare}` : bare;
}

/** Marks stripped and đ → d, keeping case: what a phone without a Vietnamese keyboard sends. */
export function stripDiacritics(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D');
}

function messyPhone(rng: Rng, national: string): string {
  const nsn = national.slice(1);
  const [a, b, c] = [nsn.slice(0, 2), nsn.slice(2, 5), nsn.slice(5)];
  const spaced = `${nsn.slice(0, 3)} ${nsn.slice(3, 6)} ${nsn.slice(6)}`;
  return rng.pick([
    `84${nsn}`,
    `+84 ${spaced}`,
    `+84${nsn}`,
    `${national.slice(0, 4)}.${national.slice(4, 7)}.${national.slice(7)}`,
    `${national.slice(0, 4)} ${national.slice(4, 7)} ${national.slice(7)}`,
    `${national.slice(0, 4)}-${national.slice(4, 7)}-${national.slice(7)}`,
    `+84-${a}${b.slice(0, 1)}-${b.slice(1)}${c.slice(0, 1)}-${c.slice(1)}`,
    `0084${nsn}`,
    `+84 (0) ${spaced}`,
  ]);
}

function oldPhone(rng: Rng, national: string): string | undefined {
  const old = OLD_PREFIX[national.slice(0, 3)];
  if (old === undefined) return undefined;
  const rest = national.slice(3);
  return rng.pick([
    `${old}${rest}`,
    `${old} ${rest.slice(0, 3)} ${rest.slice(3)}`,
    `${old}.${rest.slice(0, 3)}.${rest.slice(3)}`,
  ]);
}

function badPhone(rng: Rng, national: string): string {
  return rng.pick([
    national.slice(0, 6), // cut off
    `${national}${rng.int(10, 99)}`, // two digits too many
    '0000000000',
    'không có',
    'chưa có sđt',
    `12${rng.chars(5, '0123456789')}`,
    `024${rng.chars(7, '0123456789')}`, // a Hà Nội landline: couriers need a mobile
  ]);
}

/** 1-3 mess kinds (money included only when `withMoney`), without contradictory pairs. */
export function pickMessKinds(rng: Rng, withMoney = true): MessKind[] {
  const weights: Array<readonly [MessKind, number]> = [
    ['nfd', 20],
    ['legacy-address', 25],
    ['abbreviated', 15],
    ['no-diacritics', 8],
    ['spacing-case', 8],
    ['phone-format', 25],
    ['old-phone-prefix', 6],
  ];
  if (withMoney) weights.push(['money', 15]);
  const count = rng.weighted([
    [1, 55],
    [2, 35],
    [3, 10],
  ] as const);
  const out: MessKind[] = [];
  while (out.length < count) {
    const kind = rng.weighted(weights.filter(([k]) => !out.includes(k)));
    out.push(kind);
  }
  // Decomposing text without marks does nothing; an old prefix is itself a phone format.
  if (out.includes('nfd') && out.includes('no-diacritics')) out.splice(out.indexOf('nfd'), 1);
  if (out.includes('phone-format') && out.includes('old-phone-prefix'))
    out.splice(out.indexOf('phone-format'), 1);
  return out;
}

/** One buyer. Draws are made in a fixed order, so the same generator state gives the same buyer. */
export function generateBuyer(rng: Rng, options: BuyerOptions = {}): DemoBuyer {
  const style = options.addressStyle ?? 'parts';
  const quality = options.quality ?? 'clean';
  const mess: MessKind[] =
    quality === 'messy' ? (options.mess ? [...options.mess] : pickMessKinds(rng, false)) : [];
  const bad: BadKind[] =
    quality === 'bad'
      ? options.bad
        ? [...options.bad]
        : rng.weighted([
            [['bad-address'] as BadKind[], 45],
            [['bad-phone'] as BadKind[], 40],
            [['bad-address', 'bad-phone'] as BadKind[], 15],
          ] as const)
      : [];

  const provinceCode = options.provinceCode ?? rng.draw(provinceWeights());
  const province = addressBook().province(provinceCode);
  if (!province) throw new Error(`unknown province ${provinceCode}`);
  const region = regionOf(provinceCode);
  const gender: Gender = rng.chance(0.55) ? 'female' : 'male';
  let name = personName(rng, region, gender);
  const national = mobileNumber(rng);

  // Address: a 2025 ward, or (messy) an old commune that went whole into one.
  const legacyPool = mess.includes('legacy-address') ? legacyChoices(provinceCode) : [];
  if (mess.includes('legacy-address') && legacyPool.length === 0) {
    // No old commune of this province maps whole onto one new ward: mess up the phone instead.
    mess.splice(mess.indexOf('legacy-address'), 1, 'phone-format');
  }
  const legacy = legacyPool.length > 0 ? rng.pick(legacyPool) : undefined;
  const ward = legacy ? undefined : rng.draw(wardWeights(provinceCode));
  const wardCode = legacy?.newWardCode ?? ward?.code;
  const street = streetLine(rng, provinceCode, legacy?.newWardName ?? ward?.name ?? 'Phường');

  const abbreviated = mess.includes('abbreviated');
  let wardText = legacy?.oldWardName ?? ward?.name ?? '';
  let districtText = legacy?.oldDistrictName;
  let provinceText = legacy ? provinceLabel(rng, legacy.oldProvinceName) : provinceLabel(rng, province.name);
  if (abbreviated) {
    wardText = abbreviateUnit(rng, wardText, 'ward');
    if (districtText !== undefined) districtText = abbreviateUnit(rng, districtText, 'district');
    provinceText = abbreviateProvince(rng, legacy?.oldProvinceName ?? province.name);
  }

  let address: string | RawAddressParts;
  if (bad.includes('bad-address')) {
    const junk = rng.pick(BAD_ADDRESSES);
    address = style === 'text' ? junk : { street: junk };
  } else if (style === 'text') {
    address = [street, wardText, districtText, provinceText].filter((s) => s !== undefined).join(', ');
  } else {
    address = {
      street,
      ward: wardText,
      ...(districtText === undefined ? {} : { district: districtText }),
      province: provinceText,
    };
  }

  let phone = national;
  if (mess.includes('old-phone-prefix')) phone = oldPhone(rng, national) ?? messyPhone(rng, national);
  else if (mess.includes('phone-format')) phone = messyPhone(rng, national);
  if (bad.includes('bad-phone')) phone = badPhone(rng, national);

  // Text-level mess applies to every string the buyer typed.
  const text = (f: (s: string) => string) => {
    name = f(name);
    address = typeof address === 'string' ? f(address) : mapParts(address, f);
  };
  if (mess.includes('no-diacritics')) text(stripDiacritics);
  if (mess.includes('nfd')) text((s) => s.normalize('NFD'));
  if (mess.includes('spacing-case')) {
    const mode = rng.int(0, 2);
    text((s) => {
      const spaced = `${rng.chance(0.5) ? ' ' : ''}${s.replace(/ /g, () => (rng.chance(0.2) ? '  ' : ' '))} `;
      return mode === 0 ? spaced.toLowerCase() : mode === 1 ? spaced.toUpperCase() : spaced;
    });
  }

  const expectedWard = bad.includes('bad-address') ? undefined : wardCode;
  const expectedPhone = bad.includes('bad-phone') ? undefined : `+84${national.slice(1)}`;
  return {
    buyer: { name, phone, address },
    quality,
    mess,
    bad,
    expected: {
      provinceCode,
      ...(expectedWard === undefined ? {} : { wardCode: expectedWard }),
      ...(expectedPhone === undefined ? {} : { phoneE164: expectedPhone }),
    },
  };
}

function mapParts(parts: RawAddressParts, f: (s: string) => string): RawAddressParts {
  const out: RawAddressParts = {};
  if (parts.street !== undefined) out.street = f(parts.street);
  if (parts.ward !== undefined) out.ward = f(parts.ward);
  if (parts.district !== undefined) out.district = f(parts.district);
  if (parts.province !== undefined) out.province = f(parts.province);
  return out;
}

/** Decides a buyer's quality: bad with `badShare`, messy with `messyShare`, clean otherwise. */
export function drawQuality(rng: Rng, messyShare = 0.15, badShare = 0.005): BuyerQuality {
  const r = rng.next();
  return r < badShare ? 'bad' : r < badShare + messyShare ? 'messy' : 'clean';
}

/** `count` buyers with the configured shares of messy and bad input. */
export function generateBuyers(rng: Rng, count: number, options: BuyersOptions = {}): DemoBuyer[] {
  const out: DemoBuyer[] = [];
  for (let i = 0; i < count; i++) {
    const quality = drawQuality(rng, options.messyShare ?? 0.15, options.badShare ?? 0.005);
    out.push(
      generateBuyer(rng, {
        quality,
        ...(options.addressStyle ? { addressStyle: options.addressStyle } : {}),
      }),
    );
  }
  return out;
}
