import type { CycleStatus } from './cycle-status';
import type { DocumentType } from './failed-payment';

// What a cycle answers about itself beyond Zuora's shape: the `details` query, and a submit's answer.

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
