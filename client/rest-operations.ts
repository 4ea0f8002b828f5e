// The CPR REST operations the client calls: method, path template and Zuora's operationId, written out
// here so the client needs none of the server's route modules. test/client/rest-types.test.ts checks
// every one against the server's /openapi.json.

export interface RestOperation {
  method: 'GET' | 'PUT' | 'POST';
  /** `{name}` marks a path parameter. */
  path: string;
  operationId: string;
}

const P = '/api/v1/payments';

export const restOperations = {
  activeInvoiceCycles: {
    method: 'GET',
    path: `${P}/active_invoice_cycle_information/{invoice_id}`,
    operationId: 'GET_ActiveInvoiceCycle',
  },
  activeDebitMemoCycles: {
    method: 'GET',
    path: `${P}/active_debit_memo_cycle_information/{debit_memo_id}`,
    operationId: 'GET_ActiveDebitMemoCycle',
  },
  activeAccountCycles: {
    method: 'GET',
    path: `${P}/active_account_cycle_information/{account_id}`,
    operationId: 'GET_ActiveAccountCycle',
  },
  invoiceCycleHistory: {
    method: 'GET',
    path: `${P}/invoice_cycle_history/{invoice_id}`,
    operationId: 'GET_InvoiceCycleHistory',
  },
  debitMemoCycleHistory: {
    method: 'GET',
    path: `${P}/debit_memo_cycle_history/{debit_memo_id}`,
    operationId: 'GET_DebitMemoCycleHistory',
  },
  accountCycleHistory: {
    method: 'GET',
    path: `${P}/account_cycle_history/{account_id}`,
    operationId: 'GET_AccountCycleHistory',
  },
  executeInvoicePayment: {
    method: 'PUT',
    path: `${P}/execute_invoice_payment/{invoice_id}`,
    operationId: 'PUT_ExecuteInvoicePayment',
  },
  executeDebitMemoPayment: {
    method: 'PUT',
    path: `${P}/execute_debit_memo_payment/{debit_memo_id}`,
    operationId: 'PUT_ExecuteDebitMemoPayment',
  },
  executeAccountPayments: {
    method: 'PUT',
    path: `${P}/execute_account_payments/{account_id}`,
    operationId: 'PUT_ExecuteAccountPayments',
  },
  executePayments: { method: 'POST', path: `${P}/execute_payments`, operationId: 'POST_ExecutePayments' },
  removeInvoiceFromRetryCycle: {
    method: 'PUT',
    path: `${P}/remove_invoice_from_retry_cycle/{invoice_id}`,
    // Zuora's spelling.
    operationId: 'PUT_RemoveInoviceFromCycle',
  },
  removeDebitMemoFromRetryCycle: {
    method: 'PUT',
    path: `${P}/remove_debit_memo_from_retry_cycle/{debit_memo_id}`,
    operationId: 'PUT_RemoveDebitMemoFromCycle',
  },
  removeAccountFromRetryCycle: {
    method: 'PUT',
    path: `${P}/remove_account_from_retry_cycle/{account_id}`,
    operationId: 'PUT_RemoveAccountFromCycle',
  },
  submitFailedPayment: {
    method: 'POST',
    path: `${P}/submit_failed_payment`,
    operationId: 'POST_SubmitPaymentToCycle',
  },
  registerFailedPayment: {
    method: 'POST',
    path: `${P}/failed_payments`,
    operationId: 'POST_RegisterFailedPayment',
  },
} as const satisfies Record<string, RestOperation>;

export type RestOperationName = keyof typeof restOperations;
