import type { CycleStatus } from './cycle-status';

// What the execute, remove, pause and resume Updates answer: what really happened to the cycle, so a
// caller never reports an action that did not take effect.

/** The card-network rules the charge gate applies (policy/charge-gate.ts); a refusal names one. */
export type GateRule = 'never_retry' | 'method_attempt_limit' | 'max_cycle_days';

export type CycleAction = 'execute' | 'remove' | 'pause' | 'resume';

export type ActionOutcome =
  /** execute: the next attempt moved to the next processor boundary. */
  | 'executed'
  /** execute: the charge gate refused it; the attempt stays where the policy put it (`rule`). */
  | 'refused'
  /** execute: an attempt is at the gateway right now (counts as applied); nothing else was changed. */
  | 'in_progress'
  /** remove: the cycle ended as removed, and no charge started after the request. */
  | 'removed'
  /** remove: a charge that was already at the gateway ended the cycle first (e.g. collected). */
  | 'not_removed'
  /** remove: a charge is still at the gateway after the wait; the cycle ends as removed after it unless it collects. */
  | 'pending'
  | 'paused'
  | 'resumed'
  /** pause on a paused cycle, resume on one that is not paused. */
  | 'unchanged'
  /** The cycle has ended (or is ending): nothing to act on. */
  | 'not_active';

export interface ActionResult {
  action: CycleAction;
  outcome: ActionOutcome;
  /** Whether the action took effect: the Zuora answers list only these cycles. */
  applied: boolean;
  cycle_id: number | null;
  status: CycleStatus;
  next_attempt: string | null;
  message: string;
  /** For a refused execute: the network rule that refused it. */
  rule?: GateRule;
}
