import { businessDate, InstantFormatError, parseInstant } from '../../../shared/normalise/time.js';

describe('businessDate', () => {
  test('17:00Z is already the next day in Vietnam (UTC+7)', () => {
    expect(businessDate(new Date('2025-06-15T16:59:59.999Z'))).toBe('2025-06-15');
    expect(businessDate(new Date('2025-06-15T17:00:00Z'))).toBe('2025-06-16');
  });

  test('accepts strings, parsed like parseInstant', () => {
    expect(businessDate('2025-06-15T23:30:00+07:00')).toBe('2025-06-15');
    expect(businessDate('2025-06-15T17:30:00Z')).toBe('2025-06-16');
    expect(businessDate('16/06/2025 00:10')).toBe('2025-06-16');
  });

  test('other time zones through Intl', () => {
    expect(businessDate(new Date('2025-06-15T17:00:00Z'), 'UTC')).toBe('2025-06-15');
    expect(businessDate(new Date('2025-06-15T02:00:00Z'), 'America/New_York')).toBe('2025-06-14');
  });

  test('year and month boundaries', () => {
    expect(businessDate(new Date('2024-12-31T17:00:00Z'))).toBe('2025-01-01');
    expect(businessDate(new Date('2025-06-30T18:00:00Z'))).toBe('2025-07-01');
  });

  test('an invalid Date throws', () => {
    expect(() => businessDate(new Date('nope'))).toThrow(RangeError);
  });
});

describe('parseInstant', () => {
  const instant = Date.parse('2025-06-15T03:30:00Z');

  test.each([
    '2025-06-15T10:30:00+07:00',
    '2025-06-15T10:30:00+0700',
    '2025-06-15 10:30+07',
    '2025-06-15T03:30:00Z',
    '2025-06-15T03:30:00.000z',
    '15/06/2025 10:30',
    '15/6/2025 10:30:00',
  ])('%j', (input) => {
    expect(parseInstant(input).getTime()).toBe(instant);
  });

  test('epoch seconds and milliseconds are told apart by magnitude', () => {
    expect(parseInstant(instant / 1000).getTime()).toBe(instant);
    expect(parseInstant(instant).getTime()).toBe(instant);
    expect(parseInstant(String(instant / 1000)).getTime()).toBe(instant);
    expect(parseInstant(String(instant)).getTime()).toBe(instant);
  });

  test('dd/MM/yyyy is day first, in Asia/Ho_Chi_Minh', () => {
    expect(parseInstant('01/02/2025 00:00').toISOString()).toBe('2025-01-31T17:00:00.000Z');
  });

  test.each([
    ['2025-06-15T10:30:00', /no UTC offset/],
    ['2025-06-15', /no UTC offset/],
    ['31/02/2025 10:00', /not a real date/],
    ['15/13/2025 10:00', /not a real date/],
    ['2025-06-15T25:00:00Z', /not a real date/],
    ['06/15/2025 10:30', /not a real date/], // US order is not accepted silently
    ['yesterday', /not understood/],
    ['20250615', /not understood/],
    ['', /empty/],
  ])('%j throws (%s)', (input, message) => {
    expect(() => parseInstant(input)).toThrow(InstantFormatError);
    expect(() => parseInstant(input)).toThrow(message);
  });

  test('negative or non-finite numbers throw', () => {
    expect(() => parseInstant(-1)).toThrow(InstantFormatError);
    expect(() => parseInstant(Number.POSITIVE_INFINITY)).toThrow(InstantFormatError);
  });
});
