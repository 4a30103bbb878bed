/**
 * Demo exporters: companies that buy 10 kg boxes under growing-area codes and consolidate them
 * at a packing or cold-storage site in Bắc Ninh or Hà Nội before the border or the airport.
 * Names are made up.
 */
import type { RawAddressParts } from '../domain/order.js';
import type { ExportMarket } from '../domain/market.js';
import { addressBook } from './address-book.js';
import { mobileNumber } from './buyers.js';
import { personName } from './names.js';
import type { Rng } from './random.js';

export interface DemoExporter {
  exporterId: string;
  name: string;
  markets: ExportMarket[];
  contactName: string;
  /** National format, `0xxxxxxxxx`. */
  phone: string;
  /** The packing/consolidation site orders are delivered to. */
  site: {
    street: string;
    wardCode: string;
    wardName: string;
    provinceCode: string;
    provinceName: string;
  };
}

interface ExporterSeed {
  exporterId: string;
  name: string;
  markets: ExportMarket[];
  provinceCode: string;
  wardName: string;
  street: string;
}

const EXPORTERS: readonly ExporterSeed[] = [
  {
    exporterId: 'exp-kinhbac',
    name: 'Công ty TNHH Xuất nhập khẩu Nông sản Kinh Bắc',
    markets: ['CN', 'TH'],
    provinceCode: '24',
    wardName: 'Phường Bắc Giang',
    street: 'Kho lạnh số 2, Khu công nghiệp Song Khê - Nội Hoàng',
  },
  {
    exporterId: 'exp-lucnganxanh',
    name: 'Công ty CP Vải thiều Lục Ngạn Xanh',
    markets: ['CN', 'JP'],
    provinceCode: '24',
    wardName: 'Phường Chũ',
    street: 'Cơ sở đóng gói, Tổ dân phố Trần Phú',
  },
  {
    exporterId: 'exp-hongha',
    name: 'Công ty TNHH Trái cây Tươi Hồng Hà',
    markets: ['EU', 'JP'],
    provinceCode: '01',
    wardName: 'Phường Long Biên',
    street: 'Kho số 5, Số 18 Nguyễn Văn Linh',
  },
  {
    exporterId: 'exp-viettuoi',
    name: 'Công ty CP Thực phẩm Xuất khẩu Việt Tươi',
    markets: ['US', 'AU', 'EU'],
    provinceCode: '01',
    wardName: 'Xã Nội Bài',
    street: 'Kho hàng lạnh, đường Võ Văn Kiệt',
  },
  {
    exporterId: 'exp-donga',
    name: 'Công ty TNHH Thương mại Quốc tế Đông Á',
    markets: ['CN'],
    provinceCode: '24',
    wardName: 'Phường Kinh Bắc',
    street: 'Lô C4, Khu công nghiệp Quế Võ',
  },
  {
    exporterId: 'exp-anphat',
    name: 'Công ty CP Nông sản An Phát Bắc Ninh',
    markets: ['CN', 'TH', 'AU', 'US'],
    provinceCode: '24',
    wardName: 'Xã Lục Ngạn',
    street: 'Nhà sơ chế vải thiều, Thôn Thanh Giang',
  },
];

/** The exporters with their sites resolved to 2025 wards (falls back to the province's first ward). */
export function generateExporters(rng: Rng): DemoExporter[] {
  const book = addressBook();
  return EXPORTERS.map((seed) => {
    const province = book.province(seed.provinceCode);
    const wards = book.wards(seed.provinceCode);
    const ward = wards.find((w) => w.name === seed.wardName) ?? wards[0];
    if (!province || !ward) throw new Error(`exporter ${seed.exporterId}: no ward in ${seed.provinceCode}`);
    return {
      exporterId: seed.exporterId,
      name: seed.name,
      markets: seed.markets,
      contactName: personName(rng, 'north'),
      phone: mobileNumber(rng),
      site: {
        street: seed.street,
        wardCode: ward.code,
        wardName: ward.name,
        provinceCode: province.code,
        provinceName: province.name,
      },
    };
  });
}

/** The exporter's site as a structured order address. */
export function exporterAddress(exporter: DemoExporter): RawAddressParts {
  return { street: exporter.site.street, ward: exporter.site.wardName, province: exporter.site.provinceName };
}
