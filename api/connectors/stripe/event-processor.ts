import Stripe from 'stripe';
import type { CycleClient } from '../../../client/cycles';
import type { Db } from '../../../db/client';
import { activeCycles } from '../../../db/cycle-queries';
import { findClaim } from '../../../db/payment-claims';
import { type DocumentRef, type FailedPayment, failedPaymentSchema } from '../../../domain/failed-payment';
import type { Logger } from '../../../log/logger';
import { STRIPE_GATEWAY_ID } from '../../../stripe/billing-source';
import {
  failedPaymentOf,
  INVOICE_EXPAND,
  type InvoiceEnding,
  invoiceEnding,
} from '../../../stripe/invoice-failure';
import {
  changedDefaultPaymentMethod,
  customerOfEvent,
  isOwnCharge,
  objectIdOf,
  type StripeEvent,
} from '../../../stripe/webhook-event';
import { documentLogFields } from '../../cycle-log';
import { ApiError, zodErrorItems } from '../../errors';
import type { FailedPaymentSubmission } from '../../failed-payment-submission';
import type { ProcessedEvent } from './outcomes';

// What each Stripe event does to our retry cycles. Stripe delivers at least once and in any order, so
// every handler reads the invoice or customer as Stripe holds it now and acts on that, and every
// effect is idempotent (a payment_id enters a cycle once; a payment received is counted once by its
// payment_id; a remove of an ended cycle does nothing): a redelivery, or two deliveries of one event
// processed at the same time, change nothing more than one.

export interface EventProcessorDeps {
  db: Db;
  cycles: CycleClient;
  submission: FailedPaymentSubmission;
  /** Whether the workers charge through the `stripe` gateway: without it no cycle can be opened. */
  gatewayIds: readonly string[];
  stripe: Stripe;
}

/** Who the cycle's remove Update names as requester. */
const REQUESTED_BY = 'stripe-billing';

const invoiceDoc = (id: string): DocumentRef => ({ type: 'invoice', id });

/** Stripe could not answer: 503, so the webhook's delivery fails and Stripe sends the event again. */
function stripeUnavailable(err: unknown, log: Logger): never {
  log.error({ err }, 'Stripe API call failed while processing a webhook event');
  throw new ApiError(503, 'Stripe could not be reached to read the current state; Stripe will redeliver');
}

/** What an invoice event's handler gets once the invoice is known (`onInvoice`). */
interface InvoiceEventContext {
  invoiceId: string;
  log: Logger;
  seen: { invoiceId: string; customerId: string | undefined };
}

const isMissing = (err: unknown) => err instanceof Stripe.errors.StripeError && err.statusCode === 404;

export function createEventProcessor(deps: EventProcessorDeps) {
  const { db, cycles, submission, stripe } = deps;

  const retrieveInvoice = async (id: string, log: Logger): Promise<Stripe.Invoice | null> => {
    try {
      return await stripe.invoices.retrieve(id, { expand: INVOICE_EXPAND });
    } catch (err) {
      if (isMissing(err)) return null;
      return stripeUnavailable(err, log);
    }
  };

  const retrieveCustomer = async (id: string, log: Logger): Promise<Stripe.Customer | null> => {
    try {
      const customer = await stripe.customers.retrieve(id);
      return customer.deleted ? null : customer;
    } catch (err) {
      if (isMissing(err)) return null;
      return stripeUnavailable(err, log);
    }
  };

  const hasActiveCycle = async (invoiceId: string) =>
    (await activeCycles(db, { invoice_ids: [invoiceId] })).length > 0;

  /**
   * Ends the invoice's running cycle as the invoice's state says: paid → the payment received (the
   * cycle ends collected_external, nothing charged); void/uncollectible → removed. What was done, in
   * words, or undefined when no cycle is running.
   */
  const endCycle = async (invoiceId: string, ending: InvoiceEnding): Promise<string | undefined> => {
    const doc = invoiceDoc(invoiceId);
    if (ending.kind === 'paid') {
      const { amount, currency, payment_id } = ending;
      const sent = await cycles.paymentReceived(doc, { amount, currency, payment_id });
      return sent ? `the invoice is paid: ${amount} ${currency} received` : undefined;
    }
    const answer = await cycles.confirmed.remove(doc, REQUESTED_BY, `invoice ${ending.status} in Stripe`);
    if (answer === null || answer.outcome === 'not_active') return undefined;
    // `removed`; `pending` (our charge still at the gateway: removed after it unless it collects);
    // `not_removed` (that charge collected first).
    return `the invoice is ${ending.status}: remove ${answer.outcome}`;
  };

  /** The failure is in a cycle already (claimed by another event about it, or concurrently). */
  const alreadyIn = async (payment: FailedPayment) => (await findClaim(db, payment.payment_id)) !== null;

  /**
   * What every invoice event starts with: its invoice, a log whose lines name the invoice's cycle
   * (api/cycle-log.ts), and the events our own charges caused set aside (the cycle records those
   * charges itself: a decline is no new failure, a payment no external one).
   */
  const onInvoice =
    (handle: (event: StripeEvent, on: InvoiceEventContext) => Promise<ProcessedEvent>) =>
    async (event: StripeEvent, eventLog: Logger): Promise<ProcessedEvent> => {
      const invoiceId = objectIdOf(event, 'invoice');
      if (!invoiceId) return { outcome: 'ignored', reason: 'the event carries no invoice' };
      const log = eventLog.child(documentLogFields({ type: 'invoice', id: invoiceId }));
      const seen = { invoiceId, customerId: customerOfEvent(event) };
      if (isOwnCharge(event)) return { ...seen, outcome: 'own_charge' };
      return await handle(event, { invoiceId, log, seen });
    };

  const paymentFailed = async (
    event: StripeEvent,
    { invoiceId, log, seen }: InvoiceEventContext,
  ): Promise<ProcessedEvent> => {
    if (!deps.gatewayIds.includes(STRIPE_GATEWAY_ID)) {
      // Nothing could charge the cycle; fail the delivery so the event is not lost once it is configured.
      log.error('Stripe webhook event cannot open a cycle: the gateway "stripe" is not configured');
      throw new ApiError(503, 'The gateway "stripe" is not configured on this server');
    }
    const invoice = await retrieveInvoice(invoiceId, log);
    if (!invoice) return { ...seen, outcome: 'ignored', reason: 'the invoice does not exist at Stripe' };
    const attemptCount = event.data.object.attempt_count ?? invoice.attempt_count;
    let failure: ReturnType<typeof failedPaymentOf>;
    try {
      failure = failedPaymentOf(invoice, event.created, attemptCount);
    } catch (err) {
      // A currency we cannot express (fromStripeAmount): no retry can be right, so none is opened.
      return { ...seen, outcome: 'refused', reason: err instanceof Error ? err.message : String(err) };
    }
    if (failure.kind === 'skip') {
      if (failure.outcome === 'no_payment_method') {
        log.warn(
          { invoice_id: invoiceId, event_id: event.id },
          `Stripe invoice not retried: ${failure.reason}`,
        );
      }
      return { ...seen, outcome: failure.outcome, reason: failure.reason };
    }
    // The same checks as a REST submit's body (an ISO currency, an amount it allows, storable text).
    const checked = failedPaymentSchema.safeParse(failure.payment);
    if (!checked.success) {
      const problems = zodErrorItems(checked.error.issues).map((i) => `${i.path}: ${i.message}`);
      return { ...seen, outcome: 'refused', reason: `not a valid failed payment: ${problems.join('; ')}` };
    }
    const payment = checked.data;
    // Cycles first, then the claim: a cycle and its opening claim are written together, so a cycle
    // seen here whose claim is missing below was opened by another failure.
    const active = await hasActiveCycle(invoiceId);
    if (await alreadyIn(payment)) return { ...seen, outcome: 'already_submitted' };
    const foreignAttempt = active;
    if (foreignAttempt) {
      log.warn(
        { invoice_id: invoiceId, event_id: event.id, payment_id: payment.payment_id },
        'a payment attempt we did not make on an invoice in a retry cycle: turn off Smart Retries in Stripe',
      );
    }
    let result: Awaited<ReturnType<FailedPaymentSubmission['submit']>>;
    try {
      result = await submission.submit(payment);
    } catch (err) {
      if (!(err instanceof ApiError) || (err.status !== 400 && err.status !== 409)) throw err;
      // A concurrent event about the same failure claimed it with other details (its own failed_at).
      if (err.status === 409 && (await alreadyIn(payment))) {
        return { ...seen, outcome: 'already_submitted', foreignAttempt };
      }
      log.error({ err, payment_id: payment.payment_id }, 'the retry cycle refused a Stripe invoice failure');
      return { ...seen, outcome: 'refused', reason: err.message, foreignAttempt };
    }
    // An invoice paid or voided while the cycle opened: its paid/void event may have been processed in
    // between, finding no cycle yet. Reading the invoice again closes that window.
    const now = await retrieveInvoice(invoiceId, log);
    const ending = now ? invoiceEnding(now) : undefined;
    const base = `cycle ${result.cycle_id}, attempt ${result.attempt_number}`;
    const ended = ending ? await endCycle(invoiceId, ending) : undefined;
    if (ended) {
      return { ...seen, outcome: 'submitted', reason: `${base}; ended at once: ${ended}`, foreignAttempt };
    }
    return { ...seen, outcome: 'submitted', reason: base, foreignAttempt };
  };

  /** invoice.paid, invoice.voided, invoice.marked_uncollectible: end the cycle by the invoice's state now. */
  const invoiceClosed = async (
    event: StripeEvent,
    { invoiceId, log, seen }: InvoiceEventContext,
  ): Promise<ProcessedEvent> => {
    const invoice = await retrieveInvoice(invoiceId, log);
    if (!invoice) return { ...seen, outcome: 'ignored', reason: 'the invoice does not exist at Stripe' };
    const ending = invoiceEnding(invoice);
    if (!ending) return { ...seen, outcome: 'still_open', reason: `the invoice is ${invoice.status} now` };
    const foreignAttempt = event.type === 'invoice.paid' && (await hasActiveCycle(invoiceId));
    if (foreignAttempt) {
      log.warn(
        { invoice_id: invoiceId, event_id: event.id },
        'an invoice in a retry cycle was paid by a payment we did not make; the cycle ends as collected_external',
      );
    }
    const ended = await endCycle(invoiceId, ending);
    if (!ended) return { ...seen, outcome: 'no_cycle', foreignAttempt };
    return {
      ...seen,
      outcome: ending.kind === 'paid' ? 'payment_received' : 'removed',
      reason: ended,
      foreignAttempt,
    };
  };

  /** Every active cycle of the customer charges `paymentMethodId` from now on. */
  const updateMethod = async (customerId: string, paymentMethodId: string): Promise<ProcessedEvent> => {
    const refs = await activeCycles(db, { account_ids: [customerId] });
    if (refs.length === 0) return { customerId, outcome: 'no_cycle' };
    let moved = 0;
    for (const ref of refs) {
      const doc: DocumentRef = { type: ref.document_type, id: ref.document_id };
      // A redelivery finds the method already set: no second signal (it would move the next attempt again).
      const details = await cycles.details(doc);
      if (!details || details.payment_method_id === paymentMethodId) continue;
      if (await cycles.paymentMethodUpdated(doc, paymentMethodId)) moved++;
    }
    return {
      customerId,
      outcome: 'payment_method_updated',
      reason: `${moved} of ${refs.length} active cycles now use ${paymentMethodId}`,
    };
  };

  const customerUpdated = async (event: StripeEvent, log: Logger): Promise<ProcessedEvent> => {
    const customerId = objectIdOf(event, 'customer');
    if (!customerId) return { outcome: 'ignored', reason: 'the event carries no customer' };
    if (!changedDefaultPaymentMethod(event)) {
      return { customerId, outcome: 'ignored', reason: 'the default payment method did not change' };
    }
    return await toCurrentDefault(customerId, undefined, log);
  };

  const paymentMethodAttached = async (event: StripeEvent, log: Logger): Promise<ProcessedEvent> => {
    const paymentMethodId = objectIdOf(event, 'payment_method');
    const customerId = customerOfEvent(event);
    if (!paymentMethodId || !customerId) {
      return { outcome: 'ignored', reason: 'the event carries no payment method or customer' };
    }
    return await toCurrentDefault(customerId, paymentMethodId, log);
  };

  /** The customer's default payment method now; with `onlyIf`, only when it is that one. */
  const toCurrentDefault = async (
    customerId: string,
    onlyIf: string | undefined,
    log: Logger,
  ): Promise<ProcessedEvent> => {
    const customer = await retrieveCustomer(customerId, log);
    if (!customer) return { customerId, outcome: 'ignored', reason: 'the customer does not exist at Stripe' };
    const current = customer.invoice_settings.default_payment_method;
    const method = typeof current === 'string' ? current : current?.id;
    if (!method)
      return { customerId, outcome: 'ignored', reason: 'the customer has no default payment method' };
    if (onlyIf !== undefined && method !== onlyIf) {
      return {
        customerId,
        outcome: 'ignored',
        reason: `${onlyIf} is not the customer's default payment method`,
      };
    }
    return await updateMethod(customerId, method);
  };

  const handlers: Record<string, (event: StripeEvent, log: Logger) => Promise<ProcessedEvent>> = {
    'invoice.payment_failed': onInvoice(paymentFailed),
    'invoice.paid': onInvoice(invoiceClosed),
    'invoice.voided': onInvoice(invoiceClosed),
    'invoice.marked_uncollectible': onInvoice(invoiceClosed),
    'customer.updated': customerUpdated,
    'payment_method.attached': paymentMethodAttached,
  };

  return {
    /** The event types acted on; any other is recorded as ignored. */
    types: Object.keys(handlers),
    async process(event: StripeEvent, log: Logger): Promise<ProcessedEvent> {
      const handler = handlers[event.type];
      if (!handler) return { outcome: 'ignored', reason: `event type ${event.type} is not acted on` };
      return await handler(event, log);
    },
  };
}

export type EventProcessor = ReturnType<typeof createEventProcessor>;
