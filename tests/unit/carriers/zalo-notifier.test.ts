/** The Zalo OA notifier against a local fake of Zalo's message endpoint, over real HTTP. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ZaloNotifier } from '../../../shared/adapters/notifier/zalo-notifier.js';
import type { CooperativeMessage } from '../../../shared/domain/pickup.js';
import { UpstreamError, ValidationError } from '../../../shared/errors.js';

interface Received {
  method?: string;
  url?: string;
  accessToken?: string | string[];
  body: unknown;
}

let server: Server;
let baseUrl: string;
let received: Received[];
let reply: { status: number; body: unknown };

beforeEach(async () => {
  received = [];
  reply = {
    status: 200,
    body: { error: 0, message: 'Success', data: { message_id: 'zmid-1', user_id: 'zalo-uid-4412' } },
  };
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method,
        url: req.url,
        accessToken: req.headers.access_token,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      res.writeHead(reply.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const message = (overrides: Partial<CooperativeMessage> = {}): CooperativeMessage => ({
  cooperativeId: 'htx-0023',
  messageId: 'alloc_01JXK3_1:allocated',
  recipient: 'zalo-uid-4412',
  text: '[Harvest] HTX Vải thiều Phì Điền nhận đơn ord_01JXK3',
  ...overrides,
});

const notifier = () =>
  new ZaloNotifier({ accessToken: 'oa-token', baseUrl, now: () => new Date('2026-06-17T03:00:00Z') });

describe('ZaloNotifier', () => {
  it('posts a customer-service text message with the OA access token', async () => {
    const result = await notifier().send(message({ text: 'Lục Ngạn'.normalize('NFD') }));

    expect(result).toEqual({ deliveredAt: '2026-06-17T03:00:00.000Z', providerMessageId: 'zmid-1' });
    expect(received).toEqual([
      {
        method: 'POST',
        url: '/v3.0/oa/message/cs',
        accessToken: 'oa-token',
        body: { recipient: { user_id: 'zalo-uid-4412' }, message: { text: 'Lục Ngạn' } },
      },
    ]);
  });

  it('takes a fresh token from a provider function', async () => {
    await new ZaloNotifier({ accessToken: async () => 'rotated-token', baseUrl }).send(message());

    expect(received[0]?.accessToken).toBe('rotated-token');
  });

  it('turns a Zalo error answered with HTTP 200 into a non-retryable failure', async () => {
    reply = { status: 200, body: { error: -216, message: 'Access token is invalid' } };

    const error = await notifier()
      .send(message())
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({
      retryable: false,
      message: expect.stringMatching(/-216.*Access token is invalid/),
    });
  });

  it("retries Zalo's rate-limit error and server errors", async () => {
    reply = { status: 200, body: { error: -32, message: 'Exceeded rate limit' } };
    await expect(notifier().send(message())).rejects.toMatchObject({ retryable: true });

    reply = { status: 503, body: {} };
    await expect(notifier().send(message())).rejects.toMatchObject({ retryable: true });
  });

  it('refuses a text longer than Zalo accepts without calling Zalo', async () => {
    await expect(notifier().send(message({ text: 'x'.repeat(2_001) }))).rejects.toBeInstanceOf(
      ValidationError,
    );

    expect(received).toHaveLength(0);
  });
});
