/**
 * Shelf life where the box arrives: a cold-stored lychee box on an ambient domestic parcel has its
 * ambient life (4 days) from collection left, not its 28 days of cold-room life.
 */
import { pickupInstant, shelfLifeEndMs } from '../../shared/domain/freshness.js';

const DAY = 86_400_000;
const PICKUP = pickupInstant('2026-06-18');
const coldBatch = { sku: 'LYCHEE-LN-5KG', expiresAt: '2026-07-14T06:00:00+07:00', coldChain: true };

describe('shelfLifeEndMs', () => {
  it('collects at 07:00 in Bắc Ninh on the pickup date', () => {
    expect(new Date(Date.parse(PICKUP)).toISOString()).toBe('2026-06-18T00:00:00.000Z');
  });

  it('gives a cold-stored box travelling ambient its ambient shelf life from collection', () => {
    const end = shelfLifeEndMs(coldBatch, { leavesStoreAt: PICKUP, refrigerated: false });
    expect(end).toBe(Date.parse(PICKUP) + 4 * DAY);
  });

  it('keeps the cold-room life of a box that stays in the cold chain (export)', () => {
    const end = shelfLifeEndMs(coldBatch, { leavesStoreAt: PICKUP, refrigerated: true });
    expect(end).toBe(Date.parse(coldBatch.expiresAt));
  });

  it('never extends a cold batch past its own expiry', () => {
    const nearlyDone = { ...coldBatch, expiresAt: '2026-06-19T06:00:00+07:00' };
    expect(shelfLifeEndMs(nearlyDone, { leavesStoreAt: PICKUP, refrigerated: false })).toBe(
      Date.parse(nearlyDone.expiresAt),
    );
  });

  it('leaves an ambient batch’s expiry as it is', () => {
    const ambient = { ...coldBatch, coldChain: false, expiresAt: '2026-06-20T06:00:00+07:00' };
    expect(shelfLifeEndMs(ambient, { leavesStoreAt: PICKUP, refrigerated: false })).toBe(
      Date.parse(ambient.expiresAt),
    );
  });
});
