/**
 * Demo cooperatives in the lychee communes of old Bắc Giang (since 1 July 2025 part of Bắc Ninh,
 * province code 24). Each sits in a real 2025 ward and keeps the old commune and district it
 * still writes on its letterhead.
 */
import type { Cooperative, CooperativeKind } from '../domain/cooperative.js';
import { addressBook, type LegacyWardEntry } from './address-book.js';
import { personName } from './names.js';
import type { Rng } from './random.js';

export const BAC_NINH_PROVINCE_CODE = '24';
export const CARRIERS = ['ghn', 'ghtk', 'viettelpost'] as const;
export type CarrierId = (typeof CARRIERS)[number];

/**
 * Old districts of Bắc Giang by their share of lychee cooperatives. Lục Ngạn is the centre
 * (Thị xã Chũ was carved out of it in 2025); Tân Yên grows the early crop.
 */
const DISTRICT_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  ['Huyện Lục Ngạn', 30],
  ['Thị xã Chũ', 15],
  ['Huyện Lục Nam', 14],
  ['Huyện Tân Yên', 12],
  ['Huyện Sơn Động', 9],
  ['Huyện Yên Thế', 8],
  ['Huyện Lạng Giang', 6],
  ['Huyện Hiệp Hòa', 2],
  ['Thị xã Việt Yên', 2],
  ['Thành phố Bắc Giang', 2],
];

const CARRIER_WEIGHTS: ReadonlyArray<readonly [CarrierId, number]> = [
  ['ghn', 40],
  ['ghtk', 35],
  ['viettelpost', 25],
];

const KIND_WEIGHTS: ReadonlyArray<readonly [CooperativeKind, number]> = [
  ['cooperative', 75],
  ['cooperative-group', 15],
  ['farm-household', 10],
];

const COOPERATIVE_NAMES: readonly string[] = [
  'HTX Nông nghiệp Vải thiều {place}',
  'HTX Dịch vụ Nông nghiệp {place}',
  'HTX Vải thiều {place}',
  'HTX Sản xuất và Tiêu thụ Vải thiều {place}',
  'HTX Nông sản sạch {place}',
  'HTX Vải thiều VietGAP {place}',
  'HTX Dịch vụ Tổng hợp {place}',
  'HTX Nông lâm nghiệp {place}',
];

const GROUP_NAMES: readonly string[] = [
  'Tổ hợp tác vải thiều {place}',
  'Tổ hợp tác sản xuất vải thiều an toàn {place}',
  'Tổ hợp tác vải thiều VietGAP {place}',
];

/** Villages (thôn, bản) used to tell apart several cooperatives of one commune. */
const VILLAGES: readonly string[] = [
  'Khuôn Thần',
  'Bãi Chợ',
  'Đồng Vành',
  'Cầu Đất',
  'Hố Sâu',
  'Trại Ba',
  'Đồng Giao',
  'Na Hem',
  'Già Khè',
  'Lục Liêu',
  'Đồng Cao',
  'Thanh Giang',
  'Đồng Mạ',
  'Làng Thum',
  'Khe Nghè',
  'Tân Thành',
  'Đông Mẫu',
  'Thác Lười',
  'Suối Ván',
  'Hòa Bình',
  'Đồng Tâm',
  'Phố Kim',
  'Nà Lang',
  'Bến Lường',
];

/** The old commune's bare name: "Xã Phượng Sơn" → "Phượng Sơn". */
export function bareWardName(name: string): string {
  return name.replace(/^(Xã|Phường|Thị trấn|Đặc khu)\s+/u, '');
}

function capacity(rng: Rng, kind: CooperativeKind): number {
  const round10 = (n: number) => Math.round(n / 10) * 10;
  if (kind === 'farm-household') return round10(rng.int(40, 120));
  if (kind === 'cooperative-group') return round10(rng.int(40, 250));
  const size = rng.weighted([
    ['small', 35],
    ['medium', 40],
    ['big', 25],
  ] as const);
  if (size === 'small') return round10(rng.int(40, 150));
  if (size === 'medium') return round10(rng.int(150, 600));
  return round10(rng.int(600, 2000));
}

/** The old communes of Bắc Giang's lychee districts that map onto one 2025 ward of Bắc Ninh. */
export function lycheeCommunes(): Map<string, LegacyWardEntry[]> {
  const byDistrict = new Map<string, LegacyWardEntry[]>();
  for (const entry of addressBook().legacyWards(BAC_NINH_PROVINCE_CODE)) {
    // Rows without an old code are older aliases of a commune; a real letterhead uses the
    // commune as it stood until 2025.
    if (!entry.unambiguous || entry.oldWardCode === undefined) continue;
    if (!/Bắc Giang/u.test(entry.oldProvinceName)) continue;
    const list = byDistrict.get(entry.oldDistrictName) ?? [];
    list.push(entry);
    byDistrict.set(entry.oldDistrictName, list);
  }
  return byDistrict;
}

/**
 * `count` cooperatives with ids `htx-0001`…, mostly HTX, some cooperative groups (tổ hợp tác)
 * and farm households (hộ sản xuất). Deterministic for a given generator state.
 */
export function generateCooperatives(rng: Rng, count = 200): Cooperative[] {
  const communes = lycheeCommunes();
  const districts = DISTRICT_WEIGHTS.filter(([d]) => (communes.get(d)?.length ?? 0) > 0);
  if (districts.length === 0) throw new Error('address data has no Bắc Giang communes');

  const usedNames = new Set<string>();
  const usedZalo = new Set<string>();
  const out: Cooperative[] = [];
  for (let i = 1; i <= count; i++) {
    const district = rng.weighted(districts);
    const commune = rng.pick(communes.get(district) ?? []);
    const kind = rng.weighted(KIND_WEIGHTS);
    const place = bareWardName(commune.oldWardName);
    const name = uniqueName(rng, kind, place, district, usedNames);

    let zaloUserId = rng.digits(19);
    while (usedZalo.has(zaloUserId)) zaloUserId = rng.digits(19);
    usedZalo.add(zaloUserId);

    out.push({
      cooperativeId: `htx-${String(i).padStart(4, '0')}`,
      name,
      kind,
      provinceCode: BAC_NINH_PROVINCE_CODE,
      wardCode: commune.newWardCode,
      wardName: commune.newWardName,
      legacyCommune: { wardName: commune.oldWardName, districtName: commune.oldDistrictName },
      dailyCapacityUnits: capacity(rng, kind),
      zaloUserId,
      carrier: rng.weighted(CARRIER_WEIGHTS),
    });
  }
  return out;
}

function uniqueName(rng: Rng, kind: CooperativeKind, place: string, district: string, used: Set<string>) {
  for (let attempt = 0; ; attempt++) {
    let name: string;
    if (kind === 'farm-household') {
      name = `Hộ sản xuất ${personName(rng, 'north')}`;
    } else {
      // Tân Yên's groups sell the early crop ("vải sớm").
      const templates =
        kind === 'cooperative-group'
          ? district === 'Huyện Tân Yên'
            ? ['Tổ hợp tác vải sớm {place}', ...GROUP_NAMES]
            : GROUP_NAMES
          : COOPERATIVE_NAMES;
      // Later attempts name the village (thôn) instead of the commune, then number it.
      const where =
        attempt < 3 ? place : attempt < 8 ? `${rng.pick(VILLAGES)} ${place}` : `${place} ${attempt}`;
      name = rng.pick(templates).replace('{place}', where);
    }
    if (!used.has(name)) {
      used.add(name);
      return name;
    }
  }
}
