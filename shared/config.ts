/**
 * Configuration, parsed once at cold start from process.env. A missing or malformed variable
 * fails the cold start with a message naming it, instead of a confusing error at the first event.
 */
import { z } from 'zod';

const base = z.object({
  TABLE_NAME: z.string().min(3, 'TABLE_NAME must name the DynamoDB table'),
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'CRITICAL']).default('INFO'),
});

export const ingestConfig = base.extend({
  EVENT_BUS_NAME: z.string().min(1),
  CHANNEL_SECRETS_NAME: z
    .string()
    .min(1, 'CHANNEL_SECRETS_NAME must name the Secrets Manager secret with channel keys'),
});

export const commandConfig = ingestConfig.extend({
  COOPERATIVE_SECRETS_NAME: z
    .string()
    .min(1, 'COOPERATIVE_SECRETS_NAME must name the secret with cooperatives’ API keys'),
});

export const consumerConfig = base.extend({
  /** Where a consumer forwards a poison message or one on its last attempt, with the reason. */
  DLQ_URL: z.url(),
  MAX_RECEIVE_COUNT: z.coerce.number().int().min(1),
});

export const publishingConsumerConfig = consumerConfig.extend({ EVENT_BUS_NAME: z.string().min(1) });

export const pickupConfig = publishingConsumerConfig.extend({
  GHN_BASE_URL: z.url().default('https://online-gateway.ghn.vn'),
  CARRIER_SECRETS_NAME: z.string().min(1, 'CARRIER_SECRETS_NAME must name the secret with courier tokens'),
});

export const notifyConfig = consumerConfig.extend({
  ZALO_SECRETS_NAME: z
    .string()
    .min(1, 'ZALO_SECRETS_NAME must name the secret with the Zalo OA access token'),
});

export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues
      .map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`)
      .join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  return result.data;
}
