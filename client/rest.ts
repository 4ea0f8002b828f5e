import type { z } from '@hono/zod-openapi';
import { paymentRoutes } from '../api/routes/payment-routes';
import type { FailedPayment } from '../domain/failed-payment';
import { createJsonCaller, type JsonCallerOptions } from './json-call';

// A typed client for the CPR REST API, for TypeScript services that speak HTTP rather than Temporal.
// Paths and body types come from the route definitions the server serves, so the two cannot drift.

type Routes = typeof paymentRoutes;
type RouteName = keyof Routes;
type JsonOf<R, S extends number> = R extends {
  responses: { [K in S]: { content: { 'application/json': { schema: infer T extends z.ZodType } } } };
}
  ? z.infer<T>
  : never;
type RequestOf<R> = R extends {
  request: { body: { content: { 'application/json': { schema: infer T extends z.ZodType } } } };
}
  ? z.input<T>
  : never;

export type ActiveInvoiceCycles = JsonOf<Routes['activeInvoiceCycleRoute'], 200>;
export type ActiveDebitMemoCycles = JsonOf<Routes['activeDebitMemoCycleRoute'], 200>;
export type ActiveAccountCycles = JsonOf<Routes['activeAccountCycleRoute'], 200>;
export type InvoiceCycleHistory = JsonOf<Routes['invoiceCycleHistoryRoute'], 200>;
export type DebitMemoCycleHistory = JsonOf<Routes['debitMemoCycleHistoryRoute'], 200>;
export type AccountCycleHistory = JsonOf<Routes['accountCycleHistoryRoute'], 200>;
export type ActionResult = JsonOf<Routes['executeInvoicePaymentRoute'], 200>;
export type ExecutePaymentsRequest = RequestOf<Routes['executePaymentsRoute']>;
export type SubmitFailedPaymentRequest = RequestOf<Routes['submitFailedPaymentRoute']>;
export type RegisteredFailedPayment = JsonOf<Routes['registerFailedPaymentRoute'], 201>;
export { type ApiErrorBody, RestClientError } from './json-call';

export type RestClientOptions = JsonCallerOptions;

export type RestClient = ReturnType<typeof createRestClient>;

export function createRestClient(opts: RestClientOptions) {
  const send = createJsonCaller(opts);

  async function call<T>(name: RouteName, params: Record<string, string> = {}, body?: unknown): Promise<T> {
    const route = paymentRoutes[name];
    const path = route.path.replace(/\{(\w+)\}/g, (_, key: string) => {
      const value = params[key];
      if (value === undefined) throw new TypeError(`${name}: missing path parameter ${key}`);
      return encodeURIComponent(value);
    });
    return await send<T>({
      method: route.method.toUpperCase(),
      path,
      body,
      operation: route.operationId ?? name,
    });
  }

  return {
    activeInvoiceCycles: (invoiceId: string) =>
      call<ActiveInvoiceCycles>('activeInvoiceCycleRoute', { invoice_id: invoiceId }),
    activeDebitMemoCycles: (debitMemoId: string) =>
      call<ActiveDebitMemoCycles>('activeDebitMemoCycleRoute', { debit_memo_id: debitMemoId }),
    activeAccountCycles: (accountId: string) =>
      call<ActiveAccountCycles>('activeAccountCycleRoute', { account_id: accountId }),
    invoiceCycleHistory: (invoiceId: string) =>
      call<InvoiceCycleHistory>('invoiceCycleHistoryRoute', { invoice_id: invoiceId }),
    debitMemoCycleHistory: (debitMemoId: string) =>
      call<DebitMemoCycleHistory>('debitMemoCycleHistoryRoute', { debit_memo_id: debitMemoId }),
    accountCycleHistory: (accountId: string) =>
      call<AccountCycleHistory>('accountCycleHistoryRoute', { account_id: accountId }),
    executeInvoicePayment: (invoiceId: string) =>
      call<ActionResult>('executeInvoicePaymentRoute', { invoice_id: invoiceId }),
    executeDebitMemoPayment: (debitMemoId: string) =>
      call<ActionResult>('executeDebitMemoPaymentRoute', { debit_memo_id: debitMemoId }),
    executeAccountPayments: (accountId: string) =>
      call<ActionResult>('executeAccountPaymentsRoute', { account_id: accountId }),
    executePayments: (ids: ExecutePaymentsRequest) => call<ActionResult>('executePaymentsRoute', {}, ids),
    removeInvoiceFromRetryCycle: (invoiceId: string) =>
      call<ActionResult>('removeInvoiceRoute', { invoice_id: invoiceId }),
    removeDebitMemoFromRetryCycle: (debitMemoId: string) =>
      call<ActionResult>('removeDebitMemoRoute', { debit_memo_id: debitMemoId }),
    removeAccountFromRetryCycle: (accountId: string) =>
      call<ActionResult>('removeAccountRoute', { account_id: accountId }),
    /** Zuora's `{ payment_id }`, or the whole failed payment when it was not registered. */
    submitFailedPayment: (body: SubmitFailedPaymentRequest) =>
      call<ActionResult>('submitFailedPaymentRoute', {}, body),
    /** Registers a payment for a later `submitFailedPayment({ payment_id })`; 200 or 201. */
    registerFailedPayment: (payment: FailedPayment) =>
      call<RegisteredFailedPayment>('registerFailedPaymentRoute', {}, payment),
  };
}
