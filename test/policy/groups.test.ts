import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_REMAINING_CUSTOMERS_ID, chooseGroup, filterMatches, type GroupFilter } from '../../policy';
import { issueExample, parse } from './fixtures';

const f = (filter: Record<string, unknown>) => filter as GroupFilter;

describe('filter operators', () => {
  const account = {
    country: 'US',
    balance: '750.50',
    tier: 3,
    tags: ['vip', 'eu'],
    note: 'net 30 terms',
    nil: null,
    flag: false,
  };

  it.each([
    [{ field: 'country', operator: 'eq', value: 'US' }, true],
    [{ field: 'country', operator: 'eq', value: 'us' }, false],
    [{ field: 'tier', operator: 'eq', value: '3' }, true],
    [{ field: 'balance', operator: 'eq', value: 750.5 }, true],
    [{ field: 'flag', operator: 'eq', value: false }, true],
    [{ field: 'country', operator: 'ne', value: 'CA' }, true],
    [{ field: 'missing', operator: 'ne', value: 'CA' }, false],
    [{ field: 'country', operator: 'in', value: ['US', 'CA'] }, true],
    [{ field: 'country', operator: 'not_in', value: ['US', 'CA'] }, false],
    [{ field: 'missing', operator: 'not_in', value: ['US'] }, false],
    [{ field: 'balance', operator: 'gte', value: 500 }, true],
    [{ field: 'balance', operator: 'gt', value: 750.5 }, false],
    [{ field: 'tier', operator: 'lt', value: 4 }, true],
    [{ field: 'tier', operator: 'lte', value: 2 }, false],
    [{ field: 'country', operator: 'gt', value: 5 }, false],
    [{ field: 'note', operator: 'gte', value: 'net' }, true],
    [{ field: 'note', operator: 'contains', value: '30' }, true],
    [{ field: 'tags', operator: 'contains', value: 'vip' }, true],
    [{ field: 'tags', operator: 'contains', value: 'us' }, false],
    [{ field: 'country', operator: 'exists', value: true }, true],
    [{ field: 'missing', operator: 'exists', value: true }, false],
    [{ field: 'missing', operator: 'exists', value: false }, true],
    [{ field: 'nil', operator: 'exists', value: false }, true],
    [{ field: 'nil', operator: 'eq', value: 'x' }, false],
    [{ field: 'toString', operator: 'exists', value: true }, false],
  ])('%j → %s', (filter, expected) => {
    expect(filterMatches(f(filter), account)).toBe(expected);
  });
});

describe('chooseGroup examples', () => {
  const doc = issueExample() as { customer_groups: unknown[] };
  doc.customer_groups.push(
    { id: 5, name: 'Canada', priority: 0, filters: [{ field: 'country', operator: 'eq', value: 'CA' }] },
    {
      id: 6,
      name: 'Inactive US',
      active: false,
      priority: -1,
      filters: [{ field: 'country', operator: 'eq', value: 'US' }],
    },
  );
  const config = parse(doc);

  it('picks the highest-priority (lowest number) active match', () => {
    expect(chooseGroup(config, { country: 'CA', balance: 900 }).id).toBe(5);
    expect(chooseGroup(config, { country: 'US', balance: 900 }).id).toBe(2);
  });

  it('falls back to All Remaining Customers', () => {
    expect(chooseGroup(config, { country: 'US', balance: 100 }).id).toBe(ALL_REMAINING_CUSTOMERS_ID);
    expect(chooseGroup(config, undefined).id).toBe(ALL_REMAINING_CUSTOMERS_ID);
    expect(chooseGroup(config, {}).id).toBe(ALL_REMAINING_CUSTOMERS_ID);
  });
});

describe('chooseGroup (property)', () => {
  const countries = ['US', 'CA', 'FR'];
  const filter = fc.oneof(
    fc.record({
      field: fc.constant('country'),
      operator: fc.constant('eq' as const),
      value: fc.constantFrom(...countries),
    }),
    fc.record({
      field: fc.constant('country'),
      operator: fc.constant('in' as const),
      value: fc.uniqueArray(fc.constantFrom(...countries), { minLength: 1 }),
    }),
    fc.record({
      field: fc.constant('balance'),
      operator: fc.constant('gte' as const),
      value: fc.integer({ min: 0, max: 1000 }),
    }),
    fc.record({
      field: fc.constantFrom('country', 'balance', 'vip'),
      operator: fc.constant('exists' as const),
      value: fc.boolean(),
    }),
  );
  const groups = fc.uniqueArray(
    fc.record({
      priority: fc.integer({ min: -5, max: 50 }),
      active: fc.boolean(),
      filters: fc.array(filter, { maxLength: 3 }),
    }),
    { maxLength: 6, selector: (g) => g.priority },
  );
  const account = fc.record(
    { country: fc.constantFrom(...countries), balance: fc.integer({ min: 0, max: 1000 }), vip: fc.boolean() },
    { requiredKeys: [] },
  );

  const refMatches = (
    filter: { field: string; operator: string; value: unknown },
    acc: Record<string, unknown>,
  ) => {
    const v = acc[filter.field];
    if (filter.operator === 'exists') return (v !== undefined) === filter.value;
    if (v === undefined) return false;
    if (filter.operator === 'eq') return v === filter.value;
    if (filter.operator === 'in') return (filter.value as unknown[]).includes(v);
    return (v as number) >= (filter.value as number);
  };

  it('is the lowest-priority-number active group whose filters all match, else the catch-all', () => {
    fc.assert(
      fc.property(groups, account, fc.boolean(), (gs, acc, catchAllFirst) => {
        const custom = gs.map((g, i) => ({ id: i + 10, name: `G${i}`, ...g }));
        const catchAll = { id: 1, name: 'All Remaining Customers', priority: -100 };
        const doc = issueExample();
        const config = parse({
          ...doc,
          customer_groups: catchAllFirst ? [catchAll, ...custom] : [...custom, catchAll],
        });
        const expected =
          [...custom]
            .filter((g) => g.active)
            .sort((a, b) => a.priority - b.priority)
            .find((g) => g.filters.every((fl) => refMatches(fl, acc)))?.id ?? 1;
        expect(chooseGroup(config, acc).id).toBe(expected);
      }),
    );
  });
});
