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

function quantityOf(value: number | string, field: string, issues: FieldIssue[]): number {
  const n = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    issues.push({
      field,
      message: `must be a whole number of units, at least 1 (got ${JSON.stringify(value)})`,
    });
    return 0;
  }
  return n;
}

function moneyOf(value: number | string, field: string, issues: FieldIssue[]): number {
  try {
    return parseVnd(value, field);
  } catch (error) {
    if (error instanceof MoneyFormatError) {
      issues.push({ field, message: error.message });
      return 0;
    }
    throw error;
  }
}

export function normaliseOrder(raw: RawOrder, receivedAt: Date): NormalisedOrder {
  const issues: FieldIssue[] = [];
  const externalId = toNfc(raw.externalId);
  if (!externalId) issues.push({ field: 'externalId', message: 'the channel’s order id is missing' });
  const name = toNfc(raw.buyer.name ?? '');
  if (!name) issues.push({ field: 'buyer.name', message: 'the buyer’s name is missing' });
  if (raw.lines.length === 0) issues.push({ field: 'lines', message: 'the order has no items' });

  const reviewReasons: ReviewReason[] = [...new Set(raw.reviewReasons ?? [])];
  const rejectReasons: RejectReason[] = [];
  const lines: OrderLine[] = raw.lines.map((line, index) => {
    const sku = toNfc(line.sku ?? '').toUpperCase();
    if (!sku) issues.push({ field: `lines[${index}].sku`, message: 'the product code is missing' });
    const product = findProduct(sku);
    if (sku && !product && !rejectReasons.includes('unknown_product')) rejectReasons.push('unknown_product');
    if (raw.export && product && !product.exportable && !rejectReasons.includes('not_exportable')) {
      rejectReasons.push('not_exportable');
    }
    return {
      sku,
      quantity: quantityOf(line.quantity, `lines[${index}].quantity`, issues),
      unitPriceVnd: moneyOf(line.unitPrice, `lines[${index}].unitPrice`, issues),
    };
  });
  const shippingFeeVnd = raw.shippingFee === undefined ? 0 : moneyOf(raw.shippingFee, 'shippingFee', issues);

  let placedAt = receivedAt;
  if (raw.placedAt !== undefined && raw.placedAt !== '') {
    try {
      placedAt = parseInstant(raw.placedAt);
    } catch (error) {
      issues.push({ field: 'placedAt', message: (error as Error).message });
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);

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

  const subtotalVnd = lines.reduce((sum, l) => sum + l.quantity * l.unitPriceVnd, 0);
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
      },
      reviewReasons,
    },
  };
}
