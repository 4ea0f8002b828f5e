import { eq } from 'drizzle-orm';
import {
  checkCharge,
  type GateVerdict,
  MAX_CYCLE_DAYS,
  METHOD_ATTEMPT_WINDOW_DAYS,
  type RetryConfig,
} from '../policy';
import type { Executor } from './client';
import type { CycleRow } from './cycle-queries';
import { lockMethod, methodHistory } from './method-history';
import { configVersions } from './schema';

// The charge gate (policy/charge-gate.ts) for a manual retry, inside the transaction that claims the
// cycle: the payment method is locked first, so two claims on different cycles of one card see each
// other (a claimed retry counts as an attempt while it charges), and a refused claim writes nothing.

export async function gateManualRetry(tx: Executor, cycle: CycleRow, now: Date): Promise<GateVerdict> {
  await lockMethod(tx, cycle.paymentMethodId);
  const [pinned] = await tx
    .select({ document: configVersions.document })
    .from(configVersions)
    .where(eq(configVersions.version, cycle.configVersion));
  const maxCycleDays =
    (pinned?.document as RetryConfig | undefined)?.settings.max_cycle_days ?? MAX_CYCLE_DAYS;
  const since = new Date(now.getTime() - METHOD_ATTEMPT_WINDOW_DAYS * 86_400_000);
  const history = await methodHistory(tx, cycle.paymentMethodId, since);
  return checkCharge({
    at: now.toISOString(),
    cycle_started_at: cycle.startedAt.toISOString(),
    max_cycle_days: maxCycleDays,
    method_attempts: history.attempts,
    method_codes: history.codes,
  });
}
