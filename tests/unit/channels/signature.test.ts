import {
  hmacSha256Base64,
  hmacSha256Hex,
  safeEqual,
  safeEqualHex,
  sha256Hex,
} from '../../../shared/channels/signature.js';

describe('signature helpers', () => {
  it('computes HMAC-SHA256 as RFC 4231 test case 2 says, whether the message comes in one part or several', () => {
    const expected = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
    expect(hmacSha256Hex('Jefe', 'what do ya want for nothing?')).toBe(expected);
    expect(hmacSha256Hex('Jefe', 'what do ya ', Buffer.from('want for nothing?'))).toBe(expected);
    expect(hmacSha256Base64('Jefe', 'what do ya want for nothing?')).toBe(
      Buffer.from(expected, 'hex').toString('base64'),
    );
  });

  it('computes SHA-256 over concatenated parts', () => {
    expect(sha256Hex('a', Buffer.from('b'), 'c')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('compares equal values as equal and different ones as different', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual(Buffer.from('abc'), 'abd')).toBe(false);
  });

  it('answers false, without throwing, when lengths differ', () => {
    expect(() => safeEqual('abc', 'abcd')).not.toThrow();
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', 'a')).toBe(false);
  });

  it('accepts upper-case hex from a provider', () => {
    expect(safeEqualHex('AB01', 'ab01')).toBe(true);
    expect(safeEqualHex('AB02', 'ab01')).toBe(false);
  });
});
