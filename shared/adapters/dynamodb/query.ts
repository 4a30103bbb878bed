/** Paginated reads: every page of a Query or Scan, so no caller silently stops at 1 MB. */
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';

export type Item = Record<string, unknown>;

export async function queryAll(
  doc: Pick<DynamoDBDocumentClient, 'send'>,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    items.push(...((page.Items ?? []) as Item[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

export async function scanAll(
  doc: Pick<DynamoDBDocumentClient, 'send'>,
  input: Omit<ScanCommandInput, 'ExclusiveStartKey'>,
): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await doc.send(new ScanCommand({ ...input, ExclusiveStartKey: startKey }));
    items.push(...((page.Items ?? []) as Item[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/**
 * A Scan split into `segments` parallel segments (DynamoDB's parallel scan), each paginated to the
 * end. For whole-table reads (the local run's report): on DynamoDB Local 4 segments read 40,000
 * items in about 3 s against 7.6 s for one sequential scan.
 */
export async function parallelScanAll(
  doc: Pick<DynamoDBDocumentClient, 'send'>,
  input: Omit<ScanCommandInput, 'ExclusiveStartKey' | 'Segment' | 'TotalSegments'>,
  segments = 4,
): Promise<Item[]> {
  if (!Number.isInteger(segments) || segments < 1)
    throw new Error(`segments must be a positive integer, not ${segments}`);
  const parts = await Promise.all(
    Array.from({ length: segments }, (_, segment) =>
      scanAll(doc, segments === 1 ? input : { ...input, Segment: segment, TotalSegments: segments }),
    ),
  );
  return parts.flat();
}

export type Key = { pk: string; sk: string };

/**
 * BatchGetItem over any number of keys (100 per request), retrying UnprocessedKeys with backoff
 * and failing loudly if they never clear. Duplicate keys are asked once.
 */
export async function batchGetAll(
  doc: Pick<DynamoDBDocumentClient, 'send'>,
  tableName: string,
  keys: readonly Key[],
  options: { attempts?: number; baseDelayMs?: number; consistentRead?: boolean } = {},
): Promise<Item[]> {
  const unique = [...new Map(keys.map((k) => [`${k.pk}\u0000${k.sk}`, k])).values()];
  const items: Item[] = [];
  for (let i = 0; i < unique.length; i += 100) {
    let pending: Key[] = unique.slice(i, i + 100);
    for (let attempt = 1; pending.length > 0; attempt++) {
      const result = await doc.send(
        new BatchGetCommand({
          RequestItems: { [tableName]: { Keys: pending, ConsistentRead: options.consistentRead } },
        }),
      );
      items.push(...((result.Responses?.[tableName] ?? []) as Item[]));
      pending = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as Key[];
      if (pending.length === 0) break;
      if (attempt >= (options.attempts ?? 8)) {
        throw new Error(`BatchGetItem left ${pending.length} keys unprocessed after ${attempt} attempts`);
      }
      await new Promise((r) => setTimeout(r, Math.random() * (options.baseDelayMs ?? 25) * 2 ** attempt));
    }
  }
  return items;
}
