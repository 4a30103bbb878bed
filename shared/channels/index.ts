/** Every channel adapter the ingest edge serves, and the lookup from a route to its adapter. */
import { lazadaAdapter } from './lazada.js';
import { messengerAdapter } from './messenger.js';
import type { Channel } from '../domain/order.js';
import { PORTAL_CHANNELS, portalAdapter } from './portal.js';
import { shopeeAdapter } from './shopee.js';
import { haravanAdapter, sapoAdapter } from './shopify-like.js';
import { spreadsheetAdapter } from './spreadsheet.js';
import { tiktokAdapter } from './tiktok.js';
import type { ChannelAdapter } from './types.js';
import { zaloAdapter } from './zalo.js';

export const ADAPTERS: ChannelAdapter[] = [
  portalAdapter,
  tiktokAdapter,
  shopeeAdapter,
  messengerAdapter,
  zaloAdapter,
  spreadsheetAdapter,
  lazadaAdapter,
  haravanAdapter,
  sapoAdapter,
];

/** Channels whose orders some adapter reads (Postmart and Voso also arrive as spreadsheets). */
export const INGESTED_CHANNELS: readonly Channel[] = [
  ...PORTAL_CHANNELS,
  'tiktok',
  'shopee',
  'messenger',
  'zalo',
  'lazada',
  'haravan',
  'sapo',
  'chat', // free text through Zalo user_send_text and Messenger messages
];

export type AdapterLookup = (method: string, path: string) => ChannelAdapter | undefined;

/** A lookup from `METHOD /path` (query string and a trailing slash ignored) to its adapter. */
export function adapterLookup(adapters: readonly ChannelAdapter[]): AdapterLookup {
  const byRoute = new Map<string, ChannelAdapter>(
    adapters.flatMap((adapter) => adapter.routes.map((route) => [route, adapter] as const)),
  );
  return (method, path) => {
    let bare = path.split('?', 1)[0] ?? '';
    if (bare.length > 1 && bare.endsWith('/')) bare = bare.slice(0, -1);
    return byRoute.get(`${method.toUpperCase()} ${bare}`);
  };
}

export const findAdapter: AdapterLookup = adapterLookup(ADAPTERS);
