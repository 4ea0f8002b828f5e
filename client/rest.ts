import type { FailedPayment } from '../domain/failed-payment';
import { createJsonCaller, type JsonCallerOptions } from './json-call';
import { type RestOperationName, restOperations } from './rest-operations';
import type {
  AccountCycleHistory,
  ActiveAccountCycles,
  ActiveDebitMemoCycles,
  ActiveInvoiceCycles,
  DebitMemoCycleHistory,
  ExecutePaymentsRequest,
  InvoiceCycleHistory,
  OperationResult,
  RegisteredFailedPayment,
  SubmitFailedPaymentRequest,
  SubmitFailedPaymentResponse,
} from './rest-types';

// A typed client for the CPR REST API, for TypeScript services that speak HTTP rather than Temporal.
// It imports nothing of the server (it ships as `payment-retry/client/rest`): its paths are in
// rest-operations.ts and its bodies in rest-types.ts, both checked against the server by
// test/client/rest-types.test.ts.

export type { FailedPayment } from '../domain/failed-payment';
export type { ZuoraAttempt, ZuoraCycle } from '../domain/zuora-view';
export { type ApiErrorBody, RestClientError } from './json-call';
export type * from './rest-types';

export type RestClientOptions = JsonCallerOptions;

export type RestClient = ReturnType<typeof createRestClient>;

export function createRestClient(opts: RestClientOptions) {
  const send = createJsonCaller(opts);

  async function call<T>(
    name: RestOperationName,
    params: Record<string, string> = {},
    body?: unknown,
  ): Promise<T> {
    const { method, path, operationId } = restOperations[name];
    const filled = path.replace(/\{(\w+)\}/g, (_, key: string) => {
      const value = params[key];
      if (value === undefined) throw new TypeError(`${name}: missing path parameter ${key}`);
      return encodeURIComponent(value);
    });
    return await send<T>({ method, path: filled, body, operation: operationId });
  }

  return {
    activeInvoiceCycles: (invoiceId: string) =>
      call<ActiveInvoiceCycles>('activeInvoiceCycles', { invoice_id: invoiceId }),
    activeDebitMemoCycles: (debitMemoId: string) =>
      call<ActiveDebitMemoCycles>('activeDebitMemoCycles', { debit_memo_id: debitMemoId }),
    activeAccountCycles: (accountId: string) =>
      call<ActiveAccountCycles>('activeAccountCycles', { account_id: accountId }),
    invoiceCycleHistory: (invoiceId: string) =>
      call<InvoiceCycleHistory>('invoiceCycleHistory', { invoice_id: invoiceId }),
    debitMemoCycleHistory: (debitMemoId: string) =>
      call<DebitMemoCycleHistory>('debitMemoCycleHistory', { debit_memo_id: debitMemoId }),
    accountCycleHistory: (accountId: string) =>
      call<AccountCycleHistory>('accountCycleHistory', { account_id: accountId }),
    executeInvoicePayment: (invoiceId: string) =>
      call<OperationResult>('executeInvoicePayment', { invoice_id: invoiceId }),
    executeDebitMemoPayment: (debitMemoId: string) =>
      call<OperationResult>('executeDebitMemoPayment', { debit_memo_id: debitMemoId }),
    executeAccountPayments: (accountId: string) =>
      call<OperationResult>('executeAccountPayments', { account_id: accountId }),
    executePayments: (ids: ExecutePaymentsRequest) => call<OperationResult>('executePayments', {}, ids),
    removeInvoiceFromRetryCycle: (invoiceId: string) =>
      call<OperationResult>('removeInvoiceFromRetryCycle', { invoice_id: invoiceId }),
    removeDebitMemoFromRetryCycle: (debitMemoId: string) =>
      call<OperationResult>('removeDebitMemoFromRetryCycle', { debit_memo_id: debitMemoId }),
    removeAccountFromRetryCycle: (accountId: string) =>
      call<OperationResult>('removeAccountFromRetryCycle', { account_id: accountId }),
    /** Zuora's `{ payment_id }`, or the whole failed payment when it was not registered. */
    submitFailedPayment: (body: SubmitFailedPaymentRequest) =>
      call<SubmitFailedPaymentResponse>('submitFailedPayment', {}, body),
    /** Registers a payment for a later `submitFailedPayment({ payment_id })`; 200 or 201. */
    registerFailedPayment: (payment: FailedPayment) =>
      call<RegisteredFailedPayment>('registerFailedPayment', {}, payment),
  };
}
