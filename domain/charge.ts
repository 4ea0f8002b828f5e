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
