// What the Stripe Billing connector did with an event: the `outcome` of its row in stripe_events and
// of the webhook's answer, counted by GET /api/v1/connectors/stripe.
export const STRIPE_EVENT_OUTCOMES = [
  /** invoice.payment_failed: the failure entered a retry cycle (opened one, or joined the active one). */
  'submitted',
  /** invoice.payment_failed: this failure had already entered a cycle (another event about it). */
  'already_submitted',
  /** invoice.payment_failed: the invoice is no longer open (paid, void, uncollectible): no cycle. */
  'not_open',
  /** invoice.payment_failed: the open invoice owes nothing. */
  'nothing_due',
  /** invoice.payment_failed: no payment method to retry with (logged as a warning): no cycle. */
  'no_payment_method',
  /** The cycle refused the payment (e.g. its currency differs from the active cycle's). */
  'refused',
  /** Caused by our own charge (its Idempotency-Key is a charge key): the cycle records it itself. */
  'own_charge',
  /** The invoice is paid: the payment was received on its cycle, which ends as collected_external. */
  'payment_received',
  /** The invoice is void or uncollectible: its cycle was removed. */
  'removed',
  /** The invoice (or customer) has no running retry cycle: nothing to do. */
  'no_cycle',
  /** A paid/void/uncollectible event about an invoice that is open again by now. */
  'still_open',
  /** The customer's default payment method changed: its active cycles charge the new one. */
  'payment_method_updated',
  /** An event type the connector does not act on, or one with nothing to act on. */
  'ignored',
] as const;

export type StripeEventOutcome = (typeof STRIPE_EVENT_OUTCOMES)[number];

/** What processing one event did, as it is recorded. */
export interface ProcessedEvent {
  outcome: StripeEventOutcome;
  reason?: string;
  invoiceId?: string;
  customerId?: string;
  /** A payment attempt, not ours, on an invoice already in a retry cycle. */
  foreignAttempt?: boolean;
}
