import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { DocumentType, FailedPayment } from '../domain/failed-payment';
import type { ManualRetryInput, ManualRetryOutcome, StoredManualRetry } from '../domain/manual-retry';
import { MANUAL_RETRY_WORKFLOW } from '../workflows/messages';

// Starts and awaits the short ManualRetry workflow. The retry row in Postgres is the source of truth:
// it fixes the workflow id and the charge key, so starting again is always safe.

/** The fields of the retried cycle's row this client reads. */
export interface StoredCycle {
  id: number;
  billingCycleId: string;
  documentType: DocumentType;
  documentId: string;
  accountId: string;
  /**
   * The `account` and `source` of the payment that opened the cycle (db/payment-claims.ts
   * `openingPayerOf`); null or absent for a cycle opened before claims kept them.
   */
  openingPayer?: Pick<FailedPayment, 'account' | 'source'> | null;
}

/** How long the API waits for a retry's charge to answer before answering it as Pending. */
export const DEFAULT_MANUAL_RETRY_WAIT_MS = 30_000;

export interface ManualRetryClientOptions {
  client: Client;
  taskQueue: string;
  /** Default {@link DEFAULT_MANUAL_RETRY_WAIT_MS}. */
  waitMs?: number;
}

export type ManualRetryClient = ReturnType<typeof createManualRetryClient>;

export function manualRetryInputOf(retry: StoredManualRetry, cycle: StoredCycle): ManualRetryInput {
  return {
    retry_id: retry.retryId,
    cycle_id: cycle.id,
    attempt_number: retry.attemptNumber,
    idempotency_key: retry.chargeKey,
    gateway_id: retry.gatewayId,
    payment_method_id: retry.paymentMethodId,
    amount: retry.amount,
    currency: retry.currency,
    document: `${cycle.documentType}:${cycle.documentId}`,
    // The same who-pays-for-what as the cycle's own charges (workflows/cycle-loop.ts, domain/payer.ts).
    payer: {
      account_id: cycle.accountId,
      document: { type: cycle.documentType, id: cycle.documentId },
      ...(cycle.openingPayer?.account ? { account: cycle.openingPayer.account } : {}),
      ...(cycle.openingPayer?.source !== undefined ? { source: cycle.openingPayer.source } : {}),
    },
  };
}

export function createManualRetryClient({ client, taskQueue, waitMs }: ManualRetryClientOptions) {
  const wait = waitMs ?? DEFAULT_MANUAL_RETRY_WAIT_MS;
  return {
    /**
     * Starts the retry's workflow unless a run is open or has completed. A run that failed or was
     * terminated before recording is started again: same key, so the gateway cannot charge twice.
     */
    async ensureStarted(retry: StoredManualRetry, cycle: StoredCycle): Promise<void> {
      try {
        await client.workflow.start(MANUAL_RETRY_WORKFLOW, {
          workflowId: retry.workflowId,
          taskQueue,
          args: [manualRetryInputOf(retry, cycle)],
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
          memo: { cycle_id: cycle.id, retry_id: retry.retryId },
          staticSummary: `Manual retry ${retry.retryId} of ${cycle.billingCycleId}: ${retry.amount} ${retry.currency}`,
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    },

    /** The outcome once the run has recorded it, or undefined when it takes longer than the wait. */
    async outcome(workflowId: string, ms = wait): Promise<ManualRetryOutcome | undefined> {
      if (ms <= 0) return undefined;
      try {
        return await client.withAbortSignal(AbortSignal.timeout(ms), () =>
          client.workflow.getHandle(workflowId).result(),
        );
      } catch {
        // Timed out, or the run failed: the retry row says where it stands either way.
        return undefined;
      }
    },
  };
}
