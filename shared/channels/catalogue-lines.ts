/**
 * Order forms in chat channels (Messenger postback, Zalo OA form) carry product codes and counts
 * but no prices: the buyer ordered at the catalogue's list price, so the line takes it from there.
 * A code that is not in the catalogue cannot be priced and is refused, naming the field.
 */
import type { RawOrderLine } from '../domain/order.js';
import { findProduct } from '../domain/product.js';
import type { FieldIssue } from '../errors.js';

export interface FormItem {
  sku: string;
  qty: number;
  /** Path of the SKU in the source payload, for error messages. */
  field: string;
  label?: string;
}

export function linesAtListPrice(items: FormItem[]): { lines: RawOrderLine[]; issues: FieldIssue[] } {
  const lines: RawOrderLine[] = [];
  const issues: FieldIssue[] = [];
  for (const item of items) {
    const sku = item.sku.trim().toUpperCase();
    const product = findProduct(sku);
    if (product === undefined) {
      const issue: FieldIssue = {
        field: item.field,
        message: `"${sku}" is not a product code in our catalogue`,
      };
      if (item.label !== undefined) issue.label = item.label;
      issues.push(issue);
      continue;
    }
    lines.push({ sku, quantity: item.qty, unitPrice: product.listPriceVnd });
  }
  return { lines, issues };
}
