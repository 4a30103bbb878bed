/** Lambda entry: SQS notify queue (OrderAllocated) → notify-cooperative over Zalo OA. */
import { doc, jsonSecret, sqs } from '../../shared/adapters/aws.js';
import { AllocationStore } from '../../shared/adapters/dynamodb/allocation-store.js';
import { withObservability } from '../../shared/adapters/middleware.js';
import { ZaloNotifier } from '../../shared/adapters/notifier/zalo-notifier.js';
import { sqsDeadLetter } from '../../shared/adapters/sqs-consumer.js';
import { loadConfig, notifyConfig } from '../../shared/config.js';
import { createLogger } from '../../shared/observability.js';
import { buildNotifyCooperativeHandler } from './notify-cooperative.js';

const config = loadConfig(notifyConfig);
const logger = createLogger('notify-cooperative', { logLevel: config.LOG_LEVEL });

export const handler = withObservability(
  logger,
  buildNotifyCooperativeHandler({
    doc,
    tableName: config.TABLE_NAME,
    allocations: new AllocationStore(doc, config.TABLE_NAME),
    // The OA token rotates; read it through the (cached) secret on each send.
    notifier: new ZaloNotifier({
      accessToken: async () =>
        (await jsonSecret<{ accessToken: string }>(config.ZALO_SECRETS_NAME)).accessToken,
    }),
    logger,
    deadLetter: sqsDeadLetter(sqs, config.DLQ_URL),
    maxReceiveCount: config.MAX_RECEIVE_COUNT,
  }),
);
