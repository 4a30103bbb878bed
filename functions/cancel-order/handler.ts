/** Lambda entry: SQS cancellation queue (OrderCancelled) → cancel-order. */
import { awsPublisher, doc, sqs } from '../../shared/adapters/aws.js';
import { AllocationStore } from '../../shared/adapters/dynamodb/allocation-store.js';
import { LifecycleStore } from '../../shared/adapters/dynamodb/lifecycle-store.js';
import { withObservability } from '../../shared/adapters/middleware.js';
import { sqsDeadLetter } from '../../shared/adapters/sqs-consumer.js';
import { loadConfig, publishingConsumerConfig } from '../../shared/config.js';
import { createLogger } from '../../shared/observability.js';
import { buildCancelOrderHandler } from './cancel-order.js';

const config = loadConfig(publishingConsumerConfig);
const logger = createLogger('cancel-order', { logLevel: config.LOG_LEVEL });

export const handler = withObservability(
  logger,
  buildCancelOrderHandler({
    lifecycle: new LifecycleStore(doc, config.TABLE_NAME),
    allocations: new AllocationStore(doc, config.TABLE_NAME),
    publisher: awsPublisher(config.EVENT_BUS_NAME),
    logger,
    deadLetter: sqsDeadLetter(sqs, config.DLQ_URL),
    maxReceiveCount: config.MAX_RECEIVE_COUNT,
  }),
);
