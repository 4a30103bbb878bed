/**
 * Lambda entry: EventBridge Scheduler (every 15 min, `{ "action": "expire-backorders" }`) →
 * the backorder expiry sweep. The same sweep operators run with POST /v1/backorders/expire.
 */
import { awsPublisher, doc } from '../../shared/adapters/aws.js';
import { LifecycleStore } from '../../shared/adapters/dynamodb/lifecycle-store.js';
import { withObservability } from '../../shared/adapters/middleware.js';
import { loadConfig, publishingConfig } from '../../shared/config.js';
import { createLogger } from '../../shared/observability.js';
import { buildExpireBackordersHandler } from './retry-backorders.js';

const config = loadConfig(publishingConfig);
const logger = createLogger('expire-backorders', { logLevel: config.LOG_LEVEL });

export const handler = withObservability(
  logger,
  buildExpireBackordersHandler({
    doc,
    tableName: config.TABLE_NAME,
    lifecycle: new LifecycleStore(doc, config.TABLE_NAME),
    publisher: awsPublisher(config.EVENT_BUS_NAME),
    logger,
  }),
);
