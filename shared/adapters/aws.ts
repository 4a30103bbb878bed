/**
 * AWS clients and adapters for the Lambda entry files, created once per container (module scope).
 * The local runtime never imports this file; it wires the same handler builders to local twins.
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDocumentClient } from './dynamodb/document-client.js';
import { createEventPublisher, eventBridgePutEvents } from './event-publisher.js';

export const dynamoDb = new DynamoDBClient({});
export const doc = createDocumentClient(dynamoDb);
export const sqs = new SQSClient({});
const eventBridge = new EventBridgeClient({});

export function awsPublisher(busName: string) {
  return createEventPublisher({ busName, putEvents: eventBridgePutEvents(eventBridge) });
}

/** Reads a JSON secret (cached by Powertools for 5 minutes) and fails naming the secret if absent. */
export async function jsonSecret<T>(name: string): Promise<T> {
  const value = await getSecret(name, { transform: 'json', maxAge: 300 });
  if (!value) throw new Error(`secret ${name} is empty or missing`);
  return value as T;
}
