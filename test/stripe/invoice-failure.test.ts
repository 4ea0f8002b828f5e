import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { failedPaymentOf, invoiceEnding } from '../../stripe/invoice-failure';

// The mapping from a Stripe invoice (as retrieved with its payments and customer expanded) to the
// failed payment the connector submits, and to how a cycle ends: pure, so each fallback is shown here.

const CREATED = 1_764_590_400; // 2025-12-01T12:00:00Z

const pi = (extra: Record<string, unknown>) => ({
  id: 'pi_1',
  object: 'payment_intent',
  payment_method: null,
  last_payment_error: null,
  ...extra,
});

function invoice(
  extra: Record<string, unknown> = {},
  intents: Record<string, unknown>[] = [],
): Stripe.Invoice {
  return {
    id: 'in_1',
    object: 'invoice',
    status: 'open',
    currency: 'usd',
    amount_due: 5000,
    amount_paid: 0,
    amount_remaining: 5000,
    attempt_count: 1,
    customer: { id: 'cus_1', object: 'customer', invoice_settings: { default_payment_method: null } },
    default_payment_method: null,
    due_date: null,
    parent: null,
    payments: {
      object: 'list',
      has_more: false,
      url: '/v1/invoices/in_1/payments',
      data: intents.map((p) => ({ payment: { type: 'payment_intent', payment_intent: p } })),
    },
    ...extra,
  } as unknown as Stripe.Invoice;
}

const paymentOf = (inv: Stripe.Invoice) => {
  const result = failedPaymentOf(inv, CREATED, 1);
  if (result.kind !== 'payment') throw new Error(`skipped: ${result.reason}`);
  return result.payment;
};

describe('failedPaymentOf', () => {
  it("maps the failed PaymentIntent's method, decline code and message, the subscription and the due date", () => {
    const p = paymentOf(
      invoice(
        {
          parent: { type: 'subscription_details', subscription_details: { subscription: 'sub_9' } },
          due_date: CREATED + 86_400,
        },
        [
          pi({
            id: 'pi_new',
            payment_method: 'pm_other',
            last_payment_error: {
              code: 'card_declined',
              decline_code: 'insufficient_funds',
              message: 'Your card has insufficient funds.',
              payment_method: { id: 'pm_failed' },
            },
          }),
          pi({ id: 'pi_old' }),
        ],
      ),
    );
    expect(p).toEqual({
      payment_id: 'stripe:pi_new:1',
      account_id: 'cus_1',
      invoice_id: 'in_1',
      amount: '50.00',
      currency: 'USD',
      payment_method_id: 'pm_failed',
      gateway_id: 'stripe',
      gateway_response_code: 'insufficient_funds',
      gateway_response_message: 'Your card has insufficient funds.',
      source: 'stripe_billing',
      failed_at: '2025-12-01T12:00:00.000Z',
      account: { stripe_customer_id: 'cus_1' },
      subscription_id: 'sub_9',
      due_date: '2025-12-02',
    });
  });

  it("falls back to the PaymentIntent's method and the error's code, then the invoice's, then the customer's default", () => {
    const fromPi = paymentOf(
      invoice({}, [pi({ payment_method: 'pm_pi', last_payment_error: { code: 'expired_card' } })]),
    );
    expect(fromPi).toMatchObject({ payment_method_id: 'pm_pi', gateway_response_code: 'expired_card' });
    const fromInvoice = paymentOf(invoice({ default_payment_method: 'pm_invoice' }));
    expect(fromInvoice).toMatchObject({
      payment_method_id: 'pm_invoice',
      gateway_response_code: 'payment_failed',
      payment_id: 'stripe:in_1:1',
    });
    const fromCustomer = paymentOf(
      invoice({
        customer: { id: 'cus_2', invoice_settings: { default_payment_method: { id: 'pm_customer' } } },
      }),
    );
    expect(fromCustomer).toMatchObject({ payment_method_id: 'pm_customer', account_id: 'cus_2' });
    expect(failedPaymentOf(invoice(), CREATED, 1)).toMatchObject({
      kind: 'skip',
      outcome: 'no_payment_method',
    });
  });

  it('takes the amount remaining in major units, in zero-decimal currencies too', () => {
    const jpy = paymentOf(
      invoice({ currency: 'jpy', amount_remaining: 500, default_payment_method: 'pm_1' }),
    );
    expect(jpy).toMatchObject({ amount: '500', currency: 'JPY' });
    const partly = paymentOf(
      invoice({ amount_paid: 1000, amount_remaining: 4000, default_payment_method: 'pm_1' }),
    );
    expect(partly.amount).toBe('40.00');
  });

  it('opens nothing for an invoice that is not open or owes nothing', () => {
    expect(failedPaymentOf(invoice({ status: 'void' }), CREATED, 1)).toEqual({
      kind: 'skip',
      outcome: 'not_open',
      reason: 'the invoice is void',
    });
    expect(
      failedPaymentOf(invoice({ amount_remaining: 0, default_payment_method: 'pm_1' }), CREATED, 1),
    ).toMatchObject({
      outcome: 'nothing_due',
    });
  });
});

describe('invoiceEnding', () => {
  it('paid: what was paid (its amount due when settled without money); void/uncollectible: closed; open: none', () => {
    expect(invoiceEnding(invoice({ status: 'paid', amount_paid: 5000, amount_remaining: 0 }))).toEqual({
      kind: 'paid',
      amount: '50.00',
      currency: 'USD',
      payment_id: 'stripe-paid:in_1',
    });
    expect(invoiceEnding(invoice({ status: 'paid', amount_paid: 0, amount_remaining: 0 }))).toMatchObject({
      amount: '50.00',
    });
    expect(invoiceEnding(invoice({ status: 'void' }))).toEqual({ kind: 'closed', status: 'void' });
    expect(invoiceEnding(invoice({ status: 'uncollectible' }))).toEqual({
      kind: 'closed',
      status: 'uncollectible',
    });
    expect(invoiceEnding(invoice())).toBeUndefined();
  });
});
