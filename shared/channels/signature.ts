/**
 * Crypto helpers for channel authenticity checks. Every provider signs the exact bytes it sent, so
 * callers pass `request.rawBody` (a Buffer) as one of the parts: never a re-serialised body.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type SignedPart = string | Buffer;

/** Hex HMAC-SHA256 of the concatenated parts (strings as UTF-8), without copying them together. */
export function hmacSha256Hex(secret: string | Buffer, ...parts: SignedPart[]): string {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest('hex');
}

/** Base64 HMAC-SHA256 of the concatenated parts (Haravan/Sapo style). */
export function hmacSha256Base64(secret: string | Buffer, ...parts: SignedPart[]): string {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest('base64');
}

/** Hex SHA-256 of the concatenated parts (Zalo's `mac`). */
export function sha256Hex(...parts: SignedPart[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

/**
 * Constant-time comparison. Different lengths simply compare unequal (timingSafeEqual would
 * throw); the length of a signature is not a secret.
 */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const left = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
  const right = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}

/** Compares a received hex digest with the expected one, ignoring the case of the hex letters. */
export function safeEqualHex(received: string, expectedHex: string): boolean {
  return safeEqual(received.trim().toLowerCase(), expectedHex);
}
