import type { DocumentType } from './failed-payment';

/** Our cycle status: the CycleStatus search attribute, stored on the cycle row and in `details`. */
export const ACTIVE_STATUSES = ['in_retry', 'paused'] as const;
export const FINAL_STATUSES = [
  'collected',
  'collected_external',
  'stopped_by_rule',
  'attempts_exhausted',
  'removed',
  'expired',
  'error',
] as const;
export type ActiveStatus = (typeof ACTIVE_STATUSES)[number];
export type FinalStatus = (typeof FINAL_STATUSES)[number];
export type CycleStatus = ActiveStatus | FinalStatus;

export type ZuoraStatus = 'Cycle Incomplete' | 'Cycle Complete';

export function zuoraStatus(status: CycleStatus): ZuoraStatus {
  return (ACTIVE_STATUSES as readonly string[]).includes(status) ? 'Cycle Incomplete' : 'Cycle Complete';
}

export function isFinal(status: CycleStatus): status is FinalStatus {
  return (FINAL_STATUSES as readonly string[]).includes(status);
}

/** One attempt, as the workflow keeps it and the attempts table stores it. */
export interface AttemptRecord {
  attempt_number: number;
  /** The original payment's id for an external failure, the gateway's payment id for ours. */
  zuora_payment_id: string;
  transaction_id: string;
  time_of_execution: string;
  source: string;
  cpr_generated: boolean;
  success: boolean;
  amount: string;
  amount_collected: string;
  currency: string;
  payment_method_id: string;
  idempotency_key: string | null;
  gateway_payment_id: string | null;
  action: 'Retry' | 'Stop' | null;
  retry_next: string | null;
  retry_next_at: string | null;
  retry_criteria: string | null;
  api_updated_retry_time: string | null;
  label: string;
  level: 'code' | 'description';
  customer_group_id: number;
  gateway_id: string;
  gateway_code: string;
  gateway_response: string;
}

/** Zuora's attempt object, field for field. */
export interface ZuoraAttempt {
  attempt_number: number;
  zuora_payment_id: string;
  time_of_execution: string;
  source: string;
  cpr_generated: boolean;
  success: boolean;
  amount_collected: string;
  action_info: { action: 'Retry' | 'Stop' };
  retry_info: { next?: string; criteria?: string; api_updated_retry_time?: string };
  mapping_info: { label: string; level: 'code' | 'description'; customer_group_id: number };
  gateway_info: { id: string; code: string; response: string };
}

/** Zuora's cycle object: the `state` query and the cycle endpoints answer exactly this. */
export interface ZuoraCycle {
  account_id: string;
  invoice_id?: string;
  debit_memo_id?: string;
  payment_method_id: string;
  currency: string;
  status: ZuoraStatus;
  current_attempt_number: number;
  next_attempt: string | null;
  customer_group: string;
  attempts: ZuoraAttempt[];
}

/** Our extensions, from the `details` query. */
export interface CycleDetails {
  workflow_id: string;
  cycle_id: number | null;
  billing_cycle_id: string | null;
  document_type: DocumentType;
  document_id: string;
  account_id: string;
  subscription_id: string | null;
  config_version: number;
  customer_group_id: number;
  customer_group: string;
  status: CycleStatus;
  end_reason: string | null;
  paused: boolean;
  amount: string;
  outstanding: string;
  currency: string;
  payment_method_id: string;
  next_attempt: string | null;
  started_at: string;
  ended_at: string | null;
}

/** What submitting a failed payment answers once it is recorded in the cycle. */
export interface SubmitResult {
  workflow_id: string;
  cycle_id: number;
  billing_cycle_id: string;
  /** false when this payment_id was already in the active cycle (a no-op). */
  added: boolean;
  attempt_number: number;
  /** Set when this payment opened a new cycle although the document's last cycle collected in full. */
  document_already_collected?: { cycle_id: number; billing_cycle_id: string; status: string };
}
