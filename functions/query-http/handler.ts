/** Lambda entry: API Gateway HTTP API → read API (orders, lots, a cooperative's allocations). */
import { doc } from '../../shared/adapters/aws.js';
import { withObservability } from '../../shared/adapters/middleware.js';
import { loadConfig } from '../../shared/config.js';
import { z } from 'zod';
import { createLogger } from '../../shared/observability.js';
import { buildQueryHandler } from './query-http.js';

const config = loadConfig(z.object({ TABLE_NAME: z.string().min(3), LOG_LEVEL: z.string().default('INFO') }));
const logger = createLogger('query-http', { logLevel: config.LOG_LEVEL });

export const handler = withObservability(
  logger,
  buildQueryHandler({ doc, tableName: config.TABLE_NAME, logger }),
);
