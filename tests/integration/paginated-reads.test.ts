/**
 * Paginated reads against DynamoDB Local: every page of a Scan, sequential or split into parallel
 * segments, and every item exactly once (the report's invariants are computed from these reads, so
 * a lost page or a segment read twice would hide or invent a broken invariant).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { parallelScanAll, scanAll } from '../../shared/adapters/dynamodb/query.js';
import { startTestDynamo, type TestDynamo } from '../support/dynamodb.js';

let dynamo: TestDynamo;
let table: string;
const COUNT = 3_000;

beforeAll(async () => {
  dynamo = await startTestDynamo();
  table = await dynamo.freshTable();
  // ~1 KB per item: 3,000 items span several 1 MB pages.
  const pad = 'đ'.repeat(500);
  for (let i = 0; i < COUNT; i += 25) {
    await dynamo.doc.send(
      new BatchWriteCommand({
        RequestItems: {
          [table]: Array.from({ length: 25 }, (_, k) => ({
            PutRequest: { Item: { pk: `ITEM#${i + k}`, sk: 'A', n: i + k, pad } },
          })),
        },
      }),
    );
  }
}, 120_000);

afterAll(async () => {
  await dynamo?.stop();
});

const numbers = (items: Array<Record<string, unknown>>) =>
  items.map((i) => Number(i.n)).sort((a, b) => a - b);
const all = Array.from({ length: COUNT }, (_, i) => i);

describe('whole-table reads', () => {
  it('scanAll follows every page to the end', async () => {
    expect(numbers(await scanAll(dynamo.doc, { TableName: table }))).toEqual(all);
  });

  it.each([1, 2, 4, 7])(
    'parallelScanAll with %i segment(s) returns each item exactly once',
    async (segments) => {
      expect(numbers(await parallelScanAll(dynamo.doc, { TableName: table }, segments))).toEqual(all);
    },
  );

  it('parallelScanAll refuses a segment count that is not a positive integer', async () => {
    await expect(parallelScanAll(dynamo.doc, { TableName: table }, 0)).rejects.toThrow(/positive integer/);
  });
});
