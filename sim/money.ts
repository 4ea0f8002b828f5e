import { isDecimal, toUnits } from '../domain/money/decimal';

// The simulator takes amounts in the one decimal format the service uses (domain/money/decimal.ts); these
// are only its own conveniences on top.

export function isPositiveDecimal(amount: string): boolean {
  return isDecimal(amount) && toUnits(amount) > 0n;
}

/** Zero with the same number of fraction digits as `amount`: "100.00" → "0.00", "5" → "0". */
export function zeroLike(amount: string): string {
  const frac = amount.split('.')[1];
  return frac ? `0.${'0'.repeat(frac.length)}` : '0';
}
