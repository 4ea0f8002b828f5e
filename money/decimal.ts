// Amounts travel as decimal strings ("100.00") and are computed as integers of 1/10,000 of a unit,
// so no float ever touches money. Pure: used inside workflows too.

const SCALE = 10_000n;
const DECIMAL = /^(\d{1,15})(?:\.(\d{1,4}))?$/;

export function isDecimal(amount: string): boolean {
  return DECIMAL.test(amount);
}

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
export const isZeroOrLess = (a: string): boolean => toUnits(a) <= 0n;
