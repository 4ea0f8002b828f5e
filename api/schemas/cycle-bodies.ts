import type { ZuoraAttempt, ZuoraCycle } from '../../workflows/cycle-types';
import type { AccountCycleBody, DebitMemoCycleBody, InvoiceCycleBody, ZuoraAttemptBody } from './zuora';

// From `toZuoraCycle`'s output (the state query or the history rows) to the exact body of each
// endpoint: field by field, in Zuora's order, so nothing else can slip into an answer.

export function attemptBody(a: ZuoraAttempt): ZuoraAttemptBody {
  const retry_info: ZuoraAttemptBody['retry_info'] = {};
  if (a.retry_info.next !== undefined) retry_info.next = a.retry_info.next;
  if (a.retry_info.criteria !== undefined) retry_info.criteria = a.retry_info.criteria;
  if (a.retry_info.api_updated_retry_time !== undefined) {
    retry_info.api_updated_retry_time = a.retry_info.api_updated_retry_time;
  }
  return {
    attempt_number: a.attempt_number,
    zuora_payment_id: a.zuora_payment_id,
    time_of_execution: a.time_of_execution,
    source: a.source,
    cpr_generated: a.cpr_generated,
    success: a.success,
    amount_collected: a.amount_collected,
    action_info: { action: a.action_info.action },
    retry_info,
    mapping_info: {
      label: a.mapping_info.label,
      level: a.mapping_info.level,
      customer_group_id: a.mapping_info.customer_group_id,
    },
    gateway_info: { id: a.gateway_info.id, code: a.gateway_info.code, response: a.gateway_info.response },
  };
}

const rest = (c: ZuoraCycle) => ({
  payment_method_id: c.payment_method_id,
  currency: c.currency,
  status: c.status,
  current_attempt_number: c.current_attempt_number,
  next_attempt: c.status === 'Cycle Incomplete' ? c.next_attempt : null,
  customer_group: c.customer_group,
  attempts: c.attempts.map(attemptBody),
});

export function invoiceCycleBody(c: ZuoraCycle, invoiceId: string): InvoiceCycleBody {
  return { account_id: c.account_id, invoice_id: c.invoice_id ?? invoiceId, ...rest(c) };
}

export function debitMemoCycleBody(c: ZuoraCycle, debitMemoId: string): DebitMemoCycleBody {
  return { account_id: c.account_id, debit_memo_id: c.debit_memo_id ?? debitMemoId, ...rest(c) };
}

export function accountCycleBody(c: ZuoraCycle): AccountCycleBody {
  return {
    account_id: c.account_id,
    ...(c.invoice_id !== undefined
      ? { invoice_id: c.invoice_id }
      : c.debit_memo_id !== undefined
        ? { debit_memo_id: c.debit_memo_id }
        : {}),
    ...rest(c),
  };
}
