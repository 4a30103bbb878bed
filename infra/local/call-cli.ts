/**
 * `npm run call -- [--url U] --as WHO METHOD PATH [JSON]`: one signed request to the local API
 * (`npm run serve`), so a cooperative's or an operator's commands can be tried without writing a
 * signing script. WHO picks a local sandbox key:
 *
 * - `operator`          — cancels any order, suspends growing-area codes, expires backorders;
 * - `portal` / `seller` — the portal API's sandbox keys (direct sellers);
 * - `cooperative:<id>`  — that cooperative's own key (stock, decline of its allocations).
 *
 * The request is signed like every command (x-api-key-id, x-timestamp, x-signature = hex
 * HMAC-SHA256 of "<timestamp>." + raw body) with the server's clock (HARVEST_CLOCK_SHIFT_MS, see
 * cli-clock.ts). GET requests are sent unsigned (the local read API has no IAM). Exit 0 for 2xx,
 * 1 for any other answer, 2 for a usage error.
 */
import { parseArgs } from 'node:util';
import { signApiKeyRequest } from '../../shared/channels/api-key-auth.js';
import { cliClock } from './cli-clock.js';
import { localCooperativeKey } from './cooperative-keys.js';
import { sandboxSecrets } from './marketplace-sandbox.js';

export const CALL_USAGE = `Usage: npm run call -- [--url http://127.0.0.1:3000] --as operator|portal|seller|cooperative:<id> METHOD PATH [JSON body]
  e.g. npm run call -- --as cooperative:htx-0001 POST /v1/cooperatives/htx-0001/allocations/<allocationId>/decline '{"reason":"hết xe"}'
       npm run call -- --as operator POST /v1/growing-areas/<code>/suspension '{"market":"CN","reason":"GACC notice"}'
       npm run call -- GET /v1/orders/<orderId>/allocation-explanation?cooperativeId=htx-0001`;

export class CallUsageError extends Error {
  override readonly name = 'CallUsageError';
}

export interface CallResult {
  exitCode: number;
  status?: number;
  body?: unknown;
}

function keyFor(who: string): { keyId: string; secret: string } {
  const secrets = sandboxSecrets();
  const pick = (keys: Record<string, string>, keyId: string) => {
    const secret = keys[keyId];
    if (!secret) throw new CallUsageError(`no local key ${keyId}`);
    return { keyId, secret };
  };
  if (who === 'operator') return pick(secrets.importApiKeys, 'operator-local');
  if (who === 'portal') return pick(secrets.portalApiKeys, 'portal-local');
  if (who === 'seller') return pick(secrets.portalApiKeys, 'seller-local');
  const coop = /^cooperative:([A-Za-z0-9._-]{1,80})$/.exec(who);
  if (coop?.[1]) return localCooperativeKey(coop[1]);
  throw new CallUsageError(`--as must be operator, portal, seller or cooperative:<id>, not "${who}"`);
}

export async function callCli(
  argv: string[],
  options: { env?: NodeJS.ProcessEnv; fetch?: typeof fetch } = {},
): Promise<CallResult> {
  const env = options.env ?? process.env;
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { url: { type: 'string', default: 'http://127.0.0.1:3000' }, as: { type: 'string' } },
  });
  const [method, path, body, ...extra] = positionals;
  if (extra.length) throw new CallUsageError(`unexpected argument "${extra[0]}" (quote the JSON body)`);
  const verb = method?.toUpperCase();
  if (verb !== 'GET' && verb !== 'POST') throw new CallUsageError('METHOD must be GET or POST');
  if (!path?.startsWith('/v1/')) throw new CallUsageError('PATH must start with /v1/');
  let url: URL;
  try {
    url = new URL(path, values.url);
  } catch {
    throw new CallUsageError(`--url is not a URL: ${values.url}`);
  }
  const headers: Record<string, string> = {};
  let raw: Buffer | undefined;
  if (verb === 'POST') {
    if (!values.as)
      throw new CallUsageError('a POST is signed: --as operator|portal|seller|cooperative:<id>');
    const text = body ?? '{}';
    try {
      JSON.parse(text);
    } catch {
      throw new CallUsageError('the body must be JSON, e.g. \'{"reason":"hết xe"}\'');
    }
    raw = Buffer.from(text, 'utf8');
    let now: () => Date;
    try {
      now = cliClock(env);
    } catch (error) {
      throw new CallUsageError((error as Error).message);
    }
    const { keyId, secret } = keyFor(values.as);
    const timestamp = Math.floor(now().getTime() / 1000);
    Object.assign(headers, {
      'content-type': 'application/json',
      'x-api-key-id': keyId,
      'x-timestamp': String(timestamp),
      'x-signature': signApiKeyRequest(secret, timestamp, raw),
    });
  }
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { method: verb, headers, body: raw });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new Error(
      `cannot reach ${url.origin} (${cause ?? (error as Error).message}): is npm run serve running?`,
    );
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: show it as it came.
  }
  return { exitCode: response.ok ? 0 : 1, status: response.status, body: parsed };
}
