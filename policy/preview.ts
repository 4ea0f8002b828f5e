import type { RetryConfig } from './config-schema';
import { type Decision, decide, type StopReason } from './decide';
import { PolicyInputError } from './errors';
import { chooseGroup } from './groups';
import type { MappingLevel } from './mapping';
import { mapResponseCode } from './mapping';

export interface PreviewInput {
  gateway_id: string;
  gateway_response_code: string;
  gateway_response_message?: string;
  advice_code?: string;
  attempt_number: number;
  /** Attributes for group choice; ignored when `customer_group_id` is given. */
  account?: Record<string, unknown>;
  /** Preview a specific group instead of choosing one from `account`. */
  customer_group_id?: number;
  failed_at: string;
  /** Defaults to `failed_at` (the cycle limit then counts from this failure). */
  cycle_started_at?: string;
  method_attempts?: string[];
}

export interface PreviewStep {
  attempt_number: number;
  at: string;
  local: string;
}

export interface PreviewResult {
  customer_group: { id: number; name: string };
  label: string;
  level: MappingLevel;
  never_retry: boolean;
  /** How the label was found: the gateway's own entry, a "*" entry, the default label, or the guardrail. */
  mapping_source: 'gateway' | 'wildcard' | 'default' | 'guardrail';
  action: 'Retry' | 'Stop';
  reason: StopReason | null;
  criteria: string | null;
  next_attempt: string | null;
  next_local: string | null;
  webhook: string | null;
  detail: string;
  decision: Decision;
  /**
   * The rest of the cycle if every later attempt failed with the same response: the attempts it
   * would make, and how it would end.
   */
  schedule: PreviewStep[];
  ends: { after_attempt: number; reason: StopReason; webhook: string | null };
}

/** Whatever the rules, a cycle cannot exceed 20 attempts per 30 days × 90 days; this bounds the loop. */
const MAX_SIMULATED = 200;

export function preview(config: RetryConfig, input: PreviewInput): PreviewResult {
  let group = chooseGroup(config, input.account);
  if (input.customer_group_id !== undefined) {
    const chosen = config.customer_groups.find((g) => g.id === input.customer_group_id);
    if (!chosen)
      throw new PolicyInputError('customer_group_id', `no customer group with id ${input.customer_group_id}`);
    group = chosen;
  }
  const response = {
    gateway_id: input.gateway_id,
    code: input.gateway_response_code,
    ...(input.gateway_response_message !== undefined ? { message: input.gateway_response_message } : {}),
    ...(input.advice_code !== undefined ? { advice_code: input.advice_code } : {}),
  };
  const mapping = mapResponseCode(config, response);
  const methodAttempts = [...(input.method_attempts ?? [])];
  const cycleStartedAt = input.cycle_started_at ?? input.failed_at;
  const step = (attempt_number: number, failed_at: string) =>
    decide(config, {
      ...response,
      group_id: group.id,
      attempt_number,
      failed_at,
      cycle_started_at: cycleStartedAt,
      method_attempts: methodAttempts,
    });

  const decision = step(input.attempt_number, input.failed_at);
  const schedule: PreviewStep[] = [];
  let current = decision;
  let failedAt = input.failed_at;
  while (current.action === 'Retry' && schedule.length < MAX_SIMULATED) {
    schedule.push({
      attempt_number: current.next_attempt_number,
      at: current.next_attempt,
      local: current.next_local,
    });
    methodAttempts.push(failedAt);
    failedAt = current.next_attempt;
    current = step(current.next_attempt_number, failedAt);
  }
  const ends =
    current.action === 'Stop'
      ? {
          after_attempt: schedule.at(-1)?.attempt_number ?? input.attempt_number,
          reason: current.reason,
          webhook: current.webhook ?? null,
        }
      : {
          after_attempt: schedule.at(-1)?.attempt_number ?? input.attempt_number,
          reason: 'attempts_exhausted' as const,
          webhook: null,
        };

  return {
    customer_group: { id: group.id, name: group.name },
    label: decision.label,
    level: decision.level,
    never_retry: decision.never_retry,
    mapping_source: mapping.source,
    action: decision.action,
    reason: decision.action === 'Stop' ? decision.reason : null,
    criteria: decision.action === 'Retry' ? decision.criteria : null,
    next_attempt: decision.action === 'Retry' ? decision.next_attempt : null,
    next_local: decision.action === 'Retry' ? decision.next_local : null,
    webhook: decision.webhook ?? null,
    detail: decision.detail,
    decision,
    schedule,
    ends,
  };
}
