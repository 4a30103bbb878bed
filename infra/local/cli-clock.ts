/**
 * The clock the local CLIs sign requests with. `npm run serve -- --harvest-day D` runs the server on
 * a clock shifted to that day (so the demo stock is fresh and export codes are in season); a request
 * must be signed with the same clock or it is refused as stale. serve prints the shift as
 * `HARVEST_CLOCK_SHIFT_MS`, and the CLIs add it to the real time. Unset: the real clock.
 */
export const CLOCK_SHIFT_VARIABLE = 'HARVEST_CLOCK_SHIFT_MS';

export function cliClock(env: NodeJS.ProcessEnv): () => Date {
  const raw = env[CLOCK_SHIFT_VARIABLE]?.trim();
  if (raw === undefined || raw === '') return () => new Date();
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new Error(
      `${CLOCK_SHIFT_VARIABLE} must be a whole number of milliseconds (as npm run serve prints it), got "${raw}"`,
    );
  }
  const shift = Number(raw);
  return () => new Date(Date.now() + shift);
}
