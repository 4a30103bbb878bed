import { createLambdaContext } from '../../../infra/local/lambda-context.js';

describe('createLambdaContext', () => {
  test('carries what handlers read, with a counting-down remaining time', async () => {
    const context = createLambdaContext('allocateOrder', 30, 1024);
    expect(context).toMatchObject({
      functionName: 'allocateOrder',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:ap-southeast-1:000000000000:function:allocateOrder',
      memoryLimitInMB: '1024',
      logGroupName: '/aws/lambda/allocateOrder',
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(context.awsRequestId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(context.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    const first = context.getRemainingTimeInMillis();
    expect(first).toBeLessThanOrEqual(30_000);
    expect(first).toBeGreaterThan(29_000);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(context.getRemainingTimeInMillis()).toBeLessThan(first);
    expect(createLambdaContext('f', 1, 128).awsRequestId).not.toBe(context.awsRequestId);
  });

  test('scales with timeScale and never goes below zero', async () => {
    const context = createLambdaContext('bookPickup', 30, 512, { timeScale: 0.001 });
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(30);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(context.getRemainingTimeInMillis()).toBe(0);
  });

  test('the deprecated callbacks fail loudly', () => {
    const context = createLambdaContext('f', 3, 128);
    expect(() => context.succeed('x')).toThrow(/not supported by the local runtime/);
  });

  test('rejects nonsense', () => {
    expect(() => createLambdaContext('', 3, 128)).toThrow();
    expect(() => createLambdaContext('f', 0, 128)).toThrow();
  });
});
