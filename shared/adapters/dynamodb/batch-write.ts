/**
 * BatchWriteItem in chunks of 25, resubmitting UnprocessedItems with backoff until done, and
 * failing loudly (naming how many items were left) when attempts run out: never a silent drop (F10).
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapLimit } from '../../concurrency.js';

export class UnprocessedItemsError extends Error {
  override readonly name = 'UnprocessedItemsError';
}

export async function batchPutAll(
  doc: Pick<DynamoDBDocumentClient, 'send'>,
  tableName: string,
  items: ReadonlyArray<Record<string, unknown>>,
  options: { attempts?: number; baseDelayMs?: number; concurrency?: number } = {},
): Promise<void> {
  const attempts = options.attempts ?? 8;
  const baseDelayMs = options.baseDelayMs ?? 25;
  // BatchWriteItem refuses a request naming one key twice ("Provided list of item keys contains
  // duplicates"): at-least-once delivery can put two copies of a message in one batch, so the
  // last item per (pk, sk) wins. Items without pk/sk are passed through for DynamoDB to judge.
  const byKey = new Map<string, Record<string, unknown>>();
  items.forEach((item, i) => {
    const key =
      typeof item.pk === 'string' && typeof item.sk === 'string' ? `${item.pk}\u0000${item.sk}` : `#${i}`;
    byKey.delete(key);
    byKey.set(key, item);
  });
  const unique = [...byKey.values()];
  const chunks: Array<Array<Record<string, unknown>>> = [];
  for (let i = 0; i < unique.length; i += 25) chunks.push(unique.slice(i, i + 25));

  async function writeChunk(chunk: Array<Record<string, unknown>>): Promise<void> {
    let requests = chunk.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 1; requests.length > 0; attempt++) {
      const result = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      const left = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests;
      if (left.length === 0) return;
      if (attempt >= attempts) {
        throw new UnprocessedItemsError(
          `BatchWrite left ${left.length} of ${chunk.length} items unprocessed after ${attempts} attempts`,
        );
      }
      requests = left;
      await new Promise((r) => setTimeout(r, Math.random() * baseDelayMs * 2 ** attempt));
    }
  }

  await mapLimit(chunks, options.concurrency ?? 4, writeChunk);
}
