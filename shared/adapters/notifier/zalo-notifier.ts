/**
 * Notifier over the Zalo Official Account API: a customer-service text message
 * (`POST {baseUrl}/v3.0/oa/message/cs`, header `access_token`, body `{ recipient: { user_id },
 * message: { text } }`). Zalo answers HTTP 200 with `{ error, message, data: { message_id } }`;
 * `error !== 0` is a failure.
 *
 * Zalo has no idempotency key: the notify consumer's idempotency record (keyed on messageId) is what
 * keeps a redelivered event from messaging a cooperative twice; a timeout here may still mean a sent
 * message, which is an acceptable duplicate for a notification.
 *
 * Unverified (configure or revisit): which Zalo error codes are transient. Here -32 (rate limit) is
 * retried, any other non-zero code is not.
 */
import type { CooperativeMessage, Notifier } from '../../domain/pickup.js';
import { UpstreamError, ValidationError } from '../../errors.js';

export const ZALO_OPENAPI_BASE_URL = 'https://openapi.zalo.me';
export const ZALO_CS_MESSAGE_PATH = '/v3.0/oa/message/cs';
/** Zalo's limit on a text message. */
export const ZALO_TEXT_MAX_LENGTH = 2_000;
const RETRYABLE_ZALO_ERRORS = new Set([-32]);

export interface ZaloNotifierConfig {
  /** OA access token, or a function returning the current one (tokens expire and are refreshed). */
  accessToken: string | (() => string | Promise<string>);
  /** Default `https://openapi.zalo.me`; a local fake in tests. */
  baseUrl?: string;
  /** Default 5 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => Date;
}

interface ZaloAnswer {
  error?: number;
  message?: string;
  data?: { message_id?: string; user_id?: string };
}

export class ZaloNotifier implements Notifier {
  readonly #config: ZaloNotifierConfig;
  readonly #url: string;
  readonly #fetch: typeof fetch;

  constructor(config: ZaloNotifierConfig) {
    this.#config = config;
    this.#url = `${(config.baseUrl ?? ZALO_OPENAPI_BASE_URL).replace(/\/+$/, '')}${ZALO_CS_MESSAGE_PATH}`;
    this.#fetch = config.fetch ?? globalThis.fetch;
  }

  async send(message: CooperativeMessage): Promise<{ deliveredAt: string; providerMessageId: string }> {
    const text = message.text.normalize('NFC');
    if (text.trim() === '') throw new ValidationError([{ field: 'text', message: 'is empty' }]);
    if (text.length > ZALO_TEXT_MAX_LENGTH) {
      throw new ValidationError([
        {
          field: 'text',
          message: `is ${text.length} characters; Zalo accepts at most ${ZALO_TEXT_MAX_LENGTH}`,
        },
      ]);
    }
    const token =
      typeof this.#config.accessToken === 'function'
        ? await this.#config.accessToken()
        : this.#config.accessToken;
    const about = `Zalo message ${message.messageId} to cooperative ${message.cooperativeId}`;

    let response: Response;
    let answer: ZaloAnswer | undefined;
    try {
      response = await this.#fetch(this.#url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', access_token: token },
        body: JSON.stringify({ recipient: { user_id: message.recipient }, message: { text } }),
        signal: AbortSignal.timeout(this.#config.timeoutMs ?? 5_000),
      });
      const body = await response.text();
      try {
        answer = JSON.parse(body) as ZaloAnswer;
      } catch {
        answer = undefined;
      }
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      throw new UpstreamError(
        `${about}: ${timedOut ? 'Zalo did not answer in time' : 'Zalo unreachable'}`,
        true,
        {
          cause: error,
        },
      );
    }

    if (response.status === 429 || response.status >= 500) {
      throw new UpstreamError(`${about}: Zalo answered HTTP ${response.status}`, true);
    }
    if (!response.ok) {
      throw new UpstreamError(`${about}: Zalo refused it (HTTP ${response.status})`, false);
    }
    if (answer?.error !== 0 || !answer.data?.message_id) {
      const code = answer?.error;
      const reason = answer?.message ? `: ${answer.message}` : '';
      const retryable = code !== undefined && RETRYABLE_ZALO_ERRORS.has(code);
      throw new UpstreamError(`${about}: Zalo error ${code ?? 'without a code'}${reason}`, retryable);
    }
    return {
      deliveredAt: (this.#config.now?.() ?? new Date()).toISOString(),
      providerMessageId: answer.data.message_id,
    };
  }
}
