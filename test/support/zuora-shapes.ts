import { expect } from 'vitest';
import type { FailedPayment } from '../../domain/failed-payment';

/** An ISO instant in UTC with milliseconds, as Zuora writes `next_attempt` and `time_of_execution`. */
export const UTC_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * Attempt 1 as the Zuora views show it, for a `failedPayment()` fixture (insufficient funds, source
 * PR-00000371) under the test rules (a soft decline in customer group 2, retried after a delay).
 */
export function expectedFirstAttempt(payment: FailedPayment) {
  return {
    attempt_number: 1,
    zuora_payment_id: payment.payment_id,
    time_of_execution: expect.stringMatching(UTC_MS),
    source: 'PR-00000371',
    cpr_generated: false,
    success: false,
    amount_collected: '0.0',
    action_info: { action: 'Retry' },
    retry_info: { next: expect.stringMatching(/\.\d{3}(Z|[+-]\d\d:\d\d)$/), criteria: 'incremental_time' },
    mapping_info: { label: 'Soft Decline', level: 'code', customer_group_id: 2 },
    gateway_info: { id: 'sim', code: 'insufficient_funds', response: 'Your card has insufficient funds.' },
  };
}
