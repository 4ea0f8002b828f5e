// The `source` the Billing connector writes on the failed payments it submits. The gateway adapter
// reads it back from the charge request: a cycle Stripe Billing opened pays the Stripe invoice itself
// (`POST /v1/invoices/{id}/pay`), so the invoice and the cycle agree; any other charges a PaymentIntent.
export const STRIPE_BILLING_SOURCE = 'stripe_billing';

/** The gateway id a STRIPE_SECRET_KEY enables. */
export const STRIPE_GATEWAY_ID = 'stripe';
