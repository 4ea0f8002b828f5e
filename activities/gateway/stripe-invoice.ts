import type Stripe from 'stripe';
import type { ChargeRequest, ChargeResult } from '../../domain/charge';
import { fromStripeAmount } from '../../stripe/amounts';
import type { GatewayCallOptions, GatewayRequestError, GatewayUnavailableError } from './port';
import { errorOutcome, type StripeOutcome } from './stripe-answers';
import { raced } from './stripe-call';

// A cycle the Stripe Billing connector opened pays the Stripe invoice itself, so Stripe marks the
// invoice paid (and its subscription recovers) exactly as if its own retry had collected it.
// `invoices.pay` takes no metadata, so an unknown outcome is settled by reading the invoice.

export interface InvoicePayment {
  stripe: Stripe;
  req: ChargeRequest;
  invoiceId: string;
  opts: GatewayCallOptions;
  rejected(key: string, o: Extract<StripeOutcome, { kind: 'rejected' }>): GatewayRequestError;
  unavailable(key: string, message: string, cause?: unknown): GatewayUnavailableError;
}

/** The PaymentIntent that paid the invoice (newest paid payment), else the invoice's own id. */
function paymentIdOf(inv: Stripe.Invoice): string {
  const paid = inv.payments?.data.find((p) => p.status === 'paid');
  const pi = paid?.payment.payment_intent;
  return (typeof pi === 'string' ? pi : pi?.id) ?? inv.id;
}

/**
 * Approved for the request's amount: the connector submits the invoice's `amount_remaining` as the
 * failed payment's amount (and later ones for what is left), so paying the invoice collects exactly it.
 */
function approved(req: ChargeRequest, inv: Stripe.Invoice): ChargeResult {
  return {
    status: 'approved',
    code: 'approved',
    message: '',
    gateway_payment_id: paymentIdOf(inv),
    amount_collected: req.amount,
  };
}

export async function payStripeInvoice(p: InvoicePayment): Promise<ChargeResult> {
  const { stripe, req, invoiceId, opts } = p;
  const key = req.idempotency_key;
  const retrieve = () => raced(stripe.invoices.retrieve(invoiceId, { expand: ['payments'] }), opts.signal);

  let inv: Stripe.Invoice;
  try {
    inv = await raced(
      stripe.invoices.pay(
        invoiceId,
        { payment_method: req.payment_method_id, off_session: true, expand: ['payments'] },
        { idempotencyKey: key },
      ),
      opts.signal,
    );
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    const o = errorOutcome(err, req.currency);
    if (o.kind === 'result') return o.result;
    if (o.kind === 'rejected') {
      const isStateRefusal = o.httpStatus === 400 && o.error.rawType === 'invalid_request_error';
      if (!isStateRefusal) throw p.rejected(key, o);
      return await refusedInvoice(p, o, retrieve);
    }
    return await settleUnknown(p, o.reason, retrieve, err);
  }
  if (inv.status === 'paid') return approved(req, inv);
  // Answered but not paid (e.g. a payment still processing): read again until it is one or the other.
  return await settleUnknown(p, `invoice ${invoiceId} is ${inv.status} after paying`, retrieve);
}

/**
 * A 400 to the pay call: when the invoice is no longer open (paid, void, uncollectible), nothing was
 * charged under this key and nothing can be: a definitive `error`; the connector's invoice events end
 * the cycle. An open invoice means the request itself was wrong (e.g. a payment method the customer
 * does not hold): rejected.
 */
async function refusedInvoice(
  p: InvoicePayment,
  o: Extract<StripeOutcome, { kind: 'rejected' }>,
  retrieve: () => Promise<Stripe.Invoice>,
): Promise<ChargeResult> {
  const key = p.req.idempotency_key;
  // The 400 is stored under the key, so a retry asks the same question and reads the invoice again.
  const inv = await readInvoice(
    p,
    retrieve,
    () => `invoice ${p.invoiceId} refused (${o.message}) and could not be read`,
  );
  if (inv.status === 'open' || inv.status === null) throw p.rejected(key, o);
  return {
    status: 'error',
    code: `invoice_${inv.status}`,
    message: `Stripe invoice ${inv.id} is ${inv.status}: ${o.message}`,
    gateway_payment_id: null,
    amount_collected: fromStripeAmount(0, p.req.currency),
  };
}

/** Unknown outcome: the invoice says whether it was paid; if not, retry with the same key. */
async function settleUnknown(
  p: InvoicePayment,
  reason: string,
  retrieve: () => Promise<Stripe.Invoice>,
  cause?: unknown,
): Promise<ChargeResult> {
  const key = p.req.idempotency_key;
  const inv = await readInvoice(
    p,
    retrieve,
    (why) => `invoice ${p.invoiceId} payment ${key} outcome unknown (${reason}); reading it failed: ${why}`,
  );
  if (inv.status === 'paid') return approved(p.req, inv);
  throw p.unavailable(
    key,
    `invoice ${p.invoiceId} payment ${key} got no definitive answer (${reason}) and the invoice is ${inv.status}; retry with the same key`,
    cause,
  );
}

/** The invoice as Stripe holds it now; when it cannot be read, the outcome stays unknown (retry). */
async function readInvoice(
  p: InvoicePayment,
  retrieve: () => Promise<Stripe.Invoice>,
  problem: (why: string) => string,
): Promise<Stripe.Invoice> {
  try {
    return await retrieve();
  } catch (err) {
    if (p.opts.signal?.aborted) throw p.opts.signal.reason;
    throw p.unavailable(
      p.req.idempotency_key,
      problem(err instanceof Error ? err.message : String(err)),
      err,
    );
  }
}
