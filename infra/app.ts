/**
 * CDK entry (`cdk.json` runs it with tsx). Works offline: no lookups, no credentials needed.
 *
 * Configuration, context (`-c key=value`) first, then environment:
 * - `stage` / HARVEST_STAGE (default `dev`): names the stack, the bus and the channel secret;
 * - `region` / HARVEST_REGION (default `ap-southeast-1`: Singapore is the nearest region with
 *   every service used here). CDK_DEFAULT_REGION is deliberately not read: the CLI fills it from
 *   the local AWS profile, which would move the stack to another region by accident;
 * - `account` / HARVEST_ACCOUNT / CDK_DEFAULT_ACCOUNT (optional: environment-agnostic without it);
 * - `deletionProtection` / HARVEST_DELETION_PROTECTION (default true);
 * - `logLevel` / LOG_LEVEL (default INFO); `alarmTopicArn` / HARVEST_ALARM_TOPIC_ARN (optional).
 */
import { App } from 'aws-cdk-lib';
import { buildHarvestApp } from './stacks/harvest-app.js';

const app = new App();
const setting = (contextKey: string, ...envKeys: string[]): string | undefined => {
  const fromContext: unknown = app.node.tryGetContext(contextKey);
  if (fromContext !== undefined && fromContext !== null && fromContext !== '') return String(fromContext);
  for (const key of envKeys) {
    const value = process.env[key];
    if (value) return value;
  }
  return undefined;
};

const stage = setting('stage', 'HARVEST_STAGE') ?? 'dev';
buildHarvestApp(app, {
  stage,
  env: {
    region: setting('region', 'HARVEST_REGION') ?? 'ap-southeast-1',
    account: setting('account', 'HARVEST_ACCOUNT', 'CDK_DEFAULT_ACCOUNT'),
  },
  // The CLI runs the app from the repository root (where cdk.json is).
  projectRoot: process.cwd(),
  deletionProtection: setting('deletionProtection', 'HARVEST_DELETION_PROTECTION') !== 'false',
  logLevel: setting('logLevel', 'LOG_LEVEL') ?? 'INFO',
  alarmTopicArn: setting('alarmTopicArn', 'HARVEST_ALARM_TOPIC_ARN'),
  description: `Harvest pipeline (${stage}): Bắc Ninh lychee orders from channels to cooperatives, couriers and exporters`,
});
