/**
 * The cooperatives' stock CLI (`npm run stock -- …`): signs a stock report or adjustment with the
 * cooperative's API key and posts it to a running API (the local runtime or AWS).
 *
 *   npm run stock -- report --url URL --cooperative ID --sku LYCHEE-LN-5KG --quantity 120 \
 *     --harvested-at 2026-06-18T05:30:00+07:00 [--cold-chain] [--batch-id B] [--code CN=VN-…]
 *   npm run stock -- adjust --url URL --cooperative ID --batch-id B --sku SKU --delta=-3 \
 *     [--kind spoilage|correction] [--adjustment-id A] [--reason "…"]
 *
 * Keys: --key-id/--secret, or HARVEST_KEY_ID/HARVEST_KEY_SECRET, or --local-key (the local
 * runtime's derived key for that cooperative).
 */
import { cliClock } from './cli-clock.js';
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { signApiKeyRequest } from '../../shared/channels/api-key-auth.js';
import { localCooperativeKey } from './cooperative-keys.js';

export const STOCK_USAGE = `Usage:
  npm run stock -- report --url URL --cooperative ID --sku SKU --quantity N --harvested-at ISO
                          [--cold-chain] [--batch-id ID] [--code MARKET=CODE ...]
  npm run stock -- adjust --url URL --cooperative ID --batch-id ID --sku SKU --delta=N (e.g. --delta=-3)
                          [--kind spoilage|correction] [--adjustment-id ID] [--reason TEXT]
  keys: --key-id K --secret S | env HARVEST_KEY_ID, HARVEST_KEY_SECRET | --local-key`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CliResult {
  status: number;
  body: unknown;
}

export async function stockCli(
  argv: string[],
  options: { env?: NodeJS.ProcessEnv; now?: () => Date; fetch?: typeof fetch } = {},
): Promise<CliResult> {
  const env = options.env ?? process.env;
  let now: () => Date;
  try {
    now = options.now ?? cliClock(env);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      cooperative: { type: 'string' },
      sku: { type: 'string' },
      quantity: { type: 'string' },
      'harvested-at': { type: 'string' },
      'cold-chain': { type: 'boolean' },
      'batch-id': { type: 'string' },
      code: { type: 'string', multiple: true },
      delta: { type: 'string' },
      kind: { type: 'string' },
      'adjustment-id': { type: 'string' },
      reason: { type: 'string' },
      'key-id': { type: 'string' },
      secret: { type: 'string' },
      'local-key': { type: 'boolean' },
    },
  });
  const command = positionals[0];
  const need = (name: keyof typeof values): string => {
    const v = values[name];
    if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`--${name} is required`);
    return v.trim();
  };
  const int = (name: keyof typeof values): number => {
    const n = Number(need(name));
    if (!Number.isSafeInteger(n)) throw new UsageError(`--${name} must be a whole number`);
    return n;
  };
  const url = need('url').replace(/\/$/, '');
  const cooperativeId = need('cooperative');
  const local = values['local-key'] ? localCooperativeKey(cooperativeId) : undefined;
  const keyId = local?.keyId ?? values['key-id'] ?? env.HARVEST_KEY_ID;
  const secret = local?.secret ?? values.secret ?? env.HARVEST_KEY_SECRET;
  if (!keyId || !secret) throw new UsageError('a key is required: --key-id and --secret, or --local-key');

  let path: string;
  let body: Record<string, unknown>;
  if (command === 'report') {
    const sku = need('sku');
    const harvestedAt = need('harvested-at');
    const codes: Record<string, string> = {};
    for (const c of values.code ?? []) {
      const [market, code] = c.split('=');
      if (!market || !code) throw new UsageError(`--code must be MARKET=CODE, got "${c}"`);
      codes[market] = code;
    }
    // A stable batch id by default: re-running the same command reports nothing twice.
    const batchId =
      values['batch-id'] ??
      `${harvestedAt.slice(0, 10).replaceAll('-', '')}-${createHash('sha256')
        .update(`${cooperativeId}|${sku}|${harvestedAt}|${values.quantity}`)
        .digest('hex')
        .slice(0, 10)}`;
    path = `/v1/cooperatives/${encodeURIComponent(cooperativeId)}/stock`;
    body = {
      batchId,
      sku,
      quantity: int('quantity'),
      harvestedAt,
      coldChain: Boolean(values['cold-chain']),
      ...(Object.keys(codes).length ? { growingAreaCodes: codes } : {}),
    };
  } else if (command === 'adjust') {
    const delta = int('delta');
    const batchId = need('batch-id');
    path = `/v1/cooperatives/${encodeURIComponent(cooperativeId)}/stock/${encodeURIComponent(batchId)}/adjustments`;
    body = {
      adjustmentId: values['adjustment-id'] ?? `adj-${now().getTime().toString(36)}`,
      sku: need('sku'),
      kind: values.kind ?? (delta < 0 ? 'spoilage' : 'correction'),
      delta,
      ...(values.reason ? { reason: values.reason } : {}),
    };
  } else {
    throw new UsageError(`unknown command "${command ?? ''}": report or adjust`);
  }

  const raw = Buffer.from(JSON.stringify(body));
  const timestamp = Math.floor(now().getTime() / 1000);
  const response = await (options.fetch ?? fetch)(`${url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key-id': keyId,
      'x-timestamp': String(timestamp),
      'x-signature': signApiKeyRequest(secret, timestamp, raw),
    },
    body: raw,
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: response.status, body: parsed };
}
