/**
 * The fixed middleware order for every Lambda entry (CONVENTIONS.md §6): logger context, tracer,
 * metrics, then the handler. Errors are mapped to HTTP answers inside the HTTP builders and to
 * retry/DLQ decisions inside the queue consumer, so nothing here swallows them.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';

export const tracer = new Tracer();
export const metrics = new Metrics();

export function withObservability<E, R>(logger: Logger, handler: (event: E, context: Context) => Promise<R>) {
  return middy(handler)
    .use(injectLambdaContext(logger, { correlationIdPath: 'requestContext.requestId' }))
    .use(captureLambdaHandler(tracer))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}
