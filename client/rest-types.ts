import type { FailedPayment } from '../domain/failed-payment';
import type { ZuoraCycle } from '../domain/zuora-view';

// The bodies of the CPR REST API as the client sees them, built from the domain's Zuora view so the
// client loads nothing of the server. test/client/rest-types.test.ts checks at compile time that each
// one equals what the route definitions (api/routes/payments/routes.ts) infer, so they cannot drift.

type DocumentFields = 'invoice_id' | 'debit_memo_id';

/** Zuora's cycle object of an invoice: it names the invoice, never a debit memo. */
export interface InvoiceCycle extends Omit<ZuoraCycle, DocumentFields> {
  invoice_id: string;
}
/** Zuora's cycle object of a debit memo. */
export interface DebitMemoCycle extends Omit<ZuoraCycle, DocumentFields> {
  debit_memo_id: string;
}
/** Zuora's cycle object of an account: each names its invoice or its debit memo. */
export type AccountCycle = ZuoraCycle;

export interface ActiveInvoiceCycles {
  cycles: InvoiceCycle[];
}
export interface ActiveDebitMemoCycles {
  cycles: DebitMemoCycle[];
}
export interface ActiveAccountCycles {
  cycles: AccountCycle[];
}
export type InvoiceCycleHistory = ActiveInvoiceCycles;
export type DebitMemoCycleHistory = ActiveDebitMemoCycles;
export type AccountCycleHistory = ActiveAccountCycles;

/** What execute and remove answer: Zuora's `{ success, message }`, the message listing the cycle ids. */
export interface OperationResult {
  success: boolean;
  message: string;
}

/** Ours: the payment (a new payment_id) opened a new cycle although the document's last one collected. */
export interface SubmitWarning {
  code: 'document_already_collected';
  message: string;
  previous_cycle_id: number;
  previous_billing_cycle_id: string;
  cycle_id: number;
  billing_cycle_id: string;
}

export interface SubmitFailedPaymentResponse extends OperationResult {
  warning?: SubmitWarning;
}

export interface ExecutePaymentsRequest {
  account_ids?: string[];
  invoice_ids?: string[];
  debit_memo_ids?: string[];
}

/** Zuora's `{ payment_id }` of a registered payment, or the payment's details with it. */
export interface SubmitFailedPaymentRequest extends Partial<Omit<FailedPayment, 'payment_id'>> {
  payment_id: FailedPayment['payment_id'];
}

export interface RegisteredFailedPayment {
  success: true;
  payment_id: string;
}
