import type { AttemptRecord } from '../domain/attempt-record';
import type { FinalStatus } from '../domain/cycle-status';
import {
  alignToProcessor,
  checkCharge,
  type GateVerdict,
  METHOD_ATTEMPT_WINDOW_DAYS,
  processorIntervalOf,
  type RetryConfig,
} from '../policy';
import { localStore } from './charge';

// The workflow side of the one gate in front of every charge (policy/charge-gate.ts): read what
// Postgres knows about the payment method across every cycle, add this cycle's own attempts (one may
// not be stored yet), and let the pure policy decide.

/** The id of the patch behind which RetryCycle gates its charges and makes remove a stop. */
export const CHARGE_GATE_PATCH = 'charge-gate';

export interface GateRequest {
  at: string;
  cycle_started_at: string;
  max_cycle_days: number;
  payment_method_id: string;
  own_attempts: readonly AttemptRecord[];
}

export async function gateCharge(req: GateRequest): Promise<GateVerdict> {
  const since = new Date(Date.parse(req.at) - METHOD_ATTEMPT_WINDOW_DAYS * 86_400_000).toISOString();
  const stored = await localStore.methodHistory({ payment_method_id: req.payment_method_id, since });
  const own = req.own_attempts.filter((a) => a.payment_method_id === req.payment_method_id);
  const lastPaid = own.filter((a) => a.success).at(-1);
  const ownCodes = own
    .filter((a) => !a.success && (!lastPaid || a.time_of_execution > lastPaid.time_of_execution))
    .map((a) => a.gateway_code);
  return checkCharge({
    at: req.at,
    cycle_started_at: req.cycle_started_at,
    max_cycle_days: req.max_cycle_days,
    method_attempts: [...stored.attempts, ...own.map((a) => a.time_of_execution)],
    method_codes: [...new Set([...stored.codes, ...ownCodes])],
  });
}

export type RefusalPlan =
  | { kind: 'end'; status: FinalStatus; reason: string }
  | {
      kind: 'reschedule';
      next_attempt: string;
      event: { reason: 'execute_refused' | 'deferred_by_rule'; detail: Record<string, unknown> };
    };

/**
 * What the cycle does when the gate refuses the attempt due now. A never-retry code or the cycle limit
 * ends the cycle; the 20-in-30-days limit sends an execute's attempt back where the policy had put it
 * (when that is still ahead), and otherwise defers the attempt to the first processor boundary the
 * limit allows (the group's processor interval, as `decide` aligns), or ends the cycle when that falls
 * past its limit. Deterministic: no I/O, no clock.
 */
export function planRefusal(
  verdict: Extract<GateVerdict, { allowed: false }>,
  ctx: {
    config: RetryConfig;
    /** The cycle's customer group: its processor interval aligns the deferral. */
    groupId: number;
    execute: { policy_next: string | null } | null;
    now: string;
    deadline: number;
  },
): RefusalPlan {
  const detail = { rule: verdict.rule, detail: verdict.detail };
  if (verdict.rule === 'never_retry') {
    return { kind: 'end', status: 'stopped_by_rule', reason: `never_retry: ${verdict.detail}` };
  }
  if (verdict.rule === 'max_cycle_days') {
    return { kind: 'end', status: 'expired', reason: `max_cycle_days: ${verdict.detail}` };
  }
  const policyNext = ctx.execute?.policy_next ?? null;
  if (policyNext !== null && Date.parse(policyNext) > Date.parse(ctx.now)) {
    return {
      kind: 'reschedule',
      next_attempt: policyNext,
      event: { reason: 'execute_refused', detail: { ...detail, next_attempt: policyNext } },
    };
  }
  const at = alignToProcessor(
    verdict.earliest_at ?? ctx.now,
    processorIntervalOf(ctx.config, ctx.groupId),
    ctx.config.settings.time_zone,
  );
  if (Date.parse(at) > ctx.deadline) {
    return {
      kind: 'end',
      status: 'expired',
      reason: `method_attempt_limit: ${verdict.detail}, after the cycle limit`,
    };
  }
  return {
    kind: 'reschedule',
    next_attempt: at,
    event: { reason: 'deferred_by_rule', detail: { ...detail, next_attempt: at } },
  };
}
