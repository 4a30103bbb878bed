/** Every channel adapter the ingest edge serves, and the lookup from a route to its adapter. */
import { messengerAdapter } from './messenger.js';
import { portalAdapter } from './portal.js';
import { shopeeAdapter } from './shopee.js';
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
];

const BY_ROUTE = new Map<string, ChannelAdapter>(
  ADAPTERS.flatMap((adapter) => adapter.routes.map((route) => [route, adapter] as const)),
);

/** The adapter serving `METHOD /path` (query string and a trailing slash ignored), if any. */
export function findAdapter(method: string, path: string): ChannelAdapter | undefined {
  let bare = path.split('?', 1)[0] ?? '';
  if (bare.length > 1 && bare.endsWith('/')) bare = bare.slice(0, -1);
  return BY_ROUTE.get(`${method.toUpperCase()} ${bare}`);
}
