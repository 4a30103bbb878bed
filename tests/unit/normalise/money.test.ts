import { MoneyFormatError, parseVnd } from '../../../shared/normalise/money.js';

function errorOf(fn: () => unknown): MoneyFormatError {
  try {
    fn();
  } catch (error) {
    if (error instanceof MoneyFormatError) return error;
    throw error;
  }
  throw new Error('expected a MoneyFormatError');
}

describe('parseVnd', () => {
  test('F18 money strings', () => {
    expect(parseVnd('150.000đ')).toBe(150_000);
    expect(parseVnd('150,000 VND')).toBe(150_000);
    expect(parseVnd('150k')).toBe(150_000);
    expect(parseVnd('1.250.000 ₫')).toBe(1_250_000);

    const comma = errorOf(() => parseVnd('12,5', 'unitPrice'));
    expect(comma.field).toBe('unitPrice');
    expect(comma.input).toBe('12,5');
    expect(comma.message).toMatch(/^Unit price/);

    const junk = errorOf(() => parseVnd('abc', 'codAmount'));
    expect(junk.field).toBe('codAmount');
    expect(junk.message).toMatch(/^COD amount "abc" is not an amount/);
  });

  test.each([
    ['150K', 150_000],
    ['150 k', 150_000],
    ['1,250,000', 1_250_000],
    ['150000', 150_000],
    ['1.5tr', 1_500_000],
    ['1,5 triệu', 1_500_000],
    ['1,5 trieu', 1_500_000],
    ['2 triệu', 2_000_000],
    ['2 triệu đồng', 2_000_000],
    ['2,25k', 2_250],
    ['150 nghìn', 150_000],
    ['150.000 VNĐ', 150_000],
    ['150.000 đồng', 150_000],
    ['VND 150,000', 150_000],
    ['₫150.000', 150_000],
    ['1 250 000', 1_250_000],
    ['150,000.00', 150_000],
    ['150.000,00', 150_000],
    ['0', 0],
    [' 35.000đ ', 35_000],
    ['150.000 đ'.normalize('NFD'), 150_000],
  ])('%j → %d đồng', (input, expected) => {
    expect(parseVnd(input)).toBe(expected);
  });

  test('numbers must be non-negative safe integers', () => {
    expect(parseVnd(150_000)).toBe(150_000);
    expect(parseVnd(0)).toBe(0);
    expect(() => parseVnd(-1)).toThrow(MoneyFormatError);
    expect(() => parseVnd(1.5)).toThrow(/whole number/);
    expect(() => parseVnd(Number.NaN)).toThrow(MoneyFormatError);
    expect(() => parseVnd(2 ** 53)).toThrow(/too large/);
  });

  test.each([
    ['12,5', /ambiguous/],
    ['1.5', /ambiguous/], // VND has no decimals: 1.5 what?
    ['150.5', /ambiguous/],
    ['abc', /not an amount/],
    ['-150.000đ', /must not be negative/],
    ['−150000', /must not be negative/],
    ['', /is empty/],
    ['   ', /is empty/],
    ['đ', /not an amount/],
    ['150.00.0', /not an amount/],
    ['1.2345k', /ambiguous/],
    ['150 kg', /not an amount/],
    ['99999999999999999999', /too large/],
  ])('%j is rejected (%s)', (input, message) => {
    expect(() => parseVnd(input, 'amount')).toThrow(message);
  });

  test('the error names the field in plain words and keeps the input', () => {
    const error = errorOf(() => parseVnd('1.5', 'shipping_fee'));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('MoneyFormatError');
    expect(error.message).toMatch(/^Shipping fee "1.5"/);
    expect(error.input).toBe('1.5');
  });

  test('default field name is "amount"', () => {
    expect(errorOf(() => parseVnd('')).message).toBe('Amount is empty');
  });
});
