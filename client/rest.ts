import type { z } from '@hono/zod-openapi';
import { paymentRoutes } from '../api/routes/payment-routes';
import type { FailedPayment } from '../workflows/failed-payment';

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
/** Every error the API answers. */
export interface ApiErrorBody {
  success: false;
  message: string;
  errors?: { path: string; message: string }[];
}

/** A non-2xx answer: its status and its body (the API's error shape, or the raw text). */
export class RestClientError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody | string,
    readonly operation: string,
  ) {
    super(`${operation} failed with ${status}: ${typeof body === 'string' ? body : body.message}`);
    this.name = 'RestClientError';
  }
}

export interface RestClientOptions {
  /** e.g. `http://127.0.0.1:3000`; no trailing path. */
  baseUrl: string;
  /** HTTP Basic user: the API user's email. */
  email: string;
  /** HTTP Basic password: the user's API token. */
  token: string;
  fetch?: typeof fetch;
}

export type RestClient = ReturnType<typeof createRestClient>;

export function createRestClient({ baseUrl, email, token, fetch: fetchFn = fetch }: RestClientOptions) {
  const base = baseUrl.replace(/\/+$/, '');
  const authorization = `Basic ${Buffer.from(`${email}:${token}`).toString('base64')}`;

  async function call<T>(name: RouteName, params: Record<string, string> = {}, body?: unknown): Promise<T> {
    const route = paymentRoutes[name];
    const path = route.path.replace(/\{(\w+)\}/g, (_, key: string) => {
      const value = params[key];
      if (value === undefined) throw new TypeError(`${name}: missing path parameter ${key}`);
      return encodeURIComponent(value);
    });
    const res = await fetchFn(`${base}${path}`, {
      method: route.method.toUpperCase(),
      headers: {
        Authorization: authorization,
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (a proxy's error page, say): keep the text.
    }
    const operation = route.operationId ?? name;
    if (!res.ok) throw new RestClientError(res.status, parsed as ApiErrorBody | string, operation);
    return parsed as T;
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
