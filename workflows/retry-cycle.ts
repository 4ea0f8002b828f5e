import { patched, workflowInfo } from '@temporalio/workflow';
import type { CycleDetails } from '../domain/cycle-details';
import { localStore, store } from './charge';
import { CycleCommands, nowIso } from './cycle-commands';
import { registerCycleHandlers } from './cycle-handlers';
import { runCycle } from './cycle-loop';
import { openCycle } from './cycle-opening';
import { CycleState } from './cycle-state';
import type { RetryCycleInput } from './retry-cycle-input';
import { type RunFlags, retryCycleV2Has, runFlags } from './run-flags';

// One retry cycle for one billing document. Everything here is deterministic: the policy is pure code,
// time is the workflow's clock, and every side effect (database, gateway, webhooks) is an activity, so
// a crash at any point resumes exactly where the history says, with the same idempotency keys.
//
// The cycle's state and every change a message makes to it are in CycleState (workflows/cycle-state.ts,
// no workflow API); the handlers delegate to it (cycle-handlers.ts); the opening (cycle-opening.ts),
// the main loop (cycle-loop.ts) and the commands it issues (cycle-commands.ts) are the workflow side.
//
// Two workflow types run this one body. RetryCycleV2, which every new cycle starts as
// (RETRY_CYCLE_WORKFLOW, workflows/messages.ts), runs the newest code path of every patch RetryCycle
// had when it was made, with no patched() call for them (RETRY_CYCLE_V2_PATCHES). RetryCycle decides
// each patched behaviour by patched() (workflows/run-flags.ts), as it always has: cycles started as it
// keep their type through continue-as-new and replay the path they began on. patched() records a
// marker and a TemporalChangeVersion search-attribute upsert (a visibility write) in every new run, for
// each patch, forever; a new type starts without them.

export type { CarriedState } from './cycle-state';
export type { RetryCycleInput } from './retry-cycle-input';

/** The type cycles started before RetryCycleV2 run as, to their end. */
export async function RetryCycle(input: RetryCycleInput): Promise<CycleDetails> {
  return await runRetryCycle(input, runFlags(patched));
}

/** The type every new cycle starts as: RetryCycle's newest path, its patches taken without markers. */
export async function RetryCycleV2(input: RetryCycleInput): Promise<CycleDetails> {
  return await runRetryCycle(input, runFlags(retryCycleV2Has(patched)));
}

async function runRetryCycle(input: RetryCycleInput, flags: RunFlags): Promise<CycleDetails> {
  const info = workflowInfo();
  const state = input.carried
    ? CycleState.fromCarried(input.payment, input.carried, flags)
    : CycleState.open(input.payment, input.pending ?? [], flags, nowIso());
  // Runs that began before 'local-store' (the committed histories) write through ordinary activities;
  // later runs write through local activities and open the cycle in one call (workflows/charge.ts).
  const commands = new CycleCommands(state, flags.local ? localStore : store, info);

  // Handlers are set before the first await, so the Update that comes with update-with-start is
  // accepted by the very first workflow task.
  registerCycleHandlers(state, commands, flags);

  if (!input.carried) {
    const unopened = await openCycle(state, commands, info, flags);
    if (unopened) return unopened;
  }
  return await runCycle(state, commands, flags);
}
