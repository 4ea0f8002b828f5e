import type { OpenAPIHono } from '@hono/zod-openapi';
import type Stripe from 'stripe';
import type { CycleClient } from '../../../client/cycles';
import type { Db } from '../../../db/client';
import { findStripeEvent, recordStripeEvent, stripeEventCounts } from '../../../db/stripe-events';
import { stripeEventSchema } from '../../../stripe/webhook-event';
import type { AppEnv } from '../../context';
import { documentLogFields } from '../../cycle-log';
import { ApiError } from '../../errors';
import { createFailedPaymentSubmission } from '../../failed-payment-submission';
import { createEventProcessor } from './event-processor';
import type { StripeEventOutcome } from './outcomes';
import { SIGNATURE_TOLERANCE_S, stripeConnectorCountsRoute, stripeWebhookRoute } from './routes';

// The Stripe Billing connector: Stripe's failed invoices enter retry cycles by themselves, and a
// cycle ends when its invoice is paid, voided or written off at Stripe.

export interface StripeConnectorDeps {
  db: Db;
  cycles: CycleClient;
  gatewayIds: readonly string[];
  /** The SDK client (stripe/client.ts), for reading invoices and customers as they are now. */
  stripe: Stripe;
  /** The webhook endpoint's signing secret (STRIPE_WEBHOOK_SECRET). */
  webhookSecret: string;
}

/** The SDK's verdict on the signature, in words a Stripe operator can act on. */
function signatureProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : '';
  if (/tolerance/i.test(message)) {
    return `Stripe-Signature timestamp is older than ${SIGNATURE_TOLERANCE_S} s (a replay, or a clock that is off)`;
  }
  if (/unable to extract|no signatures found with expected scheme/i.test(message)) {
    return 'Stripe-Signature is not a Stripe signature header (t=…,v1=…)';
  }
  return "Stripe-Signature does not match the body: a different endpoint's secret, or a body changed on the way";
}

export function registerStripeConnector(app: OpenAPIHono<AppEnv>, deps: StripeConnectorDeps) {
  const { db } = deps;
  const processor = createEventProcessor({
    db,
    cycles: deps.cycles,
    gatewayIds: deps.gatewayIds,
    stripe: deps.stripe,
    submission: createFailedPaymentSubmission(deps),
  });

  app.openapi(stripeWebhookRoute, async (c) => {
    const receivedAt = new Date();
    const log = c.get('log');
    // The raw text as it arrived (the depth check read it first and Hono keeps it): the signature is
    // over these bytes, not over a re-serialised JSON.
    const raw = await c.req.text();
    let verified: unknown;
    try {
      verified = await deps.stripe.webhooks.constructEventAsync(
        raw,
        c.req.valid('header')['stripe-signature'],
        deps.webhookSecret,
        SIGNATURE_TOLERANCE_S,
      );
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'Stripe webhook signature refused');
      throw new ApiError(400, signatureProblem(err));
    }
    const parsed = stripeEventSchema.safeParse(verified);
    if (!parsed.success) throw new ApiError(400, 'The body is signed but is not a Stripe event');
    const event = parsed.data;
    const elog = log.child({ stripe_event: event.id, type: event.type });

    const done = await findStripeEvent(db, event.id);
    if (done) {
      elog.info({ outcome: done.outcome }, 'Stripe event already processed');
      return c.json(
        { received: true as const, duplicate: true, outcome: done.outcome as StripeEventOutcome },
        200,
      );
    }
    // Effects first, the record after: a failure midway leaves no row, so Stripe's redelivery runs the
    // (idempotent) effects again instead of being dropped as a duplicate.
    const result = await processor.process(event, elog);
    await recordStripeEvent(db, {
      eventId: event.id,
      type: event.type,
      createdAt: new Date(event.created * 1000),
      invoiceId: result.invoiceId ?? null,
      customerId: result.customerId ?? null,
      outcome: result.outcome,
      reason: result.reason ?? null,
      foreignAttempt: result.foreignAttempt ?? false,
      receivedAt,
    });
    elog.info(
      {
        ...(result.invoiceId ? documentLogFields({ type: 'invoice', id: result.invoiceId }) : {}),
        outcome: result.outcome,
        reason: result.reason,
      },
      'Stripe event processed',
    );
    return c.json({ received: true as const, duplicate: false, outcome: result.outcome }, 200);
  });

  app.openapi(stripeConnectorCountsRoute, async (c) => {
    const counts = await stripeEventCounts(db);
    return c.json(
      { events: counts.total, by_outcome: counts.by_outcome, foreign_attempts: counts.foreign_attempts },
      200,
    );
  });
}
