import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { failedPaymentSchema } from '../../domain/failed-payment';
import { isStorableText, toStorableText, unstorablePath } from '../../domain/storable-text';
import { failedPayment } from '../support/cycle-harness';

// What Postgres text/jsonb can hold: no U+0000 and no unpaired UTF-16 surrogate. Checked against the
// definition itself: a string is storable iff it encodes to UTF-8 and back unchanged with no NUL.
const roundTrips = (s: string) => !s.includes('\u0000') && Buffer.from(s, 'utf8').toString('utf8') === s;

const odd = fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff');
const withOdd = fc.tuple(fc.string(), odd, fc.string()).map(([a, o, b]) => `${a}${o}${b}`);
const anyText = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), withOdd);

describe('storable text', () => {
  it('is exactly the text that survives UTF-8 without a NUL', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        expect(isStorableText(s)).toBe(roundTrips(s));
      }),
      { numRuns: 2000 },
    );
  });

  it('cleans third-party text into storable text, leaving storable text alone', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const cleaned = toStorableText(s);
        expect(isStorableText(cleaned)).toBe(true);
        if (isStorableText(s)) expect(cleaned).toBe(s);
      }),
      { numRuns: 2000 },
    );
    expect(toStorableText('a\u0000b\udc00c\ud83d\ude00')).toBe('ab\ufffdc\ud83d\ude00');
  });

  it('finds the first unstorable string or key anywhere in a JSON value', () => {
    expect(unstorablePath({ a: [1, 'ok', { b: 'x\u0000' }] })).toEqual(['a', 2, 'b']);
    expect(unstorablePath({ ok: true, 'k\ud800': 1 })).toEqual(['k\ud800']);
    expect(unstorablePath({ a: ['fine', { b: null }] })).toBeUndefined();
    fc.assert(
      fc.property(fc.jsonValue(), withOdd, (value, bad) => {
        expect(unstorablePath({ keep: value, at: [bad] })).toEqual(
          unstorablePath(value) ? ['keep', ...(unstorablePath(value) ?? [])] : ['at', 0],
        );
      }),
    );
  });

  it('a failed payment refuses unstorable text in every text field and in account', () => {
    const payment = failedPayment('sim.approve', {
      subscription_id: 'S-1',
      account: { segment: 'smb', tags: ['a'] },
    });
    expect(failedPaymentSchema.safeParse(payment).success).toBe(true);
    const fields = [
      'payment_id',
      'account_id',
      'invoice_id',
      'payment_method_id',
      'gateway_id',
      'gateway_response_code',
      'gateway_response_message',
      'source',
      'subscription_id',
    ] as const;
    fc.assert(
      fc.property(fc.constantFrom(...fields), odd, (field, o) => {
        const result = failedPaymentSchema.safeParse({ ...payment, [field]: `${payment[field] ?? ''}${o}` });
        expect(result.success).toBe(false);
        expect(result.error?.issues[0]?.path).toEqual([field]);
      }),
    );
    const nested = failedPaymentSchema.safeParse({ ...payment, account: { tags: ['a', 'b\u0000'] } });
    expect(nested.error?.issues[0]?.path).toEqual(['account', 'tags', 1]);
  });
});

describe('storable text in deep values', () => {
  it('walks a value nested deeper than the call stack', () => {
    const deep = JSON.parse(`${'['.repeat(200_000)}"x\\u0000"${']'.repeat(200_000)}`) as unknown;
    expect(unstorablePath(deep)?.length).toBe(200_000);
  });
});
