// Amounts travel as decimal strings ("100.00") and are computed as integers of 1/10,000 of a unit,
// so no float ever touches money. This module is the one owner of the decimal format: every boundary
// (API schema, workflow, gateway adapters, simulator) checks amounts with it. Pure: used inside
// workflows too. What a currency allows on top (its minor units) is in ./currency.ts.

const SCALE = 10_000n;
/** Up to 15 integer digits and 4 decimals: what numeric(19, 4) holds. */
const DECIMAL = /^(\d{1,15})(?:\.(\d{1,4}))?$/;
/** The format as a pattern, for documents that describe it (OpenAPI); checks go through the functions. */
export const DECIMAL_PATTERN = DECIMAL;

/**
 * An amount as we accept it from outside: digits, optionally a point and 1–4 digits, no sign, no
 * exponent, and no leading zero ("0100.00" is refused; "0.50" is fine).
 */
export function isDecimal(amount: string): boolean {
  const int = DECIMAL.exec(amount)?.[1];
  return int !== undefined && (int === '0' || !int.startsWith('0'));
}

/** Digits after the point: "100.50" → 2, "100" → 0. */
export function fractionDigits(amount: string): number {
  const point = amount.indexOf('.');
  return point < 0 ? 0 : amount.length - point - 1;
}

/**
 * Parses an amount we already hold (validated input, or a numeric read back from Postgres). It is
 * lenient about a leading zero, so values stored before that was refused still parse.
 */
export function toUnits(amount: string): bigint {
  const match = DECIMAL.exec(amount);
  if (!match) throw new RangeError(`not a decimal amount: ${JSON.stringify(amount)}`);
  const frac = (match[2] ?? '').padEnd(4, '0');
  return BigInt(match[1] as string) * SCALE + BigInt(frac);
}

/** Formats with at least `minDigits` fraction digits: 1000000n → "100.00". */
export function fromUnits(units: bigint, minDigits = 2): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const int = abs / SCALE;
  let frac = (abs % SCALE).toString().padStart(4, '0').replace(/0+$/, '');
  if (frac.length < minDigits) frac = frac.padEnd(minDigits, '0');
  return `${negative ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

export const subtract = (a: string, b: string): string => fromUnits(toUnits(a) - toUnits(b));
/** What is still owed after `paid`: never below zero ("0.00" once paid in full or more). */
export const payDown = (outstanding: string, paid: string): string =>
  toUnits(paid) >= toUnits(outstanding) ? '0.00' : subtract(outstanding, paid);
/**
 * The amount check paymentReceived made before the 'iso-amounts' patch, kept only so histories of runs
 * that began before it replay with the check they ran with. New code uses currency.amountProblem.
 */
export const isLegacyAmount = (amount: string): boolean => DECIMAL.test(amount);
export const isZeroOrLess = (a: string): boolean => toUnits(a) <= 0n;
/** The same amount however written: "100", "100.0" and "100.00" are equal. */
export const sameAmount = (a: string, b: string): boolean => toUnits(a) === toUnits(b);
