/** Shared helpers for the channel adapter tests: sample fixtures from events/channels, a context. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  createMarketplaceSandbox,
  type MarketplaceSandbox,
  sandboxSecrets,
} from '../../../infra/local/marketplace-sandbox.js';
import { type Encoded, type EncodedRequest, encodedToInbound } from '../../../shared/channels/encoders.js';
import { type ChannelSample, SAMPLE_NOW, sampleRequest } from '../../../shared/channels/samples.js';
import type { ChannelContext, InboundRequest } from '../../../shared/channels/types.js';

export const secrets = sandboxSecrets();
export const NOW = SAMPLE_NOW;

export function loadSample(name: string): ChannelSample {
  const file = path.resolve(__dirname, '../../../events/channels', `${name}.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as ChannelSample;
}

export function context(
  options: { sandbox?: MarketplaceSandbox; now?: Date } = {},
): ChannelContext & { sandbox: MarketplaceSandbox } {
  const sandbox = options.sandbox ?? createMarketplaceSandbox();
  const now = options.now ?? NOW;
  return { secrets, now: () => now, marketplace: sandbox, sandbox };
}

export function inbound(request: EncodedRequest | ChannelSample | Encoded): InboundRequest {
  if ('request' in request) return encodedToInbound(request.request, NOW);
  const encoded = Buffer.isBuffer(request.body)
    ? (request as EncodedRequest)
    : sampleRequest(request as ChannelSample);
  return encodedToInbound(encoded, NOW);
}

/** The same request with one byte of its body changed. */
export function tampered(request: InboundRequest, at?: number): InboundRequest {
  const body = Buffer.from(request.rawBody);
  const i = at ?? Math.floor(body.length / 2);
  body[i] = (body[i] ?? 0) ^ 0x01;
  return { ...request, rawBody: body };
}

/** Runs `fn` and returns what it threw (fails the test if it did not throw). */
export async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
