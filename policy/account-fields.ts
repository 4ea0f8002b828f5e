import type { Path, RawIssue } from './cross-checks';

/**
 * Group filters read one top-level key of the failed payment's `account` (policy/groups.ts): the key
 * is looked up literally, so a path such as `account.segment` names a key no account carries, and a
 * field of the failed payment itself (`account_id`, `currency`) is not in `account` unless the
 * submitter copies it there. `account` is free-form, so a misspelling can only be told from the other
 * filters: a field a small edit away from one the configuration uses more often is most likely a typo.
 * Such filters match nothing (or, with `exists: false`, everything), which no schema check can see; a
 * warning names the filter and the spelling it probably meant. Pure; reads the raw document.
 */

/**
 * Keys of the failed payment beside `account` (domain/failed-payment.ts `failedPaymentShape`; a test
 * holds the two equal): what a filter on them probably meant to read. A list rather than an import:
 * with the import, every RetryCycle workflow task failed in the sandbox ("Cannot define property
 * safeParse, object is not extensible" at the workflow's first failedPaymentSchema.safeParse).
 */
export const FAILED_PAYMENT_FIELDS: readonly string[] = [
  'payment_id',
  'account_id',
  'invoice_id',
  'debit_memo_id',
  'amount',
  'currency',
  'payment_method_id',
  'gateway_id',
  'gateway_response_code',
  'gateway_response_message',
  'source',
  'failed_at',
  'subscription_id',
  'due_date',
];

const PREFIXES = ['failed_payment.account.', 'payment.account.', 'account.', 'account/', 'account:'];

/** Levenshtein distance (insert, delete, substitute, each 1). */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = prev[j] as number;
      prev[j] = Math.min(above + 1, (prev[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return prev[b.length] as number;
}

/** How far a spelling may be from the one it meant: 1 edit for short names, 2 from 6 characters on. */
const tolerance = (field: string) => (field.length >= 6 ? 2 : 1);

/** The wrong prefix stripped (`account.segment` → `segment`), or undefined when there is none. */
export function withoutPrefix(field: string): string | undefined {
  const lower = field.toLowerCase();
  const prefix = PREFIXES.find((p) => lower.startsWith(p) && field.length > p.length);
  return prefix === undefined ? undefined : field.slice(prefix.length);
}

/**
 * The field `field` most likely meant among `used` (field → number of filters using it): a different
 * field the same up to case, or within the tolerance, used by more filters; closest first, then most
 * used, then alphabetical. Undefined when there is none.
 */
export function closestField(field: string, used: ReadonlyMap<string, number>): string | undefined {
  const own = used.get(field) ?? 0;
  let best: { name: string; distance: number; count: number } | undefined;
  for (const [name, count] of used) {
    if (name === field) continue;
    const distance = editDistance(name.toLowerCase(), field.toLowerCase());
    const sameButCase = distance === 0;
    // Of two spellings used equally often, the lowercase one is taken as meant, so only one warns.
    const preferred = count > own || (sameButCase && count === own && name === name.toLowerCase());
    if (!preferred || distance > tolerance(field)) continue;
    const better =
      !best ||
      distance < best.distance ||
      (distance === best.distance && (count > best.count || (count === best.count && name < best.name)));
    if (better) best = { name, distance, count };
  }
  return best?.name;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

interface FilterField {
  path: Path;
  field: string;
}

function filterFields(doc: unknown): FilterField[] {
  if (!isRecord(doc) || !Array.isArray(doc.customer_groups)) return [];
  return doc.customer_groups.flatMap((group, i) =>
    isRecord(group) && Array.isArray(group.filters)
      ? group.filters.flatMap((filter, j) =>
          isRecord(filter) && typeof filter.field === 'string' && filter.field.trim() !== ''
            ? [{ path: ['customer_groups', i, 'filters', j, 'field'], field: filter.field.trim() }]
            : [],
        )
      : [],
  );
}

const notAField = (field: string) => `${field} is not a field of a failed payment's account`;

/** One warning per filter whose field no account is likely to carry, with the spelling it probably meant. */
export function accountFieldWarnings(doc: unknown): RawIssue[] {
  const fields = filterFields(doc);
  const used = new Map<string, number>();
  for (const { field } of fields) used.set(field, (used.get(field) ?? 0) + 1);
  const warnings: RawIssue[] = [];
  for (const { path, field } of fields) {
    const stripped = withoutPrefix(field);
    if (stripped !== undefined) {
      const meant = closestField(stripped, used) ?? stripped;
      warnings.push({ path, message: `${notAField(field)}; did you mean ${meant}?` });
    } else if (FAILED_PAYMENT_FIELDS.includes(field)) {
      warnings.push({
        path,
        message: `${notAField(field)}: it is a field of the failed payment itself, and filters read only \`account\`; this filter matches only payments whose account repeats ${field}`,
      });
    } else {
      const meant = closestField(field, used);
      if (meant !== undefined)
        warnings.push({ path, message: `${notAField(field)}; did you mean ${meant}?` });
    }
  }
  return warnings;
}
