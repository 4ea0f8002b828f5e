import type { AttemptRecord } from './attempt-record';
import type { CycleStatus } from './cycle-status';
import type { DocumentType } from './failed-payment';
import type { ManualRetryStatus, StoredManualRetry } from './manual-retry';
import { formatAmount } from './money/currency';

// The SmartPay shapes of our cycles and manual retries (reference §8): a billing cycle is one of our
// retry cycles, its transactions are the cycle's attempts. The one mapping from what is stored to
// them; the API's response schemas (api/schemas/smartpay.ts) describe the same shapes.

export const BILLING_CYCLE_STATUSES = ['Captured', 'Failed', 'Error', 'Retrying'] as const;
export type BillingCycleStatus = (typeof BILLING_CYCLE_STATUSES)[number];

const CYCLE_STATUS: Record<CycleStatus, BillingCycleStatus> = {
  in_retry: 'Retrying',
  paused: 'Retrying',
  collected: 'Captured',
  collected_external: 'Captured',
  stopped_by_rule: 'Failed',
  attempts_exhausted: 'Failed',
  expired: 'Failed',
  removed: 'Failed',
  error: 'Error',
};

/** Our cycle status as SmartPay names it (an unknown one reads as still retrying). */
export function billingCycleStatus(status: string): BillingCycleStatus {
  return CYCLE_STATUS[status as CycleStatus] ?? 'Retrying';
}

export const SMARTPAY_RETRY_STATUSES = ['Pending', 'Captured', 'Failed', 'Error'] as const;
export type SmartPayRetryStatus = (typeof SMARTPAY_RETRY_STATUSES)[number];

const RETRY_STATUS: Record<ManualRetryStatus, SmartPayRetryStatus> = {
  pending: 'Pending',
  succeeded: 'Captured',
  declined: 'Failed',
  error: 'Error',
};

export interface ManualRetryView {
  id: string;
  createdAt: string;
  updatedAt: string;
  transactionId: string;
  reason: string;
  extraInfo: null;
  customReferences: null;
  criteria: null;
  targetMerchantAccountReference: null;
  billingCycleId: string;
  status: SmartPayRetryStatus;
  attemptNumber: number;
  amount: string;
  amountCollected: string | null;
  currency: string;
  executedAt: string | null;
  gatewayCode: string | null;
  gatewayMessage: string | null;
}

const iso = (d: Date) => d.toISOString();

export function manualRetryView(retry: StoredManualRetry, billingCycleId: string): ManualRetryView {
  return {
    id: retry.retryId,
    createdAt: iso(retry.createdAt),
    updatedAt: iso(retry.updatedAt),
    transactionId: retry.transactionId,
    reason: retry.reason,
    extraInfo: null,
    customReferences: null,
    criteria: null,
    targetMerchantAccountReference: null,
    billingCycleId,
    status: RETRY_STATUS[retry.status],
    attemptNumber: retry.attemptNumber,
    amount: formatAmount(retry.amount, retry.currency),
    amountCollected:
      retry.amountCollected === null ? null : formatAmount(retry.amountCollected, retry.currency),
    currency: retry.currency,
    executedAt: retry.executedAt ? iso(retry.executedAt) : null,
    gatewayCode: retry.gatewayCode,
    gatewayMessage: retry.gatewayResponse,
  };
}

/** A cycle as stored, with its attempts oldest first (the fields its view shows). */
export interface StoredBillingCycle {
  billingCycleId: string;
  startedAt: Date;
  updatedAt: Date;
  endedAt: Date | null;
  dueDate: string | null;
  status: string;
  endReason: string | null;
  amount: string;
  outstanding: string;
  amountCollected: string;
  currency: string;
  subscriptionId: string | null;
  accountId: string;
  documentType: DocumentType;
  documentId: string;
  paymentMethodId: string;
  attempts: AttemptRecord[];
}

export interface TransactionView {
  id: string;
  attemptNumber: number;
  executedAt: string;
  amount: string;
  amountCollected: string;
  currency: string;
  success: boolean;
  gatewayCode: string;
  gatewayMessage: string;
  source: string;
  cprGenerated: boolean;
}

export interface BillingCycleView {
  id: string;
  createdAt: string;
  updatedAt: string;
  paidAt: string | null;
  billingDate: string;
  billingPeriodStart: null;
  billingPeriodEnd: null;
  status: BillingCycleStatus;
  amount: string;
  currency: string;
  shortCardNumber: null;
  billingAgreementName: null;
  billingAgreementId: null;
  subscriptionId: string | null;
  accountId: string;
  documentType: DocumentType;
  documentId: string;
  paymentMethodId: string;
  outstanding: string;
  amountCollected: string;
  cycleStatus: string;
  endReason: string | null;
  transactions: TransactionView[];
}

/** When a captured cycle was paid: its last successful attempt, else when it ended. */
function paidAt(cycle: StoredBillingCycle): string | null {
  if (billingCycleStatus(cycle.status) !== 'Captured') return null;
  const paid = cycle.attempts.filter((a) => a.success).at(-1);
  if (paid) return paid.time_of_execution;
  return cycle.endedAt ? iso(cycle.endedAt) : iso(cycle.updatedAt);
}

export function billingCycleView(cycle: StoredBillingCycle): BillingCycleView {
  const money = (amount: string) => formatAmount(amount, cycle.currency);
  return {
    id: cycle.billingCycleId,
    createdAt: iso(cycle.startedAt),
    updatedAt: iso(cycle.updatedAt),
    paidAt: paidAt(cycle),
    billingDate: cycle.dueDate ?? iso(cycle.startedAt).slice(0, 10),
    billingPeriodStart: null,
    billingPeriodEnd: null,
    status: billingCycleStatus(cycle.status),
    amount: money(cycle.amount),
    currency: cycle.currency,
    shortCardNumber: null,
    billingAgreementName: null,
    billingAgreementId: null,
    subscriptionId: cycle.subscriptionId,
    accountId: cycle.accountId,
    documentType: cycle.documentType,
    documentId: cycle.documentId,
    paymentMethodId: cycle.paymentMethodId,
    outstanding: money(cycle.outstanding),
    amountCollected: money(cycle.amountCollected),
    cycleStatus: cycle.status,
    endReason: cycle.endReason,
    transactions: cycle.attempts.map((a) => ({
      id: a.transaction_id,
      attemptNumber: a.attempt_number,
      executedAt: a.time_of_execution,
      amount: formatAmount(a.amount, a.currency),
      amountCollected: formatAmount(a.amount_collected, a.currency),
      currency: a.currency,
      success: a.success,
      gatewayCode: a.gateway_code,
      gatewayMessage: a.gateway_response,
      source: a.source,
      cprGenerated: a.cpr_generated,
    })),
  };
}
