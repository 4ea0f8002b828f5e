import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { failedPaymentSchema } from '../../domain/failed-payment';
import {
  amountProblem,
  CURRENCY_CODES,
  formatAmount,
  isCurrency,
  minorUnits,
} from '../../domain/money/currency';
import { fromUnits, isDecimal, toUnits } from '../../domain/money/decimal';
import { failedPayment } from '../support/cycle-harness';

// The one decimal format and the currency table every boundary checks amounts with, checked against
// a definition written independently here: digits, no leading zero, at most the currency's decimals.

const currency = fc.constantFrom(...CURRENCY_CODES);
const intPart = fc.bigInt({ min: 0n, max: 10n ** 15n - 1n }).map(String);
const fracPart = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 0, maxLength: 6 });
/** Any digit string with an optional point: leading zeros, long fractions and all. */
const digitsAmount = fc
  .tuple(fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 17 }), fracPart)
  .map(([i, f]) => (f === '' ? i : `${i}.${f}`));

/** The rule, stated on its own. */
function chargeable(amount: string, code: string): boolean {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(amount);
  if (!m) return false;
  const [, int = '', frac = ''] = m;
  if (int.length > 15 || (int.length > 1 && int.startsWith('0'))) return false;
  if (frac.length > Math.min(4, minorUnits(code) ?? 0)) return false;
  return /[1-9]/.test(amount);
}

describe('amounts and currencies', () => {
  it('knows the ISO 4217 minor units that matter, and refuses codes that are not currencies', () => {
    expect([
      minorUnits('USD'),
      minorUnits('EUR'),
      minorUnits('JPY'),
      minorUnits('KWD'),
      minorUnits('CLF'),
    ]).toEqual([2, 2, 0, 3, 4]);
    for (const code of ['ZZZ', 'XXX', 'XAU', 'usd', 'US', 'USDD', '']) expect(isCurrency(code)).toBe(false);
    expect(CURRENCY_CODES.length).toBeGreaterThan(150);
    expect(CURRENCY_CODES.every((c) => /^[A-Z]{3}$/.test(c))).toBe(true);
  });

  it('accepts exactly the amounts the currency can be charged in', () => {
    fc.assert(
      fc.property(fc.oneof(digitsAmount, fc.string()), currency, (amount, code) => {
        expect(amountProblem(amount, code) === undefined).toBe(chargeable(amount, code));
      }),
      { numRuns: 5000 },
    );
    expect(amountProblem('10.125', 'USD')).toMatch(/USD has 2 decimal places/);
    expect(amountProblem('100.5', 'JPY')).toMatch(/JPY has no minor unit/);
    expect(amountProblem('0100.00', 'USD')).toMatch(/leading zeros/);
    expect(amountProblem('10.125', 'KWD')).toBeUndefined();
    expect(amountProblem('999999999999999.99', 'USD')).toBeUndefined();
  });

  it('parses and formats without losing a digit', () => {
    fc.assert(
      fc.property(
        intPart,
        fracPart.filter((f) => f.length <= 4),
        (int, frac) => {
          const amount = frac === '' ? int : `${int}.${frac}`;
          expect(isDecimal(amount)).toBe(true);
          const units = toUnits(amount);
          expect(units).toBe(BigInt(int) * 10_000n + BigInt(frac.padEnd(4, '0')));
          expect(toUnits(fromUnits(units))).toBe(units);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("writes a stored amount with the currency's decimals, never through a float", () => {
    fc.assert(
      fc.property(intPart, currency, fc.nat(), (int, code, seed) => {
        const digits = minorUnits(code) ?? 2;
        const frac = String(seed % 10 ** digits).padStart(digits, '0');
        const amount = digits === 0 ? int : `${int}.${frac}`;
        // Postgres gives numeric(19, 4) back with four decimals.
        const stored = fromUnits(toUnits(amount), 4);
        expect(formatAmount(stored, code)).toBe(amount);
      }),
      { numRuns: 2000 },
    );
    expect(formatAmount('999999999999999.9900', 'USD')).toBe('999999999999999.99');
    expect(formatAmount('100.0000', 'JPY')).toBe('100');
  });

  it('makes the failed-payment schema refuse what the gateway cannot take, naming the field', () => {
    const base = failedPayment('sim.approve');
    const problem = (patch: Record<string, unknown>) => {
      const result = failedPaymentSchema.safeParse({ ...base, ...patch });
      return result.success ? undefined : result.error.issues.map((i) => i.path.join('.'));
    };
    expect(problem({ currency: 'ZZZ' })).toEqual(['currency']);
    expect(problem({ amount: '10.125', currency: 'USD' })).toEqual(['amount']);
    expect(problem({ amount: '100.5', currency: 'JPY' })).toEqual(['amount']);
    expect(problem({ amount: '0100.00' })).toEqual(['amount']);
    expect(problem({ amount: '1e3' })).toEqual(['amount']);
    expect(problem({ amount: '100', currency: 'JPY' })).toBeUndefined();
    expect(problem({ amount: '10.125', currency: 'KWD' })).toBeUndefined();
    expect(problem({ amount: '999999999999999.99' })).toBeUndefined();
  });
});
