import type { AttemptRecord } from './attempt-record';
import { type CycleStatus, type StatusGroup, statusGroupOf } from './cycle-status';
import type { DocumentType } from './failed-payment';
import { formatAmount } from './money/currency';

// The operator console's cycle explorer (issue 15): a cycle as one row of the list, and as its page
// with the timeline (attempts and events) and its workflow. The one mapping from what is stored to
// these wire shapes; api/schemas/cycles.ts describes the same shapes. Amounts are written as the
// currency writes them (formatAmount), as the SmartPay views do.

/** A cycle row as stored (db/schema/cycles.ts), the fields the summary shows. */
export interface StoredCycle {
  id: number;
  billingCycleId: string;
  workflowId: string;
  documentType: DocumentType;
  documentId: string;
  accountId: string;
  subscriptionId: string | null;
  customerGroupId: number;
  customerGroupName: string;
  status: string;
  amount: string;
  outstanding: string;
  amountCollected: string;
  currency: string;
  nextAttemptAt: Date | null;
  startedAt: Date;
  endedAt: Date | null;
  configVersion: number;
}

/** What the list reads of a cycle's attempts beside the row (db/cycle-list.ts). */
export interface AttemptSummary {
  attemptCount: number;
  lastGatewayCode: string | null;
  lastLabel: string | null;
}

export interface CycleSummary {
  id: number;
  billing_cycle_id: string;
  workflow_id: string;
  document_type: DocumentType;
  document_id: string;
  account_id: string;
  subscription_id: string | null;
  customer_group_id: number;
  customer_group_name: string;
  status: CycleStatus;
  status_group: StatusGroup;
  amount: string;
  outstanding: string;
  amount_collected: string;
  currency: string;
  attempt_count: number;
  last_gateway_code: string | null;
  last_label: string | null;
  next_attempt_at: string | null;
  started_at: string;
  ended_at: string | null;
  config_version: number;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function cycleSummaryView(cycle: StoredCycle, attempts: AttemptSummary): CycleSummary {
  const money = (amount: string) => formatAmount(amount, cycle.currency);
  return {
    id: cycle.id,
    billing_cycle_id: cycle.billingCycleId,
    workflow_id: cycle.workflowId,
    document_type: cycle.documentType,
    document_id: cycle.documentId,
    account_id: cycle.accountId,
    subscription_id: cycle.subscriptionId,
    customer_group_id: cycle.customerGroupId,
    customer_group_name: cycle.customerGroupName,
    status: cycle.status as CycleStatus,
    status_group: statusGroupOf(cycle.status),
    amount: money(cycle.amount),
    outstanding: money(cycle.outstanding),
    amount_collected: money(cycle.amountCollected),
    currency: cycle.currency,
    attempt_count: attempts.attemptCount,
    // An opening failed payment has no label until the policy decided it: none is shown as null.
    last_gateway_code: attempts.lastGatewayCode,
    last_label: attempts.lastLabel || null,
    next_attempt_at: iso(cycle.nextAttemptAt),
    started_at: cycle.startedAt.toISOString(),
    ended_at: iso(cycle.endedAt),
    config_version: cycle.configVersion,
  };
}

/** One event of the cycle's audit trail (cycle_events), as stored. */
export interface StoredCycleEvent {
  seq: number;
  at: string;
  status: string;
  reason: string;
  detail: unknown;
}

/** A cycle with everything its page shows, read in one snapshot (db/cycle-list.ts). */
export interface StoredCycleDetail extends StoredCycle {
  runId: string;
  paymentId: string;
  paymentMethodId: string;
  gatewayId: string;
  endReason: string | null;
  dueDate: string | null;
  attempts: AttemptRecord[];
  events: StoredCycleEvent[];
}

/** An attempt as the timeline shows it: the stored record's own fields, nothing renamed. */
export type TimelineAttempt = Pick<
  AttemptRecord,
  | 'attempt_number'
  | 'time_of_execution'
  | 'source'
  | 'cpr_generated'
  | 'success'
  | 'amount'
  | 'amount_collected'
  | 'currency'
  | 'gateway_code'
  | 'gateway_response'
  | 'label'
  | 'level'
  | 'action'
  | 'retry_next'
  | 'retry_next_at'
  | 'retry_criteria'
  | 'api_updated_retry_time'
  | 'gateway_payment_id'
  | 'payment_method_id'
>;

export interface TimelineEvent {
  seq: number;
  at: string;
  status: string;
  reason: string;
  detail: unknown;
}

/** Where the cycle's workflow is: the run that opened the cycle, and its page in the Temporal UI. */
export interface WorkflowLink {
  id: string;
  run_id: string;
  namespace: string;
  ui_url: string | null;
}

export type CycleDetailView = CycleSummary & {
  payment_id: string;
  payment_method_id: string;
  gateway_id: string;
  end_reason: string | null;
  due_date: string | null;
  attempts: TimelineAttempt[];
  events: TimelineEvent[];
  workflow: WorkflowLink;
};

/** The Temporal UI's page of a run's history; null without a UI base URL. */
export function temporalUiUrl(
  ui: { baseUrl?: string | undefined; namespace: string },
  workflowId: string,
  runId: string,
): string | null {
  if (!ui.baseUrl) return null;
  const base = ui.baseUrl.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(ui.namespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
}

export function cycleDetailView(
  cycle: StoredCycleDetail,
  ui: { baseUrl?: string | undefined; namespace: string },
): CycleDetailView {
  const last = cycle.attempts.at(-1);
  return {
    ...cycleSummaryView(cycle, {
      attemptCount: cycle.attempts.length,
      lastGatewayCode: last?.gateway_code ?? null,
      lastLabel: last?.label ?? null,
    }),
    payment_id: cycle.paymentId,
    payment_method_id: cycle.paymentMethodId,
    gateway_id: cycle.gatewayId,
    end_reason: cycle.endReason,
    due_date: cycle.dueDate,
    attempts: cycle.attempts.map((a) => ({
      attempt_number: a.attempt_number,
      time_of_execution: a.time_of_execution,
      source: a.source,
      cpr_generated: a.cpr_generated,
      success: a.success,
      amount: formatAmount(a.amount, a.currency),
      amount_collected: formatAmount(a.amount_collected, a.currency),
      currency: a.currency,
      gateway_code: a.gateway_code,
      gateway_response: a.gateway_response,
      label: a.label,
      level: a.level,
      action: a.action,
      retry_next: a.retry_next,
      retry_next_at: a.retry_next_at,
      retry_criteria: a.retry_criteria,
      api_updated_retry_time: a.api_updated_retry_time,
      gateway_payment_id: a.gateway_payment_id,
      payment_method_id: a.payment_method_id,
    })),
    events: cycle.events.map((e) => ({ ...e })),
    workflow: {
      id: cycle.workflowId,
      run_id: cycle.runId,
      namespace: ui.namespace,
      ui_url: temporalUiUrl(ui, cycle.workflowId, cycle.runId),
    },
  };
}
