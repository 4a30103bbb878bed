/** Lambda entry: SQS pickup-cancellation queue (AllocationReleased) → cancel-pickup with the GHN client. */
import { awsPublisher, doc, jsonSecret, sqs } from '../../shared/adapters/aws.js';
import { GhnClient } from '../../shared/adapters/carriers/ghn.js';
import { PickupStore } from '../../shared/adapters/dynamodb/pickup-store.js';
import { withObservability } from '../../shared/adapters/middleware.js';
import { sqsDeadLetter } from '../../shared/adapters/sqs-consumer.js';
import { loadConfig, pickupConfig } from '../../shared/config.js';
import { createLogger } from '../../shared/observability.js';
import { buildCancelPickupHandler } from './cancel-pickup.js';

const config = loadConfig(pickupConfig);
const logger = createLogger('cancel-pickup', { logLevel: config.LOG_LEVEL });
const carrierSecrets = await jsonSecret<{ ghn: { token: string; shopId: string } }>(
  config.CARRIER_SECRETS_NAME,
);

export const handler = withObservability(
  logger,
  buildCancelPickupHandler({
    pickups: new PickupStore(doc, config.TABLE_NAME),
    carriers: { ghn: new GhnClient({ baseUrl: config.GHN_BASE_URL, ...carrierSecrets.ghn }) },
    publisher: awsPublisher(config.EVENT_BUS_NAME),
    logger,
    deadLetter: sqsDeadLetter(sqs, config.DLQ_URL),
    maxReceiveCount: config.MAX_RECEIVE_COUNT,
  }),
);
