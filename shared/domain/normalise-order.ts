/**
 * Turns what an adapter read (`RawOrder`) into the pipeline's `CanonicalOrder`: NFC text, E.164
 * phone, 2025 ward codes, integer VND, business date in Asia/Ho_Chi_Minh. Every adapter goes
 * through here, so every channel gets the same rules.
 *
 * Three outcomes: a `ValidationError` naming the field when the payload cannot be read at all
 * (the caller answers 4xx and stores nothing); an order with `reviewReasons` when it parses but
 * cannot be trusted (kept, never dropped, a person looks at it); an order with `rejectReasons`
 * when it can never be served (unknown product, a market that bars the destination).
 */
import { createHash } from 'node:crypto';
import { type FieldIssue, ValidationError } from '../errors.js';
import { resolveAddress } from '../normalise/address.js';
import { MoneyFormatError, parseVnd } from '../normalise/money.js';
import { normalisePhone } from '../normalise/phone.js';
import { toNfc } from '../normalise/text.js';
import { businessDate, parseInstant } from '../normalise/time.js';
import { orderIdFor } from '../adapters/dynamodb/keys.js';
import type { CanonicalOrder, OrderLine, RawOrder, ReviewReason } from './order.js';
import { findProduct } from './product.js';

export type RejectReason = 'unknown_product' | 'market_restriction' | 'not_exportable';

export interface NormalisedOrder {
  order: CanonicalOrder;
  rejectReasons: RejectReason[];
}

/** US states the lychee import rule excludes (APHIS 2014: not into Florida or Hawaii). */
const US_BARRED_STATES = new Set(['fl', 'florida', 'hi', 'hawaii']);

/**
 * Bounds on every number a channel gives, checked before anything is stored (a number past
 * Number.MAX_SAFE_INTEGER cannot even be written to DynamoDB, and a typo with extra zeros must not
 * reserve a season's stock). The sale unit is a kilogram or a box: a 40-ft reefer container of
 * lychee is about 20-25 t, so 100,000 units on one line is above any real order and far below the
 * stock of the whole cooperative network. Retail lychee sells at 30-150 thousand đồng a kilogram
 * and a gift box at a few hundred thousand: 100 million đồng per unit (or for shipping) is
 * generous. The total of an order stays under 100 billion đồng (a full export container is worth
 * a few billion), which keeps every sum a safe integer.
 */
export const MAX_LINE_QUANTITY = 100_000;
export const MAX_UNIT_PRICE_VND = 100_000_000;
export const MAX_SHIPPING_FEE_VND = 100_000_000;
export const MAX_ORDER_TOTAL_VND = 100_000_000_000;

const grouped = (n: number) => n.toLocaleString('en-US');

/** A line's quantity: a whole number of sale units, 1..MAX_LINE_QUANTITY. */
export function quantityOf(value: number | string, field: string, issues: FieldIssue[]): number {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*\d+\s*$/.test(value)
        ? Number(value)
        : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    issues.push({
      field,
      message: `must be a whole number of units, at least 1 (got ${JSON.stringify(value)})`,
    });
    return 0;
  }
  if (n > MAX_LINE_QUANTITY) {
    issues.push({
      field,
      message: `must be at most ${grouped(MAX_LINE_QUANTITY)} units on one line (got ${JSON.stringify(value)}); split a larger order or check the number`,
    });
    return 0;
  }
  return n;
}

/** An amount in đồng (unit price, shipping fee): parsed by parseVnd, then at most `max`. */
export function moneyOf(value: number | string, field: string, issues: FieldIssue[], max: number): number {
  let vnd: number;
  try {
    vnd = parseVnd(value, field);
  } catch (error) {
    if (error instanceof MoneyFormatError) {
      issues.push({ field, message: error.message });
      return 0;
    }
    throw error;
  }
  if (vnd > max) {
    issues.push({
      field,
      message: `must be at most ${grouped(max)} đồng (got ${JSON.stringify(value)}); check the number`,
    });
    return 0;
  }
  return vnd;
}

/**
 * The fields of a raw order every channel must get right, read into numbers and an instant, or a
 * `ValidationError` naming each bad field (`lines[0].quantity`, `placedAt`, `totalVnd`). The
 * spreadsheet reader runs it on each order it groups, so a file's errors name their rows.
 */
export function checkOrderFields(
  raw: RawOrder,
  receivedAt: Date,
): {
  externalId: string;
  name: string;
  lines: Array<{ quantity: number; unitPriceVnd: number }>;
  shippingFeeVnd: number;
  placedAt: Date;
  subtotalVnd: number;
} {
  const issues: FieldIssue[] = [];
  const externalId = toNfc(raw.externalId);
  if (!externalId) issues.push({ field: 'externalId', message: 'the channel’s order id is missing' });
  const name = toNfc(raw.buyer.name ?? '');
  if (!name) issues.push({ field: 'buyer.name', message: 'the buyer’s name is missing' });
  // The one order without lines: a chat order attempt no item could be read from surely. It is
  // held in review (uncertain_parse) for a person, and a review order never reaches allocation.
  const unreadChat = raw.channel === 'chat' && (raw.reviewReasons ?? []).includes('uncertain_parse');
  if (raw.lines.length === 0 && !unreadChat) {
    issues.push({ field: 'lines', message: 'the order has no items' });
  }
  const lines = raw.lines.map((line, index) => {
    if (!toNfc(line.sku ?? ''))
      issues.push({ field: `lines[${index}].sku`, message: 'the product code is missing' });
    return {
      quantity: quantityOf(line.quantity, `lines[${index}].quantity`, issues),
      unitPriceVnd: moneyOf(line.unitPrice, `lines[${index}].unitPrice`, issues, MAX_UNIT_PRICE_VND),
    };
  });
  const shippingFeeVnd =
    raw.shippingFee === undefined ? 0 : moneyOf(raw.shippingFee, 'shippingFee', issues, MAX_SHIPPING_FEE_VND);
  let placedAt = receivedAt;
  if (raw.placedAt !== undefined && raw.placedAt !== '') {
    try {
      placedAt = parseInstant(raw.placedAt);
    } catch (error) {
      issues.push({ field: 'placedAt', message: (error as Error).message });
    }
  }
  const subtotalVnd = lines.reduce((sum, l) => sum + l.quantity * l.unitPriceVnd, 0);
  if (issues.length === 0 && subtotalVnd + shippingFeeVnd > MAX_ORDER_TOTAL_VND) {
    issues.push({
      field: 'totalVnd',
      message: `the order comes to ${grouped(subtotalVnd + shippingFeeVnd)} đồng, over ${grouped(MAX_ORDER_TOTAL_VND)}; check the quantities and prices`,
    });
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return { externalId, name, lines, shippingFeeVnd, placedAt, subtotalVnd };
}

export function normaliseOrder(raw: RawOrder, receivedAt: Date): NormalisedOrder {
  const checked = checkOrderFields(raw, receivedAt);
  const { externalId, name, shippingFeeVnd, placedAt, subtotalVnd } = checked;
  const reviewReasons: ReviewReason[] = [...new Set(raw.reviewReasons ?? [])];
  const rejectReasons: RejectReason[] = [];
  const lines: OrderLine[] = raw.lines.map((line, index) => {
    const sku = toNfc(line.sku ?? '').toUpperCase();
    const product = findProduct(sku);
    if (sku && !product && !rejectReasons.includes('unknown_product')) rejectReasons.push('unknown_product');
    if (raw.export && product && !product.exportable && !rejectReasons.includes('not_exportable')) {
      rejectReasons.push('not_exportable');
    }
    return { sku, ...checked.lines[index]! };
  });

  const phone = normalisePhone(raw.buyer.phone ?? '');
  if (!phone.ok && !reviewReasons.includes('phone_invalid')) reviewReasons.push('phone_invalid');
  const address = resolveAddress(raw.buyer.address);
  if (address.status === 'not_found') reviewReasons.push('address_not_found');
  if (address.status === 'ambiguous') reviewReasons.push('address_ambiguous');

  if (
    raw.export?.market === 'US' &&
    US_BARRED_STATES.has((raw.export.destinationState ?? '').trim().toLowerCase())
  ) {
    rejectReasons.push('market_restriction');
  }

  const note = raw.note === undefined ? undefined : toNfc(raw.note) || undefined;
  return {
    rejectReasons,
    order: {
      orderId: orderIdFor({ channel: raw.channel, seller: raw.seller, externalId }),
      channel: raw.channel,
      externalId,
      ...(raw.seller !== undefined ? { seller: raw.seller } : {}),
      placedAt: placedAt.toISOString(),
      receivedAt: receivedAt.toISOString(),
      businessDate: businessDate(receivedAt),
      lines,
      subtotalVnd,
      shippingFeeVnd,
      totalVnd: subtotalVnd + shippingFeeVnd,
      paymentMethod: raw.paymentMethod ?? 'cod',
      destination: {
        provinceCode: address.province?.code,
        provinceName: address.province?.name,
        wardCode: address.ward?.code,
        wardName: address.ward?.name,
        scheme: '2025',
        resolution: address.status,
      },
      export: raw.export,
      note,
      contact: {
        name,
        phoneE164: phone.ok ? phone.e164 : toNfc(raw.buyer.phone ?? ''),
        phoneNational: phone.ok ? phone.national : '',
        street: address.street,
        addressRaw: address.raw,
        legacyAddress: address.legacy
          ? {
              wardName: address.legacy.wardName,
              districtName: address.legacy.districtName,
              provinceName: address.legacy.provinceName,
              wardCode: address.legacy.wardCode,
            }
          : undefined,
        ...(raw.buyer.chatText !== undefined ? { chatText: toNfc(raw.buyer.chatText) } : {}),
      },
      reviewReasons,
    },
  };
}

/**
 * A fingerprint of what an order asks for: its lines (product, quantity, unit price), shipping fee,
 * payment, buyer (name, phone, address as written) and resolved destination. Stored with the order
 * at first ingest, so a resent order with the same id can be told apart from a redelivery: a
 * corrected file is "changed", a webhook retry is not. The order date and note are left out (a
 * sheet without a date gets the upload time).
 */
export function orderFingerprint(order: CanonicalOrder): string {
  const content = {
    lines: order.lines.map((l) => [l.sku, l.quantity, l.unitPriceVnd]),
    shippingFeeVnd: order.shippingFeeVnd,
    paymentMethod: order.paymentMethod,
    buyer: [order.contact.name, order.contact.phoneE164, order.contact.addressRaw],
    destination: [order.destination.provinceCode ?? null, order.destination.wardCode ?? null],
    export: order.export
      ? [order.export.market, order.export.exporterId, order.export.destinationState ?? null]
      : null,
  };
  return createHash('sha256').update(JSON.stringify(content)).digest('base64url').slice(0, 22);
}
