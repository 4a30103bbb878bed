/**
 * The local twin of an API Gateway HTTP API with Lambda proxy integrations (payload format 2.0).
 * Each request becomes the event API Gateway would send, and the handler's result is turned into an
 * HTTP response the way API Gateway interprets it:
 *
 * - Body bytes are kept exactly (signatures are verified over them, F13). As on AWS (verified against
 *   live HTTP APIs, the docs only say "binary is base64-encoded"): a body whose Content-Type is
 *   text/*, application/json, application/xml or application/javascript arrives as a UTF-8 string;
 *   anything else, including a missing Content-Type, application/x-www-form-urlencoded and
 *   multipart/form-data, arrives base64-encoded with isBase64Encoded true. A "text" body that is not
 *   valid UTF-8 is base64-encoded too, so no byte is ever lost.
 * - Headers are lower-cased, repeated headers joined with ","; the Cookie header moves to `cookies`.
 * - Routes: exact method + path first, then `{param}` segments (most literal segments win), then a
 *   greedy `{name+}`. No route (including a known path with another method) → 404 Not Found.
 * - Body over maxBodyBytes (10 MiB, the HTTP API limit) → 413. A handler that throws, returns
 *   something API Gateway cannot read, or runs past its function timeout (Lambda reports that as a
 *   function error) → 500 Internal Server Error, logged, never leaked. A handler still running at the
 *   integration timeout (30 s on HTTP APIs) → 503 Service Unavailable.
 * - Results: a structured result `{statusCode, headers, cookies, body, isBase64Encoded}`; any other
 *   JSON value (a string, an object without statusCode) → 200 application/json with that body.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createLambdaContext, LOCAL_ACCOUNT_ID } from './lambda-context.js';

export type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2 | string>;

export interface LocalRoute {
  method: string;
  /** '/v1/orders/{orderId}' style; `{name+}` as the last segment is greedy. */
  path: string;
  handler: HttpHandler;
  timeoutSeconds: number;
  functionName: string;
  memoryMb?: number;
}

export interface HttpServerOptions {
  routes: readonly LocalRoute[];
  host?: string;
  port?: number;
  maxBodyBytes?: number;
  /** API Gateway's integration timeout (HTTP APIs: at most 30 s). */
  integrationTimeoutSeconds?: number;
  apiId?: string;
  /** Where handler errors are logged. Default console.error. */
  log?: (message: string, details: Record<string, unknown>) => void;
}

export interface LocalHttpServer {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
const DEFAULT_INTEGRATION_TIMEOUT_SECONDS = 30;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const TEXT_CONTENT_TYPES = new Set(['application/json', 'application/xml', 'application/javascript']);
const DROPPED_REQUEST_HEADERS = new Set(['cookie', 'connection', 'keep-alive']);
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

interface CompiledRoute {
  route: LocalRoute;
  method: string;
  routeKey: string;
  segments: string[];
  literalCount: number;
  greedy: boolean;
}

/** Whether API Gateway (HTTP API, payload 2.0) passes a body with this Content-Type as text. */
export function isTextContentType(contentType: string | undefined): boolean {
  const base = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  return base.startsWith('text/') || TEXT_CONTENT_TYPES.has(base);
}

/** `rawPath` as HTTP APIs build it: every %XX escape decoded except %25. */
export function decodeHttpApiPath(rawPath: string): string {
  return rawPath.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    let out = '';
    let pending: number[] = [];
    const flush = () => {
      if (pending.length > 0) out += Buffer.from(pending).toString('utf8');
      pending = [];
    };
    for (let i = 0; i < run.length; i += 3) {
      const byte = Number.parseInt(run.slice(i + 1, i + 3), 16);
      if (byte === 0x25) {
        flush();
        out += '%25';
      } else {
        pending.push(byte);
      }
    }
    flush();
    return out;
  });
}

function decodeQueryComponent(text: string): string {
  const plus = text.replaceAll('+', ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

function parseQuery(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  const params: Record<string, string> = {};
  for (const pair of rawQueryString.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeQueryComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decodeQueryComponent(pair.slice(eq + 1));
    params[key] = Object.hasOwn(params, key) ? `${params[key]},${value}` : value;
  }
  return Object.keys(params).length > 0 ? params : undefined;
}

function requestTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(
    date.getUTCMinutes(),
  )}:${pad(date.getUTCSeconds())} +0000`;
}

function compileRoutes(routes: readonly LocalRoute[]): {
  exact: Map<string, CompiledRoute>;
  patterns: CompiledRoute[];
} {
  const exact = new Map<string, CompiledRoute>();
  const patterns: CompiledRoute[] = [];
  const seen = new Set<string>();
  for (const route of routes) {
    const method = route.method.toUpperCase();
    if (!/^[A-Z]+$/.test(method)) throw new Error(`http-server: invalid method "${route.method}"`);
    if (!route.path.startsWith('/'))
      throw new Error(`http-server: route path must start with "/": ${route.path}`);
    const routeKey = `${method} ${route.path}`;
    if (seen.has(routeKey)) throw new Error(`http-server: duplicate route ${routeKey}`);
    seen.add(routeKey);
    const segments = route.path.split('/').slice(1);
    const greedyAt = segments.findIndex((s) => /^\{[^{}/]+\+\}$/.test(s));
    if (greedyAt >= 0 && greedyAt !== segments.length - 1) {
      throw new Error(`http-server: a greedy {name+} must be the last segment: ${route.path}`);
    }
    const isParam = (s: string) => /^\{[^{}/]+\}$/.test(s);
    const compiled: CompiledRoute = {
      route,
      method,
      routeKey,
      segments,
      literalCount: segments.filter((s) => !isParam(s)).length,
      greedy: greedyAt >= 0,
    };
    if (segments.some(isParam)) patterns.push(compiled);
    else exact.set(routeKey, compiled);
  }
  // Most specific first: non-greedy before greedy, then more literal segments.
  patterns.sort((a, b) => Number(a.greedy) - Number(b.greedy) || b.literalCount - a.literalCount);
  return { exact, patterns };
}

function matchPattern(compiled: CompiledRoute, pathSegments: string[]): Record<string, string> | undefined {
  const { segments, greedy } = compiled;
  if (greedy ? pathSegments.length < segments.length : pathSegments.length !== segments.length)
    return undefined;
  const params: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    const actual = pathSegments[index]!;
    if (segment.startsWith('{') && segment.endsWith('}')) {
      const isGreedy = segment.endsWith('+}');
      const name = segment.slice(1, isGreedy ? -2 : -1);
      const value = isGreedy ? pathSegments.slice(index).join('/') : actual;
      if (value === '') return undefined;
      params[name] = value;
      if (isGreedy) return params;
    } else if (segment !== actual) {
      return undefined;
    }
  }
  return params;
}

type HandlerOutcome =
  | { kind: 'result'; value: unknown }
  | { kind: 'error'; error: unknown }
  | { kind: 'timeout'; gateway: boolean };

interface HttpResponseParts {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/** Interprets a Lambda result as API Gateway does for payload format 2.0. */
export function interpretResult(result: unknown): HttpResponseParts {
  // Lambda serialises the result to JSON; API Gateway reads that JSON.
  const json = JSON.stringify(result ?? null);
  const value: unknown = JSON.parse(json);
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isObject || !Object.hasOwn(value, 'statusCode')) {
    const body = typeof value === 'string' ? value : json;
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      body: Buffer.from(body, 'utf8'),
    };
  }
  const structured = value as Record<string, unknown>;
  const { statusCode } = structured;
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    throw new Error(`malformed Lambda proxy response: statusCode ${JSON.stringify(statusCode)}`);
  }
  const headers: Record<string, string> = {};
  const rawHeaders = structured['headers'];
  if (rawHeaders !== undefined && rawHeaders !== null) {
    if (typeof rawHeaders !== 'object' || Array.isArray(rawHeaders))
      throw new Error('malformed Lambda proxy response: headers');
    for (const [name, headerValue] of Object.entries(rawHeaders)) {
      if (!['string', 'number', 'boolean'].includes(typeof headerValue)) {
        throw new Error(`malformed Lambda proxy response: header ${name}`);
      }
      headers[name.toLowerCase()] = String(headerValue);
    }
  }
  const rawCookies = structured['cookies'];
  if (
    rawCookies !== undefined &&
    rawCookies !== null &&
    !(Array.isArray(rawCookies) && rawCookies.every((c) => typeof c === 'string'))
  ) {
    throw new Error('malformed Lambda proxy response: cookies');
  }
  const cookies = (rawCookies as string[] | null | undefined) ?? [];
  const rawBody = structured['body'];
  if (rawBody !== undefined && rawBody !== null && typeof rawBody !== 'string') {
    throw new Error('malformed Lambda proxy response: body must be a string');
  }
  const text = (rawBody as string | null | undefined) ?? '';
  const body =
    structured['isBase64Encoded'] === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  return { statusCode, headers, cookies, body };
}

export function startHttpServer(options: HttpServerOptions): Promise<LocalHttpServer> {
  const host = options.host ?? '127.0.0.1';
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const integrationTimeoutMs =
    (options.integrationTimeoutSeconds ?? DEFAULT_INTEGRATION_TIMEOUT_SECONDS) * 1000;
  const apiId = options.apiId ?? 'local';
  const log =
    options.log ??
    ((message: string, details: Record<string, unknown>) => {
      console.error(`[local http] ${message}`, details);
    });
  const { exact, patterns } = compileRoutes(options.routes);
  let closing = false;
  let listeningPort = 0;

  const send = (
    res: ServerResponse,
    statusCode: number,
    headers: Record<string, string>,
    body: Buffer,
    cookies: string[] = [],
  ) => {
    if (res.headersSent || res.destroyed) return;
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    const setCookies = [...cookies, ...(headers['set-cookie'] !== undefined ? [headers['set-cookie']] : [])];
    if (setCookies.length > 0) res.setHeader('set-cookie', setCookies);
    res.setHeader('content-length', body.length);
    if (closing) res.setHeader('connection', 'close');
    res.statusCode = statusCode;
    res.end(body);
  };
  const sendMessage = (
    res: ServerResponse,
    statusCode: number,
    message: string,
    requestId: string,
    close = false,
  ) => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'apigw-requestid': requestId,
    };
    if (close) headers['connection'] = 'close';
    send(res, statusCode, headers, Buffer.from(JSON.stringify({ message })));
  };

  const readBody = (req: IncomingMessage): Promise<Buffer | 'too-large' | 'aborted'> =>
    new Promise((resolve, reject) => {
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBodyBytes) {
        resolve('too-large');
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let done = false;
      req.on('data', (chunk: Buffer) => {
        if (done) return;
        size += chunk.length;
        if (size > maxBodyBytes) {
          done = true;
          resolve('too-large');
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => {
        if (done) return;
        done = true;
        resolve(Buffer.concat(chunks, size));
      });
      req.on('error', (error) => {
        if (done) return;
        done = true;
        reject(error);
      });
      req.on('close', () => {
        // The client went away before sending the whole body: nobody is left to answer.
        if (done) return;
        done = true;
        resolve('aborted');
      });
    });

  const buildEvent = (
    req: IncomingMessage,
    compiled: CompiledRoute,
    rawPath: string,
    rawQueryString: string,
    pathParameters: Record<string, string>,
    body: Buffer,
    requestId: string,
    now: Date,
  ): APIGatewayProxyEventV2 => {
    const headers: Record<string, string> = {};
    for (const [name, values] of Object.entries(req.headersDistinct)) {
      if (values === undefined || DROPPED_REQUEST_HEADERS.has(name)) continue;
      headers[name] = values.join(',');
    }
    const cookies = (req.headersDistinct['cookie'] ?? [])
      .flatMap((header) => header.split(';'))
      .map((c) => c.trim())
      .filter((c) => c !== '');
    const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    headers['x-forwarded-for'] = headers['x-forwarded-for']
      ? `${headers['x-forwarded-for']}, ${sourceIp}`
      : sourceIp;
    headers['x-forwarded-port'] = String(listeningPort);
    headers['x-forwarded-proto'] = 'http';
    headers['x-amzn-trace-id'] ??=
      `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
    const domainName = (headers['host'] ?? host).replace(/:\d+$/, '');
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey: compiled.routeKey,
      rawPath,
      rawQueryString,
      headers,
      requestContext: {
        accountId: LOCAL_ACCOUNT_ID,
        apiId,
        domainName,
        domainPrefix: domainName.split('.')[0] ?? domainName,
        http: {
          method: compiled.method,
          path: rawPath,
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp,
          userAgent: headers['user-agent'] ?? '',
        },
        requestId,
        routeKey: compiled.routeKey,
        stage: '$default',
        time: requestTime(now),
        timeEpoch: now.getTime(),
      },
      isBase64Encoded: false,
    };
    if (cookies.length > 0) event.cookies = cookies;
    const query = parseQuery(rawQueryString);
    if (query !== undefined) event.queryStringParameters = query;
    if (Object.keys(pathParameters).length > 0) event.pathParameters = pathParameters;
    if (body.length > 0) {
      let text: string | undefined;
      if (isTextContentType(headers['content-type'])) {
        try {
          text = utf8.decode(body);
        } catch {
          text = undefined; // not valid UTF-8: base64 keeps every byte
        }
      }
      event.body = text ?? body.toString('base64');
      event.isBase64Encoded = text === undefined;
    }
    return event;
  };

  const invoke = (compiled: CompiledRoute, event: APIGatewayProxyEventV2): Promise<HandlerOutcome> => {
    const { route } = compiled;
    const context = createLambdaContext(route.functionName, route.timeoutSeconds, route.memoryMb ?? 128);
    const functionTimeoutMs = route.timeoutSeconds * 1000;
    return new Promise<HandlerOutcome>((resolve) => {
      const gateway = integrationTimeoutMs <= functionTimeoutMs;
      const timer = setTimeout(
        () => resolve({ kind: 'timeout', gateway }),
        Math.min(functionTimeoutMs, integrationTimeoutMs),
      );
      let pending: Promise<unknown>;
      try {
        pending = Promise.resolve(route.handler(event, context));
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (value) => {
          clearTimeout(timer);
          resolve({ kind: 'result', value });
        },
        (error: unknown) => {
          clearTimeout(timer);
          resolve({ kind: 'error', error });
        },
      );
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomBytes(11).toString('base64');
    const now = new Date();
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const rawTargetPath = queryAt < 0 ? target : target.slice(0, queryAt);
    const rawQueryString = queryAt < 0 ? '' : target.slice(queryAt + 1).split('#', 1)[0]!;
    const rawPath = decodeHttpApiPath(rawTargetPath.split('#', 1)[0]!);
    const method = (req.method ?? 'GET').toUpperCase();

    let compiled = exact.get(`${method} ${rawPath}`);
    let pathParameters: Record<string, string> = {};
    if (compiled === undefined) {
      const pathSegments = rawPath.split('/').slice(1);
      for (const candidate of patterns) {
        if (candidate.method !== method) continue;
        const params = matchPattern(candidate, pathSegments);
        if (params !== undefined) {
          compiled = candidate;
          pathParameters = params;
          break;
        }
      }
    }
    if (compiled === undefined) {
      sendMessage(res, 404, 'Not Found', requestId);
      return;
    }

    const body = await readBody(req);
    if (body === 'aborted') return;
    if (body === 'too-large') {
      sendMessage(res, 413, 'Request Entity Too Large', requestId, true);
      return;
    }
    const event = buildEvent(req, compiled, rawPath, rawQueryString, pathParameters, body, requestId, now);
    const outcome = await invoke(compiled, event);
    const where = { requestId, routeKey: compiled.routeKey, functionName: compiled.route.functionName };
    if (outcome.kind === 'timeout') {
      if (outcome.gateway) {
        log('integration timed out', { ...where, integrationTimeoutSeconds: integrationTimeoutMs / 1000 });
        sendMessage(res, 503, 'Service Unavailable', requestId);
      } else {
        log(`Task timed out after ${compiled.route.timeoutSeconds} seconds`, where);
        sendMessage(res, 500, 'Internal Server Error', requestId);
      }
      return;
    }
    if (outcome.kind === 'error') {
      log('handler failed', { ...where, error: outcome.error });
      sendMessage(res, 500, 'Internal Server Error', requestId);
      return;
    }
    let parts: HttpResponseParts;
    try {
      parts = interpretResult(outcome.value);
    } catch (error) {
      log('handler returned a response API Gateway cannot use', { ...where, error });
      sendMessage(res, 500, 'Internal Server Error', requestId);
      return;
    }
    send(
      res,
      parts.statusCode,
      { ...parts.headers, 'apigw-requestid': requestId },
      parts.body,
      parts.cookies,
    );
  };

  const server = createServer({ keepAlive: true }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      log('local http server failed', { error, url: req.url });
      sendMessage(res, 500, 'Internal Server Error', randomUUID());
    });
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable)
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      listeningPort = address.port;
      const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      let closed: Promise<void> | undefined;
      resolve({
        url: `http://${urlHost}:${address.port}`,
        host: address.address,
        port: address.port,
        close: () => {
          closed ??= new Promise<void>((resolveClose, rejectClose) => {
            closing = true;
            server.close((error) => (error ? rejectClose(error) : resolveClose()));
            server.closeIdleConnections();
            // Keep-alive sockets that finish a response while closing are closed by `connection: close`.
          });
          return closed;
        },
      });
    });
  });
}
