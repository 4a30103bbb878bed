/** Lambda entry: SQS lot queue (export OrderAllocated, PickupBooked) → track-lot. */
import { awsPublisher, doc, sqs } from '../../shared/adapters/aws.js';
import { withObservability } from '../../shared/adapters/middleware.js';
import { sqsDeadLetter } from '../../shared/adapters/sqs-consumer.js';
import { loadConfig, publishingConsumerConfig } from '../../shared/config.js';
import { createLogger } from '../../shared/observability.js';
import { buildTrackLotHandler } from './track-lot.js';

const config = loadConfig(publishingConsumerConfig);
const logger = createLogger('track-lot', { logLevel: config.LOG_LEVEL });

export const handler = withObservability(
  logger,
  buildTrackLotHandler({
    doc,
    tableName: config.TABLE_NAME,
    publisher: awsPublisher(config.EVENT_BUS_NAME),
    logger,
    deadLetter: sqsDeadLetter(sqs, config.DLQ_URL),
    maxReceiveCount: config.MAX_RECEIVE_COUNT,
  }),
);
