import {
  type Adjustment,
  cycleDeadline,
  type Decision,
  type DecisionInput,
  earliestAllowedByMethodLimit,
  mapResponseCode,
  PolicyInputError,
  type RetryConfig,
  resolveRule,
  type StopDecision,
  type StopReason,
} from '../../policy';
import { findAllRemainingCustomers } from '../../policy/groups';
import { alignInstant, ruleTimeMs } from '../../policy/schedule';
import { formatLocal, formatUtc, parseInstant } from '../../policy/time';

// `decide` as it was before customer groups could set their own processor_interval (commit 2ef4f94),
// frozen as the oracle of "a configuration without group overrides decides exactly as before": it
// reads settings.processor_interval only. Do not update it along with policy/decide.ts.

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
 * decision. Order: never-retry guardrail, the group's rule, processor alignment, the 20-in-30-days
 * limit, then the cycle limit.
 */
export function settingsOnlyDecide(config: RetryConfig, input: DecisionInput): Decision {
  const { failedAt, cycleStart, methodAttempts } = checkInput(input);
  const { time_zone, processor_interval, max_cycle_days } = config.settings;
  // A group deleted from a config the cycle still uses cannot happen with pinned versions; if it
  // does, the catch-all keeps the cycle going rather than failing the workflow task forever.
  const group =
    config.customer_groups.find((g) => g.id === input.group_id) ?? findAllRemainingCustomers(config);
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
  let next = alignInstant(ruleTime, processor_interval, time_zone);
  if (next !== ruleTime) adjustments.push('processor_interval');
  const attemptsSoFar = [...methodAttempts, failedAt];
  // Alignment after a push can only move later, which never breaks the limit again for past
  // attempts; the loop covers attempts listed in the future of failed_at.
  for (let i = 0; i < 5; i++) {
    const allowed = earliestAllowedByMethodLimit(next, attemptsSoFar);
    if (allowed === next) break;
    if (!adjustments.includes('method_attempt_limit')) adjustments.push('method_attempt_limit');
    next = alignInstant(allowed, processor_interval, time_zone);
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
