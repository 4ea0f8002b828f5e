import { z } from 'zod';
import { isChargeKey } from '../domain/charge';

// The parts of a Stripe event (https://docs.stripe.com/api/events/object) the Billing connector reads,
// checked once the signature has proved Stripe sent it. Loose: Stripe adds fields without notice, and
// an event we cannot act on is still recorded as ignored rather than refused.

const text = z.string().min(1).max(255);

export const stripeEventSchema = z.looseObject({
  id: text,
  object: z.literal('event'),
  type: text,
  created: z.number().int().nonnegative(),
  livemode: z.boolean().optional(),
  data: z.looseObject({
    object: z.looseObject({
      id: text.optional(),
      object: z.string().optional(),
      customer: z.union([text, z.looseObject({ id: text })]).nullish(),
      attempt_count: z.number().int().nonnegative().optional(),
    }),
    previous_attributes: z.record(z.string(), z.unknown()).optional(),
  }),
  request: z.looseObject({ id: z.string().nullish(), idempotency_key: z.string().nullish() }).nullish(),
});

export type StripeEvent = z.infer<typeof stripeEventSchema>;

/** Caused by one of our own charges (its Idempotency-Key is a `chargeKey`): its cycle records it. */
export const isOwnCharge = (event: StripeEvent): boolean => isChargeKey(event.request?.idempotency_key);

/** The id of the event's object when it is an `object` (e.g. 'invoice'). */
export function objectIdOf(event: StripeEvent, object: string): string | undefined {
  return event.data.object.object === object ? event.data.object.id : undefined;
}

/** The customer the event's object belongs to (an invoice's, a payment method's), or the customer itself. */
export function customerOfEvent(event: StripeEvent): string | undefined {
  const o = event.data.object;
  if (o.object === 'customer') return o.id;
  return typeof o.customer === 'string' ? o.customer : (o.customer?.id ?? undefined);
}

/** `customer.updated` changed the customer's invoice default payment method. */
export function changedDefaultPaymentMethod(event: StripeEvent): boolean {
  const settings = event.data.previous_attributes?.invoice_settings;
  return typeof settings === 'object' && settings !== null && 'default_payment_method' in settings;
}
