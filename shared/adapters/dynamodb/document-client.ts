import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The one way the code talks to the table. `removeUndefinedValues` is set on purpose (F09): an
 * order with no note or a buyer with no email must still write; index keys are built only from
 * present values (see keys.ts), so no empty string ever lands in a GSI key.
 */
export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
    unmarshallOptions: { wrapNumbers: false },
  });
}
