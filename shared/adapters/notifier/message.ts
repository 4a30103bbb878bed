/**
 * The Vietnamese text a cooperative receives for an allocation. It names the order, the goods, the
 * batch, the pickup and, for export, the growing-area code to pack under. It carries no buyer
 * contact: the input type has no field for a name, phone or street, and the only place it may name
 * is the destination province/ward (Personal Data Protection Law, DESIGN.md).
 */
import { ValidationError } from '../../errors.js';
import type { ExportMarket } from '../../domain/market.js';

export interface AllocationMessageLine {
  productName: string;
  /** Sale units (boxes for fresh lychee). */
  quantity: number;
  batchId: string;
  /** Unit word, e.g. "thùng", "gói", "con". Default: "thùng" when the product is sold by the box. */
  unit?: string;
}

export interface AllocationMessageInput {
  cooperativeName: string;
  orderId: string;
  allocationId: string;
  lines: AllocationMessageLine[];
  /** Business date YYYY-MM-DD (Asia/Ho_Chi_Minh). */
  pickupDate: string;
  carrierName?: string;
  /** Export market; absent for a domestic order. */
  market?: ExportMarket;
  growingAreaCode?: string;
  /** Where the parcel goes, at most province and ward: never the street or the buyer. */
  destination?: { provinceName: string; wardName?: string };
}

/** Market names as a cooperative says them. */
const MARKET_NAMES: Record<ExportMarket, string> = {
  EU: 'EU',
  JP: 'Nhật Bản',
  US: 'Mỹ',
  AU: 'Úc',
  CN: 'Trung Quốc',
  TH: 'Thái Lan',
};

/** Zalo's text limit is 2,000 characters; list this many lines and summarise the rest. */
const MAX_LINES = 12;

const nfc = (text: string): string => text.normalize('NFC').trim();

function formatDate(isoDate: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  const date = match ? new Date(`${isoDate}T00:00:00Z`) : undefined;
  if (!match || !date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== isoDate) {
    throw new ValidationError([
      { field: 'pickupDate', message: `must be a calendar date YYYY-MM-DD, got "${isoDate}"` },
    ]);
  }
  return `${match[3]}/${match[2]}/${match[1]}`;
}

function describeLine(line: AllocationMessageLine): string {
  const name = nfc(line.productName);
  const unit = line.unit ? nfc(line.unit) : /\bthùng\b/iu.test(name) ? 'thùng' : undefined;
  const amount = unit ? `${line.quantity} ${unit}` : `${line.quantity} ×`;
  return `${amount} ${name} (lô ${nfc(line.batchId)})`;
}

/** Composes the allocation message, NFC-normalised. Throws ValidationError on an empty order or a bad date. */
export function composeAllocationMessage(input: AllocationMessageInput): string {
  if (input.lines.length === 0) {
    throw new ValidationError([{ field: 'lines', message: 'an allocation has at least one line' }]);
  }
  const bad = input.lines.findIndex((line) => !Number.isInteger(line.quantity) || line.quantity <= 0);
  if (bad >= 0) {
    throw new ValidationError([
      { field: `lines[${bad}].quantity`, message: 'must be a positive whole number' },
    ]);
  }
  const date = formatDate(input.pickupDate);
  const shown = input.lines.slice(0, MAX_LINES).map(describeLine);
  const hidden = input.lines.length - shown.length;
  const goods = shown.join('; ') + (hidden > 0 ? `; và ${hidden} mặt hàng khác` : '');
  const pickup = input.carrierName
    ? `giao cho ${nfc(input.carrierName)} lấy hàng ngày ${date}`
    : `chuẩn bị hàng để lấy ngày ${date}`;

  const sentences = [
    `[Harvest] ${nfc(input.cooperativeName)} nhận đơn ${nfc(input.orderId)}: ${goods}, ${pickup}.`,
  ];
  if (input.destination) {
    const place = [input.destination.wardName, input.destination.provinceName]
      .filter((part): part is string => Boolean(part?.trim()))
      .map(nfc)
      .join(', ');
    if (place) sentences.push(`Nơi nhận: ${place}.`);
  }
  if (input.market) {
    const market = MARKET_NAMES[input.market];
    sentences.push(
      input.growingAreaCode
        ? `Đơn xuất khẩu ${market}: dùng mã vùng trồng ${nfc(input.growingAreaCode)}.`
        : `Đơn xuất khẩu ${market}: chỉ dùng hàng từ vùng trồng có mã hợp lệ cho thị trường này.`,
    );
  }
  sentences.push(`Mã phân bổ: ${nfc(input.allocationId)}.`);
  return sentences.join(' ').normalize('NFC');
}

export interface ReleaseMessageInput {
  cooperativeName: string;
  orderId: string;
  allocationId: string;
  lines: AllocationMessageLine[];
  /** The release reason as stored: `declined: …`, `growing_area_suspended: CODE`, or a cancel's. */
  reason: string;
}

/**
 * The Vietnamese text a cooperative receives when one of its allocations is released: do not pack
 * it (or, for its own decline, that the decline was recorded). The units are back in its stock.
 */
export function composeReleaseMessage(input: ReleaseMessageInput): string {
  if (input.lines.length === 0) {
    throw new ValidationError([{ field: 'lines', message: 'a released allocation has at least one line' }]);
  }
  const shown = input.lines.slice(0, MAX_LINES).map(describeLine);
  const hidden = input.lines.length - shown.length;
  const goods = shown.join('; ') + (hidden > 0 ? `; và ${hidden} mặt hàng khác` : '');
  const reason = nfc(input.reason);
  const head = `[Harvest] ${nfc(input.cooperativeName)}`;
  const order = nfc(input.orderId);
  let sentences: string[];
  if (reason.startsWith('declined')) {
    sentences = [
      `${head}: đã ghi nhận HTX từ chối đơn ${order} (${goods}).`,
      'Đơn được chuyển cho HTX khác; hàng đã trả lại tồn kho.',
    ];
  } else if (reason.startsWith('growing_area_suspended')) {
    const code = reason.slice('growing_area_suspended'.length).replace(/^[:\s]+/, '');
    sentences = [
      `${head}: KHÔNG đóng gói đơn ${order} (${goods}).`,
      `Mã vùng trồng${code ? ` ${code}` : ''} đang bị tạm dừng cho thị trường này; đơn được chuyển sang hàng có mã hợp lệ và hàng đã trả lại tồn kho.`,
    ];
  } else {
    sentences = [
      `${head}: đơn ${order} đã bị huỷ, KHÔNG đóng gói (${goods}).`,
      'Hàng đã trả lại tồn kho; nếu đã đặt lấy hàng, lệnh lấy hàng cũng đã được huỷ.',
    ];
  }
  sentences.push(`Mã phân bổ: ${nfc(input.allocationId)}.`);
  return sentences.join(' ').normalize('NFC');
}
