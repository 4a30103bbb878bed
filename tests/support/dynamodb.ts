/**
 * DynamoDB Local for integration tests: one Java process per test file, on a random port, with a
 * fresh table per call to `freshTable()`. `stop()` in afterAll kills it; the watchdog in
 * dynamodb-local.ts kills it anyway if the test process dies.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  createTable,
  type DynamoDbLocal,
  localClient,
  startDynamoDbLocal,
} from '../../infra/local/dynamodb-local.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/document-client.js';

export interface TestDynamo {
  endpoint: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  freshTable(): Promise<string>;
  stop(): Promise<void>;
}

let counter = 0;

export async function startTestDynamo(): Promise<TestDynamo> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const local: DynamoDbLocal = await startDynamoDbLocal();
  const client = localClient(local.endpoint);
  const doc = createDocumentClient(client);
  return {
    endpoint: local.endpoint,
    client,
    doc,
    async freshTable() {
      const name = `test-${process.pid}-${++counter}`;
      await createTable(client, name);
      return name;
    },
    async stop() {
      client.destroy();
      await local.stop();
    },
  };
}
