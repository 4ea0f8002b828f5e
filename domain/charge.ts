import type { DocumentRef } from './failed-payment';

// One charge as every gateway adapter takes and answers it (activities/gateway/port.ts says what a
// result means against a thrown error), and the one idempotency key an attempt charges under.

export type ChargeStatus = 'approved' | 'declined' | 'error';

export interface ChargeRequest {
  gateway_id: string;
  payment_method_id: string;
  /** Decimal string in major units, e.g. "100.00". */
  amount: string;
  /** ISO 4217, e.g. "USD". */
  currency: string;
  /** `chargeKey(cycle, attempt)`; reused verbatim on every retry of the same attempt. */
  idempotency_key: string;
  metadata?: Record<string, string>;
  // Who pays for what, from the cycle's first failed payment. Optional because charges scheduled
  // before they were added carry none; a gateway that charges a customer's saved method (Stripe)
  // needs the account, and one that owns the document (a Stripe invoice) pays the document itself.
  account_id?: string;
  /** The failed payment's `account` fields (e.g. `stripe_customer_id`). */
  account?: Record<string, unknown>;
  document?: DocumentRef;
  /** The failed payment's `source` (e.g. `stripe_billing` for the Stripe Billing connector). */
  source?: string;
  /**
   * When the attempt was due (ISO-8601), for the worker's lateness histogram; optional because
   * charges scheduled before it was added carry none, and a manual retry is due when it is asked.
   */
  due_at?: string;
}

export interface ChargeResult {
  status: ChargeStatus;
  code: string;
  message: string;
  gateway_payment_id: string | null;
  /** Decimal string; "0"/"0.00" unless approved. */
  amount_collected: string;
}

/**
 * The gateway idempotency key of attempt `attemptNumber` of cycle `cycleId`: the scheduled attempts,
 * executes and manual retries all charge under it, so one attempt can never be charged twice.
 */
export function chargeKey(cycleId: number, attemptNumber: number): string {
  return `cycle-${cycleId}-attempt-${attemptNumber}`;
}

const CHARGE_KEY = /^cycle-(\d+)-attempt-(\d+)$/;

/**
 * Whether `key` is one `chargeKey` made: a gateway event carrying it (Stripe's `request.idempotency_key`)
 * was caused by one of our own charges, which its cycle records itself.
 */
export function isChargeKey(key: string | null | undefined): boolean {
  return typeof key === 'string' && CHARGE_KEY.test(key);
}
