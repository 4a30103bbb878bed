/**
 * The slice of the address data the demo generators draw from, read through the normalisation
 * module (shared/normalise/address.ts) so the demo and the resolver share one reading of the
 * package: 2025 provinces and wards, and pre-2025 communes with the 2025 ward they became.
 */
import { getProvince, legacyWardsOf, listWards } from '../normalise/address.js';

export interface ProvinceEntry {
  code: string;
  name: string;
}

export interface WardEntry {
  code: string;
  name: string;
  provinceCode: string;
}

export interface LegacyWardEntry {
  oldWardCode?: string;
  oldWardName: string;
  oldDistrictName: string;
  oldProvinceName: string;
  newWardCode: string;
  newWardName: string;
  newProvinceCode: string;
  /** True when the old commune went whole into this one new ward (it was not split). */
  unambiguous: boolean;
}

export interface AddressBook {
  provinces: readonly ProvinceEntry[];
  province(code: string): ProvinceEntry | undefined;
  wards(provinceCode: string): readonly WardEntry[];
  /** Old-scheme communes now in `provinceCode` (2025 province), each with the ward it became. */
  legacyWards(provinceCode: string): readonly LegacyWardEntry[];
}

/**
 * Pre-2025 provinces merged into a 2025 one under another name (the 2025 name's own old province
 * is always included). Only the provinces the demo buyers and cooperatives live in.
 */
const MERGED_OLD_PROVINCES: Readonly<Record<string, readonly string[]>> = {
  '24': ['Bắc Giang'],
  '79': ['Bình Dương', 'Bà Rịa - Vũng Tàu'],
  '31': ['Hải Dương'],
  '48': ['Quảng Nam'],
  '33': ['Thái Bình'],
  '37': ['Hà Nam', 'Nam Định'],
  '75': ['Bình Phước'],
  '92': ['Sóc Trăng', 'Hậu Giang'],
  '19': ['Bắc Kạn'],
  '25': ['Vĩnh Phúc', 'Hoà Bình'],
};

function build(): AddressBook {
  const provinces: ProvinceEntry[] = [];
  for (let n = 1; n <= 99; n++) {
    const p = getProvince(String(n).padStart(2, '0'));
    if (p) provinces.push({ code: p.code, name: p.name });
  }
  const byCode = new Map(provinces.map((p) => [p.code, p]));
  const wardCache = new Map<string, WardEntry[]>();
  const legacyCache = new Map<string, LegacyWardEntry[]>();

  const wards = (provinceCode: string) => {
    let list = wardCache.get(provinceCode);
    if (!list) {
      list = listWards(provinceCode).map((w) => ({ code: w.code, name: w.name, provinceCode }));
      wardCache.set(provinceCode, list);
    }
    return list;
  };

  const legacyWards = (provinceCode: string) => {
    let list = legacyCache.get(provinceCode);
    if (!list) {
      list = [];
      const province = byCode.get(provinceCode);
      const oldNames = [...(province ? [province.name] : []), ...(MERGED_OLD_PROVINCES[provinceCode] ?? [])];
      for (const oldName of oldNames) {
        for (const w of legacyWardsOf(oldName)) {
          if (w.newProvinceCode !== provinceCode) continue;
          for (const target of w.newWards) {
            list.push({
              ...(w.wardCode === undefined ? {} : { oldWardCode: w.wardCode }),
              oldWardName: w.wardName,
              oldDistrictName: w.districtName,
              oldProvinceName: w.provinceName,
              newWardCode: target.code,
              newWardName: target.name,
              newProvinceCode: w.newProvinceCode,
              unambiguous: w.newWards.length === 1,
            });
          }
        }
      }
      legacyCache.set(provinceCode, list);
    }
    return list;
  };

  return { provinces, province: (code) => byCode.get(code), wards, legacyWards };
}

let cached: AddressBook | undefined;

/** The address book, built on first use (the package's JSON is ~4 MB). */
export function addressBook(): AddressBook {
  cached ??= build();
  return cached;
}
