import { parseJsonLossless, readJsonBody } from '../../../shared/channels/json.js';
import { ValidationError } from '../../../shared/errors.js';

describe('parseJsonLossless', () => {
  it('keeps an id beyond 2^53 exact, as a string', () => {
    expect(parseJsonLossless('{"order_id":1250000000000000123}')).toEqual({
      order_id: '1250000000000000123',
    });
    // What plain JSON.parse would have done:
    expect(String(JSON.parse('1250000000000000123'))).not.toBe('1250000000000000123');
  });

  it('keeps safe integers, decimals and exponents as numbers', () => {
    expect(parseJsonLossless('[9007199254740991, -12, 150000.5, 1e21, 0]')).toEqual([
      9007199254740991, -12, 150000.5, 1e21, 0,
    ]);
  });

  it('widens unsafe integers wherever they are, negative ones included', () => {
    expect(parseJsonLossless('{"a":[{"b":-9007199254740993}],"c":9007199254740992}')).toEqual({
      a: [{ b: '-9007199254740993' }],
      c: '9007199254740992',
    });
  });

  it('leaves digits inside strings untouched, escaped quotes included', () => {
    const text =
      '{"note":"call \\"1250000000000000123\\" now","id":"576486316948490001","n":1250000000000000123}';
    expect(parseJsonLossless(text)).toEqual({
      note: 'call "1250000000000000123" now',
      id: '576486316948490001',
      n: '1250000000000000123',
    });
  });

  it('throws on invalid JSON', () => {
    expect(() => parseJsonLossless('{"a":')).toThrow(SyntaxError);
  });
});

describe('readJsonBody', () => {
  it('names the body when it is not JSON, without quoting it back', () => {
    let error: unknown;
    try {
      readJsonBody(Buffer.from('{"phone":"0912345678",'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const issues = (error as ValidationError).issues;
    expect(issues[0]?.field).toBe('body');
    expect(issues[0]?.message).toMatch(/not valid JSON/);
    expect((error as Error).message).not.toContain('0912345678');
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(() => readJsonBody(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]))).toThrow(/not valid UTF-8/);
  });
});
