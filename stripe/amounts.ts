import { minorUnits } from '../domain/money/currency';
import { fromUnits, toUnits } from '../domain/money/decimal';

// Stripe takes and gives amounts as integers in the currency's smallest unit, with the currency
// lower-case. Its list of zero-decimal currencies follows ISO 4217 with two exceptions
// (https://docs.stripe.com/currencies#zero-decimal): ISK has no minor unit in ISO but Stripe keeps
// it two-decimal for backward compatibility, and MGA has two in ISO but none at Stripe.
const STRIPE_EXPONENT: Readonly<Record<string, number>> = { ISK: 2, MGA: 0 };

/** Decimal places Stripe counts for `currency` (upper-case ISO code); undefined if we do not know it. */
export function stripeExponent(currency: string): number | undefined {
  return STRIPE_EXPONENT[currency] ?? minorUnits(currency);
}

/** Our 1/10,000 units per one of Stripe's minor units of `currency`. */
function unitsPerMinor(currency: string): bigint {
  const exponent = stripeExponent(currency);
  if (exponent === undefined || exponent > 4) throw new RangeError(`no Stripe amount for ${currency}`);
  return 10n ** BigInt(4 - exponent);
}

/**
 * "100.00" USD → 10000, "500" JPY → 500, "1000" ISK → 100000. Undefined when the amount has finer
 * digits than Stripe can charge in that currency (e.g. "10.50" MGA): such an amount is refused
 * rather than rounded, since rounding would charge a different sum.
 */
export function toStripeAmount(amount: string, currency: string): number | undefined {
  const per = unitsPerMinor(currency);
  const units = toUnits(amount);
  if (units % per !== 0n) return undefined;
  const minor = units / per;
  return minor <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(minor) : undefined;
}

/** Stripe's integer amount (e.g. `amount_received`, `amount_remaining`) as our decimal string. */
export function fromStripeAmount(minor: number, currency: string): string {
  if (!Number.isSafeInteger(minor) || minor < 0) throw new RangeError(`not a Stripe amount: ${minor}`);
  const exponent = stripeExponent(currency) ?? 2;
  return fromUnits(BigInt(minor) * unitsPerMinor(currency), minorUnits(currency) ?? exponent);
}

/** Stripe's currency spelling: lower-case ISO. */
export const stripeCurrency = (currency: string): string => currency.toLowerCase();
