/** The HTTP edge: API Gateway HTTP API (v2) events in, structured results out, errors to status codes. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { InboundRequest } from './channels/types.js';
import {
  ForbiddenError,
  InvalidSignatureError,
  NotFoundError,
  PayloadTooLargeError,
  StaleRequestError,
  UnsupportedMediaTypeError,
  UpstreamError,
  ValidationError,
} from './errors.js';

export function toInboundRequest(event: APIGatewayProxyEventV2, receivedAt = new Date()): InboundRequest {
  const rawBody =
    event.body === undefined
      ? Buffer.alloc(0)
      : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[key.toLowerCase()] = value;
  }
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined) query[key] = value;
  }
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    headers,
    query,
    rawBody,
    receivedAt,
  };
}

export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  };
}

/**
 * Maps named errors to answers. Signature failures say only that the signature is wrong (no
 * detail that helps forge one); validation failures name every bad field; anything unexpected is
 * a 500 without internals.
 */
export function errorResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  if (error instanceof InvalidSignatureError)
    return json(401, { message: error.message || 'invalid signature' });
  if (error instanceof StaleRequestError) return json(401, { message: error.message });
  if (error instanceof ValidationError) {
    return json(400, { message: 'The request has invalid fields', errors: error.issues });
  }
  if (error instanceof ForbiddenError) {
    return json(403, {
      message: error.message,
      ...(error.field !== undefined ? { errors: [{ field: error.field, message: error.message }] } : {}),
    });
  }
  if (error instanceof NotFoundError) return json(404, { message: error.message });
  if (error instanceof PayloadTooLargeError) return json(413, { message: error.message });
  if (error instanceof UnsupportedMediaTypeError) return json(415, { message: error.message });
  if (error instanceof UpstreamError) {
    return {
      ...json(503, { message: `A dependency is unavailable, try again: ${error.message}` }),
      headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': '5' },
    };
  }
  return json(500, { message: 'Internal Server Error' });
}
