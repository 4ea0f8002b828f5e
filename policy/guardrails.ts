import { DAY_MS, METHOD_ATTEMPT_LIMIT, METHOD_ATTEMPT_WINDOW_DAYS } from './constants';

/**
 * Visa allows at most 20 attempts on one payment method in any 30 days. "30 days" is 30 × 24 h of
 * elapsed time, so the rule does not depend on a time zone; two attempts are in the same window
 * when they are less than 30 days apart.
 *
 * Returns the earliest instant at or after `proposed` at which one more attempt keeps every
 * 30-day window at or below the limit. The valid instants form a union of intervals whose left
 * ends are `proposed` or some earlier attempt + 30 days, so testing those candidates in order
 * finds the minimum exactly.
 */
export function earliestAllowedByMethodLimit(
  proposed: number,
  earlierAttempts: readonly number[],
  limit = METHOD_ATTEMPT_LIMIT,
  windowMs = METHOD_ATTEMPT_WINDOW_DAYS * DAY_MS,
): number {
  const attempts = [...new Set(earlierAttempts)].sort((a, b) => a - b);
  if (attempts.length < limit) return proposed;
  const allowed = (t: number) => {
    const all = [...attempts, t].sort((a, b) => a - b);
    const at = all.indexOf(t);
    for (let i = Math.max(0, at - limit); i <= at; i++) {
      const j = i + limit;
      if (j < all.length && (all[j] as number) - (all[i] as number) < windowMs) return false;
    }
    return true;
  };
  const candidates = [proposed, ...attempts.map((a) => a + windowMs).filter((t) => t > proposed)];
  for (const t of candidates) if (allowed(t)) return t;
  // Unreachable: the last attempt + window is always allowed.
  return (attempts.at(-1) as number) + windowMs;
}

/** The last instant a cycle may schedule an attempt: start + max_cycle_days × 24 h. */
export function cycleDeadline(cycleStartedAt: number, maxCycleDays: number): number {
  return cycleStartedAt + maxCycleDays * DAY_MS;
}
