/** Lambda entry: API Gateway HTTP API → signed commands (stock, declines, cancellations, backorder expiry, suspensions). */
import { awsPublisher, doc, jsonSecret } from '../../shared/adapters/aws.js';
import { GrowingAreaStore } from '../../shared/adapters/dynamodb/growing-area-store.js';
import { LifecycleStore } from '../../shared/adapters/dynamodb/lifecycle-store.js';
import { StockStore } from '../../shared/adapters/dynamodb/stock-store.js';
import { withObservability } from '../../shared/adapters/middleware.js';
import { buildReallocator } from '../../shared/adapters/reallocation.js';
import type { ChannelSecrets } from '../../shared/channels/types.js';
import { commandConfig, loadConfig } from '../../shared/config.js';
import { createLogger } from '../../shared/observability.js';
import { buildBackorderSweeper, expireAllBackorders } from '../retry-backorders/retry-backorders.js';
import { buildCommandHandler, type CooperativeKey } from './command-http.js';

const config = loadConfig(commandConfig);
const logger = createLogger('command-http', { logLevel: config.LOG_LEVEL });
const channelSecrets = await jsonSecret<ChannelSecrets>(config.CHANNEL_SECRETS_NAME);
// { "cooperativeKeys": { "<key id>": { "secret": "…", "cooperativeId": "…" } } }
const cooperativeSecrets = await jsonSecret<{ cooperativeKeys: Record<string, CooperativeKey> }>(
  config.COOPERATIVE_SECRETS_NAME,
);
const publisher = awsPublisher(config.EVENT_BUS_NAME);
const sweep = buildBackorderSweeper({
  doc,
  tableName: config.TABLE_NAME,
  lifecycle: new LifecycleStore(doc, config.TABLE_NAME),
  publisher,
  logger,
});

export const handler = withObservability(
  logger,
  buildCommandHandler({
    stock: new StockStore(doc, config.TABLE_NAME),
    publisher,
    logger,
    cooperativeKey: (keyId) =>
      Object.hasOwn(cooperativeSecrets.cooperativeKeys, keyId)
        ? cooperativeSecrets.cooperativeKeys[keyId]
        : undefined,
    portalKeys: channelSecrets.portalApiKeys,
    portalKeyGrants: channelSecrets.portalKeyGrants,
    operatorKeys: channelSecrets.importApiKeys,
    expireBackorders: () => expireAllBackorders(sweep),
    reallocate: buildReallocator({
      lifecycle: new LifecycleStore(doc, config.TABLE_NAME),
      publisher,
      logger,
    }),
    growingAreas: new GrowingAreaStore(doc, config.TABLE_NAME),
  }),
);
