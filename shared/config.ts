/**
 * Configuration, parsed once at cold start from process.env. A missing or malformed variable
 * fails the cold start with a message naming it, instead of a confusing error at the first event.
 */
import { z } from 'zod';
import { CHANNELS } from './domain/order.js';
import {
  DEFAULT_PARTIAL_FILL,
  PARTIAL_FILL_POLICIES,
  type PartialFillConfig,
} from './domain/partial-fill.js';

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

/** A function that publishes to the bus but consumes no queue (a scheduled sweep). */
export const publishingConfig = base.extend({ EVENT_BUS_NAME: z.string().min(1) });

export const consumerConfig = base.extend({
  /** Where a consumer forwards a poison message or one on its last attempt, with the reason. */
  DLQ_URL: z.url(),
  MAX_RECEIVE_COUNT: z.coerce.number().int().min(1),
});

export const publishingConsumerConfig = consumerConfig.extend({ EVENT_BUS_NAME: z.string().min(1) });

const policy = z.enum(PARTIAL_FILL_POLICIES);
const partialFillOverride = z.strictObject({
  export: policy.optional(),
  domestic: policy.optional(),
  ...Object.fromEntries(CHANNELS.map((c) => [c, policy.optional()])),
});

/**
 * PARTIAL_FILL_POLICY: JSON overriding DEFAULT_PARTIAL_FILL (shared/domain/partial-fill.ts), e.g.
 * `{"tiktok":"reject","export":"wait","domestic":"ship_partial"}`: channel names set that channel's
 * domestic orders, `domestic` every other channel, `export` export orders. Set it on the function
 * directly or from an SSM parameter at deploy time; absent means the documented defaults.
 */
export const partialFillPolicy = z
  .string()
  .optional()
  .transform((text, ctx): PartialFillConfig => {
    if (text === undefined || text.trim() === '') return DEFAULT_PARTIAL_FILL;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON, e.g. {"tiktok":"reject","export":"wait"}' });
      return z.NEVER;
    }
    const parsed = partialFillOverride.safeParse(json);
    if (!parsed.success) {
      ctx.addIssue({
        code: 'custom',
        message: parsed.error.issues
          .map((i) => {
            const where = i.path.length ? `${i.path.join('.')}: ` : '';
            const hint =
              i.code === 'unrecognized_keys' ? ` (keys are channel names, "domestic" and "export")` : '';
            return `${where}${i.message}${hint}`;
          })
          .join('; '),
      });
      return z.NEVER;
    }
    const {
      export: exportPolicy,
      domestic,
      ...channels
    } = parsed.data as Record<string, PartialFillConfig['domestic'] | undefined>;
    const byChannel: PartialFillConfig['byChannel'] = { ...DEFAULT_PARTIAL_FILL.byChannel };
    for (const [channel, p] of Object.entries(channels))
      if (p) byChannel[channel as keyof PartialFillConfig['byChannel']] = p;
    return {
      byChannel,
      domestic: domestic ?? DEFAULT_PARTIAL_FILL.domestic,
      export: exportPolicy ?? DEFAULT_PARTIAL_FILL.export,
    };
  });

export const allocationConfig = publishingConsumerConfig.extend({ PARTIAL_FILL_POLICY: partialFillPolicy });

export const pickupConfig = publishingConsumerConfig.extend({
  GHN_BASE_URL: z.url().default('https://online-gateway.ghn.vn'),
  CARRIER_SECRETS_NAME: z.string().min(1, 'CARRIER_SECRETS_NAME must name the secret with courier tokens'),
});

export const notifyConfig = consumerConfig.extend({
  ZALO_SECRETS_NAME: z
    .string()
    .min(1, 'ZALO_SECRETS_NAME must name the secret with the Zalo OA access token'),
});

/** A configuration value that cannot be used: the message names the variable and what is wrong. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues
      .map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`)
      .join('; ');
    throw new ConfigurationError(`Invalid configuration: ${problems}`);
  }
  return result.data;
}

/** PARTIAL_FILL_POLICY from the environment (the documented defaults when unset). */
export function partialFillFromEnv(env: NodeJS.ProcessEnv = process.env): PartialFillConfig {
  return loadConfig(z.object({ PARTIAL_FILL_POLICY: partialFillPolicy }), env).PARTIAL_FILL_POLICY;
}
