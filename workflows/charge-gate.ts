import { checkCharge, type GateVerdict, METHOD_ATTEMPT_WINDOW_DAYS } from '../policy';
import { localStore } from './charge';
import type { AttemptRecord } from './cycle-types';

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
