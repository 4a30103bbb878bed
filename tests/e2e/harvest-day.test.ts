/**
 * The whole pipeline through the local runtime over real HTTP: signed native payloads from every
 * channel → ingest → bus → queues → allocation, pickups, notifications, export lots, with the
 * invariants read back from DynamoDB Local.
 */
import { invariantsHold } from '../../infra/local/report.js';
import { runScenario } from '../../infra/local/scenario-runner.js';

jest.setTimeout(240_000);

test('a small harvest day flows from six or more channels to pickups with every invariant at zero', async () => {
  const report = await runScenario({ orders: 200, seed: 42, concurrency: 12 });

  expect(Object.keys(report.channels).length).toBeGreaterThanOrEqual(6);
  expect(report.orders.received).toBeGreaterThan(150);
  expect(report.orders.allocated + report.orders.partiallyAllocated).toBeGreaterThan(100);
  expect(report.pickups.booked).toBeGreaterThanOrEqual(report.orders.allocated);
  expect(report.notifications.sent).toBe(report.allocations.count);
  // Every released allocation (cancel, decline, suspension) got its "do not pack" message, once.
  const { cancellations, reallocation } = report.allocationQuality;
  expect(report.notifications.released).toBe(
    cancellations.allocationsReleased + reallocation.declined + reallocation.movedBySuspension,
  );
  expect(report.http.redeliveries).toBeGreaterThan(0);
  expect(report.invariants).toEqual({
    oversoldUnits: 0,
    negativeStockBatches: 0,
    reservationMismatches: 0,
    lostOrders: 0,
    duplicateOrders: 0,
    duplicatePickups: 0,
    pickupsAfterRelease: 0,
    reallocatedToDecliner: 0,
    lotMismatches: 0,
  });
  // Nothing is left half-way through a re-allocation (declines, suspension) at the end of the day.
  expect(report.allocationQuality.reallocation.stillReallocating).toBe(0);
  // The rest of the day ran: cancellations released stock, the afternoon harvest filled backorders.
  expect(report.allocationQuality.cancellations.cancelled).toBeGreaterThan(0);
  expect(report.allocationQuality.allocatedShare).toBeGreaterThan(0.8);
  expect(report.allocationQuality.giniVolume).toBeGreaterThan(0);
  expect(report.allocationQuality.giniVolume).toBeLessThan(1);
  expect(invariantsHold(report)).toBe(true);
});
