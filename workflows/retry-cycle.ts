import { patched, workflowInfo } from '@temporalio/workflow';
import type { CycleDetails } from '../domain/cycle-details';
import { localStore, store } from './charge';
import { CycleCommands, nowIso } from './cycle-commands';
import { registerCycleHandlers } from './cycle-handlers';
import { runCycle } from './cycle-loop';
import { openCycle } from './cycle-opening';
import { CycleState } from './cycle-state';
import type { RetryCycleInput } from './retry-cycle-input';

// One retry cycle for one billing document. Everything here is deterministic: the policy is pure code,
// time is the workflow's clock, and every side effect (database, gateway, webhooks) is an activity, so
// a crash at any point resumes exactly where the history says, with the same idempotency keys.
//
// The cycle's state and every change a message makes to it are in CycleState (workflows/cycle-state.ts,
// no workflow API); the handlers delegate to it (cycle-handlers.ts); the opening (cycle-opening.ts),
// the main loop (cycle-loop.ts) and the commands it issues (cycle-commands.ts) are the workflow side.

export type { CarriedState } from './cycle-state';
export type { RetryCycleInput } from './retry-cycle-input';

export async function RetryCycle(input: RetryCycleInput): Promise<CycleDetails> {
  // Runs that began before this patch (the committed histories) write through ordinary activities;
  // new runs write through local activities and open the cycle in one call (workflows/charge.ts).
  const local = patched('local-store');
  // Since 'payment-claims' a payment enters a cycle once, ever (workflows/cycle-opening.ts).
  const claims = local && patched('payment-claims');
  // Since 'iso-amounts' amounts are checked against their currency's minor units (domain/money/currency.ts):
  // the opening payment and external payments alike. Runs that began before it replay with the checks
  // they ran with, so a cycle already open with such an amount keeps replaying.
  const isoAmounts = patched('iso-amounts');
  const flags = { local, claims, isoAmounts };
  const info = workflowInfo();
  const state = input.carried
    ? CycleState.fromCarried(input.payment, input.carried, flags)
    : CycleState.open(input.payment, input.pending ?? [], flags, nowIso());
  const commands = new CycleCommands(state, local ? localStore : store, info);

  // Handlers are set before the first await, so the Update that comes with update-with-start is
  // accepted by the very first workflow task.
  registerCycleHandlers(state, commands);

  if (!input.carried) {
    const unopened = await openCycle(state, commands, info, flags);
    if (unopened) return unopened;
  }
  return await runCycle(state, commands, flags);
}
