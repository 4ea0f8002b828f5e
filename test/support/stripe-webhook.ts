import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { expect } from 'vitest';
import { STRIPE_WEBHOOK_PATH } from '../../api/connectors/stripe/routes';
import { createStripeClient } from '../../stripe/client';
import { FAKE_SECRET_KEY, type FakeInvoice, type StripeFake } from './stripe-fake';

// Playing Stripe towards our webhook: events built as Stripe builds them (https://docs.stripe.com/api/events/object)
// and signed as Stripe signs them, delivered to the app in process.

/** What the webhook answers. */
export type WebhookAnswer = {
  received?: true;
  duplicate?: boolean;
  outcome?: string;
  success?: false;
  message?: string;
};

/**
 * The connector's deps against `fake`: the SDK client the connector reads invoices and customers with
 * (no SDK retries, so a scripted fault is seen as it is) and the endpoint's signing secret.
 */
export function fakeStripeConnector(fake: StripeFake, webhookSecret: string) {
  return {
    client: createStripeClient({
      secretKey: FAKE_SECRET_KEY,
      apiBase: fake.url,
      timeoutMs: 10_000,
      maxNetworkRetries: 0,
    }),
    webhookSecret,
  };
}

interface App {
  request(path: string, init: RequestInit): Response | Promise<Response>;
}

export function stripeWebhookSender(app: App, secret: string) {
  let seq = 0;
  /**
   * An event as Stripe builds it. `idempotency_key` undefined or null: Stripe acted by itself (its own
   * collection, a dashboard change); a string: the API request (with that Idempotency-Key) caused it.
   */
  const stripeEvent = (
    type: string,
    object: Record<string, unknown>,
    opts: { previous_attributes?: Record<string, unknown>; idempotency_key?: string | null } = {},
  ) => ({
    id: `evt_${randomBytes(12).toString('hex')}${++seq}`,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: Math.floor(Date.now() / 1000),
    data: { object, ...(opts.previous_attributes ? { previous_attributes: opts.previous_attributes } : {}) },
    livemode: false,
    pending_webhooks: 1,
    request:
      opts.idempotency_key === undefined || opts.idempotency_key === null
        ? { id: null, idempotency_key: null }
        : { id: `req_${randomBytes(6).toString('hex')}`, idempotency_key: opts.idempotency_key },
    type,
  });
  /** The invoice as an event's `data.object` carries it (a snapshot at the event's time). */
  const snapshot = (inv: FakeInvoice) => {
    const { payment_intents: _, ...rest } = inv;
    return { ...rest };
  };
  const invoiceEvent = (type: string, inv: FakeInvoice, idempotency_key?: string | null) =>
    stripeEvent(type, snapshot(inv), idempotency_key === undefined ? {} : { idempotency_key });

  const deliver = async (
    event: unknown,
    opts: { secret?: string; timestamp?: number; signature?: string | null } = {},
  ) => {
    const payload = JSON.stringify(event);
    const signature =
      opts.signature === undefined
        ? Stripe.webhooks.generateTestHeaderString({
            payload,
            secret: opts.secret ?? secret,
            ...(opts.timestamp ? { timestamp: opts.timestamp } : {}),
          })
        : opts.signature;
    // No API token: Stripe's signature is the webhook's authentication.
    const res = await app.request(STRIPE_WEBHOOK_PATH, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        ...(signature === null ? {} : { 'Stripe-Signature': signature }),
      },
      body: payload,
    });
    return { status: res.status, body: (await res.json()) as WebhookAnswer };
  };
  /** Delivered and answered 200 (Stripe stops redelivering): the answer's body. */
  const accepted = async (event: unknown) => {
    const answer = await deliver(event);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body;
  };
  return { stripeEvent, snapshot, invoiceEvent, deliver, accepted };
}
