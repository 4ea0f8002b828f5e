import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ActionResult } from '../domain/action-result';
import type { CycleDetails, SubmitResult } from '../domain/cycle-details';
import type { FailedPayment } from '../domain/failed-payment';
import type { ZuoraCycle } from '../domain/zuora-view';

// Every message a cycle understands, defined once: the workflow handles these, and the API and other
// services import the same definitions to send them.

/**
 * The workflow type every new cycle starts as (workflows/retry-cycle.ts): RetryCycle's newest code path
 * with no patched() call, so none of its runs records a patch marker or a TemporalChangeVersion upsert.
 */
export const RETRY_CYCLE_WORKFLOW = 'RetryCycleV2';
/**
 * The type cycles started before RetryCycleV2 run as, to their end: a submit to such a cycle joins it
 * (USE_EXISTING does not compare types), and continue-as-new keeps the run's type.
 */
export const LEGACY_RETRY_CYCLE_WORKFLOW = 'RetryCycle';
/** Both cycle types: an operator query by WorkflowType names both, `WorkflowType IN (...)`. */
export const RETRY_CYCLE_WORKFLOW_TYPES = [RETRY_CYCLE_WORKFLOW, LEGACY_RETRY_CYCLE_WORKFLOW] as const;
/** Whether a workflow of type `type` is a document's retry cycle (either type). */
export const isRetryCycleType = (type: string | undefined): boolean =>
  type === RETRY_CYCLE_WORKFLOW || type === LEGACY_RETRY_CYCLE_WORKFLOW;
/** What a cycle is started with: the failed payment that opens it. */
export interface RetryCycleStart {
  payment: FailedPayment;
}

/** One operator-requested retry of an ended cycle (domain/manual-retry.ts is its input and outcome). */
export const MANUAL_RETRY_WORKFLOW = 'ManualRetry';

/** Adds a failed payment to the cycle and returns once it is recorded (update-with-start opens one). */
export const submitFailedPayment = defineUpdate<SubmitResult, [FailedPayment]>('submitFailedPayment');
/** The same, for services that cannot wait (signal-with-start). */
export const failedPaymentSubmitted = defineSignal<[FailedPayment]>('failedPaymentSubmitted');

/** Pulls the next attempt forward to the next processor boundary; resumes a paused cycle. */
export const executeNow = defineSignal<[{ requested_by?: string }?]>('executeNow');
/** Ends the cycle at once as removed; no later attempt. */
export const remove = defineSignal<[{ requested_by?: string; reason?: string }?]>('remove');
export interface PaymentReceived {
  amount: string;
  currency: string;
  payment_id?: string;
}
/** Billing received money outside the cycle: lowers the outstanding balance, ends the cycle at zero. */
export const paymentReceived = defineSignal<[PaymentReceived]>('paymentReceived');
/** Later attempts use this payment method. */
export const paymentMethodUpdated = defineSignal<[{ payment_method_id: string }]>('paymentMethodUpdated');
export const pause = defineSignal<[{ requested_by?: string }?]>('pause');
export const resume = defineSignal<[{ requested_by?: string }?]>('resume');

// The same four actions as Updates, answering what really happened (domain/action-result.ts). The
// Signals above stay for services that cannot wait; both go through the same transitions.

/** Execute now: the charge gate decides first; a refusal leaves the attempt where the policy put it. */
export const executeNowConfirmed = defineUpdate<ActionResult, [{ requested_by?: string }]>(
  'executeNowConfirmed',
);
/** Remove: no charge starts after it answers `removed`; a charge already at the gateway is waited for. */
export const removeConfirmed = defineUpdate<ActionResult, [{ requested_by?: string; reason?: string }]>(
  'removeConfirmed',
);
export const pauseConfirmed = defineUpdate<ActionResult, [{ requested_by?: string }]>('pauseConfirmed');
export const resumeConfirmed = defineUpdate<ActionResult, [{ requested_by?: string }]>('resumeConfirmed');

/** The cycle in Zuora's shape. */
export const stateQuery = defineQuery<ZuoraCycle>('state');
/** Our extensions: ids, pinned config version, balance, pause, end reason. */
export const detailsQuery = defineQuery<CycleDetails>('details');
