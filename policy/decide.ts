import type { AttemptRule, Criteria, CustomerGroup, RetryConfig, RuleAction } from './config-schema';
import { WILDCARD } from './constants';
import { PolicyInputError } from './errors';
import { findAllRemainingCustomers } from './groups';
import { cycleDeadline, earliestAllowedByMethodLimit } from './guardrails';
import { type MappingLevel, mapResponseCode } from './mapping';
import { processorIntervalOf } from './processor-interval';
import { alignInstant, ruleTimeMs } from './schedule';
import { formatLocal, formatUtc, parseInstant } from './time';

export interface DecisionInput {
  /** The group the cycle was assigned when it started (groups are frozen per cycle). */
  group_id: number;
  /** The attempt that just failed, 1-based; attempt 1 is the original failed payment. */
  attempt_number: number;
  gateway_id: string;
  /** The gateway's raw response code; never-retry codes are recognised on it whatever the mapping. */
  code: string;
  message?: string;
  /** Mastercard Merchant Advice Code, when the gateway reports it apart from the response code. */
  advice_code?: string;
  failed_at: string;
  cycle_started_at: string;
  /**
   * Earlier attempts on the same payment method, any cycle. `failed_at` counts as an attempt too;
   * listing it here as well is harmless (identical instants count once).
   */
  method_attempts?: string[];
}

export type StopReason = 'stopped_by_rule' | 'attempts_exhausted' | 'expired' | 'never_retry';
export type Adjustment = 'processor_interval' | 'method_attempt_limit';

interface DecisionBase {
  label: string;
  level: MappingLevel;
  customer_group_id: number;
  never_retry: boolean;
  /** The attempt entry and label key ("*" or a label) that decided, or null when none applied. */
  rule: { index: number; key: string } | null;
  /** Human-readable explanation for logs, attempt comments and the preview endpoint. */
  detail: string;
  webhook?: string;
}

export interface RetryDecision extends DecisionBase {
  action: 'Retry';
  /** ISO UTC with milliseconds and Z. */
  next_attempt: string;
  /** The same instant in the configured time zone, e.g. 2026-11-23T09:00:00.000-05:00. */
  next_local: string;
  next_attempt_number: number;
  criteria: Criteria;
  /** When the rule alone would have retried, before alignment and guardrails (ISO UTC). */
  rule_time: string;
  adjustments: Adjustment[];
}

export interface StopDecision extends DecisionBase {
  action: 'Stop';
  reason: StopReason;
  /** For `expired`: the time that fell past the cycle limit (ISO UTC). */
  would_retry_at?: string;
}

export type Decision = RetryDecision | StopDecision;

export type ResolvedRule =
  | { kind: 'action'; index: number; key: string; action: RuleAction }
  | { kind: 'no_rule_for_label'; index: number }
  | { kind: 'exhausted' };

/** A label missing from the entry falls back to the entry's "*", else Stop; past the list, exhausted. */
export function resolveRule(group: CustomerGroup, attemptNumber: number, label: string): ResolvedRule {
  const index = attemptNumber - 1;
  const entry: AttemptRule | undefined = group.attempts[index];
  if (!entry) return { kind: 'exhausted' };
  for (const key of [label, WILDCARD]) {
    const action = Object.hasOwn(entry, key) ? entry[key] : undefined;
    if (action) return { kind: 'action', index, key, action };
  }
  return { kind: 'no_rule_for_label', index };
}

function checkInput(input: DecisionInput) {
  if (!Number.isSafeInteger(input.attempt_number) || input.attempt_number < 1) {
    throw new PolicyInputError('attempt_number', `must be an integer ≥ 1, got ${input.attempt_number}`);
  }
  if (!Number.isSafeInteger(input.group_id)) {
    throw new PolicyInputError('group_id', `must be an integer, got ${input.group_id}`);
  }
  if (typeof input.gateway_id !== 'string') throw new PolicyInputError('gateway_id', 'must be a string');
  if (typeof input.code !== 'string') throw new PolicyInputError('code', 'must be a string');
  return {
    failedAt: parseInstant(input.failed_at, 'failed_at'),
    cycleStart: parseInstant(input.cycle_started_at, 'cycle_started_at'),
    methodAttempts: (input.method_attempts ?? []).map((t, i) => parseInstant(t, `method_attempts[${i}]`)),
  };
}

/**
 * What to do after a failed attempt. Pure: the same config and input always give the same
 * decision. Order: never-retry guardrail, the group's rule, processor alignment (the group's
 * interval, see `processorIntervalOf`), the 20-in-30-days limit, then the cycle limit.
 */
export function decide(config: RetryConfig, input: DecisionInput): Decision {
  const { failedAt, cycleStart, methodAttempts } = checkInput(input);
  const { time_zone, max_cycle_days } = config.settings;
  // A group deleted from a config the cycle still uses cannot happen with pinned versions; if it
  // does, the catch-all keeps the cycle going rather than failing the workflow task forever.
  const group =
    config.customer_groups.find((g) => g.id === input.group_id) ?? findAllRemainingCustomers(config);
  const processorInterval = processorIntervalOf(config, group.id);
  const mapping = mapResponseCode(config, input);
  const resolved = resolveRule(group, input.attempt_number, mapping.label);
  const rule = resolved.kind === 'action' ? { index: resolved.index, key: resolved.key } : null;
  const base = {
    label: mapping.label,
    level: mapping.level,
    customer_group_id: group.id,
    never_retry: mapping.never_retry,
    rule,
  };
  const stop = (reason: StopReason, detail: string, webhook?: string, extra?: Partial<StopDecision>) => {
    const hook = webhook ?? group.final_webhook;
    return {
      ...base,
      action: 'Stop',
      reason,
      detail,
      ...(hook ? { webhook: hook } : {}),
      ...extra,
    } as StopDecision;
  };
  const ruleStopHook =
    resolved.kind === 'action' && resolved.action.action === 'Stop' ? resolved.action.webhook : undefined;

  if (mapping.never_retry) {
    return stop('never_retry', `${mapping.never_retry_reason}: networks forbid retrying it`, ruleStopHook);
  }
  if (resolved.kind === 'exhausted') {
    return stop(
      'attempts_exhausted',
      `group ${group.id} defines ${group.attempts.length} retry rule(s); attempt ${input.attempt_number} was the last`,
    );
  }
  if (resolved.kind === 'no_rule_for_label') {
    return stop(
      'stopped_by_rule',
      `attempts[${resolved.index}] has no rule for "${mapping.label}" and no "*"`,
    );
  }
  const action = resolved.action;
  if (action.action === 'Stop') {
    return stop('stopped_by_rule', `attempts[${resolved.index}]["${resolved.key}"] says Stop`, ruleStopHook);
  }

  const ruleTime = ruleTimeMs(failedAt, action, time_zone);
  const adjustments: Adjustment[] = [];
  let next = alignInstant(ruleTime, processorInterval, time_zone);
  if (next !== ruleTime) adjustments.push('processor_interval');
  const attemptsSoFar = [...methodAttempts, failedAt];
  // Alignment after a push can only move later, which never breaks the limit again for past
  // attempts; the loop covers attempts listed in the future of failed_at.
  for (let i = 0; i < 5; i++) {
    const allowed = earliestAllowedByMethodLimit(next, attemptsSoFar);
    if (allowed === next) break;
    if (!adjustments.includes('method_attempt_limit')) adjustments.push('method_attempt_limit');
    next = alignInstant(allowed, processorInterval, time_zone);
    if (next !== allowed && !adjustments.includes('processor_interval'))
      adjustments.push('processor_interval');
  }
  const deadline = cycleDeadline(cycleStart, max_cycle_days);
  if (next > deadline) {
    const why = adjustments.includes('method_attempt_limit')
      ? 'the 20-attempts-in-30-days limit pushes the next attempt'
      : 'the next attempt would fall';
    return stop(
      'expired',
      `${why} to ${formatUtc(next)}, after the cycle limit ${formatUtc(deadline)} (max_cycle_days ${max_cycle_days})`,
      undefined,
      { would_retry_at: formatUtc(next) },
    );
  }
  return {
    ...base,
    action: 'Retry',
    next_attempt: formatUtc(next),
    next_local: formatLocal(next, time_zone),
    next_attempt_number: input.attempt_number + 1,
    criteria: action.criteria,
    rule_time: formatUtc(ruleTime),
    adjustments,
    detail: `attempts[${resolved.index}]["${resolved.key}"]: ${action.criteria === 'incremental_time' ? `+${action.interval}` : `at ${action.time}`}`,
    ...(action.webhook ? { webhook: action.webhook } : {}),
  };
}
