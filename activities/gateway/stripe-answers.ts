import Stripe from 'stripe';
import type { ChargeResult } from '../../domain/charge';
import { fromStripeAmount } from '../../stripe/amounts';
import { isRetryableStatus, normalizeStatus } from './transport';

// What Stripe's answers mean for a charge: a PaymentIntent or a Stripe error, read as a definitive
// result, a rejected request (nothing charged) or an unknown outcome (the adapter looks the key up).

/** The code of every decline that needs the customer (3-D Secure); the default rules stop on it. */
export const AUTHENTICATION_REQUIRED = 'authentication_required';

export type StripeOutcome =
  | { kind: 'result'; result: ChargeResult }
  /** Stripe refused the request itself and charged nothing (a 4xx other than a card error). */
  | {
      kind: 'rejected';
      code: string;
      message: string;
      httpStatus: number | null;
      error: Stripe.errors.StripeError;
    }
  /** Stripe may or may not have charged: the key must be looked up, then retried. */
  | { kind: 'unknown'; reason: string };

const zero = (currency: string) => fromStripeAmount(0, currency);

function declined(
  code: string,
  message: string,
  paymentIntentId: string | null,
  currency: string,
): ChargeResult {
  return {
    status: normalizeStatus('declined', code),
    code,
    message,
    gateway_payment_id: paymentIntentId,
    amount_collected: zero(currency),
  };
}

/** A decline that needs the customer present: a retry off-session cannot pass it. */
export function authenticationRequired(message: string, paymentIntentId: string | null, currency: string) {
  return declined(
    AUTHENTICATION_REQUIRED,
    message || 'The payment requires the customer to authenticate.',
    paymentIntentId,
    currency,
  );
}

/** Stripe's card error (`last_payment_error` or a 402): the issuer's decline_code, else the code. */
function cardDecline(
  e: { code?: string | undefined; decline_code?: string | undefined; message?: string | undefined },
  paymentIntentId: string | null,
  currency: string,
): ChargeResult {
  if (e.code === AUTHENTICATION_REQUIRED || e.decline_code === AUTHENTICATION_REQUIRED) {
    return authenticationRequired(e.message ?? '', paymentIntentId, currency);
  }
  // The SDK gives a card error without a decline_code an empty one.
  const code = e.decline_code || e.code || 'card_declined';
  return declined(code, e.message ?? '', paymentIntentId, currency);
}

/**
 * A PaymentIntent as a result, or null when it is not final yet (`processing`, or a state our
 * create-and-confirm call never leaves it in): the caller treats that as an unknown outcome.
 */
export function paymentIntentResult(pi: Stripe.PaymentIntent): ChargeResult | null {
  const currency = pi.currency.toUpperCase();
  switch (pi.status) {
    case 'succeeded':
      return {
        status: 'approved',
        code: 'approved',
        message: '',
        gateway_payment_id: pi.id,
        amount_collected: fromStripeAmount(pi.amount_received, currency),
      };
    case 'requires_action':
      // Off-session, a PaymentIntent waiting for 3-D Secure cannot succeed without the customer.
      return authenticationRequired('', pi.id, currency);
    case 'requires_payment_method':
      return pi.last_payment_error ? cardDecline(pi.last_payment_error, pi.id, currency) : null;
    case 'canceled':
      return {
        status: 'error',
        code: 'canceled',
        message: `PaymentIntent ${pi.id} was canceled${pi.cancellation_reason ? ` (${pi.cancellation_reason})` : ''}`,
        gateway_payment_id: pi.id,
        amount_collected: zero(currency),
      };
    default:
      return null;
  }
}

/** What an error thrown by the SDK says about the charge (`currency`: the request's, upper-case). */
export function errorOutcome(err: unknown, currency: string): StripeOutcome {
  if (!(err instanceof Stripe.errors.StripeError)) {
    // Not an answer from Stripe (e.g. the authenticator failed): nothing says the request did not go out.
    return { kind: 'unknown', reason: err instanceof Error ? err.message : String(err) };
  }
  const status = err.statusCode ?? null;
  if (err instanceof Stripe.errors.StripeConnectionError || status === null) {
    return { kind: 'unknown', reason: `no answer from Stripe (${err.message})` };
  }
  if (err instanceof Stripe.errors.StripeCardError || status === 402) {
    return { kind: 'result', result: cardDecline(err, err.payment_intent?.id ?? null, currency) };
  }
  if (err.code === 'invoice_payment_intent_requires_action') {
    return {
      kind: 'result',
      result: authenticationRequired(err.message, err.payment_intent?.id ?? null, currency),
    };
  }
  // 409 = the key is in use by a request still running; lock_timeout = an object was locked. Neither
  // says whether the charge happened, and both pass when retried with the same key.
  if (isRetryableStatus(status) || status === 409 || err.code === 'lock_timeout') {
    return { kind: 'unknown', reason: `HTTP ${status} ${err.code ?? err.rawType ?? err.type}` };
  }
  const code =
    err.code ??
    (err instanceof Stripe.errors.StripeAuthenticationError
      ? 'authentication_error'
      : err instanceof Stripe.errors.StripePermissionError
        ? 'permission_error'
        : (err.rawType ?? `http_${status}`));
  return { kind: 'rejected', code, message: err.message, httpStatus: status, error: err };
}
