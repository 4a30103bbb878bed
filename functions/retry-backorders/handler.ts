/** Lambda entry: SQS restock queue (StockReported) → retry-backorders. */
import { awsPublisher, doc, sqs } from '../../shared/adapters/aws.js';
import { LifecycleStore } from '../../shared/adapters/dynamodb/lifecycle-store.js';
import { withObservability } from '../../shared/adapters/middleware.js';
import { sqsDeadLetter } from '../../shared/adapters/sqs-consumer.js';
import { loadConfig, publishingConsumerConfig } from '../../shared/config.js';
import { createLogger } from '../../shared/observability.js';
import { buildRetryBackordersHandler } from './retry-backorders.js';

const config = loadConfig(publishingConsumerConfig);
const logger = createLogger('retry-backorders', { logLevel: config.LOG_LEVEL });

export const handler = withObservability(
  logger,
  buildRetryBackordersHandler({
    doc,
    tableName: config.TABLE_NAME,
    lifecycle: new LifecycleStore(doc, config.TABLE_NAME),
    publisher: awsPublisher(config.EVENT_BUS_NAME),
    logger,
    deadLetter: sqsDeadLetter(sqs, config.DLQ_URL),
    maxReceiveCount: config.MAX_RECEIVE_COUNT,
  }),
);
