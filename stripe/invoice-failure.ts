import type Stripe from 'stripe';
import type { FailedPayment } from '../domain/failed-payment';
import { fromStripeAmount } from './amounts';
import { STRIPE_BILLING_SOURCE, STRIPE_GATEWAY_ID } from './billing-source';

// A Stripe invoice whose payment failed, as the failed payment the Billing connector submits. Read
// from the invoice as Stripe holds it NOW (retrieved with INVOICE_EXPAND), never from an event's
// snapshot: events arrive late and out of order, the invoice does not.

/** What `invoices.retrieve` must expand for `failedPaymentOf` and `invoiceEnding`. */
export const INVOICE_EXPAND = ['payments.data.payment.payment_intent', 'customer'];

export type InvoiceFailure =
  | { kind: 'payment'; payment: FailedPayment }
  /** Nothing to retry: the invoice is not open, owes nothing, or has no method to charge. */
  | { kind: 'skip'; outcome: 'not_open' | 'nothing_due' | 'no_payment_method'; reason: string };

const idOf = (value: string | { id: string } | null | undefined): string | undefined =>
  value === null || value === undefined ? undefined : typeof value === 'string' ? value : value.id;

/** The invoice's newest PaymentIntent (Stripe lists its payments newest first). */
export function latestPaymentIntent(invoice: Stripe.Invoice): Stripe.PaymentIntent | undefined {
  for (const entry of invoice.payments?.data ?? []) {
    const pi = entry.payment.payment_intent;
    if (pi !== undefined && typeof pi !== 'string') return pi;
  }
  return undefined;
}

const customerOf = (invoice: Stripe.Invoice): Stripe.Customer | undefined =>
  invoice.customer !== null && typeof invoice.customer !== 'string' && !invoice.customer.deleted
    ? invoice.customer
    : undefined;

/** The invoice's customer id, expanded or not. */
export const customerIdOf = (invoice: Stripe.Invoice): string | undefined =>
  idOf(invoice.customer as string | { id: string } | null);

/**
 * The method the failed payment was made with, else the one Stripe would charge next: the invoice's
 * default, else the customer's invoice default.
 */
function paymentMethodOf(invoice: Stripe.Invoice, pi: Stripe.PaymentIntent | undefined): string | undefined {
  return (
    idOf(pi?.last_payment_error?.payment_method) ??
    idOf(pi?.payment_method) ??
    idOf(invoice.default_payment_method) ??
    idOf(customerOf(invoice)?.invoice_settings.default_payment_method)
  );
}

const isoDate = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();

/**
 * The failed payment of `invoice` (retrieved with INVOICE_EXPAND) reported by an event created at
 * `eventCreated` (Unix seconds) when the invoice had `attemptCount` attempts. Its payment_id is stable
 * for that failure: `stripe:<PaymentIntent>:<attempt>`, so a redelivery, or another event about the
 * same failure, is the same payment, while a later attempt on the same PaymentIntent (Stripe retries
 * confirm the invoice's one PaymentIntent again) is a new one.
 */
export function failedPaymentOf(
  invoice: Stripe.Invoice,
  eventCreated: number,
  attemptCount: number,
): InvoiceFailure {
  if (invoice.status !== 'open') {
    return { kind: 'skip', outcome: 'not_open', reason: `the invoice is ${invoice.status ?? 'unknown'}` };
  }
  const currency = invoice.currency.toUpperCase();
  if (invoice.amount_remaining <= 0) {
    return { kind: 'skip', outcome: 'nothing_due', reason: 'the invoice has nothing left to pay' };
  }
  const pi = latestPaymentIntent(invoice);
  const paymentMethod = paymentMethodOf(invoice, pi);
  const customer = customerIdOf(invoice);
  if (paymentMethod === undefined || customer === undefined) {
    return {
      kind: 'skip',
      outcome: 'no_payment_method',
      reason:
        customer === undefined
          ? 'the invoice has no customer'
          : 'no payment method: neither the failed payment, the invoice nor the customer has one',
    };
  }
  const error = pi?.last_payment_error ?? null;
  const subscription = idOf(invoice.parent?.subscription_details?.subscription);
  return {
    kind: 'payment',
    payment: {
      payment_id: `stripe:${pi?.id ?? invoice.id}:${attemptCount}`,
      account_id: customer,
      invoice_id: invoice.id as string,
      amount: fromStripeAmount(invoice.amount_remaining, currency),
      currency,
      payment_method_id: paymentMethod,
      gateway_id: STRIPE_GATEWAY_ID,
      gateway_response_code: error?.decline_code || error?.code || 'payment_failed',
      ...(error?.message ? { gateway_response_message: error.message.slice(0, 2000) } : {}),
      source: STRIPE_BILLING_SOURCE,
      failed_at: isoDate(eventCreated),
      account: { stripe_customer_id: customer },
      ...(subscription ? { subscription_id: subscription } : {}),
      ...(invoice.due_date ? { due_date: isoDate(invoice.due_date).slice(0, 10) } : {}),
    },
  };
}

/** How a cycle on `invoice` must end now, by the invoice's current status; undefined while it is open. */
export type InvoiceEnding =
  | { kind: 'paid'; amount: string; currency: string; payment_id: string }
  | { kind: 'closed'; status: 'void' | 'uncollectible' };

export function invoiceEnding(invoice: Stripe.Invoice): InvoiceEnding | undefined {
  if (invoice.status === 'paid') {
    const currency = invoice.currency.toUpperCase();
    return {
      kind: 'paid',
      // What was paid; a cycle's outstanding balance is at most what the invoice still owed. An invoice
      // settled without money (credit balance, a credit note, marked paid out of band) pays 0: it is
      // settled all the same, so its amount due counts.
      amount: fromStripeAmount(invoice.amount_paid > 0 ? invoice.amount_paid : invoice.amount_due, currency),
      currency,
      payment_id: `stripe-paid:${invoice.id}`,
    };
  }
  if (invoice.status === 'void') return { kind: 'closed', status: 'void' };
  if (invoice.status === 'uncollectible') return { kind: 'closed', status: 'uncollectible' };
  return undefined;
}
