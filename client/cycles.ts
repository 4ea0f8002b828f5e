import {
  type Client,
  WithStartWorkflowOperation,
  type WorkflowHandle,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { ActionResult } from '../domain/action-result';
import type { CycleDetails, SubmitResult } from '../domain/cycle-details';
import { cycleWorkflowId, type DocumentRef, documentOf, type FailedPayment } from '../domain/failed-payment';
import type { ZuoraCycle } from '../domain/zuora-view';
import {
  detailsQuery,
  executeNow,
  executeNowConfirmed,
  failedPaymentSubmitted,
  type PaymentReceived,
  pause,
  pauseConfirmed,
  paymentMethodUpdated,
  paymentReceived,
  RETRY_CYCLE_WORKFLOW,
  type RetryCycleStart,
  remove,
  removeConfirmed,
  resume,
  resumeConfirmed,
  stateQuery,
  submitFailedPayment,
} from '../workflows/messages';
import { AccountId, CycleStatus, DebitMemoId, InvoiceId } from '../workflows/search-attributes';

// The typed client for services that speak Temporal: start cycles and send them messages with the
// same definitions the workflow handles. The REST API is built on it, and it ships as
// `payment-retry/client/cycles`, so it imports only domain/ and the message contract
// (workflows/messages.ts, workflows/search-attributes.ts), never the server.

// The types in its signatures, for callers that can import nothing but this entry point.
export type { ActionOutcome, ActionResult, CycleAction, GateRule } from '../domain/action-result';
export type { CycleDetails, SubmitResult } from '../domain/cycle-details';
export type { CycleStatus } from '../domain/cycle-status';
export type { DocumentRef, DocumentType, FailedPayment } from '../domain/failed-payment';
export type { ZuoraAttempt, ZuoraCycle } from '../domain/zuora-view';
export type { PaymentReceived } from '../workflows/messages';

export interface CycleClientOptions {
  client: Client;
  taskQueue: string;
}

export type CycleClient = ReturnType<typeof createCycleClient>;

function startOptions(payment: FailedPayment, taskQueue: string) {
  const doc = documentOf(payment);
  return {
    workflowId: cycleWorkflowId(doc),
    taskQueue,
    args: [{ payment }] as [RetryCycleStart],
    // Visible in the UI at once; the workflow upserts the rest as the cycle moves.
    typedSearchAttributes: new TypedSearchAttributes([
      { key: AccountId, value: payment.account_id },
      { key: CycleStatus, value: 'in_retry' },
      doc.type === 'invoice' ? { key: InvoiceId, value: doc.id } : { key: DebitMemoId, value: doc.id },
    ]),
    memo: { amount: payment.amount, currency: payment.currency },
    staticSummary: `Retry cycle for ${doc.type.replace('_', ' ')} ${doc.id}: ${payment.amount} ${payment.currency}`,
  };
}

const requester = (by?: string) => (by ? { requested_by: by } : {});

/** Signals sent to a cycle that has just ended are not errors: there is nothing left to act on. */
async function ignoreEnded(send: () => Promise<void>): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** An Update sent to a cycle that has ended answers null: there was nothing to act on. */
async function nullIfEnded(send: () => Promise<ActionResult>): Promise<ActionResult | null> {
  try {
    return await send();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

export function createCycleClient({ client, taskQueue }: CycleClientOptions) {
  const handle = (doc: DocumentRef): WorkflowHandle => client.workflow.getHandle(cycleWorkflowId(doc));

  return {
    handle,

    /**
     * Update-with-start: joins the document's active cycle or opens a new one, and answers once the
     * payment is recorded in it (read-your-writes for the REST submit).
     */
    async submit(payment: FailedPayment): Promise<SubmitResult> {
      const startWorkflowOperation = new WithStartWorkflowOperation(RETRY_CYCLE_WORKFLOW, {
        ...startOptions(payment, taskQueue),
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      return await client.workflow.executeUpdateWithStart(submitFailedPayment, {
        args: [payment],
        startWorkflowOperation,
      });
    },

    /** Signal-with-start: the same, for callers that cannot wait. */
    async submitAsync(payment: FailedPayment): Promise<{ workflow_id: string }> {
      const options = startOptions(payment, taskQueue);
      await client.workflow.signalWithStart(RETRY_CYCLE_WORKFLOW, {
        ...options,
        signal: failedPaymentSubmitted,
        signalArgs: [payment],
      });
      return { workflow_id: options.workflowId };
    },

    /** The live cycle in Zuora's shape, or null when the document has no running cycle. */
    async state(doc: DocumentRef): Promise<ZuoraCycle | null> {
      try {
        const h = handle(doc);
        const description = await h.describe();
        if (description.status.name !== 'RUNNING') return null;
        return await h.query(stateQuery);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return null;
        throw err;
      }
    },

    async details(doc: DocumentRef): Promise<CycleDetails | null> {
      try {
        return await handle(doc).query(detailsQuery);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return null;
        throw err;
      }
    },

    executeNow: (doc: DocumentRef, by?: string) =>
      ignoreEnded(() => handle(doc).signal(executeNow, by ? { requested_by: by } : {})),
    remove: (doc: DocumentRef, by?: string, reason?: string) =>
      ignoreEnded(() =>
        handle(doc).signal(remove, { ...(by ? { requested_by: by } : {}), ...(reason ? { reason } : {}) }),
      ),
    paymentReceived: (doc: DocumentRef, payment: PaymentReceived) =>
      ignoreEnded(() => handle(doc).signal(paymentReceived, payment)),
    paymentMethodUpdated: (doc: DocumentRef, payment_method_id: string) =>
      ignoreEnded(() => handle(doc).signal(paymentMethodUpdated, { payment_method_id })),
    pause: (doc: DocumentRef, by?: string) =>
      ignoreEnded(() => handle(doc).signal(pause, by ? { requested_by: by } : {})),
    resume: (doc: DocumentRef, by?: string) =>
      ignoreEnded(() => handle(doc).signal(resume, by ? { requested_by: by } : {})),

    /**
     * The same actions as Updates, answering what really happened (`ActionResult`), or null when the
     * document has no running cycle. `remove` answers `removed` only once the end is stored and no
     * charge can start any more; a charge already at the gateway is waited for (up to 30 s).
     */
    confirmed: {
      execute: (doc: DocumentRef, by?: string) =>
        nullIfEnded(() => handle(doc).executeUpdate(executeNowConfirmed, { args: [requester(by)] })),
      remove: (doc: DocumentRef, by?: string, reason?: string) =>
        nullIfEnded(() =>
          handle(doc).executeUpdate(removeConfirmed, {
            args: [{ ...requester(by), ...(reason ? { reason } : {}) }],
          }),
        ),
      pause: (doc: DocumentRef, by?: string) =>
        nullIfEnded(() => handle(doc).executeUpdate(pauseConfirmed, { args: [requester(by)] })),
      resume: (doc: DocumentRef, by?: string) =>
        nullIfEnded(() => handle(doc).executeUpdate(resumeConfirmed, { args: [requester(by)] })),
    },
  };
}
