/**
 * What each portal API key may do (ChannelSecrets.portalKeyGrants, key id → grant), next to its
 * HMAC secret in ChannelSecrets.portalApiKeys:
 *
 *   { "channels": ["portal"], "seller": "vaithieu-hoa" }   a direct seller: its own orders only
 *   { "channels": ["postmart"] }                           a relay: Postmart orders it forwards
 *
 * - `channels`: the channels a body may name. Only the channels the order API carries are allowed
 *   (portal, postmart, voso); webhook channels (TikTok, Shopee, Lazada, Haravan, Sapo, Messenger,
 *   Zalo, chat) come from their own signed webhooks only, so a key can never pre-empt them.
 * - `seller`: the seller (tenant) id, required when `channels` has `portal`. A direct seller's
 *   order numbers are its own: the internal order id of a portal order is derived from
 *   (seller, external id), so two sellers' order "1001" are two orders.
 *
 * A key with no grant may do nothing (403): the config fails closed.
 */
import { z } from 'zod';
import type { Channel } from '../domain/order.js';
import { ForbiddenError } from '../errors.js';

/** The channels `POST /v1/orders` carries: direct sellers, and the marketplaces that relay to us. */
export const PORTAL_CHANNELS = ['portal', 'postmart', 'voso'] as const;
export type PortalChannel = (typeof PORTAL_CHANNELS)[number];

/** A seller id: lower-case letters, digits and dashes (it is part of the dedupe key). */
export const sellerIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1-63 lower-case letters, digits or dashes');

export const portalKeyGrantSchema = z
  .strictObject({
    channels: z.array(z.enum(PORTAL_CHANNELS)).min(1),
    seller: sellerIdSchema.optional(),
  })
  .refine((g) => !g.channels.includes('portal') || g.seller !== undefined, {
    message: 'a key for channel portal must name its seller',
    path: ['seller'],
  });

export type PortalKeyGrant = z.infer<typeof portalKeyGrantSchema>;

/** The grant of a key that passed its signature check; 403 when it has none. */
export function portalGrantFor(grants: Record<string, unknown>, keyId: string): PortalKeyGrant {
  const raw = Object.hasOwn(grants, keyId) ? grants[keyId] : undefined;
  if (raw === undefined) {
    throw new ForbiddenError(`key ${keyId} is not allowed any channel (no grant configured)`, 'channel');
  }
  const parsed = portalKeyGrantSchema.safeParse(raw);
  // A broken grant is our misconfiguration: a loud 500, never a guess.
  if (!parsed.success) throw new Error(`portalKeyGrants.${keyId} is invalid: ${parsed.error.message}`);
  return parsed.data;
}

/** The body's channel must be one the key is allowed (403 naming `channel` otherwise). */
export function assertChannelAllowed(grant: PortalKeyGrant, keyId: string, channel: Channel): void {
  if ((grant.channels as readonly string[]).includes(channel)) return;
  const why = (PORTAL_CHANNELS as readonly string[]).includes(channel)
    ? ''
    : `; ${channel} orders arrive by their own signed webhook only`;
  throw new ForbiddenError(
    `channel ${channel} is not allowed for key ${keyId} (allowed: ${grant.channels.join(', ')})${why}`,
    'channel',
  );
}

/** The sellers the portal keys act for (an operator may name one of these). */
export function knownSellers(grants: Record<string, unknown>): Set<string> {
  const sellers = new Set<string>();
  for (const raw of Object.values(grants)) {
    const parsed = portalKeyGrantSchema.safeParse(raw);
    if (parsed.success && parsed.data.seller !== undefined) sellers.add(parsed.data.seller);
  }
  return sellers;
}
