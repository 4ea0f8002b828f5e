import type { GateRule } from '../domain/action-result';
import { DAY_MS, METHOD_ATTEMPT_LIMIT, METHOD_ATTEMPT_WINDOW_DAYS } from './constants';
import { cycleDeadline, earliestAllowedByMethodLimit } from './guardrails';
import { classifyNeverRetry } from './never-retry';
import { formatUtc, parseInstant } from './time';

// The one check in front of every charge: a scheduled attempt, an execute, a retry after a payment
// method update and a manual retry all ask `checkCharge` before the gateway sees anything. `decide`
// applies the same network rules when it schedules; this gate holds them at the moment of charging,
// with what Postgres knows about the payment method across every cycle (other cycles, manual retries).

export interface GateInput {
  /** When the charge would reach the gateway (ISO with offset). */
  at: string;
  cycle_started_at: string;
  max_cycle_days: number;
  /**
   * Attempts on this payment method, any cycle (failed payments, our retries, manual retries, and
   * manual retries still charging). Only those in the 30 days before `at` matter; identical instants
   * count once.
   */
  method_attempts: readonly string[];
  /**
   * Gateway codes this payment method answered since its last approval, any cycle. A never-retry code
   * among them refuses the charge: networks forbid retrying the same card data after it.
   */
  method_codes: readonly string[];
}

export type GateVerdict =
  | { allowed: true }
  | {
      allowed: false;
      rule: GateRule;
      detail: string;
      /** For `method_attempt_limit`: the earliest instant one more attempt is allowed (ISO UTC). */
      earliest_at?: string;
    };

/** Whether one more charge on this payment method at `at` keeps every network rule. Pure. */
export function checkCharge(input: GateInput): GateVerdict {
  const at = parseInstant(input.at, 'at');
  for (const code of input.method_codes) {
    const match = classifyNeverRetry(code);
    if (match) {
      return {
        allowed: false,
        rule: 'never_retry',
        detail: `${match.reason} on this payment method: networks forbid charging it again`,
      };
    }
  }
  const deadline = cycleDeadline(
    parseInstant(input.cycle_started_at, 'cycle_started_at'),
    input.max_cycle_days,
  );
  if (at > deadline) {
    return {
      allowed: false,
      rule: 'max_cycle_days',
      detail: `the cycle limit ${formatUtc(deadline)} (max_cycle_days ${input.max_cycle_days}) has passed`,
    };
  }
  const windowStart = at - METHOD_ATTEMPT_WINDOW_DAYS * DAY_MS;
  const recent = input.method_attempts
    .map((t, i) => parseInstant(t, `method_attempts[${i}]`))
    .filter((t) => t > windowStart && t <= at);
  const earliest = earliestAllowedByMethodLimit(at, recent);
  if (earliest !== at) {
    return {
      allowed: false,
      rule: 'method_attempt_limit',
      detail: `${new Set(recent).size} attempts on this payment method in the last ${METHOD_ATTEMPT_WINDOW_DAYS} days, at most ${METHOD_ATTEMPT_LIMIT} allowed; the next is allowed from ${formatUtc(earliest)}`,
      earliest_at: formatUtc(earliest),
    };
  }
  return { allowed: true };
}
