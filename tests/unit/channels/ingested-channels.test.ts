/**
 * The default harvest day draws from every channel the issue lists (Done when): each channel has an
 * adapter that reads it, and the scenario's channel filter lets every one of them through.
 */
import { INGESTED_CHANNELS } from '../../../shared/channels/index.js';
import { generateScenario } from '../../../shared/demo/scenario.js';
import { CHANNELS } from '../../../shared/domain/order.js';

describe('channels of the default day', () => {
  it('every channel is ingested by some adapter', () => {
    expect([...INGESTED_CHANNELS].sort()).toEqual([...CHANNELS].sort());
  });

  it('the generated day (as npm start makes it) has orders from every channel', () => {
    const day = generateScenario({ seed: 2026, orders: 1000, channels: INGESTED_CHANNELS });
    expect(new Set(day.orders.map((o) => o.order.channel))).toEqual(new Set(CHANNELS));
  });
});
