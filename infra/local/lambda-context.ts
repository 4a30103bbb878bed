/**
 * A Lambda `Context` for handlers invoked in-process by the local runtime. It carries what handlers
 * and libraries actually read: the request id, the function's name, ARN, memory and log names, and a
 * `getRemainingTimeInMillis()` that counts down from the function timeout (idempotency records and
 * outbound HTTP timeouts are derived from it, F11).
 *
 * With a `timeScale` (the local runtime's "fast clock") the deadline is scaled like every other
 * duration, so the remaining time a handler sees is the time the runtime will really give it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** The account and region the local runtime pretends to be in (Singapore, as on AWS). */
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_REGION = 'ap-southeast-1';

export interface LambdaContextOptions {
  /** Multiplies the timeout (0.01 makes a 30 s function time out after 300 ms). Default 1. */
  timeScale?: number;
  /** Epoch milliseconds the invocation started at. Default now. */
  startedAt?: number;
  /** Request id; a random uuid by default. */
  awsRequestId?: string;
  region?: string;
  accountId?: string;
}

function logStreamName(startedAt: number): string {
  const day = new Date(startedAt).toISOString().slice(0, 10).replaceAll('-', '/');
  return `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
}

function unsupported(name: string): never {
  throw new Error(
    `context.${name}() is not supported by the local runtime: return a value from (or throw in) the async handler`,
  );
}

export function createLambdaContext(
  functionName: string,
  timeoutSeconds: number,
  memoryMb: number,
  options: LambdaContextOptions = {},
): Context {
  if (!functionName) throw new Error('createLambdaContext: functionName is required');
  if (!(timeoutSeconds > 0))
    throw new Error(`createLambdaContext: timeoutSeconds must be > 0, got ${timeoutSeconds}`);
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error(`createLambdaContext: timeScale must be > 0, got ${timeScale}`);
  const startedAt = options.startedAt ?? Date.now();
  const deadline = startedAt + timeoutSeconds * 1000 * timeScale;
  const region = options.region ?? LOCAL_REGION;
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;

  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: options.awsRequestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: logStreamName(startedAt),
    getRemainingTimeInMillis: () => Math.max(0, Math.round(deadline - Date.now())),
    done: () => unsupported('done'),
    fail: () => unsupported('fail'),
    succeed: () => unsupported('succeed'),
  };
}
