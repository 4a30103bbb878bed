/**
 * Marketplace order-detail APIs over HTTPS (AWS runtime). TikTok Shop and Shopee pushes carry
 * only ids and status; the adapters fetch the order through this client. Responses are parsed
 * losslessly (ids beyond 2^53 stay strings). The local runtime uses infra/local/marketplace-sandbox.
 *
 * Signing, as the providers document it:
 * - Shopee Open Platform v2: sign = hex HMAC-SHA256(partner key, partner_id + path + timestamp +
 *   access_token + shop_id), query parameters partner_id, timestamp, access_token, shop_id, sign.
 * - TikTok Shop (API version 202309): sign = hex HMAC-SHA256(app secret, app secret + path +
 *   sorted "key+value" of the query parameters except sign/access_token + body + app secret),
 *   access token in the `x-tts-access-token` header.
 * - Lazada Open Platform: sign = upper-case hex HMAC-SHA256(app secret, api path + sorted
 *   "key+value" of every parameter except sign); parameters app_key, timestamp (ms), sign_method
 *   sha256, access_token. An order's detail is two calls: GetOrder and GetOrderItems.
 */
import { createHmac } from 'node:crypto';
import { parseJsonLossless } from '../channels/json.js';
import type { MarketplaceClient } from '../channels/types.js';
import { UpstreamError } from '../errors.js';

export interface MarketplaceHttpConfig {
  shopee: { baseUrl?: string; partnerId: string; partnerKey: string; shopId: string; accessToken: string };
  tiktok: { baseUrl?: string; appKey: string; appSecret: string; shopCipher: string; accessToken: string };
  /** Optional so existing secrets keep working; a Lazada push without it fails (retryable: no). */
  lazada?: { baseUrl?: string; appKey: string; appSecret: string; accessToken: string };
  timeoutMs?: number;
}

const hmacHex = (key: string, text: string) => createHmac('sha256', key).update(text).digest('hex');

export function shopeeSign(
  partnerKey: string,
  partnerId: string,
  path: string,
  timestamp: number,
  accessToken: string,
  shopId: string,
): string {
  return hmacHex(partnerKey, `${partnerId}${path}${timestamp}${accessToken}${shopId}`);
}

export function tiktokSign(
  appSecret: string,
  path: string,
  params: Record<string, string>,
  body = '',
): string {
  const joined = Object.keys(params)
    .filter((k) => k !== 'sign' && k !== 'access_token')
    .sort()
    .map((k) => `${k}${params[k]}`)
    .join('');
  return hmacHex(appSecret, `${appSecret}${path}${joined}${body}${appSecret}`);
}

export function lazadaSign(appSecret: string, apiPath: string, params: Record<string, string>): string {
  const joined = Object.keys(params)
    .filter((k) => k !== 'sign')
    .sort()
    .map((k) => `${k}${params[k]}`)
    .join('');
  return hmacHex(appSecret, `${apiPath}${joined}`).toUpperCase();
}

async function getJson(
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
  provider: string,
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new UpstreamError(`${provider} order API did not answer: ${(error as Error).message}`, true, {
      cause: error,
    });
  }
  const text = await response.text();
  if (response.status === 429 || response.status >= 500) {
    throw new UpstreamError(`${provider} order API answered ${response.status}`, true);
  }
  if (!response.ok)
    throw new UpstreamError(`${provider} order API refused: ${response.status} ${text.slice(0, 200)}`, false);
  return parseJsonLossless(text);
}

export function createMarketplaceHttpClient(config: MarketplaceHttpConfig): MarketplaceClient {
  const timeoutMs = config.timeoutMs ?? 2_000;
  return {
    async shopeeOrderDetail(orderSn) {
      const c = config.shopee;
      const path = '/api/v2/order/get_order_detail';
      const timestamp = Math.floor(Date.now() / 1000);
      const query = new URLSearchParams({
        partner_id: c.partnerId,
        timestamp: String(timestamp),
        access_token: c.accessToken,
        shop_id: c.shopId,
        sign: shopeeSign(c.partnerKey, c.partnerId, path, timestamp, c.accessToken, c.shopId),
        order_sn_list: orderSn,
        response_optional_fields:
          'buyer_username,recipient_address,item_list,total_amount,payment_method,note,cod',
      });
      return getJson(
        `${c.baseUrl ?? 'https://partner.shopeemobile.com'}${path}?${query}`,
        {},
        timeoutMs,
        'Shopee',
      );
    },
    async lazadaOrderDetail(orderId) {
      const c = config.lazada;
      if (c === undefined) throw new UpstreamError('Lazada API credentials are not configured', false);
      const call = (apiPath: string) => {
        const params: Record<string, string> = {
          app_key: c.appKey,
          timestamp: String(Date.now()),
          sign_method: 'sha256',
          access_token: c.accessToken,
          order_id: orderId,
        };
        params.sign = lazadaSign(c.appSecret, apiPath, params);
        const url = `${c.baseUrl ?? 'https://api.lazada.vn/rest'}${apiPath}?${new URLSearchParams(params)}`;
        return getJson(url, {}, timeoutMs, 'Lazada');
      };
      const [order, items] = await Promise.all([call('/order/get'), call('/order/items/get')]);
      return { order, items };
    },
    async tiktokOrderDetail(orderId) {
      const c = config.tiktok;
      const path = '/order/202309/orders';
      const params: Record<string, string> = {
        app_key: c.appKey,
        timestamp: String(Math.floor(Date.now() / 1000)),
        shop_cipher: c.shopCipher,
        ids: orderId,
      };
      params.sign = tiktokSign(c.appSecret, path, params);
      const url = `${c.baseUrl ?? 'https://open-api.tiktokglobalshop.com'}${path}?${new URLSearchParams(params)}`;
      return getJson(
        url,
        { 'x-tts-access-token': c.accessToken, 'content-type': 'application/json' },
        timeoutMs,
        'TikTok Shop',
      );
    },
  };
}
