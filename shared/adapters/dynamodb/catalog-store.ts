/** Cooperatives, growing-area codes and stock batches as table items (see keys.ts). */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Cooperative, GrowingAreaCode, StockBatch } from '../../domain/cooperative.js';
import { batchPutAll } from './batch-write.js';
import {
  batchSk,
  COOPS_GSI2PK,
  cooperativePk,
  PROFILE_SK,
  pucGsi1pk,
  pucSk,
  stockGsi1pk,
  stockGsi1sk,
} from './keys.js';

export const cooperativeItem = (c: Cooperative) => ({
  ...c,
  pk: cooperativePk(c.cooperativeId),
  sk: PROFILE_SK,
  type: 'cooperative',
  gsi2pk: COOPS_GSI2PK,
  gsi2sk: `${c.wardCode}#${c.cooperativeId}`,
});

export const growingAreaItem = (g: GrowingAreaCode) => ({
  ...g,
  pk: cooperativePk(g.cooperativeId),
  sk: pucSk(g.market, g.code),
  type: 'growing-area',
  gsi1pk: pucGsi1pk(g.market),
  gsi1sk: `${g.cooperativeId}#${g.code}`,
});

export const stockBatchItem = (b: StockBatch) => ({
  ...b,
  pk: cooperativePk(b.cooperativeId),
  sk: batchSk(b.sku, b.batchId),
  type: 'stock-batch',
  reserved: b.quantity - b.available,
  gsi1pk: stockGsi1pk(b.sku),
  gsi1sk: stockGsi1sk(b.expiresAt, b.cooperativeId, b.batchId),
});

export async function putCatalog(
  doc: DynamoDBDocumentClient,
  tableName: string,
  data: { cooperatives: Cooperative[]; growingAreaCodes: GrowingAreaCode[]; stockBatches: StockBatch[] },
): Promise<void> {
  await batchPutAll(doc, tableName, [
    ...data.cooperatives.map(cooperativeItem),
    ...data.growingAreaCodes.map(growingAreaItem),
    ...data.stockBatches.map(stockBatchItem),
  ]);
}
