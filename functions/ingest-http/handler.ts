/** Lambda entry: API Gateway HTTP API → ingest (channel webhooks, portal order API, spreadsheet upload). */
import { doc, awsPublisher, jsonSecret } from '../../shared/adapters/aws.js';
import { OrderStore } from '../../shared/adapters/dynamodb/order-store.js';
import { createMarketplaceHttpClient } from '../../shared/adapters/marketplace-http.js';
import { withObservability } from '../../shared/adapters/middleware.js';
import { ADAPTERS } from '../../shared/channels/index.js';
import type { ChannelSecrets } from '../../shared/channels/types.js';
import { ingestConfig, loadConfig } from '../../shared/config.js';
import { createLogger } from '../../shared/observability.js';
import { buildIngestHandler } from './ingest-http.js';

const config = loadConfig(ingestConfig);
const logger = createLogger('ingest-http', { logLevel: config.LOG_LEVEL });
const secrets = await jsonSecret<
  ChannelSecrets & { marketplace: Parameters<typeof createMarketplaceHttpClient>[0] }
>(config.CHANNEL_SECRETS_NAME);

export const handler = withObservability(
  logger,
  buildIngestHandler({
    adapters: ADAPTERS,
    channelContext: {
      secrets,
      now: () => new Date(),
      marketplace: createMarketplaceHttpClient(secrets.marketplace),
    },
    orders: new OrderStore(doc, config.TABLE_NAME),
    publisher: awsPublisher(config.EVENT_BUS_NAME),
    logger,
  }),
);
