/**
 * The signature scheme of our own APIs (portal order API, spreadsheet import):
 *
 *   x-api-key-id:  the caller's key id
 *   x-timestamp:   epoch seconds when the request was signed
 *   x-signature:   hex HMAC-SHA256(secret of that key id, `${x-timestamp}.${raw body bytes}`)
 *
 * Requests signed more than 300 s away from our clock are refused as replays.
 */
import { InvalidSignatureError, StaleRequestError } from '../errors.js';
import { hmacSha256Hex, safeEqualHex } from './signature.js';
import type { InboundRequest } from './types.js';

export const API_KEY_WINDOW_SECONDS = 300;

function header(request: InboundRequest, name: string): string {
  const value = request.headers[name];
  if (value === undefined || value.trim() === '') throw new InvalidSignatureError(`missing header ${name}`);
  return value.trim();
}

/** Signs a body the way `verifyApiKeySignature` checks it (used by the encoders). */
export function signApiKeyRequest(secret: string, timestampSeconds: number, rawBody: Buffer): string {
  return hmacSha256Hex(secret, `${timestampSeconds}.`, rawBody);
}

/** Verifies the raw-body signature, then the freshness. Returns the key id that signed it. */
export function verifyApiKeySignature(
  request: InboundRequest,
  keys: Record<string, string>,
  now: Date,
): { keyId: string } {
  const keyId = header(request, 'x-api-key-id');
  const timestamp = header(request, 'x-timestamp');
  const signature = header(request, 'x-signature');
  if (!/^\d{1,12}$/.test(timestamp)) {
    throw new InvalidSignatureError('header x-timestamp must be epoch seconds (digits only)');
  }
  // An unknown key id gets the same answer as a wrong signature: no probing for valid key ids.
  const secret = Object.hasOwn(keys, keyId) ? keys[keyId] : undefined;
  if (
    secret === undefined ||
    !safeEqualHex(signature, hmacSha256Hex(secret, `${timestamp}.`, request.rawBody))
  ) {
    throw new InvalidSignatureError('x-signature does not match this key id, timestamp and body');
  }
  const skew = Math.abs(now.getTime() / 1000 - Number(timestamp));
  if (skew > API_KEY_WINDOW_SECONDS) {
    throw new StaleRequestError(
      `x-timestamp is ${Math.round(skew)} s away from our clock (allowed: ${API_KEY_WINDOW_SECONDS} s)`,
    );
  }
  return { keyId };
}
