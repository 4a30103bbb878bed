import { createHash, randomBytes } from 'node:crypto';
import { Agent, type IncomingHttpHeaders, type OutgoingHttpHeaders, request } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import {
  decodeHttpApiPath,
  type HttpHandler,
  isTextContentType,
  type LocalHttpServer,
  type LocalRoute,
  startHttpServer,
} from '../../../infra/local/http-server.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const agent = new Agent({ keepAlive: true });

function call(
  server: LocalHttpServer,
  method: string,
  path: string,
  options: { headers?: OutgoingHttpHeaders; body?: Buffer | string; chunked?: boolean } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method, headers: options.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.chunked && options.body !== undefined) {
      // No content-length: the server only learns the size while reading.
      const body = Buffer.from(options.body);
      for (let at = 0; at < body.length; at += 16 * 1024) req.write(body.subarray(at, at + 16 * 1024));
      req.end();
    } else {
      req.end(options.body);
    }
  });
}

/** Captures the event each handler receives. */
let events: APIGatewayProxyEventV2[] = [];
let contexts: Context[] = [];
const capture =
  (
    respond: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2 | string>,
  ): HttpHandler =>
  async (event, context) => {
    events.push(event);
    contexts.push(context);
    return respond(event);
  };

const bodyBytes = (event: APIGatewayProxyEventV2) =>
  Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');

const echoHash = capture(async (event) => ({
  statusCode: 202,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ sha256: sha256(bodyBytes(event)), isBase64Encoded: event.isBase64Encoded }),
}));

const logged: Array<{ message: string; details: Record<string, unknown> }> = [];
const routes: LocalRoute[] = [
  { method: 'POST', path: '/v1/orders', handler: echoHash, timeoutSeconds: 10, functionName: 'ingestHttp' },
  {
    method: 'POST',
    path: '/v1/webhooks/messenger',
    handler: echoHash,
    timeoutSeconds: 10,
    functionName: 'ingestHttp',
  },
  {
    method: 'GET',
    path: '/v1/orders/{orderId}',
    handler: capture(async (event) => ({ statusCode: 200, body: event.pathParameters?.['orderId'] ?? '' })),
    timeoutSeconds: 10,
    functionName: 'queryHttp',
  },
  {
    method: 'GET',
    path: '/v1/orders/export',
    handler: capture(async () => 'export'),
    timeoutSeconds: 10,
    functionName: 'queryHttp',
  },
  {
    method: 'GET',
    path: '/v1/cooperatives/{cooperativeId}/allocations',
    handler: capture(async () => ({
      statusCode: 200,
      headers: { 'content-type': 'image/png', 'x-count': 3 },
      cookies: ['a=1; Path=/', 'b=2'],
      isBase64Encoded: true,
      body: Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64'),
    })),
    timeoutSeconds: 10,
    functionName: 'queryHttp',
  },
  {
    method: 'GET',
    path: '/v1/lots/{lotId}',
    handler: capture(
      async () => ({ lotId: 'lot-1', status: 'open' }) as unknown as APIGatewayProxyStructuredResultV2,
    ),
    timeoutSeconds: 10,
    functionName: 'queryHttp',
  },
  {
    method: 'POST',
    path: '/v1/webhooks/tiktok',
    handler: async () => {
      throw new Error('secret connection string db://admin:hunter2');
    },
    timeoutSeconds: 10,
    functionName: 'ingestHttp',
  },
  {
    method: 'POST',
    path: '/v1/webhooks/shopee',
    handler: async () =>
      ({ statusCode: 200, body: { not: 'a string' } }) as unknown as APIGatewayProxyStructuredResultV2,
    timeoutSeconds: 10,
    functionName: 'ingestHttp',
  },
  {
    method: 'POST',
    path: '/v1/slow/function',
    handler: async () => {
      await sleep(400);
      return 'late';
    },
    timeoutSeconds: 0.05,
    functionName: 'slowFunction',
  },
  {
    method: 'POST',
    path: '/v1/slow/integration',
    handler: async () => {
      await sleep(400);
      return 'late';
    },
    timeoutSeconds: 10,
    functionName: 'slowIntegration',
  },
];

let server: LocalHttpServer;

beforeAll(async () => {
  server = await startHttpServer({
    routes,
    maxBodyBytes: 64 * 1024,
    integrationTimeoutSeconds: 0.1,
    log: (message, details) => logged.push({ message, details }),
  });
});

afterAll(async () => {
  await server.close();
  agent.destroy();
});

beforeEach(() => {
  events = [];
  contexts = [];
  logged.length = 0;
});

describe('local HTTP API: request bodies', () => {
  test('F13 a JSON body with Vietnamese text and \\u escapes arrives byte-identical', async () => {
    // What Messenger sends: non-ASCII escaped as \uXXXX and "/" as "\/", next to raw UTF-8.
    const raw = Buffer.from(
      '{"entry":[{"messaging":[{"message":{"text":"Cho m\\u00ecnh 2 th\\u00f9ng v\\u1ea3i thi\\u1ec1u L\\u1ee5c Ng\\u1ea1n",' +
        '"raw":"Cho mình 2 thùng vải thiều Lục Ngạn","url":"https:\\/\\/m.me\\/x"}}]}]}',
      'utf8',
    );
    const reply = await call(server, 'POST', '/v1/webhooks/messenger', {
      headers: { 'content-type': 'application/json; charset=utf-8', 'x-hub-signature-256': 'sha256=abc' },
      body: raw,
    });

    expect(reply.status).toBe(202);
    expect(JSON.parse(reply.body.toString())).toEqual({ sha256: sha256(raw), isBase64Encoded: false });
    const [event] = events;
    expect(event!.body).toBe(raw.toString('utf8'));
    expect(event!.body).toContain('\\u00ecnh');
    expect(event!.headers['x-hub-signature-256']).toBe('sha256=abc');
  });

  test('binary and non-text bodies arrive base64-encoded, every byte kept', async () => {
    const bytes = Buffer.concat([randomBytes(512), Buffer.from([0xff, 0xfe, 0x00, 0xc3])]);
    for (const contentType of [
      'application/octet-stream',
      'multipart/form-data; boundary=x',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', // an XLSX upload
      'text/csv', // a CSV saved in a legacy code page: not UTF-8, so base64 too
      undefined,
    ]) {
      events = [];
      const headers: OutgoingHttpHeaders = contentType === undefined ? {} : { 'content-type': contentType };
      const reply = await call(server, 'POST', '/v1/orders', { headers, body: bytes });
      expect(JSON.parse(reply.body.toString())).toEqual({ sha256: sha256(bytes), isBase64Encoded: true });
      expect(events[0]!.isBase64Encoded).toBe(true);
    }
  });

  test('a form-urlencoded body is base64-encoded, as HTTP APIs do', async () => {
    await call(server, 'POST', '/v1/orders', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=Nguy%E1%BB%85n&qty=2',
    });
    expect(events[0]).toMatchObject({
      isBase64Encoded: true,
      body: Buffer.from('name=Nguy%E1%BB%85n&qty=2').toString('base64'),
    });
  });

  test('a "text" body that is not valid UTF-8 is base64-encoded rather than altered', async () => {
    const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe1, 0x22, 0x7d]); // {"a":"<lone 0xE1>"}
    const reply = await call(server, 'POST', '/v1/orders', {
      headers: { 'content-type': 'application/json' },
      body: bytes,
    });
    expect(JSON.parse(reply.body.toString())).toEqual({ sha256: sha256(bytes), isBase64Encoded: true });
  });

  test('content types API Gateway passes as text', () => {
    expect(
      [
        'text/csv',
        'text/plain; charset=utf-8',
        'application/json',
        'APPLICATION/XML',
        'application/javascript',
      ].map(isTextContentType),
    ).toEqual([true, true, true, true, true]);
    expect(
      ['application/x-www-form-urlencoded', 'application/octet-stream', 'image/png', undefined].map(
        isTextContentType,
      ),
    ).toEqual([false, false, false, false]);
  });

  test('a request without a body has no body field', async () => {
    await call(server, 'GET', '/v1/orders/ord-1');
    expect(events[0]).not.toHaveProperty('body');
    expect(events[0]!.isBase64Encoded).toBe(false);
  });
});

describe('local HTTP API: the payload 2.0 event', () => {
  test('path parameters, query string, headers, cookies and request context', async () => {
    const reply = await call(server, 'GET', '/v1/orders/ord-123?x=1&x=2&q=L%E1%BB%A5c+Ng%E1%BA%A1n&empty=', {
      headers: {
        'x-dup': ['a', 'b'],
        cookie: 'session=s1; theme=dark',
        'User-Agent': 'jest-test',
        'X-Mixed-Case': 'v',
      },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toBe('ord-123');
    const event = events[0]!;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /v1/orders/{orderId}',
      rawPath: '/v1/orders/ord-123',
      rawQueryString: 'x=1&x=2&q=L%E1%BB%A5c+Ng%E1%BA%A1n&empty=',
      cookies: ['session=s1', 'theme=dark'],
      queryStringParameters: { x: '1,2', q: 'Lục Ngạn', empty: '' },
      pathParameters: { orderId: 'ord-123' },
      isBase64Encoded: false,
    });
    expect(event.headers).toMatchObject({ 'x-dup': 'a,b', 'user-agent': 'jest-test', 'x-mixed-case': 'v' });
    expect(event.headers).not.toHaveProperty('cookie');
    expect(event.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(event.requestContext).toEqual({
      accountId: '000000000000',
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: '127',
      http: {
        method: 'GET',
        path: '/v1/orders/ord-123',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'jest-test',
      },
      requestId: expect.any(String),
      routeKey: 'GET /v1/orders/{orderId}',
      stage: '$default',
      time: expect.stringMatching(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/),
      timeEpoch: expect.any(Number),
    });
    expect(reply.headers['apigw-requestid']).toBe(event.requestContext.requestId);
    expect(contexts[0]).toMatchObject({ functionName: 'queryHttp', memoryLimitInMB: '128' });
    expect(contexts[0]!.getRemainingTimeInMillis()).toBeLessThanOrEqual(10_000);
  });

  test('an exact route wins over a {param} route; no query string means no queryStringParameters', async () => {
    const reply = await call(server, 'GET', '/v1/orders/export');
    expect(reply.body.toString()).toBe('export');
    expect(events[0]).toMatchObject({ routeKey: 'GET /v1/orders/export' });
    expect(events[0]).not.toHaveProperty('queryStringParameters');
    expect(events[0]).not.toHaveProperty('pathParameters');
  });

  test('rawPath decodes percent escapes except %25', () => {
    expect(decodeHttpApiPath('/v1/orders/L%E1%BB%A5c%20Ng%E1%BA%A1n/a%252Eb')).toBe(
      '/v1/orders/Lục Ngạn/a%252Eb',
    );
  });
});

describe('local HTTP API: responses and errors', () => {
  test('a string result is a 200 JSON response; an object without statusCode is its JSON body', async () => {
    const text = await call(server, 'GET', '/v1/orders/export');
    expect(text).toMatchObject({ status: 200 });
    expect(text.headers['content-type']).toBe('application/json');
    const object = await call(server, 'GET', '/v1/lots/lot-1');
    expect(object.status).toBe(200);
    expect(JSON.parse(object.body.toString())).toEqual({ lotId: 'lot-1', status: 'open' });
  });

  test('structured results: headers, cookies as set-cookie, base64 bodies decoded', async () => {
    const reply = await call(server, 'GET', '/v1/cooperatives/coop-1/allocations');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('image/png');
    expect(reply.headers['x-count']).toBe('3');
    expect(reply.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2']);
    expect([...reply.body]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  test('unknown path → 404; known path with another method → 404 as on API Gateway', async () => {
    for (const [method, path] of [
      ['GET', '/v1/nowhere'],
      ['DELETE', '/v1/orders'],
      ['GET', '/v1/orders'],
      ['POST', '/v1/orders/ord-1'],
    ] as const) {
      const reply = await call(server, method, path);
      expect(reply.status).toBe(404);
      expect(JSON.parse(reply.body.toString())).toEqual({ message: 'Not Found' });
    }
    expect(events).toHaveLength(0);
  });

  test.each([
    ['declared by content-length', false],
    ['found while reading a chunked body', true],
  ])('a body over the limit (%s) → 413, the handler is not called', async (_label, chunked) => {
    const reply = await call(server, 'POST', '/v1/orders', {
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(64 * 1024 + 1, 0x61),
      chunked,
    });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body.toString())).toEqual({ message: 'Request Entity Too Large' });
    expect(events).toHaveLength(0);
  });

  test('a body at the limit is accepted', async () => {
    const body = Buffer.alloc(64 * 1024, 0x61);
    const reply = await call(server, 'POST', '/v1/orders', {
      headers: { 'content-type': 'text/plain' },
      body,
      chunked: true,
    });
    expect(reply.status).toBe(202);
    expect(JSON.parse(reply.body.toString())).toEqual({ sha256: sha256(body), isBase64Encoded: false });
  });

  test('a handler that throws → 500 without leaking the error, which is logged', async () => {
    const reply = await call(server, 'POST', '/v1/webhooks/tiktok', { body: '{}' });
    expect(reply.status).toBe(500);
    expect(reply.body.toString()).toBe('{"message":"Internal Server Error"}');
    expect(logged[0]!.message).toBe('handler failed');
    expect(String(logged[0]!.details['error'])).toContain('hunter2');
  });

  test('a malformed proxy response → 500', async () => {
    const reply = await call(server, 'POST', '/v1/webhooks/shopee', { body: '{}' });
    expect(reply.status).toBe(500);
  });

  test('a function timeout is a function error (500); the integration timeout is a 503', async () => {
    const fn = await call(server, 'POST', '/v1/slow/function', { body: '{}' });
    expect(fn.status).toBe(500);
    expect(logged.map((l) => l.message)).toContain('Task timed out after 0.05 seconds');
    const gateway = await call(server, 'POST', '/v1/slow/integration', { body: '{}' });
    expect(gateway.status).toBe(503);
    expect(JSON.parse(gateway.body.toString())).toEqual({ message: 'Service Unavailable' });
  });
});

describe('local HTTP API: lifecycle', () => {
  test('binds 127.0.0.1 by default, on a free port', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
  });

  test('close() returns promptly even with idle keep-alive connections', async () => {
    const other = await startHttpServer({ routes });
    const reply = await call(other, 'GET', '/v1/orders/export');
    expect(reply.headers.connection).toBe('keep-alive');
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
