import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { failedPaymentShape } from '../../domain/failed-payment';
import { defaultConfig, validateConfig } from '../../policy';
import {
  accountFieldWarnings,
  closestField,
  editDistance,
  FAILED_PAYMENT_FIELDS,
  withoutPrefix,
} from '../../policy/account-fields';

// A group filter on a key no failed payment's account carries matches nothing; the validation warns
// with the spelling it most likely meant (policy/account-fields.ts).

const catchAll = defaultConfig.customer_groups[0];

/** The default configuration with one group per filter list, ahead of the catch-all. */
function configWith(filterLists: string[][]) {
  return {
    ...defaultConfig,
    customer_groups: [
      ...filterLists.map((fields, i) => ({
        id: i + 2,
        name: `G${i + 2}`,
        active: true,
        priority: i + 1,
        filters: fields.map((field) => ({ field, operator: 'eq', value: 'x' })),
        attempts: [],
      })),
      catchAll,
    ],
  };
}

const pathOf = (group: number, filter: number) => `customer_groups[${group}].filters[${filter}].field`;

/** Identifier-like account keys that are neither a failed payment field nor prefixed. */
const plainField = fc
  .stringMatching(/^[a-z][a-z0-9_]{2,14}$/)
  .filter((f) => !FAILED_PAYMENT_FIELDS.includes(f) && withoutPrefix(f) === undefined);

describe('edit distance', () => {
  it('is a metric: zero only for equal strings, symmetric, and within the longer length', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const d = editDistance(a, b);
        expect(d === 0).toBe(a === b);
        expect(editDistance(b, a)).toBe(d);
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
        expect(d).toBeGreaterThanOrEqual(Math.abs(a.length - b.length));
      }),
    );
  });

  it('counts known cases', () => {
    expect(editDistance('segment', 'segmnet')).toBe(2);
    expect(editDistance('country', 'contry')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('account field warnings', () => {
  it('suggests the field without a wrong account. prefix, at the filter path', () => {
    fc.assert(
      fc.property(
        plainField,
        fc.constantFrom('account.', 'Account.', 'payment.account.'),
        (field, prefix) => {
          const warnings = accountFieldWarnings(configWith([['country'], [`${prefix}${field}`]]));
          expect(warnings).toEqual([
            {
              path: ['customer_groups', 1, 'filters', 0, 'field'],
              message: `${prefix}${field} is not a field of a failed payment's account; did you mean ${field}?`,
            },
          ]);
        },
      ),
    );
  });

  it('suggests the more common spelling for a field one edit away from it', () => {
    fc.assert(
      fc.property(
        plainField.filter((f) => f.length >= 4),
        fc.nat(),
        fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'),
        (field, at, letter) => {
          const i = at % field.length;
          const typo = `${field.slice(0, i)}${letter}${field.slice(i + 1)}`;
          fc.pre(
            typo !== field && !FAILED_PAYMENT_FIELDS.includes(typo) && withoutPrefix(typo) === undefined,
          );
          const warnings = accountFieldWarnings(configWith([[field], [field], [typo]]));
          expect(warnings).toEqual([
            {
              path: ['customer_groups', 2, 'filters', 0, 'field'],
              message: `${typo} is not a field of a failed payment's account; did you mean ${field}?`,
            },
          ]);
        },
      ),
    );
  });

  it('says nothing when every filter uses one plain field, however often', () => {
    fc.assert(
      fc.property(plainField, fc.integer({ min: 1, max: 5 }), (field, n) => {
        expect(accountFieldWarnings(configWith(Array.from({ length: n }, () => [field])))).toEqual([]);
      }),
    );
  });

  it('says nothing for distinct fields further apart than the tolerance', () => {
    fc.assert(
      fc.property(fc.uniqueArray(plainField, { minLength: 1, maxLength: 6 }), (fields) => {
        fc.pre(fields.every((a) => fields.every((b) => a === b || editDistance(a, b) > 2)));
        expect(accountFieldWarnings(configWith(fields.map((f) => [f])))).toEqual([]);
      }),
    );
  });

  it('warns on a filter naming a field of the failed payment itself', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FAILED_PAYMENT_FIELDS), (field) => {
        const [warning, ...rest] = accountFieldWarnings(configWith([[field]]));
        expect(rest).toEqual([]);
        expect(warning?.path).toEqual(['customer_groups', 0, 'filters', 0, 'field']);
        expect(warning?.message).toMatch(
          new RegExp(`^${field} is not a field of a failed payment's account`),
        );
      }),
    );
    expect([...FAILED_PAYMENT_FIELDS].sort()).toEqual(
      Object.keys(failedPaymentShape)
        .filter((k) => k !== 'account')
        .sort(),
    );
  });

  it('prefers the lowercase one of two spellings that differ in case only, used equally often', () => {
    expect(
      closestField(
        'Segment',
        new Map([
          ['Segment', 1],
          ['segment', 1],
        ]),
      ),
    ).toBe('segment');
    expect(
      closestField(
        'segment',
        new Map([
          ['Segment', 1],
          ['segment', 1],
        ]),
      ),
    ).toBeUndefined();
    expect(
      closestField(
        'segmnet',
        new Map([
          ['segmnet', 1],
          ['segment', 1],
        ]),
      ),
    ).toBeUndefined();
  });

  it('reaches /config/validate as warnings on a valid document, with the formatted path', () => {
    const result = validateConfig(
      configWith([['segment', 'country'], ['segment'], ['account.segment', 'segmnt']]),
    );
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([
      {
        path: pathOf(2, 0),
        message: "account.segment is not a field of a failed payment's account; did you mean segment?",
      },
      {
        path: pathOf(2, 1),
        message: "segmnt is not a field of a failed payment's account; did you mean segment?",
      },
    ]);
  });

  it('reads odd documents without throwing', () => {
    fc.assert(
      fc.property(fc.anything(), (doc) => {
        expect(Array.isArray(accountFieldWarnings(doc))).toBe(true);
      }),
    );
  });
});
