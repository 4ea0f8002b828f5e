import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import type { ActionResult } from '../domain/action-result';
import type { SubmitResult } from '../domain/cycle-details';
import { CycleFailure } from '../domain/failures';
import { nextProcessorBoundary } from '../policy';
import { gateCharge } from './charge-gate';
import type { CycleCommands } from './cycle-commands';
import { nowIso } from './cycle-commands';
import type { CycleState } from './cycle-state';
import { actionRequestSchema, problemOf } from './message-payloads';
import {
  detailsQuery,
  executeNow,
  executeNowConfirmed,
  failedPaymentSubmitted,
  pause,
  pauseConfirmed,
  paymentMethodUpdated,
  paymentReceived,
  remove,
  removeConfirmed,
  resume,
  resumeConfirmed,
  stateQuery,
  submitFailedPayment,
} from './messages';
import type { RunFlags } from './run-flags';

// A cycle's message handlers (both types'): each delegates to one CycleState method. What stays here
// is what needs the workflow: waiting (condition), the charge gate's read, and the 'charge-gate' flag
// the executeNow Signal asks for (at the same point as always: only once it knows the cycle is active
// and configured, because RetryCycle asks patched() there).

/** How long the remove Update waits for a charge already at the gateway before answering `pending`. */
const REMOVE_WAIT = '30s';

/** The four action Updates refuse a payload they could not store, before it enters the history. */
const actionValidator = {
  validator: (req: unknown) => {
    const parsed = actionRequestSchema.safeParse(req);
    if (!parsed.success) {
      throw ApplicationFailure.nonRetryable(problemOf(parsed.error), CycleFailure.InvalidActionRequest);
    }
  },
};

/** Registers every handler; call before the first await, so update-with-start's Update is accepted. */
export function registerCycleHandlers(state: CycleState, commands: CycleCommands, flags: RunFlags): void {
  setHandler(stateQuery, () => state.zuora());
  setHandler(detailsQuery, () => commands.details());
  registerSubmits(state, commands);
  registerExecute(state, flags);
  registerRemove(state);
  registerPauseResume(state);
  setHandler(paymentReceived, (raw) => state.paymentReceived(raw));
  setHandler(paymentMethodUpdated, (raw) => state.paymentMethodUpdated(raw, nowIso()));
}

function registerSubmits(state: CycleState, commands: CycleCommands): void {
  setHandler(
    submitFailedPayment,
    async (payment): Promise<SubmitResult> => {
      const ticket = state.submit(payment);
      // Answer only once the payment is an attempt of the cycle and stored: read-your-writes.
      await condition(() => state.submitSettled(payment.payment_id));
      return state.answerSubmit(payment, ticket, commands.workflowId);
    },
    { validator: (payment) => state.validateSubmit(payment) },
  );
  setHandler(failedPaymentSubmitted, (payment) => state.paymentSubmitted(payment));
}

function registerExecute(state: CycleState, flags: RunFlags): void {
  setHandler(executeNow, () => {
    if (!state.canExecute) return;
    // Before the patch a paused cycle lost its pause flag but kept status "paused" (issue 13).
    state.executeNow(nowIso(), flags.chargeGate());
  });
  setHandler(
    executeNowConfirmed,
    async (): Promise<ActionResult> => {
      const blocked = state.executeBlocked();
      if (blocked) return blocked;
      const verdict = await gateCharge(
        state.gateRequest(nextProcessorBoundary(state.cfg, nowIso(), state.group.id)),
      );
      return state.executeConfirmed(verdict, nowIso());
    },
    actionValidator,
  );
}

function registerRemove(state: CycleState): void {
  setHandler(remove, (raw) => state.removeSignal(raw));
  setHandler(
    removeConfirmed,
    async (req): Promise<ActionResult> => {
      if (state.isFinal) return state.inactive('remove');
      const atGateway = state.charging;
      state.requestRemove(req);
      // The main loop starts no charge once a remove is requested; wait for it to store the end, or for
      // the charge that is already at the gateway (it cannot be called back) to answer.
      const settled = await condition(() => state.endRecorded, REMOVE_WAIT);
      return state.removeAnswer(settled, atGateway);
    },
    actionValidator,
  );
}

function registerPauseResume(state: CycleState): void {
  setHandler(pause, () => {
    state.pause();
  });
  setHandler(pauseConfirmed, () => state.pauseConfirmed(), actionValidator);
  setHandler(resume, () => {
    state.resume(nowIso());
  });
  setHandler(resumeConfirmed, () => state.resumeConfirmed(nowIso()), actionValidator);
}
