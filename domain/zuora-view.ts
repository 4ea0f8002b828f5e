import type { AttemptRecord } from './attempt-record';
import { type CycleStatus, type ZuoraStatus, zuoraStatus } from './cycle-status';
import type { DocumentType } from './failed-payment';

// The mapping from our records to Zuora's shapes, as the workflow's `state` query answers them. The
// six cycle GETs answer the same shapes built by Postgres (db/zuora-cycle-json.ts, so that an answer
// is never parsed, mapped and stringified again in the API); that SQL is a second implementation of
// toZuoraCycle, held equal to it by test/db/zuora-cycle-json.test.ts: change both together.

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

/** Zuora shows amounts as "0.0": at least one fraction digit. */
export function zuoraAmount(amount: string): string {
  const [int = '0', frac = ''] = amount.split('.');
  const trimmed = frac.replace(/0+$/, '');
  return `${int}.${trimmed || '0'}`;
}

export function toZuoraAttempt(a: AttemptRecord): ZuoraAttempt {
  const action = a.action ?? 'Retry';
  const retry_info: ZuoraAttempt['retry_info'] = {};
  if (action === 'Retry') {
    if (a.retry_next !== null) retry_info.next = a.retry_next;
    if (a.retry_criteria !== null) retry_info.criteria = a.retry_criteria;
    if (a.api_updated_retry_time !== null) retry_info.api_updated_retry_time = a.api_updated_retry_time;
  }
  return {
    attempt_number: a.attempt_number,
    zuora_payment_id: a.zuora_payment_id,
    time_of_execution: a.time_of_execution,
    source: a.source,
    cpr_generated: a.cpr_generated,
    success: a.success,
    amount_collected: zuoraAmount(a.amount_collected),
    action_info: { action },
    retry_info,
    mapping_info: { label: a.label, level: a.level, customer_group_id: a.customer_group_id },
    gateway_info: { id: a.gateway_id, code: a.gateway_code, response: a.gateway_response },
  };
}

export interface CycleViewInput {
  account_id: string;
  document_type: DocumentType;
  document_id: string;
  payment_method_id: string;
  currency: string;
  status: CycleStatus;
  next_attempt: string | null;
  customer_group: string;
  attempts: AttemptRecord[];
}

export function toZuoraCycle(c: CycleViewInput): ZuoraCycle {
  const status = zuoraStatus(c.status);
  return {
    account_id: c.account_id,
    ...(c.document_type === 'invoice' ? { invoice_id: c.document_id } : { debit_memo_id: c.document_id }),
    payment_method_id: c.payment_method_id,
    currency: c.currency,
    status,
    current_attempt_number: c.attempts.length,
    next_attempt: status === 'Cycle Incomplete' ? c.next_attempt : null,
    customer_group: c.customer_group,
    attempts: [...c.attempts].sort((x, y) => x.attempt_number - y.attempt_number).map(toZuoraAttempt),
  };
}
