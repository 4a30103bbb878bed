/**
 * Free-text chat orders (Zalo `user_send_text`, Messenger text messages), in Vietnamese with or
 * without diacritics:
 *
 *   "Cho mình 2 thùng vải 10kg giao 12 Nguyễn Trãi, Thanh Xuân, HN, sđt 0912 345 678"
 *   "lay 2 thung 5kg va 1 chai mat ong, gui ve so 5 ngo 12 Lang Ha, Dong Da, Ha Noi. dt 0988.123.456"
 *
 * The parser extracts what it can read with certainty: items (count, unit, product, box size),
 * phone, address, name when the buyer gives one, and a confidence. It never guesses: an item whose
 * product or box size is not stated, a count written as "vài" (a few), kilograms without a box
 * count, a missing or invalid phone or a missing address lower the confidence, and the caller sends
 * an order below `CHAT_CONFIDENCE_THRESHOLD` to a person (`review`, reason `uncertain_parse`).
 *
 * Matching runs on a folded copy of the text (marks stripped, đ → d, lower case) that has exactly
 * one character per character of the NFC text, so every match maps back onto the buyer's own words.
 * Where the buyer typed diacritics they are used to tell words apart that fold alike ("vải"
 * lychee / "vài" a few); without diacritics the lychee reading is taken.
 */
import type { RawOrder } from '../domain/order.js';
import { normalisePhone } from '../normalise/phone.js';
import { toNfc } from '../normalise/text.js';
import { linesAtListPrice } from './catalogue-lines.js';

export const CHAT_CONFIDENCE_THRESHOLD = 0.8;

export interface ChatItem {
  sku: string;
  quantity: number;
  /** The buyer's words for this item. */
  text: string;
}

export interface ChatParse {
  items: ChatItem[];
  phone?: string;
  address?: string;
  name?: string;
  /** 0..1: how sure the parser is that the order is exactly what the buyer meant. */
  confidence: number;
  /** Why the confidence is below 1, in plain words (no personal data). */
  doubts: string[];
  /**
   * The message looks like an attempt to order (a phone number, an address with a house or street
   * number, or an order verb / product word with a count): when no item can be read, it still goes
   * to a person instead of being dropped. Small talk has none of these signals.
   */
  orderAttempt: boolean;
}

const NUMBER_WORDS: Record<string, number> = {
  mot: 1,
  hai: 2,
  ba: 3,
  bon: 4,
  tu: 4,
  nam: 5,
  sau: 6,
  bay: 7,
  tam: 8,
  chin: 9,
  muoi: 10,
};

const UNITS = ['thung', 'hop', 'goi', 'chai', 'con', 'tui', 'hu', 'lo', 'bich'];
const LYCHEE_SIZES = new Set([2, 3, 5, 10]);

/** One folded character per NFC character (BMP letters fold to one letter). */
function foldAligned(nfc: string): string {
  let out = '';
  for (const ch of nfc) {
    if (ch === 'đ' || ch === 'Đ') {
      out += 'd';
      continue;
    }
    const base = ch.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    out += base.length === ch.length ? base : ch.toLowerCase().slice(0, ch.length).padEnd(ch.length, ' ');
  }
  return out;
}

const QUANTITY = `(\\d{1,3}|${Object.keys(NUMBER_WORDS).join('|')}|vai)`;
const UNIT = `(${UNITS.join('|')})`;
/** `2 thùng …`, `hai thùng …`, `vài thùng …`; the description runs to the next separator. */
const ITEM_WITH_UNIT = new RegExp(
  `(?:^|[^\\p{L}\\d])${QUANTITY}\\s*${UNIT}(?![\\p{L}])([^,;+\\n.]*?)(?=\\s*(?:,|;|\\+|\\n|\\.(?!\\d)|\\bva\\b|\\bvoi\\b|\\bthem\\b|$))`,
  'gu',
);
/** A unit with no count in front: `lấy thùng 5kg` (one box, but the buyer did not say so). */
const UNIT_WITHOUT_COUNT = new RegExp(
  `(?:^|[^\\p{L}\\d])${UNIT}(?![\\p{L}])([^,;+\\n.]*?)(?=\\s*(?:,|;|\\+|\\n|\\.(?!\\d)|\\bva\\b|\\bvoi\\b|$))`,
  'gu',
);
/** `10kg vải` / `5 cân vải`: a weight with no box count. */
const WEIGHT_ONLY = /(?:^|[^\p{L}\d])(\d{1,3})\s*(?:kg|ky|ki|can)\s+(?:vai|lychee)/u;
const SIZE = /(\d{1,2})\s*(?:kg|ky|ki|can)(?![\p{L}])/u;
/** An order verb: "đặt", "lấy", "mua", "order", "ship", "gửi", "cho mình/em/tôi". */
const ORDER_VERB = /(?:^|[^\p{L}])(?:dat|lay|mua|order|ship|gui|cho\s+(?:minh|em|toi|chi|anh))(?![\p{L}])/u;
/** A product word: "vải", "lychee", "mật ong", "mì/miến Chũ", "gà đồi". */
const PRODUCT_WORD = /(?:^|[^\p{L}])(?:vai|lychee|mat ong|mi chu|mien chu|ga doi)(?![\p{L}])/u;
/** A count with a unit ("2 thùng", "vài hộp", "hai chai"). */
const COUNT_WITH_UNIT = new RegExp(`(?:^|[^\\p{L}\\d])${QUANTITY}\\s*${UNIT}(?![\\p{L}])`, 'u');
/** A count with a unit or a weight ("2 thùng", "10kg", "5 cân"). */
const COUNT_OR_WEIGHT = new RegExp(
  `(?:^|[^\\p{L}\\d])(?:${QUANTITY}\\s*${UNIT}|\\d{1,3}\\s*(?:kg|ky|ki|can))(?![\\p{L}])`,
  'u',
);

/** Where the address starts: "giao (tới/đến/về) …", "gửi (về) …", "ship …", "địa chỉ:", "đc:". */
const ADDRESS_START =
  /(?:^|[^\p{L}])(?:giao(?:\s+hang)?(?:\s+(?:toi|den|ve|cho|tai))?|gui(?:\s+(?:toi|den|ve|cho))?|ship(?:\s+(?:toi|den|ve))?|dia chi(?:\s+nhan)?|dc)\s*[:：]?\s*/u;
/** Where the phone starts: "sđt", "sdt", "đt", "số điện thoại", "phone", "tel", "liên hệ". */
const PHONE_LABEL = /(?:^|[^\p{L}])(?:sdt|so dien thoai|dien thoai|dt|phone|tel|lien he|lh)\s*[:：.]?\s*/u;
const PHONE_RUN = /(?:\(?\+?84\)?|0084|0)[\s.-]*(?:\(0\)\s*)?\d(?:[\s.-]?\d){7,10}/u;
const NAME =
  /(?:^|[^\p{L}])(?:ten(?:\s+nguoi\s+nhan)?|nguoi\s+nhan|(?:minh|em|toi|chi|anh)\s+ten\s+la|(?:minh|em|toi)\s+la)\s*[:：]?\s*/u;

interface Product {
  sku: (size: number | undefined) => string | undefined;
}

function productOf(folded: string, original: string): { product?: Product; doubt?: string } {
  const has = (re: RegExp) => re.test(folded);
  if (has(/\bmat ong\b/u)) return { product: { sku: () => 'OCOP-MAT-ONG-500ML' } };
  if (has(/\bvai\b.*\bsay\b|\bsay\b.*\bvai\b|\bvai say\b/u)) {
    return { product: { sku: () => 'LYCHEE-DRIED-500G' } };
  }
  if (has(/\b(?:mi|mien)\s+chu\b/u)) return { product: { sku: () => 'OCOP-MIEN-CHU-1KG' } };
  if (has(/\bga\b/u) && has(/\b(?:doi|yen the)\b/u)) {
    return { product: { sku: () => 'OCOP-GA-YEN-THE' } };
  }
  // "vài" (a few) folds like "vải" (lychee): when the buyer types diacritics, only "vải" is lychee.
  const typedMarks = /[^\p{ASCII}]/u.test(original);
  const saysLychee = has(/\blychee\b/u) || (has(/\bvai\b/u) && (!typedMarks || /vải/iu.test(original)));
  if (saysLychee || (has(/\bthung\b/u) && SIZE.test(folded))) {
    return {
      product: {
        sku: (size) => (size !== undefined && LYCHEE_SIZES.has(size) ? `LYCHEE-LN-${size}KG` : undefined),
      },
    };
  }
  return { doubt: 'an item names no product the shop sells' };
}

function cleanTail(s: string): string {
  return s.replace(/^[\s,;:.\-–]+|[\s,;:.\-–]+$/gu, '');
}

export function parseChatOrder(message: string): ChatParse {
  const text = toNfc(message);
  const folded = foldAligned(text);
  const doubts: string[] = [];
  let confidence = 1;
  const doubt = (reason: string, factor: number) => {
    if (!doubts.includes(reason)) doubts.push(reason);
    confidence *= factor;
  };

  // Where each part starts (indices are the same in `text` and `folded`). The address keyword is
  // the first one after the first item ("ship cho em 2 thùng … giao 12 …": not "ship").
  const firstItemAt = new RegExp(ITEM_WITH_UNIT.source, 'u').exec(folded)?.index ?? 0;
  const after = (re: RegExp) =>
    [...folded.matchAll(new RegExp(re.source, 'gu'))].find((m) => (m.index ?? 0) > firstItemAt);
  const phoneLabel = PHONE_LABEL.exec(folded) ?? undefined;
  const phoneRun = PHONE_RUN.exec(folded) ?? undefined;
  const addressStart = after(ADDRESS_START);
  const nameMatch = NAME.exec(folded) ?? undefined;
  const stopsAfterItems = [phoneLabel, phoneRun, addressStart, nameMatch]
    .map((m) => m?.index)
    .filter((i): i is number => i !== undefined && i > firstItemAt);
  const itemsEnd = stopsAfterItems.length > 0 ? Math.min(...stopsAfterItems) : folded.length;

  // Items
  const itemsFolded = folded.slice(0, itemsEnd);
  const itemsText = text.slice(0, itemsEnd);
  const items: ChatItem[] = [];
  const covered: Array<[number, number]> = [];
  for (const m of itemsFolded.matchAll(ITEM_WITH_UNIT)) {
    const end = (m.index ?? 0) + m[0].length;
    const from = end - m[0].trimStart().length;
    covered.push([from, end]);
    const countWord = m[1] ?? '';
    const description = `${m[2] ?? ''}${m[3] ?? ''}`;
    const words = text.slice(from, end).trim();
    let quantity: number | undefined = /^\d+$/.test(countWord) ? Number(countWord) : NUMBER_WORDS[countWord];
    if (countWord === 'vai') {
      // "vài thùng" is "a few boxes"; "vai thung" typed without marks is read the same way.
      doubt('a count is written as "vài" (a few)', 0.4);
      quantity = undefined;
    }
    const found = productOf(description, words);
    if (found.product === undefined) {
      doubt(found.doubt ?? 'an item names no product the shop sells', 0.4);
      continue;
    }
    const size = SIZE.exec(description);
    const sku = found.product.sku(size ? Number(size[1]) : undefined);
    if (sku === undefined) {
      doubt(
        size
          ? 'a box size is not one the shop sells (2, 3, 5 or 10 kg)'
          : 'an item does not say the box size',
        0.4,
      );
      continue;
    }
    if (quantity === undefined || quantity < 1) continue;
    items.push({ sku, quantity, text: words });
  }
  for (const m of itemsFolded.matchAll(UNIT_WITHOUT_COUNT)) {
    const end = (m.index ?? 0) + m[0].length;
    const from = end - m[0].trimStart().length;
    if (covered.some(([a, b]) => from < b && end > a)) continue;
    const found = productOf(`${m[1] ?? ''}${m[2] ?? ''}`, itemsText.slice(from, end));
    if (found.product === undefined) continue;
    doubt('an item does not say how many', 0.5);
    const size = SIZE.exec(m[2] ?? '');
    const sku = found.product.sku(size ? Number(size[1]) : undefined);
    if (sku !== undefined) items.push({ sku, quantity: 1, text: itemsText.slice(from, end).trim() });
  }
  if (items.length === 0 && WEIGHT_ONLY.test(itemsFolded)) {
    doubt('a weight is given without a number of boxes', 0.3);
  }
  if (items.length === 0) doubt('no item could be read', 0);

  // Phone
  let phone: string | undefined;
  if (phoneLabel) {
    const after = folded.slice(phoneLabel.index + phoneLabel[0].length);
    const run = PHONE_RUN.exec(after);
    const from = phoneLabel.index + phoneLabel[0].length;
    if (run && run.index < 4) phone = text.slice(from + run.index, from + run.index + run[0].length).trim();
    else {
      // What follows the label, up to the next separator: kept for the person who reviews.
      const tail = cleanTail(text.slice(from).split(/[,;\n]/u)[0] ?? '');
      if (tail !== '') phone = tail;
    }
  } else if (phoneRun) {
    phone = text.slice(phoneRun.index, phoneRun.index + phoneRun[0].length).trim();
  }
  if (phone === undefined) doubt('no phone number', 0.3);
  else if (!normalisePhone(phone).ok) doubt('the phone number is not a valid Vietnamese mobile', 0.5);

  // Address: from the "giao …" keyword to the phone label (or the name, or the end).
  let address: string | undefined;
  if (addressStart) {
    const from = addressStart.index + addressStart[0].length;
    const stops = [phoneLabel?.index, phoneRun?.index, nameMatch?.index].filter(
      (i): i is number => i !== undefined && i > from,
    );
    const to = stops.length > 0 ? Math.min(...stops) : text.length;
    const value = cleanTail(text.slice(from, to));
    if (value !== '') address = value;
  }
  if (address === undefined) doubt('no delivery address', 0.3);

  // Name, only when the buyer says it.
  let name: string | undefined;
  if (nameMatch) {
    const from = nameMatch.index + nameMatch[0].length;
    const value = cleanTail(text.slice(from).split(/[,;\n]|\s+(?:sđt|sdt|đt|giao|gửi)\b/iu)[0] ?? '');
    if (value !== '' && value.length <= 60) name = value;
  }

  // An order attempt: a phone number (a digit run, not just the word "sđt"), an address that has a
  // number in it, an order verb with a count or weight, or a product word with a count and unit.
  // "Shop ơi còn vải không?", "giá vải 5kg bao nhiêu?" or "cảm ơn shop" have none of these.
  const orderAttempt =
    phoneRun !== undefined ||
    (address !== undefined && /\d/u.test(address)) ||
    (ORDER_VERB.test(folded) && COUNT_OR_WEIGHT.test(folded)) ||
    (PRODUCT_WORD.test(folded) && COUNT_WITH_UNIT.test(folded));

  const result: ChatParse = {
    items,
    confidence: Math.round(confidence * 100) / 100,
    doubts,
    orderAttempt,
  };
  if (phone !== undefined) result.phone = phone;
  if (address !== undefined) result.address = address;
  if (name !== undefined) result.name = name;
  return result;
}

export interface ChatMessage {
  /** The chat platform the message came through. */
  via: 'zalo' | 'messenger';
  /** The platform's message id: the dedupe key (a redelivered message is the same order). */
  messageId: string;
  senderId: string;
  text: string;
  /** Epoch ms the message was sent. */
  sentAt: number;
  /** Path of the text in the payload, for error messages. */
  field: string;
}

/**
 * A chat message as an order of channel `chat`, or undefined when it is not an order attempt at
 * all (small talk, a question: no phone number, no address, no count of something to buy). An
 * order read with doubts keeps its lines at list price and goes to review (`uncertain_parse`); an
 * order attempt from which no item can be read with certainty ("vài thùng vải", "10kg vải") also
 * goes to review, with no lines: nothing is guessed and nothing is reserved (a review order never
 * reaches allocation). The note says why, without repeating the buyer's personal data; the buyer's
 * own words are kept for the operator in the contact (`buyer.chatText`, the personal-data item) and
 * are never logged. Nobody answers the buyer in the chat (no reply port yet): the operator does.
 */
export function chatMessageToOrder(message: ChatMessage): RawOrder | undefined {
  const parsed = parseChatOrder(message.text);
  if (parsed.items.length === 0 && !parsed.orderAttempt) return undefined;
  const { lines } = linesAtListPrice(
    parsed.items.map((item) => ({ sku: item.sku, qty: item.quantity, field: message.field })),
  );
  const platform = message.via === 'zalo' ? 'Zalo' : 'Messenger';
  const order: RawOrder = {
    channel: 'chat',
    externalId: `${message.via}:${message.messageId}`,
    placedAt: message.sentAt,
    buyer: {
      name: parsed.name ?? `Khách ${platform} …${message.senderId.slice(-4)}`,
      phone: parsed.phone ?? '',
      address: parsed.address ?? '',
      chatText: message.text,
    },
    lines,
    paymentMethod: 'cod',
    note:
      parsed.doubts.length === 0
        ? `Chat order via ${platform} (read with confidence ${parsed.confidence})`
        : `Chat order via ${platform}, confidence ${parsed.confidence}: ${parsed.doubts.join('; ')}`,
  };
  if (parsed.confidence < CHAT_CONFIDENCE_THRESHOLD || lines.length === 0) {
    order.reviewReasons = ['uncertain_parse'];
  }
  return order;
}
