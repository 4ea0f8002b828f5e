// Zuora's published examples (seeds 002-004, reference §3.2-3.4), kept once as JSON: the OpenAPI
// document shows them, and test/api/seed-examples.test.ts checks they validate against our schemas.
import accountCycleHistory from '../examples/account_cycle_history.json' with { type: 'json' };
import activeInvoiceCycles from '../examples/active_invoice_cycle_information.json' with { type: 'json' };
import executeInvoicePayment from '../examples/execute_invoice_payment.json' with { type: 'json' };
import executePayments from '../examples/execute_payments.json' with { type: 'json' };
import executePaymentsRequest from '../examples/execute_payments_request.json' with { type: 'json' };
import invoiceCycleHistory from '../examples/invoice_cycle_history.json' with { type: 'json' };
import removeInvoice from '../examples/remove_invoice_from_retry_cycle.json' with { type: 'json' };
import submitFailedPayment from '../examples/submit_failed_payment.json' with { type: 'json' };
import submitFailedPaymentRequest from '../examples/submit_failed_payment_request.json' with { type: 'json' };

export const activeInvoiceCyclesExample = activeInvoiceCycles;
export const invoiceCycleHistoryExample = invoiceCycleHistory;
export const accountCycleHistoryExample = accountCycleHistory;
export const executePaymentsRequestExample = executePaymentsRequest;
export const executeExample = executeInvoicePayment;
export const executePaymentsExample = executePayments;
export const removeExample = removeInvoice;
export const submitRequestExample = submitFailedPaymentRequest;
export const submitExample = submitFailedPayment;
