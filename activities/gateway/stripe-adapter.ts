/**
 * The Stripe gateway adapter (gateway id `stripe`), on the official SDK (stripe/client.ts).
 *
 * A charge is one PaymentIntent created and confirmed in one call (`confirm`, `off_session`), for the
 * customer `account.stripe_customer_id` (else `account_id`), with the cycle's payment method, the amount
 * in the currency's minor units, and our charge key both as the Idempotency-Key and in the metadata
 * (`cpr_charge_key`), which is how `lookup` finds it again. A cycle the Stripe Billing connector opened
 * pays the Stripe invoice itself (`POST /v1/invoices/{id}/pay`) instead, so the invoice and the cycle
 * agree.
 *
 * Unknown outcomes (no answer, timeouts, 5xx, 409, 429, lock_timeout, a PaymentIntent still
 * `processing`) are looked up before GatewayUnavailableError is thrown; Temporal then retries with the
 * same key. The SDK already retried connection errors, 409 and 5xx itself, with the same key.
 */
import type Stripe from 'stripe';
import { z } from 'zod';
import type { ChargeRequest, ChargeResult } from '../../domain/charge';
import { toStripeAmount } from '../../stripe/amounts';
import { STRIPE_BILLING_SOURCE } from '../../stripe/billing-source';
import { createStripeClient } from '../../stripe/client';
import {
  type GatewayAdapter,
  type GatewayCallOptions,
  GatewayRequestError,
  GatewayUnavailableError,
} from './port';
import { errorOutcome, paymentIntentResult, type StripeOutcome } from './stripe-answers';
import { raced } from './stripe-call';
import { payStripeInvoice } from './stripe-invoice';
import { BaseUrl, TimeoutMs } from './transport';

/** The PaymentIntent metadata key holding our charge key (`cycle-<id>-attempt-<n>`). */
export const CHARGE_KEY_METADATA = 'cpr_charge_key';

export interface StripeAdapterConfig {
  gatewayId: string;
  secretKey: string;
  /** `https://api.stripe.com`, or a stand-in (test server, stripe-mock). */
  apiBase: string;
  /** Per HTTP request; the SDK's own retries each get it again. */
  timeoutMs: number;
}

/** Whose card: the Stripe customer the failed payment names, else its account id. */
export function customerOf(req: ChargeRequest): string | undefined {
  const fromAccount = req.account?.stripe_customer_id;
  if (typeof fromAccount === 'string' && fromAccount.trim() !== '') return fromAccount;
  return req.account_id || undefined;
}

/** A cycle the Stripe Billing connector opened for a Stripe invoice: the invoice itself is paid. */
export function paysStripeInvoice(
  req: ChargeRequest,
): req is ChargeRequest & { document: { type: 'invoice' } } {
  return req.source === STRIPE_BILLING_SOURCE && req.document?.type === 'invoice';
}

/** Stripe's search query for our key; the key is quoted and escaped as the search language wants. */
export function chargeKeyQuery(key: string): string {
  return `metadata['${CHARGE_KEY_METADATA}']:'${key.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function createStripeAdapter(config: StripeAdapterConfig): GatewayAdapter {
  const gatewayId = z.string().min(1).parse(config.gatewayId);
  const secretKey = z.string().min(1).parse(config.secretKey);
  const apiBase = BaseUrl.parse(config.apiBase);
  const timeoutMs = TimeoutMs.parse(config.timeoutMs);
  const stripe = createStripeClient({ secretKey, apiBase, timeoutMs });

  const unavailable = (key: string, message: string, cause?: unknown) =>
    new GatewayUnavailableError(`gateway ${gatewayId}: ${message}`, {
      gatewayId,
      idempotencyKey: key,
      cause,
    });
  const rejected = (key: string, o: Extract<StripeOutcome, { kind: 'rejected' }>, what = 'charge of') =>
    new GatewayRequestError(`gateway ${gatewayId} rejected ${what} ${key}: ${o.code}: ${o.message}`, {
      gatewayId,
      code: o.code,
      httpStatus: o.httpStatus,
    });

  const lookup: GatewayAdapter['lookup'] = async (key, opts = {}) => {
    let found: Stripe.ApiSearchResult<Stripe.PaymentIntent>;
    try {
      found = await raced(
        stripe.paymentIntents.search({ query: chargeKeyQuery(key), limit: 10 }),
        opts.signal,
      );
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      // A search answers no card error, so the currency (which only shapes a decline's zero) is moot.
      const o = errorOutcome(err, 'USD');
      if (o.kind === 'rejected') throw rejected(key, o, 'lookup of');
      throw unavailable(
        key,
        `lookup of ${key} failed: ${o.kind === 'unknown' ? o.reason : 'unexpected answer'}`,
        err,
      );
    }
    // One key makes one PaymentIntent (Stripe's idempotency); should there ever be more (a key
    // reused after Stripe forgot it, 24 h on), the one that moved money wins, else the newest.
    const pis = [...found.data].sort((a, b) => b.created - a.created);
    const pi = pis.find((p) => p.status === 'succeeded') ?? pis[0];
    if (!pi) return null;
    const result = paymentIntentResult(pi);
    if (!result) throw unavailable(key, `PaymentIntent ${pi.id} of ${key} is ${pi.status}, not final yet`);
    return result;
  };

  /**
   * An unknown outcome: look the key up FIRST, and throw (retry with the same key) only when nothing
   * is recorded. Stripe's search is eventually consistent (a PaymentIntent can take a moment to be
   * found), so "nothing found" may be wrong for a charge made a second ago; that is safe because the
   * retry goes out with the SAME Idempotency-Key, and Stripe answers it with the charge it made.
   */
  const recover = async (key: string, reason: string, opts: GatewayCallOptions, cause?: unknown) => {
    let recorded: ChargeResult | null;
    try {
      recorded = await lookup(key, opts);
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      const why = err instanceof Error ? err.message : String(err);
      throw unavailable(key, `charge ${key} outcome unknown (${reason}); lookup failed: ${why}`, err);
    }
    if (recorded) return recorded;
    throw unavailable(
      key,
      `charge ${key} got no definitive answer (${reason}) and nothing is recorded for the key; retry with the same key`,
      cause,
    );
  };

  const chargePaymentIntent = async (req: ChargeRequest, opts: GatewayCallOptions): Promise<ChargeResult> => {
    const key = req.idempotency_key;
    let amount: number | undefined;
    try {
      amount = toStripeAmount(req.amount, req.currency);
    } catch {
      amount = undefined;
    }
    if (amount === undefined) {
      // Refused before anything is sent: rounding would charge another sum.
      throw new GatewayRequestError(
        `gateway ${gatewayId} cannot charge ${req.amount} ${req.currency}: Stripe has no such amount in that currency`,
        { gatewayId, code: 'amount_not_representable' },
      );
    }
    const customer = customerOf(req);
    const params: Stripe.PaymentIntentCreateParams = {
      amount,
      currency: req.currency.toLowerCase(),
      payment_method: req.payment_method_id,
      confirm: true,
      off_session: true,
      ...(customer ? { customer } : {}),
      metadata: { ...req.metadata, [CHARGE_KEY_METADATA]: key },
    };
    let pi: Stripe.PaymentIntent;
    try {
      pi = await raced(stripe.paymentIntents.create(params, { idempotencyKey: key }), opts.signal);
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      const o = errorOutcome(err, req.currency);
      if (o.kind === 'result') return o.result;
      if (o.kind === 'rejected') throw rejected(key, o);
      return await recover(key, o.reason, opts, err);
    }
    const result = paymentIntentResult(pi);
    if (result) return result;
    // `processing`: Stripe replays this very answer to a retry with the key, so the lookup (which
    // reads the PaymentIntent as it is now) is what eventually sees it succeed or fail.
    return await recover(key, `PaymentIntent ${pi.id} is ${pi.status}`, opts);
  };

  return {
    lookup,
    async charge(req, opts = {}) {
      opts.signal?.throwIfAborted();
      if (paysStripeInvoice(req)) {
        return await payStripeInvoice({
          stripe,
          req,
          invoiceId: req.document.id,
          opts,
          rejected,
          unavailable,
        });
      }
      return await chargePaymentIntent(req, opts);
    },
  };
}
