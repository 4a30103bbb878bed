/** Lambda entry: SQS allocation queue (OrderReceived) → allocate-order. */
import { awsPublisher, doc, sqs } from '../../shared/adapters/aws.js';
import { AllocationStore } from '../../shared/adapters/dynamodb/allocation-store.js';
import { OrderStore } from '../../shared/adapters/dynamodb/order-store.js';
import { withObservability } from '../../shared/adapters/middleware.js';
import { sqsDeadLetter } from '../../shared/adapters/sqs-consumer.js';
import { allocationConfig, loadConfig } from '../../shared/config.js';
import { createLogger } from '../../shared/observability.js';
import { buildAllocateOrderHandler } from './allocate-order.js';

const config = loadConfig(allocationConfig);
const logger = createLogger('allocate-order', { logLevel: config.LOG_LEVEL });

export const handler = withObservability(
  logger,
  buildAllocateOrderHandler({
    orders: new OrderStore(doc, config.TABLE_NAME),
    allocations: new AllocationStore(doc, config.TABLE_NAME),
    publisher: awsPublisher(config.EVENT_BUS_NAME),
    logger,
    deadLetter: sqsDeadLetter(sqs, config.DLQ_URL),
    maxReceiveCount: config.MAX_RECEIVE_COUNT,
    partialFill: config.PARTIAL_FILL_POLICY,
  }),
);
