/** Lambda entry: SQS suspension queue (GrowingAreaSuspended) → move-suspended-allocations. */
import { awsPublisher, doc, sqs } from '../../shared/adapters/aws.js';
import { GrowingAreaStore } from '../../shared/adapters/dynamodb/growing-area-store.js';
import { LifecycleStore } from '../../shared/adapters/dynamodb/lifecycle-store.js';
import { withObservability } from '../../shared/adapters/middleware.js';
import { buildReallocator } from '../../shared/adapters/reallocation.js';
import { sqsDeadLetter } from '../../shared/adapters/sqs-consumer.js';
import { loadConfig, publishingConsumerConfig } from '../../shared/config.js';
import { createLogger } from '../../shared/observability.js';
import { buildMoveSuspendedAllocationsHandler } from './move-suspended-allocations.js';

const config = loadConfig(publishingConsumerConfig);
const logger = createLogger('move-suspended-allocations', { logLevel: config.LOG_LEVEL });

export const handler = withObservability(
  logger,
  buildMoveSuspendedAllocationsHandler({
    growingAreas: new GrowingAreaStore(doc, config.TABLE_NAME),
    reallocate: buildReallocator({
      lifecycle: new LifecycleStore(doc, config.TABLE_NAME),
      publisher: awsPublisher(config.EVENT_BUS_NAME),
      logger,
    }),
    logger,
    deadLetter: sqsDeadLetter(sqs, config.DLQ_URL),
    maxReceiveCount: config.MAX_RECEIVE_COUNT,
  }),
);
