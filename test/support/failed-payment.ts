import type { FailedPayment } from '../../domain/failed-payment';
import { uniqueName } from './temporal';

let seq = 0;
/** A failed payment for a fresh invoice, as billing submits it; `pm` names its payment method. */
export function freshFailedPayment(pm: string, extra: Partial<FailedPayment> = {}): FailedPayment {
  seq++;
  const id = uniqueName(`INV${seq}`);
  return {
    payment_id: `P-${id}`,
    account_id: `A-${id}`,
    invoice_id: id,
    amount: '100.00',
    currency: 'USD',
    payment_method_id: `${pm}#${id}`,
    gateway_id: 'sim',
    gateway_response_code: 'insufficient_funds',
    gateway_response_message: 'Your card has insufficient funds.',
    source: 'PR-00000371',
    ...extra,
  };
}
