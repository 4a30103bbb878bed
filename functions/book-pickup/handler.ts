/** Lambda entry: SQS pickup queue (OrderAllocated) → book-pickup with the GHN courier client. */
import { awsPublisher, doc, jsonSecret, sqs } from '../../shared/adapters/aws.js';
import { GhnClient } from '../../shared/adapters/carriers/ghn.js';
import { AllocationStore } from '../../shared/adapters/dynamodb/allocation-store.js';
import { withObservability } from '../../shared/adapters/middleware.js';
import { sqsDeadLetter } from '../../shared/adapters/sqs-consumer.js';
import { loadConfig, pickupConfig } from '../../shared/config.js';
import { createLogger } from '../../shared/observability.js';
import { buildBookPickupHandler } from './book-pickup.js';

const config = loadConfig(pickupConfig);
const logger = createLogger('book-pickup', { logLevel: config.LOG_LEVEL });
const carrierSecrets = await jsonSecret<{ ghn: { token: string; shopId: string } }>(
  config.CARRIER_SECRETS_NAME,
);

export const handler = withObservability(
  logger,
  buildBookPickupHandler({
    doc,
    tableName: config.TABLE_NAME,
    allocations: new AllocationStore(doc, config.TABLE_NAME),
    carriers: { ghn: new GhnClient({ baseUrl: config.GHN_BASE_URL, ...carrierSecrets.ghn }) },
    defaultCarrier: 'ghn',
    publisher: awsPublisher(config.EVENT_BUS_NAME),
    logger,
    deadLetter: sqsDeadLetter(sqs, config.DLQ_URL),
    maxReceiveCount: config.MAX_RECEIVE_COUNT,
  }),
);
