/** Decimal-string money helpers (no floats anywhere). */

/** A non-negative decimal with up to 4 fraction digits and no leading zeros: "100", "100.00", "0.5". */
export const DECIMAL_RE = /^(0|[1-9]\d{0,14})(\.\d{1,4})?$/;

export function isPositiveDecimal(amount: string): boolean {
  return DECIMAL_RE.test(amount) && /[1-9]/.test(amount);
}

/** Canonical form for comparisons: "100.00" and "100" and "100.0" are equal. */
export function canonicalDecimal(amount: string): string {
  const [int = '0', frac = ''] = amount.split('.');
  const f = frac.replace(/0+$/, '');
  return f ? `${int}.${f}` : int;
}

/** Zero with the same number of fraction digits as `amount`: "100.00" → "0.00", "5" → "0". */
export function zeroLike(amount: string): string {
  const frac = amount.split('.')[1];
  return frac ? `0.${'0'.repeat(frac.length)}` : '0';
}
