/**
 * The whole pipeline on AWS, generated from `infra/topology.ts`: nothing here restates a number or
 * a name the topology already holds. Loops over the topology build the functions, queues, rules and
 * routes; this file adds only what is AWS-specific (encryption, IAM, alarms, the dashboard).
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
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
  /** Deployment stage (`dev`, `prod`…): names the bus and the channel secret. */
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
 * Functions behind channel routes verify request signatures, so they (and only they) read the
 * channel secrets: every webhook route, and every route that writes (portal orders, spreadsheet
 * uploads authenticate with API keys).
 */
const receivesChannelTraffic = (route: RouteSpec): boolean =>
  route.path.startsWith('/v1/webhooks/') || route.method !== 'GET';

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

    // ---- Channel secrets: Secrets Manager, one JSON secret per stage, created by operators (the
    // values are issued by TikTok, Shopee, Meta, Zalo and must never pass through CloudFormation).
    // Why not SSM Parameter Store: GetParameter's default quota is 40 TPS per account and region,
    // and a flash sale cold-starts hundreds of ingest instances in seconds; GetSecretValue allows
    // 10,000 TPS. One secret costs $0.40/month and is read once per cold start.
    const channelSecrets = secretsmanager.Secret.fromSecretNameV2(
      this,
      'ChannelSecrets',
      `harvest/${props.stage}/channel-secrets`,
    );
    const channelFunctions = new Set(topology.routes.filter(receivesChannelTraffic).map((r) => r.function));

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
      if (channelFunctions.has(name)) environment.CHANNEL_SECRETS_NAME = channelSecrets.secretName;

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
      if (channelFunctions.has(name)) channelSecrets.grantRead(fn.function);

      acknowledgeFunctionFindings(fn, this.table);
      functions[name] = fn;
    }
    this.functions = functions;

    // ---- Queues: one work queue + DLQ per consumer, event source from the topology's numbers.
    const queues = {} as Record<QueueName, { queue: sqs.Queue; dlq: sqs.Queue }>;
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
      functions[spec.consumer].function.addEventSource(
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
        // No headers, query strings or bodies: they may carry buyer contact details.
        format: apigwAccessLogFormat(),
      },
    });
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
      const [httpRoute] = this.httpApi.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration,
      });
      // No API Gateway authorizer on any route: callers are authenticated in the function, where
      // the raw body and the caller's key are at hand.
      if (httpRoute)
        Validations.of(httpRoute).acknowledge({ id: 'AwsSolutions-APIG4', reason: routeAuthReason(route) });
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

/** Why a route has no API Gateway authorizer (cdk-nag AwsSolutions-APIG4). */
function routeAuthReason(route: RouteSpec): string {
  return receivesChannelTraffic(route)
    ? 'Channel traffic is authenticated in the function: provider signatures over the raw request body (webhooks) and HMAC API keys (portal, spreadsheet import). An authorizer never sees the raw body a signature covers.'
    : 'Read API: the function authenticates the caller (cooperative, logistics partner, exporter) and scopes every query to that caller; callers are partner systems with API keys, not users of an identity provider a JWT authorizer could trust.';
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
