import { cliClock } from '../../../infra/local/cli-clock.js';

describe('cliClock (the CLIs sign with the server clock of npm run serve -- --harvest-day)', () => {
  it('is the real clock when no shift is set', () => {
    const before = Date.now();
    const t = cliClock({})().getTime();
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Date.now());
  });

  it('adds the printed shift, negative or positive', () => {
    const shift = -14_571_584_264;
    const t = cliClock({ HARVEST_CLOCK_SHIFT_MS: String(shift) })().getTime();
    expect(Math.abs(t - (Date.now() + shift))).toBeLessThan(1_000);
    expect(cliClock({ HARVEST_CLOCK_SHIFT_MS: ' 60000 ' })().getTime() - Date.now()).toBeGreaterThan(59_000);
  });

  it('refuses a shift that is not a whole number of milliseconds, naming the variable', () => {
    for (const bad of ['abc', '1.5', '1e3', '99999999999999999999'])
      expect(() => cliClock({ HARVEST_CLOCK_SHIFT_MS: bad })).toThrow(
        /HARVEST_CLOCK_SHIFT_MS must be a whole number/,
      );
  });
});
