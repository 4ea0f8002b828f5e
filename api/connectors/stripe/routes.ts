import { createRoute, z } from '@hono/zod-openapi';
import { errorSchema } from '../../errors';
import { badRequest, basicSecurity, jsonResponse, unauthorized } from '../../responses';
import { STRIPE_EVENT_OUTCOMES } from './outcomes';

// The Stripe Billing connector's two routes: the webhook Stripe calls (authenticated by its signature,
// not by our tokens) and the counts an operator reads.

export const STRIPE_WEBHOOK_PATH = '/connectors/stripe/webhook';
/** Stripe's events are a few KB (an invoice with its first lines); far more is not Stripe. */
export const STRIPE_WEBHOOK_MAX_BYTES = 256 * 1024;
/** How old a signature's timestamp may be, in seconds (Stripe's own default; replay protection). */
export const SIGNATURE_TOLERANCE_S = 300;

const tags = ['Stripe Billing connector'];
const outcome = z.enum(STRIPE_EVENT_OUTCOMES);

const webhookBodySchema = z
  .looseObject({
    id: z.string().min(1).max(255).openapi({ example: 'evt_1QxYz2ABCdef' }),
    object: z.literal('event'),
    type: z.string().min(1).max(255).openapi({ example: 'invoice.payment_failed' }),
  })
  .openapi('StripeEvent', {
    description: 'A Stripe event (https://docs.stripe.com/api/events/object), as Stripe sends it',
  });

export const webhookAnswerSchema = z
  .object({
    received: z.literal(true),
    /** True when this event id was already processed: nothing was done again. */
    duplicate: z.boolean(),
    outcome,
  })
  .openapi('StripeWebhookAnswer');

export const stripeWebhookRoute = createRoute({
  method: 'post',
  path: STRIPE_WEBHOOK_PATH,
  operationId: 'POST_StripeWebhook',
  tags,
  summary: 'Receive a Stripe webhook event',
  description: `Stripe's webhook endpoint: no API token; the \`Stripe-Signature\` header, checked over the raw body with the endpoint's signing secret (STRIPE_WEBHOOK_SECRET), is the authentication, and a signature older than ${SIGNATURE_TOLERANCE_S} s is refused. Each event id is processed once: a redelivery of a processed event answers \`duplicate: true\` and does nothing. The connector acts on the invoice or customer as Stripe holds it when the event is processed, never on the event's snapshot, so events may arrive late, twice, or out of order. \`invoice.payment_failed\` submits the invoice's failed payment to a retry cycle (gateway \`stripe\`, source \`stripe_billing\`); \`invoice.paid\` ends its cycle as collected_external with no charge; \`invoice.voided\` and \`invoice.marked_uncollectible\` remove it; \`customer.updated\` (a new invoice default payment method) and \`payment_method.attached\` (when it is the customer's default) give the customer's active cycles the new method. Events caused by our own charges, and every other type, are recorded and change nothing. Bodies over ${STRIPE_WEBHOOK_MAX_BYTES} bytes are refused (413). A 5xx answer (Stripe or Temporal unreachable) makes Stripe deliver the event again.`,
  request: {
    headers: z.object({
      'stripe-signature': z
        .string()
        .min(1)
        .max(8192)
        .openapi({ description: "Stripe's signature of the raw body: `t=<timestamp>,v1=<hmac>`" }),
    }),
    body: { required: true, content: { 'application/json': { schema: webhookBodySchema } } },
  },
  responses: {
    200: jsonResponse(
      webhookAnswerSchema,
      'Processed (or already processed: `duplicate: true`); `outcome` says what was done',
    ),
    400: jsonResponse(
      errorSchema,
      'No `Stripe-Signature`, a signature that does not match the body, a stale timestamp, or a body that is not an event; nothing is recorded',
    ),
    413: jsonResponse(errorSchema, 'The body is too large'),
    503: jsonResponse(
      errorSchema,
      'Stripe, Temporal or the database could not be reached (or the `stripe` gateway is not configured); Stripe delivers the event again',
    ),
  },
});

export const stripeConnectorCountsSchema = z
  .object({
    events: z.number().int().openapi({ description: 'Events processed (each event id once)' }),
    by_outcome: z
      .record(z.string(), z.number().int())
      .openapi({ example: { submitted: 12, payment_received: 9, ignored: 40 } }),
    foreign_attempts: z.number().int().openapi({
      description:
        "Payment attempts we did not make on invoices already in a retry cycle (Stripe's Smart Retries, which must be off, or a payment by hand); each is also logged as a warning",
    }),
  })
  .openapi('StripeConnectorCounts');

export const stripeConnectorCountsRoute = createRoute({
  method: 'get',
  path: '/api/v1/connectors/stripe',
  operationId: 'GET_StripeConnector',
  tags,
  summary: 'Counts of the Stripe Billing connector',
  description:
    'How many Stripe events were processed, per outcome, and how many were foreign payment attempts.',
  security: basicSecurity,
  responses: {
    200: jsonResponse(stripeConnectorCountsSchema, 'The counts'),
    400: badRequest,
    401: unauthorized,
  },
});
