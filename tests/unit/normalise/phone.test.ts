import { maskPhone, normalisePhone } from '../../../shared/normalise/phone.js';

describe('normalisePhone', () => {
  test.each([
    '0912345678',
    '0912 345 678',
    '0912.345.678',
    '0912-345-678',
    '+84912345678',
    '+84 912 345 678',
    '84912345678',
    '0084 912 345 678',
    '+84 (0) 912 345 678',
    '+84 0912345678',
    '912345678',
    ' 0912\u00A0345\u00A0678 ',
  ])('%j → +84912345678 / 0912345678', (input) => {
    expect(normalisePhone(input)).toEqual({ ok: true, e164: '+84912345678', national: '0912345678' });
  });

  test.each([
    ['01662345678', '+84362345678'], // Viettel 0166 → 036
    ['0162 234 5678', '+84322345678'], // Viettel 0162 → 032
    ['0169.234.5678', '+84392345678'], // Viettel 0169 → 039
    ['+84 1662345678', '+84362345678'], // with country code
    ['841662345678', '+84362345678'],
    ['1662345678', '+84362345678'], // missing leading 0
    ['01202345678', '+84702345678'], // MobiFone 0120 → 070
    ['01212345678', '+84792345678'], // MobiFone 0121 → 079
    ['01222345678', '+84772345678'], // MobiFone 0122 → 077
    ['01262345678', '+84762345678'], // MobiFone 0126 → 076
    ['01282345678', '+84782345678'], // MobiFone 0128 → 078
    ['01232345678', '+84832345678'], // VinaPhone 0123 → 083
    ['01242345678', '+84842345678'], // VinaPhone 0124 → 084
    ['01252345678', '+84852345678'], // VinaPhone 0125 → 085
    ['01272345678', '+84812345678'], // VinaPhone 0127 → 081
    ['01292345678', '+84822345678'], // VinaPhone 0129 → 082
    ['01862345678', '+84562345678'], // Vietnamobile 0186 → 056
    ['01882345678', '+84582345678'], // Vietnamobile 0188 → 058
    ['01992345678', '+84592345678'], // Gmobile 0199 → 059
  ])('pre-2018 11-digit %j → %s', (input, e164) => {
    const result = normalisePhone(input);
    expect(result).toEqual({ ok: true, e164, national: `0${e164.slice(3)}` });
  });

  test('national format is 0 + 9 digits, as couriers want it', () => {
    const result = normalisePhone('+84 362 345 678');
    expect(result.ok && result.national).toBe('0362345678');
  });

  test.each([
    ['024 3825 3456', /landline/], // Hà Nội fixed line
    ['+84 24 3825 3456', /landline/],
    ['0204 3854 123', /landline/], // Bắc Giang area code
    ['+1 202 555 0100', /not a Vietnamese phone number/],
    ['+44 20 7946 0958', /not a Vietnamese phone number/],
    ['0912', /too few digits/],
    ['0912 345', /too few digits/],
    ['0912 345 678 999', /too many digits/],
    ['abc', /not a phone number/],
    ['0912 ABC 678', /not a phone number/],
    ['', /empty/],
    ['   ', /empty/],
    ['1800 599 920', /not a mobile number/], // toll-free service number
    ['1900 1234', /too few digits/], // premium-rate short number
    ['0123456789', /not a valid Vietnamese phone number/], // retired 012x without the 11th digit
    ['0912+345678', /not a phone number/],
  ])('%j is rejected with a reason (%s)', (input, reason) => {
    const result = normalisePhone(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});

describe('maskPhone', () => {
  test('keeps country code, carrier prefix and the last two digits', () => {
    expect(maskPhone('+84912345678')).toBe('+8491*****78');
  });

  test('never returns the full number', () => {
    expect(maskPhone('+84362345678')).not.toContain('345');
    expect(maskPhone('12345')).toBe('*****');
  });
});
