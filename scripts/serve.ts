/**
 * `npm run serve`: the local runtime kept running, for trying the API by hand or with the CLIs.
 *   npm run serve -- [--port 3000] [--seed 2026] [--harvest-day YYYY-MM-DD]
 * Seeds the demo cooperatives, growing-area codes and stock, prints the URL and the local keys,
 * and runs until Ctrl-C (which also stops DynamoDB Local).
 */
import { exitOnError } from './fatal.js';
import { CLOCK_SHIFT_VARIABLE } from '../infra/local/cli-clock.js';
import { parseArgs } from 'node:util';
import { startLocalRuntime } from '../infra/local/runtime.js';
import { putCatalog } from '../shared/adapters/dynamodb/catalog-store.js';
import { generateScenario } from '../shared/demo/scenario.js';
import { topology } from '../infra/topology.js';
import { businessDate } from '../shared/normalise/time.js';

const usage =
  'Usage: npm run serve -- [--port 3000] [--seed 2026] [--harvest-day YYYY-MM-DD (default today)]';

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        seed: { type: 'string' },
        'harvest-day': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
  if (values.help) return console.log(usage);
  const port = Number(values.port ?? 3000);
  const seed = Number(values.seed ?? 2026);
  const today = businessDate(new Date());
  const harvestDay = String(values['harvest-day'] ?? today);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a port number, got "${values.port}"\n${usage}`);
    process.exit(2);
  }
  if (!Number.isSafeInteger(seed) || seed < 1) {
    console.error(`--seed must be a whole number of at least 1, got "${values.seed}"\n${usage}`);
    process.exit(2);
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(harvestDay) || Number.isNaN(Date.parse(harvestDay))) {
    console.error(`--harvest-day must be a date like 2026-06-18, got "${harvestDay}"\n${usage}`);
    process.exit(2);
  }

  // By default the server runs on the real clock and the demo stock is harvested today, so signed
  // requests from the CLIs (checked against a ±5 min window) just work. Another --harvest-day
  // shifts the server's clock to that day, and only requests signed with that clock pass.
  const shift = harvestDay === today ? 0 : Date.parse(`${harvestDay}T08:00:00+07:00`) - Date.now();
  const clock = () => new Date(Date.now() + shift);
  const runtime = await startLocalRuntime({
    port,
    clock,
    logLevel: process.env.LOG_LEVEL ?? 'WARN',
    // The topology's schedules (the backorder expiry sweep every 15 min) run while the server is up.
    runSchedules: true,
  });
  const stop = async () => {
    console.log('\nstopping…');
    await runtime.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const demo = generateScenario({ seed, orders: 1, harvestDay });
  await putCatalog(runtime.doc, runtime.tableName, demo);
  const portalKeys = Object.keys(runtime.secrets.portalApiKeys)
    .map((id) => {
      const grant = runtime.secrets.portalKeyGrants[id];
      return `"${id}" (${grant?.channels.join(', ') ?? 'no grant'}${grant?.seller ? `, seller ${grant.seller}` : ''})`;
    })
    .join(', ');
  console.log(`Harvest pipeline running at ${runtime.url} (harvest day ${harvestDay})`);
  // The CLIs sign with the server's clock when given its shift (infra/local/cli-clock.ts).
  const clockPrefix = shift !== 0 ? `${CLOCK_SHIFT_VARIABLE}=${shift} ` : '';
  if (shift !== 0) {
    console.log(
      `Note: the server clock is shifted to that day; requests must be signed with the same clock. The CLIs do that with ${CLOCK_SHIFT_VARIABLE}=${shift} (in the examples below); other clients add ${shift} ms to the time they sign.`,
    );
  }
  const month = Number(harvestDay.slice(5, 7));
  if (month < 5 || month > 8) {
    console.log(
      'Note: outside the lychee season (late May to early August) the growing-area codes are not valid: export orders will backorder.',
    );
  }
  console.log(
    `Seeded ${demo.cooperatives.length} cooperatives, ${demo.growingAreaCodes.length} growing-area codes, ${demo.stockBatches.length} stock batches (seed ${seed}).`,
  );
  console.log('Routes:');
  for (const route of topology.routes) console.log(`  ${route.method.padEnd(4)} ${runtime.url}${route.path}`);
  console.log(
    `Local signing keys (sandbox only): portal key ids ${portalKeys}; cooperatives use --local-key, e.g.`,
  );
  console.log(
    `  ${clockPrefix}npm run stock -- report --url ${runtime.url} --cooperative ${demo.cooperatives[0]?.cooperativeId} --sku LYCHEE-LN-5KG --quantity 50 --harvested-at ${harvestDay}T06:00:00+07:00 --local-key`,
  );
  console.log('Spreadsheet exports (CSV or XLSX) upload with the sandbox import key by default, e.g.');
  console.log(
    `  ${clockPrefix}npm run import -- --url ${runtime.url} --source postmart events/channels/spreadsheet-postmart.xlsx`,
  );
  for (const schedule of topology.schedules)
    console.log(`Schedule: ${schedule.name} (${schedule.rate}) → ${schedule.target}`);
  console.log('Ctrl-C stops the server and DynamoDB Local.');
}

main().catch(exitOnError);
