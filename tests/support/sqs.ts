/** SQS events as Lambda receives them from a rule's queue: EventBridge envelopes in SQS records. */
import type { Context, SQSEvent } from 'aws-lambda';
import { EVENT_CATALOG, type DetailType } from '../../events/catalog.js';

export const lambdaContext = { getRemainingTimeInMillis: () => 20_000 } as unknown as Context;

/** The EventBridge envelope the rule puts on the queue, with the catalog's source for the type. */
export function busEnvelope(
  detailType: DetailType,
  detail: Record<string, unknown>,
  id = `evt-${Math.random()}`,
) {
  return JSON.stringify({
    version: '0',
    id,
    'detail-type': detailType,
    source: EVENT_CATALOG[detailType].source,
    account: '000000000000',
    time: '2026-06-18T01:00:00Z',
    region: 'ap-southeast-1',
    resources: [],
    detail: { version: 1, correlationId: 'corr', ...detail },
  });
}

export function sqsEvent(...bodies: string[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `m-${i}-${Math.random()}`,
      receiptHandle: `rh-${i}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1781744400000',
        SenderId: 'AIDAEXAMPLE',
        ApproximateFirstReceiveTimestamp: '1781744400000',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:ap-southeast-1:000000000000:queue',
      awsRegion: 'ap-southeast-1',
    })),
  };
}
