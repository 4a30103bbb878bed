import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import {
  type AddressStyle,
  type DemoBuyer,
  generateBuyer,
  generateBuyers,
  MESS_KINDS,
  type MessKind,
} from '../../../shared/demo/buyers.js';
import { createRng } from '../../../shared/demo/random.js';
import { resolveAddress } from '../../../shared/normalise/address.js';
import { normalisePhone } from '../../../shared/normalise/phone.js';

const FAMILY =
  /^(Nguyễn|Trần|Lê|Phạm|Hoàng|Huỳnh|Phan|Vũ|Võ|Đặng|Bùi|Đỗ|Hồ|Ngô|Dương|Lý|Trịnh|Đinh|Lương|Mai|Đoàn|Cao|Tạ|Lâm|Hà|Chu|Kiều|Thân|Giáp) /u;

function buyers(
  seed: string,
  n: number,
  quality: 'clean' | 'messy' | 'bad',
  extra: { mess?: MessKind[] } = {},
) {
  const rng = createRng(seed);
  const out: DemoBuyer[] = [];
  for (let i = 0; i < n; i++) {
    const addressStyle: AddressStyle = i % 3 === 0 ? 'text' : 'parts';
    out.push(generateBuyer(rng, { quality, addressStyle, ...extra }));
  }
  return out;
}

/** Resolves and compares to the expected 2025 ward; returns the misses for a readable failure. */
function misses(list: DemoBuyer[]) {
  return list
    .map((b) => ({ b, r: resolveAddress(b.buyer.address) }))
    .filter(({ b, r }) => r.status !== 'exact' || r.ward?.code !== b.expected.wardCode)
    .map(({ b, r }) => ({
      address: b.buyer.address,
      expected: b.expected.wardCode,
      got: r.status,
      ward: r.ward?.code,
    }));
}

describe('clean buyers', () => {
  const clean = buyers('clean', 3000, 'clean');

  it('have Vietnamese names, family name first', () => {
    for (const b of clean) expect(b.buyer.name).toMatch(FAMILY);
    for (const b of clean) expect(b.buyer.name.split(' ').length).toBeGreaterThanOrEqual(3);
  });

  it('have mobile numbers that libphonenumber-js/max accepts and normalisePhone stores as expected', () => {
    for (const b of clean) {
      expect(b.buyer.phone).toMatch(/^0[35789]\d{8}$/);
      const parsed = parsePhoneNumberFromString(b.buyer.phone, 'VN');
      expect(parsed?.isValid()).toBe(true);
      expect(parsed?.getType()).toBe('MOBILE');
      const normalised = normalisePhone(b.buyer.phone);
      expect(normalised).toEqual({ ok: true, e164: b.expected.phoneE164, national: b.buyer.phone });
    }
  });

  it('have addresses that resolve exactly to their 2025 ward, text or fields', () => {
    expect(misses(clean)).toEqual([]);
  });

  it('live mostly in the big cities', () => {
    const share = (code: string) =>
      clean.filter((b) => b.expected.provinceCode === code).length / clean.length;
    expect(share('01') + share('79')).toBeGreaterThan(0.4);
    expect(share('24')).toBeGreaterThan(0.04);
    expect(share('31') + share('48')).toBeGreaterThan(0.06);
    expect(new Set(clean.map((b) => b.expected.provinceCode)).size).toBeGreaterThan(25);
  });

  it('are NFC, with street lines', () => {
    for (const b of clean) {
      expect(b.buyer.name).toBe(b.buyer.name.normalize('NFC'));
      const address = b.buyer.address;
      if (typeof address === 'string') expect(address).toBe(address.normalize('NFC'));
      else expect(address.street?.length).toBeGreaterThan(0);
    }
  });
});

describe('messy buyers', () => {
  it('come in the configured share, with a small share of bad ones', () => {
    const list = generateBuyers(createRng('share'), 6000, { messyShare: 0.15, badShare: 0.005 });
    const messy = list.filter((b) => b.quality === 'messy').length / list.length;
    const bad = list.filter((b) => b.quality === 'bad').length / list.length;
    expect(messy).toBeGreaterThan(0.13);
    expect(messy).toBeLessThan(0.17);
    expect(bad).toBeGreaterThan(0.002);
    expect(bad).toBeLessThan(0.01);
    const none = generateBuyers(createRng('share'), 500, { messyShare: 0, badShare: 0 });
    expect(none.every((b) => b.quality === 'clean')).toBe(true);
  });

  const buyerKinds = MESS_KINDS.filter((k) => k !== 'money');

  it.each(buyerKinds)('%s: the phone still normalises to the same number', (kind) => {
    for (const b of buyers(`phone-${kind}`, 300, 'messy', { mess: [kind] })) {
      expect({ phone: b.buyer.phone, result: normalisePhone(b.buyer.phone) }).toEqual({
        phone: b.buyer.phone,
        result: expect.objectContaining({ ok: true, e164: b.expected.phoneE164 }),
      });
    }
  });

  it.each(buyerKinds)('%s: the address still resolves to the same 2025 ward', (kind) => {
    const list = buyers(`address-${kind}`, 300, 'messy', { mess: [kind] });
    // Without diacritics a few names collide ("Văn Lang" / "Văn Lăng"): those rightly come back
    // ambiguous and go to a person.
    const allowed = kind === 'no-diacritics' ? 0.05 : 0;
    const missed = misses(list);
    if (missed.length > list.length * allowed) expect(missed).toEqual([]);
  });

  it('nfd sends decomposed text', () => {
    for (const b of buyers('nfd', 100, 'messy', { mess: ['nfd'] })) {
      expect(b.buyer.name).not.toBe(b.buyer.name.normalize('NFC'));
    }
  });

  it('legacy-address writes the old ward, district and province', () => {
    const list = buyers('legacy', 200, 'messy', { mess: ['legacy-address'] });
    const legacy = list.filter((b) => b.mess.includes('legacy-address'));
    expect(legacy.length).toBeGreaterThan(180);
    for (const b of legacy) {
      const address = b.buyer.address;
      if (typeof address === 'string') expect(address.split(',').length).toBeGreaterThanOrEqual(4);
      else expect(address.district).toMatch(/^(Quận|Huyện|Thị xã|Thành phố) /u);
    }
  });

  it('old-phone-prefix writes pre-2018 11-digit numbers', () => {
    const list = buyers('old-phone', 200, 'messy', { mess: ['old-phone-prefix'] });
    const old = list.filter((b) => b.buyer.phone.startsWith('01'));
    // Only numbers whose prefix existed before 2018 have an old form (096-098 and 09x never changed).
    expect(old.length).toBeGreaterThan(60);
    for (const b of old) expect(b.buyer.phone.replace(/\D/g, '')).toMatch(/^01[2-9]\d{8}$/);
  });
});

describe('bad buyers', () => {
  const bad = buyers('bad', 400, 'bad');

  it('have an address no resolver can place or a phone that is not a mobile', () => {
    for (const b of bad) {
      if (b.bad.includes('bad-address')) expect(resolveAddress(b.buyer.address).status).toBe('not_found');
      if (b.bad.includes('bad-phone')) expect(normalisePhone(b.buyer.phone).ok).toBe(false);
      expect(b.bad.length).toBeGreaterThan(0);
    }
  });
});
