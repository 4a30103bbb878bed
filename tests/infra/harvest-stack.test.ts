/**
 * CDK assertions on the synthesized pipeline. The app is built once (bundling six functions with
 * esbuild is the slow part) through the same `buildHarvestApp` as `cdk synth`, cdk-nag included.
 * Structural checks (F02, F03, F04) read only the template, following its references
 * (event source mapping → function → queue → DLQ); contract checks compare it with the topology.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildHarvestApp } from '../../infra/stacks/harvest-app.js';
import { FUNCTION_SECRETS, type HarvestStack } from '../../infra/stacks/harvest-stack.js';
import { type FunctionName, type FunctionSpec, type QueueName, topology } from '../../infra/topology.js';

type Json = Record<string, unknown>;
interface CfnResource {
  Type: string;
  Properties: Json;
}
interface NagReport {
  pluginReports: {
    pluginName: string;
    violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}

let outdir: string;
let app: App;
let stack: HarvestStack;
let template: Template;
let resources: Record<string, CfnResource>;
let nagReport: NagReport;
let stackMessages: { level: string; entry: { data?: unknown } }[];

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'harvest-cdk-'));
  app = new App({
    outdir,
    // Report cdk-nag findings in the validation report instead of throwing from synth, so the
    // cdk-nag test names the findings and the other tests still run.
    context: { '@aws-cdk/core:failSynthOnValidationErrors': false },
  });
  stack = buildHarvestApp(app, {
    stage: 'test',
    projectRoot: process.cwd(),
    env: { account: '111111111111', region: 'ap-southeast-1' },
  });
  const assembly = app.synth();
  nagReport = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'));
  stackMessages = assembly.getStackArtifact(stack.artifactId).messages;
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources;
}, 120_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

const logicalId = (element: { node: { defaultChild?: unknown } }): string =>
  stack.resolve(stack.getLogicalId(element.node.defaultChild as CfnElement)) as string;
const functionId = (name: FunctionName) => logicalId(stack.functions[name].function);
const queueId = (name: QueueName) => logicalId(stack.queues[name].queue);

const ofType = (type: string): [string, CfnResource][] =>
  Object.entries(resources).filter(([, r]) => r.Type === type);
const defined = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new Error(`missing: ${what}`);
  return value;
};
const resource = (id: string): CfnResource => {
  const found = resources[id];
  if (!found) throw new Error(`no resource ${id} in the template`);
  return found;
};
/** `{ "Fn::GetAtt": [id, "Arn"] }` or `{ Ref: id }` → id. */
const referenced = (value: unknown): string => {
  const v = value as { 'Fn::GetAtt'?: [string, string]; Ref?: string };
  const id = v['Fn::GetAtt']?.[0] ?? v.Ref;
  if (!id) throw new Error(`not a reference: ${JSON.stringify(value)}`);
  return id;
};

const sqsMappings = () =>
  ofType('AWS::Lambda::EventSourceMapping').map(([id, r]) => {
    const queue = resource(referenced(r.Properties.EventSourceArn));
    expect(queue.Type).toBe('AWS::SQS::Queue');
    return { id, mapping: r.Properties, queue, fn: resource(referenced(r.Properties.FunctionName)) };
  });

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

/** Every Allow statement granted to a function's role (inline policies and attached AWS::IAM::Policy). */
const statementsOf = (fnName: FunctionName): Statement[] => {
  const roleId = referenced(resource(functionId(fnName)).Properties.Role);
  const documents: Json[] = [];
  const role = resource(roleId);
  for (const p of (role.Properties.Policies as { PolicyDocument: Json }[] | undefined) ?? []) {
    documents.push(p.PolicyDocument);
  }
  for (const [, policy] of ofType('AWS::IAM::Policy')) {
    const roles = (policy.Properties.Roles as unknown[]).map(referenced);
    if (roles.includes(roleId)) documents.push(policy.Properties.PolicyDocument as Json);
  }
  expect((role.Properties.ManagedPolicyArns as unknown[] | undefined) ?? []).toEqual([]);
  return documents.flatMap((d) => d.Statement as Statement[]).filter((st) => st.Effect === 'Allow');
};
const actionsIn = (st: Statement): string[] => (Array.isArray(st.Action) ? st.Action : [st.Action]);
const actionsOf = (fnName: FunctionName): string[] => statementsOf(fnName).flatMap(actionsIn);
const environmentOf = (fnName: FunctionName): Json =>
  (resource(functionId(fnName)).Properties.Environment as { Variables: Json }).Variables;

const functionNames = Object.keys(topology.functions) as FunctionName[];
const queueNames = Object.keys(topology.queues) as QueueName[];

describe('queues and event sources', () => {
  test('every topology queue has exactly one SQS event source, on its consumer', () => {
    const mappings = sqsMappings();
    expect(mappings).toHaveLength(queueNames.length);
    for (const name of queueNames) {
      const spec = topology.queues[name];
      const mapping = mappings.filter((m) => referenced(m.mapping.EventSourceArn) === queueId(name));
      expect(mapping).toHaveLength(1);
      expect(referenced(mapping[0]?.mapping.FunctionName)).toBe(functionId(spec.consumer));
      expect(mapping[0]?.mapping).toMatchObject({
        BatchSize: spec.batchSize,
        MaximumBatchingWindowInSeconds: spec.batchingWindowSeconds,
      });
    }
  });

  test('F02 partial-batch response: every SQS event source reports batch item failures', () => {
    for (const { id, mapping } of sqsMappings()) {
      expect({ id, types: mapping.FunctionResponseTypes }).toEqual({
        id,
        types: ['ReportBatchItemFailures'],
      });
    }
  });

  test('every SQS event source caps concurrency on the mapping, at the topology value', () => {
    for (const { id, mapping } of sqsMappings()) {
      const max = (mapping.ScalingConfig as Json | undefined)?.MaximumConcurrency;
      expect({ id, capped: typeof max === 'number' }).toEqual({ id, capped: true });
    }
    for (const name of queueNames) {
      const [, mapping] = ofType('AWS::Lambda::EventSourceMapping').find(
        ([, r]) => referenced(r.Properties.EventSourceArn) === queueId(name),
      ) ?? [undefined, undefined];
      expect(mapping?.Properties.ScalingConfig).toEqual({
        MaximumConcurrency: topology.queues[name].maxConcurrency,
      });
    }
  });

  test('F03 visibility timeout: every source queue waits ≥ 6× its consumer function timeout', () => {
    for (const { id, queue, fn } of sqsMappings()) {
      const visibility = queue.Properties.VisibilityTimeout as number;
      const timeout = fn.Properties.Timeout as number;
      expect({ id, visibility, timeout, ok: visibility >= 6 * timeout }).toEqual({
        id,
        visibility,
        timeout,
        ok: true,
      });
    }
  });

  test('F04 throttling burns the receive count: every source queue has a DLQ with maxReceiveCount ≥ 5', () => {
    for (const { id, queue } of sqsMappings()) {
      const redrive = queue.Properties.RedrivePolicy as {
        deadLetterTargetArn: unknown;
        maxReceiveCount: number;
      };
      expect(redrive).toBeDefined();
      expect(resource(referenced(redrive.deadLetterTargetArn)).Type).toBe('AWS::SQS::Queue');
      const count = redrive.maxReceiveCount;
      expect({ id, count, ok: count >= 5 }).toEqual({ id, count, ok: true });
    }
  });

  test('queue numbers are the topology numbers', () => {
    for (const name of queueNames) {
      const spec = topology.queues[name];
      expect(resource(queueId(name)).Properties).toMatchObject({
        VisibilityTimeout: spec.visibilityTimeoutSeconds,
        RedrivePolicy: { maxReceiveCount: spec.maxReceiveCount },
      });
    }
  });

  test('every queue is encrypted, TLS-only, and DLQs keep messages 14 days', () => {
    const dlqIds = new Set(
      ofType('AWS::SQS::Queue')
        .map(
          ([, q]) =>
            (q.Properties.RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)
              ?.deadLetterTargetArn,
        )
        .filter((arn) => arn !== undefined)
        .map(referenced),
    );
    expect(dlqIds.size).toBe(queueNames.length);
    for (const [id, queue] of ofType('AWS::SQS::Queue')) {
      expect({ id, sse: queue.Properties.SqsManagedSseEnabled }).toEqual({ id, sse: true });
      if (dlqIds.has(id)) expect(queue.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    }
    for (const [, policy] of ofType('AWS::SQS::QueuePolicy')) {
      expect(policy.Properties.PolicyDocument).toMatchObject({
        Statement: expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      });
    }
    expect(ofType('AWS::SQS::QueuePolicy')).toHaveLength(ofType('AWS::SQS::Queue').length);
  });
});

describe('functions', () => {
  test('every function runs Node.js 22 or newer on ARM64 with active tracing', () => {
    const fns = ofType('AWS::Lambda::Function');
    expect(fns).toHaveLength(functionNames.length);
    for (const [id, fn] of fns) {
      const runtime = fn.Properties.Runtime as string;
      const major = Number(/^nodejs(\d+)\.x$/.exec(runtime)?.[1]);
      expect({ id, runtime, newEnough: major >= 22 }).toEqual({ id, runtime, newEnough: true });
      expect(fn.Properties).toMatchObject({ Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
    }
  });

  test('timeouts, memory and environment come from the topology', () => {
    for (const name of functionNames) {
      const spec = topology.functions[name];
      expect(resource(functionId(name)).Properties).toMatchObject({
        Timeout: spec.timeoutSeconds,
        MemorySize: spec.memoryMb,
        Environment: {
          Variables: {
            TABLE_NAME: { Ref: logicalId(stack.table) },
            EVENT_BUS_NAME: { Ref: logicalId(stack.bus) },
            POWERTOOLS_SERVICE_NAME: expect.any(String),
            POWERTOOLS_METRICS_NAMESPACE: expect.any(String),
            LOG_LEVEL: expect.any(String),
            NODE_OPTIONS: '--enable-source-maps',
          },
        },
      });
    }
  });

  test('every function logs to its own log group with one-month retention', () => {
    for (const name of functionNames) {
      const logGroup = resource(
        referenced((resource(functionId(name)).Properties.LoggingConfig as Json).LogGroup),
      );
      expect(logGroup).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } });
    }
  });

  test('bundles are ESM (index.mjs) with source maps', () => {
    for (const fn of Object.values(stack.functions)) {
      const cfn = fn.function.node.defaultChild as CfnFunction;
      expect(cfn.handler).toBe('index.handler');
    }
    const assets = readFileSync(join(outdir, `${stack.artifactId}.assets.json`), 'utf8');
    const dirs = Object.values(JSON.parse(assets).files as Record<string, { source: { path: string } }>)
      .map((f) => f.source.path)
      .filter((p) => p.startsWith('asset.') && !p.endsWith('.json'));
    expect(dirs).toHaveLength(functionNames.length);
    for (const dir of dirs) {
      const code = readFileSync(join(outdir, dir, 'index.mjs'), 'utf8');
      expect(code.startsWith("import { createRequire as __harvestCreateRequire } from 'node:module';")).toBe(
        true,
      );
      expect(code).toContain('sourceMappingURL=index.mjs.map');
    }
  });
});

describe('least-privilege IAM', () => {
  const writeAction = /^dynamodb:(\*|Put|Update|Delete|BatchWrite|TransactWrite|Create|Restore|Import)/;
  const tableAccess = (actions: string[]) => actions.filter((a) => a.startsWith('dynamodb:'));

  test.each(functionNames)('%s has exactly the table access of its topology entry', (name) => {
    // Widened on purpose: the check must hold for every access kind, not only those in use today.
    const access = topology.functions[name].table as FunctionSpec['table'];
    const actions = tableAccess(actionsOf(name));
    const writes = actions.filter((a) => writeAction.test(a));
    const reads = actions.filter((a) => /^dynamodb:(Get|BatchGet|Query)/.test(a));
    if (access === 'read') expect(writes).toEqual([]);
    else expect(writes).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem']));
    if (access === 'write') expect(reads).toEqual([]);
    else expect(reads).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
  });

  test.each(functionNames)('%s may put events on the bus only if it publishes', (name) => {
    const putEvents = actionsOf(name).filter(
      (a) => a === 'events:PutEvents' || a === 'events:*' || a === '*',
    );
    expect(putEvents).toEqual(topology.functions[name].publishes ? ['events:PutEvents'] : []);
  });

  test('no function role is granted a wildcard action', () => {
    for (const name of functionNames) {
      expect(actionsOf(name).filter((a) => a.includes('*'))).toEqual([]);
    }
  });

  test('each function reads exactly the secrets its configuration names, and no other', () => {
    for (const name of functionNames) {
      const named = Object.entries(environmentOf(name))
        .filter(([variable]) => variable.endsWith('_SECRETS_NAME'))
        .map(([, value]) => value as string)
        .sort();
      const readable = statementsOf(name)
        .filter((st) => actionsIn(st).includes('secretsmanager:GetSecretValue'))
        .flatMap((st) => [...JSON.stringify(st.Resource).matchAll(/:secret:([^"]+)-\?{6}/g)].map((m) => m[1]))
        .sort();
      const expected = Object.values(FUNCTION_SECRETS[name] ?? {})
        .map((secret) => `harvest/test/${secret}`)
        .sort();
      expect({ name, named, readable }).toEqual({ name, named: expected, readable: expected });
    }
  });

  test('each queue consumer may send to its own DLQ (and only to it), named in DLQ_URL', () => {
    for (const name of queueNames) {
      const spec = topology.queues[name];
      const dlqId = logicalId(stack.queues[name].dlq);
      expect(environmentOf(spec.consumer)).toMatchObject({
        DLQ_URL: { Ref: dlqId },
        MAX_RECEIVE_COUNT: String(spec.maxReceiveCount),
      });
      const sendTargets = statementsOf(spec.consumer)
        .filter((st) => actionsIn(st).includes('sqs:SendMessage'))
        .map((st) => referenced(st.Resource));
      expect(sendTargets).toEqual([dlqId]);
    }
  });
});

describe('events', () => {
  const ruleResource = (ruleName: string): CfnResource => {
    const found = Object.entries(template.findResources('AWS::Events::Rule')).filter(([id]) =>
      id.startsWith(ruleName),
    );
    expect(found).toHaveLength(1);
    return found[0]?.[1] as CfnResource;
  };

  test('exactly the topology rules exist, all on the custom bus', () => {
    const rules = ofType('AWS::Events::Rule');
    expect(rules).toHaveLength(topology.rules.length);
    for (const [, rule] of rules) expect(rule.Properties.EventBusName).toEqual({ Ref: logicalId(stack.bus) });
  });

  test.each(topology.rules.map((r) => [r.name, r] as const))(
    'rule %s has the topology pattern and targets its queue',
    (_name, spec) => {
      const rule = ruleResource(spec.name);
      expect(rule.Properties.EventPattern).toEqual(spec.pattern);
      const ruleTargets = rule.Properties.Targets as { Arn: unknown; DeadLetterConfig?: { Arn: unknown } }[];
      expect(ruleTargets).toHaveLength(1);
      expect(referenced(ruleTargets[0]?.Arn)).toBe(queueId(spec.target));
      expect(ruleTargets[0]?.DeadLetterConfig).toBeDefined();
    },
  );

  test('each work queue admits events only from the rules that target it', () => {
    for (const name of queueNames) {
      const ruleIds = Object.entries(template.findResources('AWS::Events::Rule'))
        .filter(([, r]) =>
          (r.Properties.Targets as { Arn: unknown }[]).some((t) => referenced(t.Arn) === queueId(name)),
        )
        .map(([id]) => id)
        .sort();
      const [, policy] = defined(
        ofType('AWS::SQS::QueuePolicy').find(([, p]) =>
          (p.Properties.Queues as unknown[]).some((q) => referenced(q) === queueId(name)),
        ),
        `queue policy of ${name}`,
      );
      const allows = ((policy.Properties.PolicyDocument as Json).Statement as Json[]).filter(
        (s) => s.Effect === 'Allow',
      );
      const sources = allows
        .map((s) => referenced((s.Condition as { ArnEquals: Json }).ArnEquals['aws:SourceArn']))
        .sort();
      expect(allows.every((s) => (s.Principal as Json).Service === 'events.amazonaws.com')).toBe(true);
      expect(sources).toEqual(ruleIds);
    }
  });

  test('the bus has an archive for replay', () => {
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [logicalId(stack.bus), 'Arn'] },
      RetentionDays: Match.anyValue(),
    });
  });
});

describe('schedules', () => {
  const schedules = () => ofType('AWS::Scheduler::Schedule');

  test('exactly the topology schedules exist, enabled', () => {
    expect(schedules()).toHaveLength(topology.schedules.length);
    for (const [, sch] of schedules()) expect(sch.Properties.State ?? 'ENABLED').toBe('ENABLED');
  });

  test.each(topology.schedules.map((sch) => [sch.name, sch] as const))(
    'schedule %s invokes its function at its rate with its input, retries and a DLQ',
    (_name, spec) => {
      const found = schedules().filter(([id]) => id.startsWith(spec.name));
      expect(found).toHaveLength(1);
      const props = defined(found[0], spec.name)[1].Properties;
      expect(props.ScheduleExpression).toBe(spec.rate);
      expect(props.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
      const target = props.Target as {
        Arn: unknown;
        Input: string;
        RoleArn: unknown;
        RetryPolicy: { MaximumRetryAttempts: number };
        DeadLetterConfig: { Arn: unknown };
      };
      expect(referenced(target.Arn)).toBe(functionId(spec.target));
      expect(JSON.parse(target.Input)).toEqual(spec.input);
      expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
      expect(target.DeadLetterConfig).toBeDefined();
      // The scheduler's role may invoke that function only.
      const role = referenced(target.RoleArn);
      const invoked = ofType('AWS::IAM::Policy')
        .filter(([, policy]) => (policy.Properties.Roles as unknown[]).some((r) => referenced(r) === role))
        .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Json[] }).Statement)
        .filter((st) => actionsIn(st as unknown as Statement).includes('lambda:InvokeFunction'));
      expect(invoked.length).toBeGreaterThan(0);
      for (const st of invoked)
        for (const arn of [st.Resource].flat()) expect(referenced(arn)).toBe(functionId(spec.target));
    },
  );

  test('the expiry sweep is scheduled every 15 minutes', () => {
    expect(topology.schedules).toEqual([
      expect.objectContaining({ rate: 'rate(15 minutes)', target: 'expireBackorders' }),
    ]);
  });
});

describe('pickup cancellation', () => {
  test('released allocations reach cancel-pickup, which reads only the courier secret', () => {
    const rule = topology.rules.find((r) => r.target === 'pickupCancellation');
    expect(rule?.pattern).toEqual({ source: ['harvest.stock'], 'detail-type': ['AllocationReleased'] });
    expect(FUNCTION_SECRETS.cancelPickup).toEqual({ CARRIER_SECRETS_NAME: 'carrier-secrets' });
  });

  test('a courier refusing to cancel raises an alarm, counted from both functions that cancel', () => {
    for (const name of ['cancelPickup', 'bookPickup'] as const) {
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        LogGroupName: { Ref: logicalId(stack.functions[name].logGroup) },
        MetricTransformations: [Match.objectLike({ MetricName: 'PickupCancelRefused', MetricValue: '1' })],
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'PickupCancelRefused',
      Threshold: 1,
    });
  });
});

describe('HTTP API', () => {
  test.each(topology.routes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    'route %s exists and invokes its function',
    (routeKey, spec) => {
      const routes = template.findResources('AWS::ApiGatewayV2::Route', {
        Properties: { RouteKey: routeKey },
      });
      expect(Object.keys(routes)).toHaveLength(1);
      const route = defined(Object.values(routes)[0], routeKey);
      // Target: { "Fn::Join": ["", ["integrations/", { Ref: <integration> }]] }
      const target = (route.Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] })[
        'Fn::Join'
      ][1];
      const integration = resource(target[1].Ref);
      expect(referenced(integration.Properties.IntegrationUri)).toBe(functionId(spec.function));
    },
  );

  test('only the topology routes exist', () => {
    expect(ofType('AWS::ApiGatewayV2::Route')).toHaveLength(topology.routes.length);
  });

  test('routes whose function verifies channel signatures are open; all others require IAM', () => {
    for (const route of topology.routes) {
      const [cfnRoute] = Object.values(
        template.findResources('AWS::ApiGatewayV2::Route', {
          Properties: { RouteKey: `${route.method} ${route.path}` },
        }),
      );
      const selfAuthenticated = FUNCTION_SECRETS[route.function]?.CHANNEL_SECRETS_NAME !== undefined;
      expect({ route: route.path, auth: cfnRoute?.Properties.AuthorizationType ?? 'NONE' }).toEqual({
        route: route.path,
        auth: selfAuthenticated ? 'NONE' : 'AWS_IAM',
      });
    }
  });

  test('the stage throttles by default and writes access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
    });
  });
});

describe('table', () => {
  test('keys, GSIs and TTL come from the topology; on-demand, PITR, encrypted', () => {
    const t = topology.table;
    const key = (pk: string, sk: string) => [
      { AttributeName: pk, KeyType: 'HASH' },
      { AttributeName: sk, KeyType: 'RANGE' },
    ];
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: key(t.partitionKey, t.sortKey),
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: t.indexes.map((i) => ({
        IndexName: i.name,
        KeySchema: key(i.partitionKey, i.sortKey),
        Projection: { ProjectionType: 'ALL' },
      })),
      TimeToLiveSpecification: { AttributeName: t.timeToLiveAttribute, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      DeletionProtectionEnabled: true,
    });
  });
});

describe('alarms and outputs', () => {
  test('every DLQ has an alarm on any visible message', () => {
    const dlqIds = new Set([
      ...ofType('AWS::SQS::Queue').flatMap(([, q]) => {
        const redrive = q.Properties.RedrivePolicy as { deadLetterTargetArn: unknown } | undefined;
        return redrive ? [referenced(redrive.deadLetterTargetArn)] : [];
      }),
      ...ofType('AWS::Events::Rule').flatMap(([, r]) =>
        (r.Properties.Targets as { DeadLetterConfig?: { Arn: unknown } }[]).flatMap((t) =>
          t.DeadLetterConfig ? [referenced(t.DeadLetterConfig.Arn)] : [],
        ),
      ),
      ...ofType('AWS::Scheduler::Schedule').flatMap(([, sch]) => {
        const dlq = (sch.Properties.Target as { DeadLetterConfig?: { Arn: unknown } }).DeadLetterConfig;
        return dlq ? [referenced(dlq.Arn)] : [];
      }),
    ]);
    // One per work queue, plus the EventBridge delivery DLQ and the schedules' DLQ.
    expect(dlqIds.size).toBe(queueNames.length + 2);
    for (const id of dlqIds) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
      });
    }
  });

  test('every work queue alarms on the age of its oldest message', () => {
    for (const name of queueNames) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId(name), 'QueueName'] } }],
      });
    }
  });

  test('every function alarms on errors', () => {
    for (const name of functionNames) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId(name) } }],
      });
    }
  });

  test('a dashboard and the API URL, bus name and table name outputs exist', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasOutput('ApiUrl', {});
    template.hasOutput('EventBusName', { Value: { Ref: logicalId(stack.bus) } });
    template.hasOutput('TableName', { Value: { Ref: logicalId(stack.table) } });
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  test('synth reports no unacknowledged cdk-nag error', () => {
    const errors = nagReport.pluginReports.flatMap((report) =>
      report.violations
        .filter((v) => v.severity === 'error')
        .map((v) => `${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`),
    );
    expect(errors).toEqual([]);
  });

  test('no validation plugin (cdk-nag, CloudFormation schema) reports even a warning', () => {
    const findings = nagReport.pluginReports.flatMap((report) =>
      report.violations.map((v) => `${report.pluginName} ${v.severity} ${v.ruleName}`),
    );
    expect(findings).toEqual([]);
  });

  test('the rule pack finds nothing unacknowledged when run directly on the tree', () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });

  test('no error annotations on the stack', () => {
    // The synthesized assembly's messages: what Annotations.fromStack reads, without a second synth.
    expect(stackMessages.filter((m) => m.level === 'error').map((m) => m.entry.data)).toEqual([]);
  });

  test('every acknowledgement carries a reason', () => {
    const acknowledged = app.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledged) {
      expect({ id, reason: reason.length > 20 }).toEqual({ id, reason: true });
    }
  });
});

describe('reallocation (issue 4): declines and growing-area suspensions', () => {
  test('GrowingAreaSuspended reaches move-suspended-allocations through its own rule and queue, with a DLQ', () => {
    const rules = Object.entries(template.findResources('AWS::Events::Rule')).filter(([id]) =>
      id.startsWith('SuspensionsToMove'),
    );
    expect(rules).toHaveLength(1);
    const rule = rules[0]?.[1] as CfnResource;
    expect(rule.Properties.EventPattern).toEqual({
      source: ['harvest.stock'],
      'detail-type': ['GrowingAreaSuspended'],
    });
    const targets = rule.Properties.Targets as { Arn: unknown }[];
    expect(targets.map((t) => referenced(t.Arn))).toEqual([queueId('suspension')]);
    const mapping = sqsMappings().filter(
      (m) => referenced(m.mapping.EventSourceArn) === queueId('suspension'),
    );
    expect(mapping).toHaveLength(1);
    expect(referenced(mapping[0]?.mapping.FunctionName)).toBe(functionId('moveSuspendedAllocations'));
    const queue = resource(queueId('suspension'));
    expect(
      (queue.Properties.RedrivePolicy as { maxReceiveCount: number }).maxReceiveCount,
    ).toBeGreaterThanOrEqual(5);
  });

  test('move-suspended-allocations reads and writes the table and publishes (AllocationReleased, OrderReceived)', () => {
    const actions = actionsOf('moveSuspendedAllocations');
    expect(actions).toEqual(
      expect.arrayContaining(['dynamodb:Query', 'dynamodb:BatchGetItem', 'events:PutEvents']),
    );
    expect(actions.filter((a) => /^dynamodb:(TransactWrite|UpdateItem)/.test(a)).length).toBeGreaterThan(0);
    expect(environmentOf('moveSuspendedAllocations')).toMatchObject({ DLQ_URL: expect.anything() });
  });

  test.each([
    'POST /v1/cooperatives/{cooperativeId}/allocations/{allocationId}/decline',
    'POST /v1/growing-areas/{code}/suspension',
  ])('route %s goes to command-http, which verifies its signed request itself', (routeKey) => {
    const routes = Object.values(
      template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: routeKey } }),
    );
    expect(routes).toHaveLength(1);
    const route = defined(routes[0], routeKey);
    const target = (route.Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] })[
      'Fn::Join'
    ][1];
    expect(referenced(resource(target[1].Ref).Properties.IntegrationUri)).toBe(functionId('commandHttp'));
    expect(route.Properties.AuthorizationType ?? 'NONE').toBe('NONE');
  });
});
