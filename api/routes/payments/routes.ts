import { createRoute, z } from '@hono/zod-openapi';
import { errorSchema } from '../../errors';
import { idempotencyKeyHeader } from '../../idempotency';
import { badRequest, basicSecurity, forbidden, jsonResponse, unauthorized } from '../../responses';
import {
  failedPaymentBodySchema,
  registeredPaymentSchema,
  submitFailedPaymentRequestSchema,
} from '../../schemas/failed-payments';
import {
  accountCycleHistorySchema,
  activeAccountCyclesSchema,
  activeDebitMemoCyclesSchema,
  activeInvoiceCyclesSchema,
  debitMemoCycleHistorySchema,
  executePaymentsRequestSchema,
  executePaymentsResponseSchema,
  executeResponseSchema,
  invoiceCycleHistorySchema,
  removeResponseSchema,
  submitResponseSchema,
} from '../../schemas/zuora';

// The definitions of Zuora's CPR payment routes (reference §2, operationIds as Zuora names them) plus
// our registration of failed payments. Handlers are in cycles-read.ts, cycles-write.ts and submit.ts;
// client/rest.ts keeps its own copy of the paths and bodies (it must not load the server), held equal to
// these by test/client/rest-contract.test.ts.

const json = jsonResponse;
const e400 = badRequest;
const e401 = unauthorized;
const e503 = json(errorSchema, 'The workflow service (Temporal) is unreachable; try again shortly');
const security = basicSecurity;
const tags = ['Configurable Payment Retry'];

const id = z.string().min(1).max(200);
const invoiceParam = z.object({
  invoice_id: id.openapi({
    param: { name: 'invoice_id', in: 'path' },
    description: 'ID of an invoice',
    example: '2c92c0f8778bf8cd017798168cb50e0b',
  }),
});
const debitMemoParam = z.object({
  debit_memo_id: id.openapi({
    param: { name: 'debit_memo_id', in: 'path' },
    description: 'ID of a debit memo',
    example: '2c92c0fa7853052701785a38f3bb267f',
  }),
});
const accountParam = z.object({
  account_id: id.openapi({
    param: { name: 'account_id', in: 'path' },
    description: 'ID of an account',
    example: '2c92c0f96bd69165016bdcbf55ad5e62',
  }),
});

const P = '/api/v1/payments';

const getCycles = <S extends z.ZodType, R extends z.ZodObject>(
  operationId: string,
  path: string,
  params: R,
  schema: S,
  summary: string,
  description: string,
) =>
  createRoute({
    method: 'get',
    path,
    operationId,
    tags,
    summary,
    description: `${description} An unknown id answers \`{"cycles": []}\`.`,
    security,
    request: { params },
    // Read from Postgres only: no Temporal call, so no 503 for Temporal being down.
    responses: { 200: json(schema, 'The cycles'), 400: e400, 401: e401 },
  });

const ACTIVE =
  'Gets the active retry cycles (in retry or paused, status "Cycle Incomplete"): a cycle is listed, with its attempt, as soon as its submit has answered, and every later change as soon as its workflow has recorded it.';
const HISTORY = 'Gets every retry cycle, completed and active, oldest first.';

export const activeInvoiceCycleRoute = getCycles(
  'GET_ActiveInvoiceCycle',
  `${P}/active_invoice_cycle_information/{invoice_id}`,
  invoiceParam,
  activeInvoiceCyclesSchema,
  'List the active retry cycles for an invoice',
  ACTIVE,
);
export const activeDebitMemoCycleRoute = getCycles(
  'GET_ActiveDebitMemoCycle',
  `${P}/active_debit_memo_cycle_information/{debit_memo_id}`,
  debitMemoParam,
  activeDebitMemoCyclesSchema,
  'List the active retry cycles for a debit memo',
  ACTIVE,
);
export const activeAccountCycleRoute = getCycles(
  'GET_ActiveAccountCycle',
  `${P}/active_account_cycle_information/{account_id}`,
  accountParam,
  activeAccountCyclesSchema,
  'List the active retry cycles for an account',
  `${ACTIVE} Covers every invoice and debit memo of the account.`,
);
export const invoiceCycleHistoryRoute = getCycles(
  'GET_InvoiceCycleHistory',
  `${P}/invoice_cycle_history/{invoice_id}`,
  invoiceParam,
  invoiceCycleHistorySchema,
  'List the retry cycle history for an invoice',
  HISTORY,
);
export const debitMemoCycleHistoryRoute = getCycles(
  'GET_DebitMemoCycleHistory',
  `${P}/debit_memo_cycle_history/{debit_memo_id}`,
  debitMemoParam,
  debitMemoCycleHistorySchema,
  'List the retry cycle history for a debit memo',
  HISTORY,
);
export const accountCycleHistoryRoute = getCycles(
  'GET_AccountCycleHistory',
  `${P}/account_cycle_history/{account_id}`,
  accountParam,
  accountCycleHistorySchema,
  'List the retry cycle history for an account',
  `${HISTORY} Covers every invoice and debit memo of the account.`,
);

const EXECUTE =
  "For every active retry cycle of the {what}, moves the next attempt to the next processor run (a paused cycle is resumed). Every charge passes the network rules first: when the payment method answered a never-retry code since it last paid, or has had 20 attempts in 30 days across every cycle, or the cycle is past max_cycle_days, the execute is refused, the attempt stays where the policy put it, and the refusal is recorded in the cycle's events. The message lists the numeric ids of the cycles the execute took effect on; refused ones follow as `Not executed: <id>: refused (<rule>), <why>`. No request body (one sent is ignored).";
const REMOVE =
  'Stops every active retry cycle of the {what}: each ends as "Cycle Complete" with no further attempt. The answer comes once the end is recorded, and no charge starts after it. A charge already at the gateway cannot be called back: the answer waits for it (up to 30 s); if it collected, the cycle ends as collected instead. The message lists the numeric ids of the cycles that were removed; the others follow as `Not removed: <id>: not_removed | pending, <why>`. No request body (one sent is ignored).';

const putAction = <R extends z.ZodObject>(
  operationId: string,
  path: string,
  params: R,
  schema: typeof executeResponseSchema,
  summary: string,
  description: string,
) =>
  createRoute({
    method: 'put',
    path,
    operationId,
    tags,
    summary,
    description,
    security,
    request: { params },
    responses: { 200: json(schema, 'Done'), 400: e400, 401: e401, 403: forbidden, 503: e503 },
  });

export const executeInvoicePaymentRoute = putAction(
  'PUT_ExecuteInvoicePayment',
  `${P}/execute_invoice_payment/{invoice_id}`,
  invoiceParam,
  executeResponseSchema,
  'Execute the invoice payment',
  EXECUTE.replace('{what}', 'invoice'),
);
export const executeDebitMemoPaymentRoute = putAction(
  'PUT_ExecuteDebitMemoPayment',
  `${P}/execute_debit_memo_payment/{debit_memo_id}`,
  debitMemoParam,
  executeResponseSchema,
  'Execute the debit memo payment',
  EXECUTE.replace('{what}', 'debit memo'),
);
export const executeAccountPaymentsRoute = putAction(
  'PUT_ExecuteAccountPayments',
  `${P}/execute_account_payments/{account_id}`,
  accountParam,
  executeResponseSchema,
  'Execute the account payments',
  EXECUTE.replace('{what}', "account's invoices and debit memos"),
);
export const removeInvoiceRoute = putAction(
  'PUT_RemoveInoviceFromCycle',
  `${P}/remove_invoice_from_retry_cycle/{invoice_id}`,
  invoiceParam,
  removeResponseSchema,
  'Remove an invoice from retry cycle',
  REMOVE.replace('{what}', 'invoice'),
);
export const removeDebitMemoRoute = putAction(
  'PUT_RemoveDebitMemoFromCycle',
  `${P}/remove_debit_memo_from_retry_cycle/{debit_memo_id}`,
  debitMemoParam,
  removeResponseSchema,
  'Remove a debit memo from retry cycle',
  REMOVE.replace('{what}', 'debit memo'),
);
export const removeAccountRoute = putAction(
  'PUT_RemoveAccountFromCycle',
  `${P}/remove_account_from_retry_cycle/{account_id}`,
  accountParam,
  removeResponseSchema,
  'Remove an account from retry cycle',
  REMOVE.replace('{what}', "account's invoices and debit memos"),
);

export const executePaymentsRoute = createRoute({
  method: 'post',
  path: `${P}/execute_payments`,
  operationId: 'POST_ExecutePayments',
  tags,
  summary: 'Execute payments',
  description:
    'For every active retry cycle of the accounts, invoices and debit memos named, moves the next attempt to the next processor run, as PUT execute_invoice_payment does (the same network rules, the same message). At least one id is required; at most 1,000 per list.',
  security,
  request: {
    body: { required: true, content: { 'application/json': { schema: executePaymentsRequestSchema } } },
  },
  responses: {
    200: json(executePaymentsResponseSchema, 'Done'),
    400: e400,
    401: e401,
    403: forbidden,
    503: e503,
  },
});

export const submitFailedPaymentRoute = createRoute({
  method: 'post',
  path: `${P}/submit_failed_payment`,
  operationId: 'POST_SubmitPaymentToCycle',
  tags,
  summary: 'Submit a payment to retry cycle',
  description:
    "Adds the failed payment to its document's active retry cycle, or opens a new cycle with it. Answers once the payment is recorded as an attempt, so the active endpoints list it at once. A payment enters a cycle once, ever: submitting the same payment_id again with identical details adds nothing and charges nothing, even after its cycle ended, and answers 200 with the header `Idempotent-Replayed: true`; with other details it answers 409. A new payment whose currency or account differs from the document's active cycle answers 409. A new payment for a document whose last cycle collected in full opens a cycle and says so in `warning`. Refused with 400 before anything starts: a currency that is not ISO 4217, an amount with more decimals than its currency has or with a leading zero, and a `gateway_id` that is not configured (the message lists the configured ones).",
  security,
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: submitFailedPaymentRequestSchema } },
    },
  },
  responses: {
    200: {
      ...json(
        submitResponseSchema,
        'Recorded in the retry cycle (or, for a payment_id already in one, the same answer again)',
      ),
      headers: {
        'Idempotent-Replayed': {
          description:
            '`true` when this payment_id had already entered a cycle: nothing was added or charged',
          schema: { type: 'string', enum: ['true'] },
        },
      },
    },
    400: e400,
    401: e401,
    403: forbidden,
    409: json(
      errorSchema,
      "The retry cycle did not accept the payment (its currency or account differs from the active cycle's), or the payment_id already entered a cycle with other details",
    ),
    503: e503,
  },
});

export const registerFailedPaymentRoute = createRoute({
  method: 'post',
  path: `${P}/failed_payments`,
  operationId: 'POST_RegisterFailedPayment',
  tags: ['Failed payments'],
  summary: 'Register a failed payment for a later submit_failed_payment',
  description:
    "Stores the payment's details, so Zuora's `submit_failed_payment` body `{ payment_id }` is enough. Does not open a cycle. Registering the same payment again with identical details answers 200; with different details 409. The payment is checked as `submit_failed_payment` checks it: an ISO 4217 currency, an amount with no more decimals than the currency has, and a configured `gateway_id` (400 otherwise, listing the configured ones).",
  security,
  request: {
    headers: z.object({ 'idempotency-key': idempotencyKeyHeader }),
    body: { required: true, content: { 'application/json': { schema: failedPaymentBodySchema } } },
  },
  responses: {
    200: json(registeredPaymentSchema, 'Already registered with identical details'),
    201: json(registeredPaymentSchema, 'Registered'),
    400: e400,
    401: e401,
    403: forbidden,
    409: json(
      errorSchema,
      'This payment_id is registered with different details, or a request with the same Idempotency-Key is still being processed',
    ),
    422: json(errorSchema, 'The Idempotency-Key was already used for a different request'),
  },
});

/** Every route of this module, for the OpenAPI test and the REST client's contract test. */
export const paymentRoutes = {
  activeInvoiceCycleRoute,
  activeDebitMemoCycleRoute,
  activeAccountCycleRoute,
  invoiceCycleHistoryRoute,
  debitMemoCycleHistoryRoute,
  accountCycleHistoryRoute,
  executeInvoicePaymentRoute,
  executeDebitMemoPaymentRoute,
  executeAccountPaymentsRoute,
  executePaymentsRoute,
  removeInvoiceRoute,
  removeDebitMemoRoute,
  removeAccountRoute,
  submitFailedPaymentRoute,
  registerFailedPaymentRoute,
};
