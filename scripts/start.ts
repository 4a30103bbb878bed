/**
 * `npm start`: a realistic harvest day through the whole pipeline on this machine.
 *   npm start -- --orders 5000 --seed 2026 --report report.json
 * Exits non-zero when any invariant (oversold units, lost, duplicate orders or pickups) is broken.
 */
import { exitOnError } from './fatal.js';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { type HarvestReport, invariantsHold } from '../infra/local/report.js';
import { runScenario } from '../infra/local/scenario-runner.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Beyond this the generated day and its report no longer fit a laptop's patience or memory. */
const MAX_ORDERS = 200_000;

const usage = `Usage: npm start -- [--orders N] [--seed S] [--report FILE] [--concurrency C]
  --orders N       orders in the harvest day (default 5000)
  --seed S         seed for the generated cooperatives, stock and orders (default 2026)
  --report FILE    also write the report as JSON to FILE
  --concurrency C  webhook requests in flight at once (default 24)`;

function parsePositive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) {
    console.error(`--${name} must be a whole number of at least 1, got "${value}"\n${usage}`);
    process.exit(2);
  }
  return n;
}

function table(rows: Array<[string, string | number]>): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}

function qualityRows(r: HarvestReport): Array<[string, string | number]> {
  const q = r.allocationQuality;
  const w = q.rankingWeights;
  const l = q.lifecycle;
  const pct = (n: number) => `${(n * 100).toFixed(1)} %`;
  return [
    ['orders allocated, in full or in part (of those sent to allocation)', pct(q.allocatedShare)],
    [
      'avg shelf life left at delivery, fresh lychee',
      `domestic parcels (ambient) ${q.avgShelfLifeDaysAtDeliveryFreshByChain.domestic} days, export (refrigerated) ${q.avgShelfLifeDaysAtDeliveryFreshByChain.export} days; all fresh ${q.avgShelfLifeDaysAtDeliveryFresh}, all goods ${q.avgShelfLifeDaysAtDelivery}`,
    ],
    ['Gini of volume across cooperatives', q.giniVolume],
    ['Gini of volume ÷ capacity', q.giniUtilisation],
    ['cooperatives per allocated order', q.cooperativesPerOrder],
    [
      'backorders',
      `${q.backorders.filledLater} filled later, ${q.backorders.expired} expired, ${q.backorders.stillWaiting} still waiting`,
    ],
    [
      'cancellations',
      `${q.cancellations.cancelled} cancelled (${l ? `${l.cancelsBeforeArrival} before arrival, ${l.cancelsAfterAllocation} after` : 'requested'}); ${q.cancellations.allocationsReleased} allocations, ${q.cancellations.unitsReleased} units released; ${q.cancellations.withPickupBooked} had a courier booked (${q.cancellations.pickupsCancelled} cancelled at the courier, ${q.cancellations.cancelRefused} refused)`,
    ],
    [
      'partial-fill policy outcomes',
      Object.entries(q.partialFill)
        .map(
          ([policy, outcomes]) =>
            `${policy}: ${Object.entries(outcomes)
              .map(([o, n]) => `${n} ${o}`)
              .join(', ')}`,
        )
        .join('; ') || '-',
    ],
    [
      're-allocation',
      `${q.reallocation.declined} declined by their cooperative${l ? ` (${l.declinesAccepted} of ${l.declinesSent} declines)` : ''}, ${q.reallocation.movedBySuspension} moved by a suspended growing-area code${l?.suspension ? ` (${l.suspension.code}, ${l.suspension.market})` : ''}; ${q.reallocation.reallocated} orders re-allocated, ${q.reallocation.backorderedAfterRelease} backordered after release`,
    ],
    ...(l
      ? ([
          ['afternoon restock', `${l.restockBatches} batches, ${l.restockUnits} units`],
          ['backorder sweep', `${l.sweepAt ?? '-'}: ${l.expiredBySweep} expired`],
        ] as Array<[string, string]>)
      : []),
    [
      'ranking weights',
      `FEFO ${w.fefo}, transit ${w.transit}, fair share ${w.fairShare}, splits ${w.splits}`,
    ],
  ];
}

function render(r: HarvestReport): string {
  const ok = (n: number) => (n === 0 ? '0 ✔' : `${n} ✘`);
  const dlq = Object.entries(r.deadLetters).filter(([, d]) => d.count > 0);
  return [
    '',
    `Harvest day report (seed ${r.seed}, ${r.ordersRequested} orders requested)`,
    '',
    'Orders',
    table([
      ['received', r.orders.received],
      ['allocated in full', r.orders.allocated],
      ['partially allocated', r.orders.partiallyAllocated],
      ['backordered', r.orders.backordered],
      ['rejected', r.orders.rejected],
      ['cancelled', r.orders.cancelled],
      ['expired (backorders that waited too long)', r.orders.byStatus.expired ?? 0],
      ['held for review', r.orders.review],
      ['export orders', r.orders.exportOrders],
    ]),
    '',
    'Channels',
    table(Object.entries(r.channels).sort((a, b) => b[1] - a[1])),
    ...(Object.keys(r.orders.reviewReasons).length
      ? ['', 'Review reasons', table(Object.entries(r.orders.reviewReasons))]
      : []),
    ...(Object.keys(r.orders.rejectReasons).length
      ? ['', 'Reject reasons', table(Object.entries(r.orders.rejectReasons))]
      : []),
    '',
    'Fulfilment',
    table([
      ['allocations', r.allocations.count],
      ['orders split across cooperatives', r.allocations.splitOrders],
      ['cooperatives shipping', r.allocations.cooperativesUsed],
      ['units reserved', r.allocations.unitsReserved],
      [
        'pickups booked',
        `${r.pickups.booked} (${Object.entries(r.pickups.byCarrier)
          .map(([c, n]) => `${c} ${n}`)
          .join(
            ', ',
          )}); ${r.pickups.cancelled} cancelled after release, ${r.pickups.cancelRefused} cancel refused`,
      ],
      [
        'cooperative messages sent',
        `${r.notifications.sent} to pack, ${r.notifications.released} not to pack (released allocations)`,
      ],
      [
        'export lots open',
        r.lots.open === 0
          ? '0'
          : `${r.lots.open} (${Object.entries(r.lots.byMarket)
              .map(([m, n]) => `${m} ${n}`)
              .join(', ')})`,
      ],
    ]),
    '',
    'Allocation quality',
    table(qualityRows(r)),
    '',
    'Speed',
    table([
      ['orders per second', r.throughput.ordersPerSecond],
      ['run (send + drain)', `${r.throughput.durationSeconds} s`],
      [
        'DynamoDB requests',
        `${r.dynamodb.requests} (${r.dynamodb.requestsPerSecond}/s, ${r.dynamodb.requestsPerOrder} per order)`,
      ],
      ['received → pickup booked p50', `${r.latencyMs.p50} ms`],
      ['received → pickup booked p99', `${r.latencyMs.p99} ms`],
      ['webhook requests (redeliveries)', `${r.http.requests} (${r.http.redeliveries})`],
      [
        'HTTP answers',
        Object.entries(r.http.byStatus)
          .map(([s, n]) => `${s}×${n}`)
          .join(' '),
      ],
      ...Object.entries(r.http.refused).map(([what, n]): [string, string] => ['  refused', `${n}× ${what}`]),
    ]),
    '',
    'Invariants (read back from DynamoDB and the courier ledger)',
    table([
      ['oversold units', ok(r.invariants.oversoldUnits)],
      ['stock batches below zero', ok(r.invariants.negativeStockBatches)],
      ['reservation mismatches', ok(r.invariants.reservationMismatches)],
      ['lost orders', ok(r.invariants.lostOrders)],
      ['duplicate orders', ok(r.invariants.duplicateOrders)],
      ['duplicate pickups', ok(r.invariants.duplicatePickups)],
      ['live pickups for released allocations', ok(r.invariants.pickupsAfterRelease)],
      ['re-allocated to a cooperative that declined', ok(r.invariants.reallocatedToDecliner)],
      ['export lots promising released fruit', ok(r.invariants.lotMismatches)],
    ]),
    ...(dlq.length
      ? [
          '',
          'Dead-letter queues',
          ...dlq.map(
            ([q, d]) =>
              `  ${q}: ${d.count} — ${Object.entries(d.reasons)
                .map(([why, n]) => `${n}× ${why}`)
                .join('; ')}`,
          ),
        ]
      : []),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        orders: { type: 'string' },
        seed: { type: 'string' },
        report: { type: 'string' },
        concurrency: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(usage);
    return;
  }
  const orders = parsePositive('orders', values.orders as string | undefined, 5000);
  const seed = parsePositive('seed', values.seed as string | undefined, 2026);
  const concurrency = parsePositive('concurrency', values.concurrency as string | undefined, 24);
  const reportPath = values.report as string | undefined;
  // Say now, not after a two-minute run, that the report could not be written there.
  if (reportPath && !existsSync(dirname(resolve(reportPath)))) {
    console.error(`--report: the folder ${dirname(resolve(reportPath))} does not exist`);
    process.exit(2);
  }
  if (reportPath && existsSync(reportPath) && statSync(reportPath).isDirectory()) {
    console.error(
      `--report: ${reportPath} is a folder; give a file name, e.g. ${join(reportPath, 'report.json')}`,
    );
    process.exit(2);
  }
  if (orders > MAX_ORDERS) {
    console.error(`--orders: at most ${MAX_ORDERS} on one machine (got ${orders})\n${usage}`);
    process.exit(2);
  }

  const interactive = Boolean(process.stdout.isTTY);
  const bar = new cliProgress.SingleBar(
    {
      format:
        ' {bar} {percentage}% | orders sent {value}/{total} | events: OrderReceived {received}, OrderAllocated {allocated}, PickupBooked {pickups}',
      hideCursor: true,
      noTTYOutput: !interactive,
      notTTYSchedule: 5_000,
    },
    cliProgress.Presets.shades_classic,
  );
  // The bar follows the sending phase only; later phases print a line each.
  let barStarted = false;
  let barDone = false;
  const t0 = Date.now();
  const report = await runScenario({
    orders,
    seed,
    concurrency,
    onPhase: (phase) => {
      if (barStarted && !barDone) bar.stop();
      barDone = barStarted;
      console.log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${phase}…`);
    },
    onProgress: (p) => {
      if (barDone) return;
      if (!barStarted) {
        bar.start(p.total, 0, { received: 0, allocated: 0, pickups: 0 });
        barStarted = true;
      }
      bar.update(p.sent, { received: p.received, allocated: p.allocated, pickups: p.pickupsBooked });
    },
  });
  if (barStarted && !barDone) bar.stop();
  console.log(render(report));
  console.log(`Total wall time ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (reportPath) {
    writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`JSON report written to ${reportPath}`);
  }
  if (!invariantsHold(report)) {
    console.error('An invariant is broken: see the table above.');
    process.exitCode = 1;
  }
  const deadLettered = Object.values(report.deadLetters).reduce((n, d) => n + d.count, 0);
  if (deadLettered > 0) {
    console.error(`${deadLettered} message(s) ended in a dead-letter queue: see the reasons above.`);
    process.exitCode = 1;
  }
}

main().catch(exitOnError);
