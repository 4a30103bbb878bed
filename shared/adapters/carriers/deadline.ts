/**
 * The function's time budget as an AbortSignal (F11): a courier call must give up before the Lambda
 * is killed, so that the invocation can still report the failure and the retry can look the
 * shipment up instead of booking blind.
 */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/** Aborts `marginMs` before the invocation runs out of time (at once if that is already past). */
export function remainingTimeSignal(context: RemainingTime, marginMs = 2_000): AbortSignal {
  const budget = Math.floor(context.getRemainingTimeInMillis() - marginMs);
  return budget > 0
    ? AbortSignal.timeout(budget)
    : AbortSignal.abort(new DOMException('No time left', 'TimeoutError'));
}

/** One request's signal: its own timeout, cut short by the caller's signal when there is one. */
export function requestSignal(timeoutMs: number, callerSignal?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return callerSignal ? AbortSignal.any([timeout, callerSignal]) : timeout;
}
