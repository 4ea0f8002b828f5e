import type { CustomerGroup, GroupFilter, RetryConfig } from './config-schema';
import { isAllRemainingCustomers } from './config-schema';

/**
 * Filter semantics, chosen so a filter can never throw on odd account data:
 * - A field is missing when the key is absent or its value is null/undefined. A missing field
 *   matches nothing, including ne/not_in, except `exists` with value false, which exists precisely
 *   to select accounts lacking the field.
 * - Strings compare exactly (case-sensitive), as Zuora's filters do.
 * - A number in the filter compares numerically and accepts numeric strings in the account
 *   (amounts often arrive as "500.00"); a string in a gt/gte/lt/lte filter compares strings
 *   lexicographically, which orders ISO dates correctly.
 * - contains: substring for string fields, membership for array fields.
 */

type Scalar = string | number | boolean;

function isMissing(value: unknown): boolean {
  return value === undefined || value === null;
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function equalsScalar(actual: unknown, expected: Scalar): boolean {
  if (typeof expected === 'number') return asNumber(actual) === expected;
  if (typeof expected === 'boolean') return actual === expected;
  if (typeof actual === 'string') return actual === expected;
  if (typeof actual === 'number') return String(actual) === expected;
  return false;
}

function compare(actual: unknown, expected: number | string): number | undefined {
  if (typeof expected === 'number') {
    const n = asNumber(actual);
    return n === undefined ? undefined : n - expected;
  }
  if (typeof actual !== 'string') return undefined;
  return actual < expected ? -1 : actual > expected ? 1 : 0;
}

export function filterMatches(filter: GroupFilter, account: Record<string, unknown>): boolean {
  const present = Object.hasOwn(account, filter.field) && !isMissing(account[filter.field]);
  if (filter.operator === 'exists') return present === filter.value;
  if (!present) return false;
  const actual = account[filter.field];
  switch (filter.operator) {
    case 'eq':
      return equalsScalar(actual, filter.value);
    case 'ne':
      return !equalsScalar(actual, filter.value);
    case 'in':
      return filter.value.some((v) => equalsScalar(actual, v));
    case 'not_in':
      return !filter.value.some((v) => equalsScalar(actual, v));
    case 'contains':
      if (typeof actual === 'string')
        return typeof filter.value === 'string' && actual.includes(filter.value);
      if (Array.isArray(actual)) return actual.some((item) => equalsScalar(item, filter.value as Scalar));
      return false;
    default: {
      const c = compare(actual, filter.value);
      if (c === undefined || Number.isNaN(c)) return false;
      if (filter.operator === 'gt') return c > 0;
      if (filter.operator === 'gte') return c >= 0;
      if (filter.operator === 'lt') return c < 0;
      return c <= 0;
    }
  }
}

export function groupMatches(group: CustomerGroup, account: Record<string, unknown>): boolean {
  return group.filters.every((f) => filterMatches(f, account));
}

export function findAllRemainingCustomers(config: RetryConfig): CustomerGroup {
  const group = config.customer_groups.find(isAllRemainingCustomers);
  if (!group)
    throw new Error('configuration has no "All Remaining Customers" group; run validateConfig first');
  return group;
}

/**
 * Active groups in ascending priority (array order breaks ties, which validation forbids anyway);
 * the first whose filters all match wins, else "All Remaining Customers". An unknown account is
 * treated as one with no attributes.
 */
export function chooseGroup(
  config: RetryConfig,
  account: Record<string, unknown> | undefined,
): CustomerGroup {
  const attributes = account ?? {};
  const candidates = config.customer_groups
    .map((group, index) => ({ group, index }))
    .filter(({ group }) => group.active && !isAllRemainingCustomers(group))
    .sort(
      (a, b) =>
        (a.group.priority ?? Number.MAX_SAFE_INTEGER) - (b.group.priority ?? Number.MAX_SAFE_INTEGER) ||
        a.index - b.index,
    );
  const winner = candidates.find(({ group }) => groupMatches(group, attributes));
  return winner ? winner.group : findAllRemainingCustomers(config);
}
