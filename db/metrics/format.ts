// Exact decimal arithmetic for the metrics: every count and sum arrives from SQL as text and is turned
// into hundredths with BigInt, rounded half away from zero (as Postgres rounds numerics), so no float
// rounding can make "12.345" come out as "12.34".

export type Trend = 'up' | 'down' | 'neutral';

/** a / b rounded half away from zero; b > 0. */
export function roundDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  const r = a % b;
  if (2n * (r < 0n ? -r : r) >= b) return a < 0n ? q - 1n : q + 1n;
  return q;
}

/** 2650n → "26.50". */
export function formatHundredths(h: bigint): string {
  const negative = h < 0n;
  const abs = negative ? -h : h;
  return `${negative ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** 100 × part / whole in hundredths of a percent; null when whole is 0. */
export function percent(part: bigint, whole: bigint): bigint | null {
  return whole === 0n ? null : roundDiv(10_000n * part, whole);
}

/** Mean in hundredths; null when n is 0. */
export function mean(sum: bigint, n: bigint): bigint | null {
  return n === 0n ? null : roundDiv(100n * sum, n);
}

const US_PER_DAY = 86_400_000_000n;

/** Mean days (fractional) from a sum of microseconds over n documents, in hundredths. */
export function meanDays(sumUs: bigint, n: bigint): bigint | null {
  return n === 0n ? null : roundDiv(100n * sumUs, n * US_PER_DAY);
}

/** A decimal string ("123954.1000", "-3", "0.5") as an exact fraction. */
function parseDecimal(text: string): { digits: bigint; scale: number } {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) throw new Error(`not a decimal: ${JSON.stringify(text)}`);
  const fraction = match[3] ?? '';
  const digits = BigInt(`${match[2]}${fraction}`);
  return { digits: match[1] ? -digits : digits, scale: fraction.length };
}

/** A decimal string in hundredths, rounded half away from zero. */
export function decimalHundredths(text: string): bigint {
  const { digits, scale } = parseDecimal(text);
  return roundDiv(digits * 100n, 10n ** BigInt(scale));
}

/** A decimal string with exactly two decimals. */
export function money(text: string): string {
  return formatHundredths(decimalHundredths(text));
}

/** Exact difference of two decimal strings. */
export function subtractDecimal(a: string, b: string): string {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  const scale = Math.max(x.scale, y.scale);
  const diff = x.digits * 10n ** BigInt(scale - x.scale) - y.digits * 10n ** BigInt(scale - y.scale);
  const negative = diff < 0n;
  const abs = (negative ? -diff : diff).toString().padStart(scale + 1, '0');
  const whole = abs.slice(0, abs.length - scale);
  return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${abs.slice(abs.length - scale)}` : ''}`;
}

export const hundredthsOrNull = (h: bigint | null): string | null =>
  h === null ? null : formatHundredths(h);

/**
 * The metric now against the same metric 30 days ago, both already rounded to hundredths: null when
 * there is no value now, "neutral" when equal or when there was no value then.
 */
export function trend(now: bigint | null, then: bigint | null): Trend | null {
  if (now === null) return null;
  if (then === null || now === then) return 'neutral';
  return now > then ? 'up' : 'down';
}
