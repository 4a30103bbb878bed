/**
 * F10 batch writes partly processed: BatchWriteItem's UnprocessedItems are resubmitted until done,
 * or the write fails loudly naming how many were left; never a silent drop. DynamoDB Local never
 * returns UnprocessedItems, hence the mock here.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { batchPutAll, UnprocessedItemsError } from '../../shared/adapters/dynamodb/batch-write.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const TABLE = 'harvest-test';
const ddb = mockClient(DynamoDBDocumentClient);
const doc = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    region: 'ap-southeast-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  }),
);

beforeEach(() => {
  ddb.reset();
});

afterAll(() => {
  doc.destroy();
});

/** Lot events, as the lot tracker writes them. */
const lotEvents = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    pk: 'LOT#lot-1',
    sk: `EVENT#ev-${String(i).padStart(3, '0')}`,
    step: 'packing',
  }));

type PutRequest = { PutRequest: { Item: Record<string, unknown> } };

const requestsOf = (call: number): PutRequest[] => {
  const input = ddb.commandCalls(BatchWriteCommand)[call]?.args[0].input as
    | BatchWriteCommandInput
    | undefined;
  return (input?.RequestItems?.[TABLE] ?? []) as PutRequest[];
};
const skOf = (r: PutRequest) => r.PutRequest.Item.sk as string;

describe('batchPutAll: F10 batch writes partly processed', () => {
  it('F10 batch writes partly processed: UnprocessedItems 3 of 25 → resubmitted until done', async () => {
    const items = lotEvents(25);
    let calls = 0;
    ddb.on(BatchWriteCommand).callsFake((input: BatchWriteCommandInput) => {
      calls++;
      const requests = (input.RequestItems?.[TABLE] ?? []) as PutRequest[];
      // First call: the last 3 are left; second call: 1 of those 3 is left again; third: done.
      if (calls === 1) return { UnprocessedItems: { [TABLE]: requests.slice(22) } };
      if (calls === 2) return { UnprocessedItems: { [TABLE]: requests.slice(2) } };
      return { UnprocessedItems: {} };
    });

    await batchPutAll(doc, TABLE, items, { baseDelayMs: 1 });

    expect(ddb).toHaveReceivedCommandTimes(BatchWriteCommand, 3);
    expect(requestsOf(0)).toHaveLength(25);
    expect(requestsOf(1).map(skOf)).toEqual(['EVENT#ev-022', 'EVENT#ev-023', 'EVENT#ev-024']);
    expect(requestsOf(2).map(skOf)).toEqual(['EVENT#ev-024']);
    // Every item was written exactly once in the end.
    const written = [...requestsOf(0).slice(0, 22), ...requestsOf(1).slice(0, 2), ...requestsOf(2)].map(skOf);
    expect(written.sort()).toEqual(items.map((i) => i.sk));
  });

  it('F10 never-ending UnprocessedItems → UnprocessedItemsError naming the count, after the configured attempts', async () => {
    ddb.on(BatchWriteCommand).callsFake((input: BatchWriteCommandInput) => {
      const requests = (input.RequestItems?.[TABLE] ?? []) as PutRequest[];
      return { UnprocessedItems: { [TABLE]: requests.slice(-3) } };
    });

    const error = await batchPutAll(doc, TABLE, lotEvents(25), { attempts: 4, baseDelayMs: 1 }).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(UnprocessedItemsError);
    expect((error as Error).message).toBe('BatchWrite left 3 of 25 items unprocessed after 4 attempts');
    expect(ddb).toHaveReceivedCommandTimes(BatchWriteCommand, 4);
  });

  it('F10 a chunk that keeps failing fails the whole write, even when other chunks succeed', async () => {
    ddb.on(BatchWriteCommand).callsFake((input: BatchWriteCommandInput) => {
      const requests = (input.RequestItems?.[TABLE] ?? []) as PutRequest[];
      const stuck = requests.filter((r) => skOf(r) === 'EVENT#ev-030');
      return { UnprocessedItems: stuck.length ? { [TABLE]: stuck } : {} };
    });
    await expect(batchPutAll(doc, TABLE, lotEvents(60), { attempts: 3, baseDelayMs: 1 })).rejects.toThrow(
      'BatchWrite left 1 of 25 items unprocessed after 3 attempts',
    );
  });

  it('writes in chunks of at most 25 and sends every item exactly once', async () => {
    ddb.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
    const items = lotEvents(60);
    await batchPutAll(doc, TABLE, items, { concurrency: 2 });
    expect(ddb).toHaveReceivedCommandTimes(BatchWriteCommand, 3);
    const sizes = ddb.commandCalls(BatchWriteCommand).map((_, i) => requestsOf(i).length);
    expect(sizes.sort((a, b) => a - b)).toEqual([10, 25, 25]);
    const sent = ddb.commandCalls(BatchWriteCommand).flatMap((_, i) => requestsOf(i).map(skOf));
    expect(sent.sort()).toEqual(items.map((i) => i.sk));
  });

  it('an error from BatchWrite itself is not swallowed', async () => {
    ddb
      .on(BatchWriteCommand)
      .rejects(new Error('ValidationException: One or more parameter values were invalid'));
    await expect(batchPutAll(doc, TABLE, lotEvents(3))).rejects.toThrow('ValidationException');
  });

  it('writes nothing (and does not call DynamoDB) for an empty list', async () => {
    await batchPutAll(doc, TABLE, []);
    expect(ddb).toHaveReceivedCommandTimes(BatchWriteCommand, 0);
  });
});
