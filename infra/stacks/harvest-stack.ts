/**
 * The whole pipeline on AWS, generated from `infra/topology.ts`: nothing here restates a number or
 * a name the topology already holds. Loops over the topology build the functions, queues, rules and
 * routes; this file adds only what is AWS-specific (encryption, IAM, alarms, the dashboard).
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { CANCEL_REFUSED_LOG } from '../../shared/domain/pickup.js';
import { HarvestFunction } from '../constructs/harvest-function.js';
import {
  type FunctionName,
  type FunctionSpec,
  type QueueName,
  type QueueSpec,
  type RouteSpec,
  topology,
} from '../topology.js';

export interface HarvestStackProps extends StackProps {
  /** Deployment stage (`dev`, `prod`…): names the stack, the bus and the secrets. */
  stage: string;
  /** Repository root: function entries and the lock file are resolved against it. */
  projectRoot: string;
  /**
   * Protects the table from deletion (CloudFormation and console). On by default; a throwaway dev
   * stack turns it off so `cdk destroy` can remove the table too.
   */
  deletionProtection?: boolean;
  /** Powertools log level for every function. */
  logLevel?: string;
  /** Alarms notify this SNS topic when given (operators' chat/pager topic, created outside). */
  alarmTopicArn?: string;
}

/** CloudWatch namespace for the Powertools metrics of every function. */
const METRICS_NAMESPACE = 'HarvestPipeline';

/**
 * HTTP API stage throttle. The account quota in ap-southeast-1 is 10,000 req/s (burst 5,000); a
 * stage limit well below it keeps one runaway channel from starving other APIs in the account, and
 * matches what a fresh on-demand table absorbs (~4,000 writes/s at ~3 writes per ingested order).
 */
const API_THROTTLE = { rateLimit: 1_000, burstLimit: 2_000 };

/**
 * An order that waits is produce that rots: page when the oldest message of a work queue is older
 * than this. 15 min is several visibility timeouts, so it means a real backlog (cap too low,
 * downstream down), not one slow batch.
 */
const OLDEST_MESSAGE_ALARM = Duration.minutes(15);

/**
 * The EventBridge archive keeps every event on the bus for a whole harvest season (late May to end
 * of July) plus a margin, so any day of the season can be replayed after a fix.
 */
const ARCHIVE_RETENTION = Duration.days(120);

const pascal = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);

/** `functions/ingest-http/handler.ts` → `ingest-http`: the service name in logs, traces, metrics. */
const serviceName = (spec: FunctionSpec): string => spec.entry.split('/').at(-2) ?? spec.entry;

/**
 * Secrets each function reads, by the environment variable its config expects (shared/config.ts).
 * Secrets Manager JSON secrets named `harvest/<stage>/<name>`, created by operators: the values are
 * issued by TikTok, Shopee, Meta, Zalo and GHN and must never pass through CloudFormation.
 * Not in the topology because the local runtime has no secrets.
 *
 * Why Secrets Manager rather than SSM Parameter Store: GetParameter's default quota is 40 TPS per
 * account and region, and a flash sale cold-starts hundreds of instances within seconds;
 * GetSecretValue allows 10,000 TPS. Three secrets cost $1.20 a month.
 */
export const FUNCTION_SECRETS: Partial<Record<FunctionName, Record<string, string>>> = {
  // Provider signing keys, portal and spreadsheet-import API keys: ingest verifies every request.
  ingestHttp: { CHANNEL_SECRETS_NAME: 'channel-secrets' },
  // GHN token and shop id: booking, and cancelling the booking of a released allocation.
  bookPickup: { CARRIER_SECRETS_NAME: 'carrier-secrets' },
  cancelPickup: { CARRIER_SECRETS_NAME: 'carrier-secrets' },
  // Zalo Official Account access token.
  notifyCooperative: { ZALO_SECRETS_NAME: 'zalo-secrets' },
  // Signed commands: cooperatives' stock keys; portal and operator keys (cancellations, sweeps).
  commandHttp: { CHANNEL_SECRETS_NAME: 'channel-secrets', COOPERATIVE_SECRETS_NAME: 'cooperative-secrets' },
};

/**
 * A route needs no API Gateway authorizer only when its function authenticates every request
 * itself: channel signatures are computed over the raw body, which an authorizer never sees.
 */
const authenticatesInHandler = (route: RouteSpec): boolean =>
  FUNCTION_SECRETS[route.function]?.CHANNEL_SECRETS_NAME !== undefined;

const entries = <K extends string, V>(record: Record<K, V>): [K, V][] => Object.entries(record) as [K, V][];

export class HarvestStack extends Stack {
  readonly table: dynamodb.Table;
  readonly bus: events.EventBus;
  readonly httpApi: apigwv2.HttpApi;
  readonly functions: Record<FunctionName, HarvestFunction>;
  readonly queues: Record<QueueName, { queue: sqs.Queue; dlq: sqs.Queue }>;

  constructor(scope: Construct, id: string, props: HarvestStackProps) {
    super(scope, id, props);
    const deletionProtection = props.deletionProtection ?? true;

    // ---- Data: one table, keys and indexes from the topology (the local runtime builds its
    // DynamoDB Local table from the same declaration).
    const tableSpec = topology.table;
    this.table = new dynamodb.Table(this, tableSpec.name, {
      partitionKey: { name: tableSpec.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: tableSpec.sortKey, type: dynamodb.AttributeType.STRING },
      // On-demand: the harvest is a 10-100x spike for a few weeks and near zero the rest of the
      // year; provisioned capacity would be wrong at both ends.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      // Buyer contact items carry an expiry: DynamoDB deletes them after the anonymisation delay.
      timeToLiveAttribute: tableSpec.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection,
      removalPolicy: deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
    });
    for (const index of tableSpec.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }

    // ---- Bus: one custom bus; the archive makes every event replayable after a bug fix.
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: `${topology.busName}-${props.stage}` });
    this.bus.archive('Archive', {
      description: 'Every event on the harvest bus, replayable after a fix',
      eventPattern: { account: [this.account] },
      retention: ARCHIVE_RETENTION,
    });

    const secrets = new Map<string, secretsmanager.ISecret>();
    const secret = (name: string): secretsmanager.ISecret => {
      let found = secrets.get(name);
      if (!found) {
        found = secretsmanager.Secret.fromSecretNameV2(
          this,
          `${pascal(name)}Secret`,
          `harvest/${props.stage}/${name}`,
        );
        secrets.set(name, found);
      }
      return found;
    };

    // ---- Functions: defaults in HarvestFunction; here only what each may do.
    const functions = {} as Record<FunctionName, HarvestFunction>;
    for (const [name, spec] of entries<FunctionName, FunctionSpec>(topology.functions)) {
      const environment: Record<string, string> = {
        TABLE_NAME: this.table.tableName,
        EVENT_BUS_NAME: this.bus.eventBusName,
        POWERTOOLS_SERVICE_NAME: serviceName(spec),
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        LOG_LEVEL: props.logLevel ?? 'INFO',
      };
      for (const [variable, secretName] of Object.entries(FUNCTION_SECRETS[name] ?? {})) {
        environment[variable] = secret(secretName).secretName;
      }

      const fn = new HarvestFunction(this, pascal(name), {
        spec,
        projectRoot: props.projectRoot,
        environment,
      });
      // Least privilege straight from the topology's `table` and `publishes`.
      if (spec.table === 'read') this.table.grantReadData(fn.function);
      else if (spec.table === 'write') this.table.grantWriteData(fn.function);
      else this.table.grantReadWriteData(fn.function);
      if (spec.publishes) this.bus.grantPutEventsTo(fn.function);
      for (const secretName of Object.values(FUNCTION_SECRETS[name] ?? {}))
        secret(secretName).grantRead(fn.function);

      acknowledgeFunctionFindings(fn, this.table);
      functions[name] = fn;
    }
    this.functions = functions;

    // ---- Queues: one work queue + DLQ per consumer, event source from the topology's numbers.
    const queues = {} as Record<QueueName, { queue: sqs.Queue; dlq: sqs.Queue }>;
    const consumers = new Set<FunctionName>();
    for (const [name, spec] of entries<QueueName, QueueSpec>(topology.queues)) {
      const id = pascal(name);
      const dlq = new sqs.Queue(this, `${id}Dlq`, {
        // 14 days (the SQS maximum): a poison message waits for an operator across a long weekend.
        // Longer than the work queue's retention because a DLQ message keeps its original
        // enqueue time.
        retentionPeriod: Duration.days(14),
        // SQS-managed SSE: encrypted at rest with no KMS key policy for EventBridge to satisfy and
        // no KMS request quota to hit during a spike.
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      const queue = new sqs.Queue(this, `${id}Queue`, {
        visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds),
        // 4 days: past that a waiting order is fruit past its ambient shelf life; the age alarm
        // fires long before.
        retentionPeriod: Duration.days(4),
        deadLetterQueue: { queue: dlq, maxReceiveCount: spec.maxReceiveCount },
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      const consumer = functions[spec.consumer].function;
      // The consumer parks a poison message (or one on its last attempt) in the DLQ itself, with
      // the reason attached, so it needs the DLQ's URL, the receive limit and SendMessage on it.
      if (consumers.has(spec.consumer)) {
        throw new Error(`${spec.consumer} consumes two queues, so its DLQ_URL would be ambiguous`);
      }
      consumers.add(spec.consumer);
      consumer.addEnvironment('DLQ_URL', dlq.queueUrl);
      consumer.addEnvironment('MAX_RECEIVE_COUNT', String(spec.maxReceiveCount));
      dlq.grantSendMessages(consumer);
      consumer.addEventSource(
        new SqsEventSource(queue, {
          batchSize: spec.batchSize,
          maxBatchingWindow: Duration.seconds(spec.batchingWindowSeconds),
          // Partial batch responses: one bad record is retried alone instead of its whole batch (F02).
          reportBatchItemFailures: true,
          // The cap lives on the event source, not in reserved concurrency, so throttling never
          // burns receive counts (F04).
          maxConcurrency: spec.maxConcurrency,
        }),
      );
      queues[name] = { queue, dlq };
    }
    this.queues = queues;

    // ---- Rules: topology patterns, each to its queue. The SQS target adds a queue-policy
    // statement for exactly that rule (aws:SourceArn); deliveries EventBridge cannot make after
    // its retries land in one delivery DLQ instead of vanishing.
    const deliveryDlq = new sqs.Queue(this, 'BusDeliveryDlq', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(deliveryDlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself a dead-letter queue: the target DLQ of the EventBridge rules.',
    });
    for (const spec of topology.rules) {
      const rule = new events.Rule(this, spec.name, {
        eventBus: this.bus,
        description: spec.description,
        // The topology pattern is the raw EventBridge syntax (`detail-type`, `$or`), which the L2
        // passes through unchanged.
        eventPattern: spec.pattern as events.EventPattern,
      });
      rule.addTarget(
        new targets.SqsQueue(queues[spec.target].queue, {
          deadLetterQueue: deliveryDlq,
          maxEventAge: Duration.hours(24),
        }),
      );
    }

    // ---- Schedules: EventBridge Scheduler invokes the target function directly with the
    // topology's input. A run that still fails after Scheduler's retries lands in the schedule DLQ
    // (alarmed below) instead of vanishing; the next run 15 min later sweeps again anyway.
    const scheduleDlq = new sqs.Queue(this, 'ScheduleDlq', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(scheduleDlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself a dead-letter queue: the target DLQ of the schedules.',
    });
    for (const spec of topology.schedules) {
      new scheduler.Schedule(this, spec.name, {
        description: spec.description,
        schedule: scheduler.ScheduleExpression.expression(spec.rate),
        target: new InvokeUnqualifiedFunction(functions[spec.target].function, {
          input: scheduler.ScheduleTargetInput.fromObject(spec.input),
          deadLetterQueue: scheduleDlq,
          retryAttempts: 2,
          // A sweep older than the next one is pointless: the next run does the same work.
          maxEventAge: Duration.minutes(10),
        }),
      });
    }

    // ---- HTTP API: routes from the topology, one Lambda integration per function.
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'Channel webhooks, portal order API, spreadsheet import and read API',
      createDefaultStage: false,
    });
    const accessLogs = new logs.LogGroup(this, 'HttpApiAccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
    });
    const stage = new apigwv2.HttpStage(this, 'HttpApiStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: API_THROTTLE,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        // No query strings or bodies: they may carry buyer contact details.
        format: apigwAccessLogFormat(),
      },
    });
    const iamAuthorizer = new HttpIamAuthorizer();
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    for (const route of topology.routes) {
      let integration = integrations.get(route.function);
      if (!integration) {
        integration = new HttpLambdaIntegration(
          `${pascal(route.function)}Integration`,
          functions[route.function].function,
        );
        integrations.set(route.function, integration);
      }
      const selfAuthenticated = authenticatesInHandler(route);
      const [httpRoute] = this.httpApi.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration,
        // Everything else (the read API) is closed to all but signed IAM callers (operators'
        // tools, partner roles) until partner authentication is designed.
        ...(selfAuthenticated ? {} : { authorizer: iamAuthorizer }),
      });
      if (httpRoute && selfAuthenticated) {
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'Channel traffic is authenticated in the function: provider signatures over the raw request body (webhooks) and HMAC API keys (portal, spreadsheet import). An authorizer never sees the raw body a signature covers.',
        });
      }
    }

    // ---- Alarms and dashboard.
    const alarmAction = props.alarmTopicArn
      ? new SnsAction(sns.Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn))
      : undefined;
    const alarm = (id: string, alarmProps: cloudwatch.AlarmProps): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, id, alarmProps);
      if (alarmAction) created.addAlarmAction(alarmAction);
      return created;
    };

    const dlqs: [string, sqs.Queue][] = [
      ...entries(queues).map(([name, q]): [string, sqs.Queue] => [pascal(name), q.dlq]),
      ['BusDelivery', deliveryDlq],
      ['Schedule', scheduleDlq],
    ];
    for (const [id, dlq] of dlqs) {
      // Any message in a DLQ is an order (or an order's step) that did not happen.
      alarm(`${id}DlqNotEmpty`, {
        alarmDescription: `${id} DLQ holds messages: inspect the reason and redrive`,
        metric: dlq.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    for (const [name, { queue }] of entries(queues)) {
      alarm(`${pascal(name)}QueueBacklog`, {
        alarmDescription: `${name} queue: oldest message older than ${OLDEST_MESSAGE_ALARM.toMinutes()} min (consumer cap too low or downstream failing)`,
        metric: queue.metricApproximateAgeOfOldestMessage({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        threshold: OLDEST_MESSAGE_ALARM.toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    for (const [name, fn] of entries(functions)) {
      // Record failures in a batch are reported, not thrown; an Errors datapoint is a crash or a
      // timeout of a whole invocation.
      alarm(`${pascal(name)}Errors`, {
        alarmDescription: `${name}: invocations failed (crash or timeout)`,
        metric: fn.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    // A courier that refuses to cancel the booking of a released allocation (the parcel was
    // already collected) needs an operator to stop the parcel by hand: page on the first one.
    // Counted from the log line both functions that cancel bookings write (no extra SDK call).
    const cancelRefused = new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: 'PickupCancelRefused',
      period: Duration.minutes(5),
      statistic: 'Sum',
    });
    for (const name of ['cancelPickup', 'bookPickup'] as const) {
      new logs.MetricFilter(this, `${pascal(name)}CancelRefusedFilter`, {
        logGroup: functions[name].logGroup,
        filterPattern: logs.FilterPattern.stringValue('$.message', '=', CANCEL_REFUSED_LOG),
        metricNamespace: METRICS_NAMESPACE,
        metricName: 'PickupCancelRefused',
        metricValue: '1',
      });
    }
    alarm('PickupCancelRefused', {
      alarmDescription:
        'A courier refused to cancel the pickup of a released allocation (already collected): stop the parcel by hand',
      metric: cancelRefused,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const period = Duration.minutes(1);
    const queueMetrics = (metric: (q: sqs.Queue) => cloudwatch.IMetric) =>
      entries(queues).map(([, q]) => metric(q.queue));
    new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(6),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Queue depth (visible messages)',
            left: queueMetrics((q) =>
              q.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum', label: q.node.id }),
            ),
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Age of oldest message (s)',
            left: queueMetrics((q) =>
              q.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum', label: q.node.id }),
            ),
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'DLQ depth',
            left: dlqs.map(([id, dlq]) =>
              dlq.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum', label: id }),
            ),
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'HTTP API 4xx / 5xx',
            left: [
              this.httpApi.metricClientError({ period, statistic: 'Sum', label: '4xx' }),
              this.httpApi.metricServerError({ period, statistic: 'Sum', label: '5xx' }),
            ],
            right: [this.httpApi.metricCount({ period, statistic: 'Sum', label: 'requests' })],
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Function errors',
            left: entries(functions).map(([name, fn]) =>
              fn.function.metricErrors({ period, statistic: 'Sum', label: name }),
            ),
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Function duration p99 (ms)',
            left: entries(functions).map(([name, fn]) =>
              fn.function.metricDuration({ period, statistic: 'p99', label: name }),
            ),
            width: 12,
          }),
        ],
      ],
    });

    new CfnOutput(this, 'ApiUrl', { value: stage.url, description: 'HTTP API base URL' });
    new CfnOutput(this, 'EventBusName', { value: this.bus.eventBusName });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
  }
}

/**
 * Scheduler's Lambda target, granting `lambda:InvokeFunction` on the function's own ARN only: the
 * stock target grants `<arn>:*` too (every version and alias), which the schedules never invoke.
 */
class InvokeUnqualifiedFunction extends schedulerTargets.LambdaInvoke {
  readonly #fn: lambda.IFunction;
  constructor(fn: lambda.IFunction, props: schedulerTargets.ScheduleTargetBaseProps) {
    super(fn, props);
    this.#fn = fn;
  }

  protected override addTargetActionToRole(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.#fn.functionArn] }),
    );
  }
}

/** JSON access log with request id, route, status and latency; nothing from the request body. */
function apigwAccessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: '$context.requestId',
      requestTime: '$context.requestTime',
      routeKey: '$context.routeKey',
      status: '$context.status',
      responseLength: '$context.responseLength',
      latencyMs: '$context.responseLatency',
      integrationLatencyMs: '$context.integrationLatency',
      integrationError: '$context.integrationErrorMessage',
      sourceIp: '$context.identity.sourceIp',
      userAgent: '$context.identity.userAgent',
    }),
  );
}

/**
 * cdk-nag IAM5 findings that are the smallest grant AWS allows, acknowledged one by one:
 * - X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (`*` only);
 * - table grants cover the table's indexes (`<table>/index/*`): queries by GSI need them, and the
 *   wildcard is confined to this one table's indexes.
 */
function acknowledgeFunctionFindings(fn: HarvestFunction, table: dynamodb.Table): void {
  const stack = Stack.of(table);
  const tableLogicalId: unknown = stack.resolve(
    stack.getLogicalId(table.node.defaultChild as dynamodb.CfnTable),
  );
  Validations.of(fn.role).acknowledge(
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments and PutTelemetryRecords do not support resource-level permissions.',
    },
    {
      id: `AwsSolutions-IAM5[Resource::<${String(tableLogicalId)}.Arn>/index/*]`,
      reason: "Queries by GSI need the table's index ARNs; the wildcard covers only this table's indexes.",
    },
  );
}
