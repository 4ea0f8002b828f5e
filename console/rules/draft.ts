import type { components } from '../api/schema';

// The configuration document as the forms edit it: the API's StoredRetryConfig.config (defaults
// applied), changed only through `edited`, which works on a deep copy so the loaded version and every
// earlier draft stay as they were (the page compares against them to know what is unsaved).

export type RetryConfigDraft = components['schemas']['StoredRetryConfig']['config'];
export type CustomerGroupDraft = RetryConfigDraft['customer_groups'][number];
export type FilterDraft = CustomerGroupDraft['filters'][number];
export type AttemptDraft = CustomerGroupDraft['attempts'][number];
export type RuleDraft = AttemptDraft[string];
export type MappingDraft = RetryConfigDraft['response_codes'][number];
export type FilterOperator = FilterDraft['operator'];
type Scalar = string | number | boolean;

export const copy = <T>(value: T): T => structuredClone(value);

export function edited<T>(value: T, change: (draft: T) => void): T {
  const next = copy(value);
  change(next);
  return next;
}

export const sameDocument = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function newGroup(config: RetryConfigDraft): CustomerGroupDraft {
  const ids = config.customer_groups.map((g) => g.id);
  const priorities = config.customer_groups.flatMap((g) => (g.priority === undefined ? [] : [g.priority]));
  return {
    id: Math.max(1, ...ids) + 1,
    name: `New group ${config.customer_groups.length}`,
    active: true,
    priority: priorities.length === 0 ? 10 : Math.max(...priorities) + 10,
    filters: [{ field: 'segment', operator: 'eq', value: '' }],
    // A new group starts from the catch-all's rules, the schedule most groups are a variation of.
    attempts: copy(config.customer_groups.find((g) => g.id === 1)?.attempts ?? []),
  };
}

/** What an attempt does for one label, as the form offers it. */
export type RuleKind = 'unset' | 'wait' | 'time' | 'stop';

export function ruleKind(rule: RuleDraft | undefined): RuleKind {
  if (!rule) return 'unset';
  if (rule.action === 'Stop') return 'stop';
  return rule.criteria === 'incremental_time' ? 'wait' : 'time';
}

/** The rule of another kind, keeping its webhook; undefined for 'unset'. */
export function ruleOfKind(kind: RuleKind, previous: RuleDraft | undefined): RuleDraft | undefined {
  const webhook = previous?.webhook ? { webhook: previous.webhook } : {};
  if (kind === 'stop') return { action: 'Stop', ...webhook };
  if (kind === 'wait') return { action: 'Retry', criteria: 'incremental_time', interval: 'P1D', ...webhook };
  if (kind === 'time') return { action: 'Retry', criteria: 'specific_time', time: '09:00', ...webhook };
  return undefined;
}

export const OPERATORS: { value: FilterOperator; text: string }[] = [
  { value: 'eq', text: 'is' },
  { value: 'ne', text: 'is not' },
  { value: 'in', text: 'is one of' },
  { value: 'not_in', text: 'is none of' },
  { value: 'gt', text: 'is more than' },
  { value: 'gte', text: 'is at least' },
  { value: 'lt', text: 'is less than' },
  { value: 'lte', text: 'is at most' },
  { value: 'contains', text: 'contains' },
  { value: 'exists', text: 'is present (yes/no)' },
];

/** Text typed into a filter's value: numbers and yes/no become typed values, the rest stays text. */
export function scalarOf(text: string): Scalar {
  const t = text.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  // "007" stays text: an identifier, not the number 7.
  if (/^-?(?:0|[1-9]\d*)(?:\.\d+)?$/.test(t)) return Number(t);
  return t;
}

export const valueText = (value: FilterDraft['value']): string =>
  Array.isArray(value) ? value.map(String).join(', ') : String(value);

export function filterWithValue(filter: FilterDraft, text: string): FilterDraft {
  switch (filter.operator) {
    case 'in':
    case 'not_in':
      return {
        ...filter,
        value: text
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
          .map(scalarOf),
      };
    case 'exists':
      return { ...filter, value: text === 'true' };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const v = scalarOf(text);
      return { ...filter, value: typeof v === 'boolean' ? String(v) : v };
    }
    default:
      return { ...filter, value: scalarOf(text) };
  }
}

/** The filter under another operator, its value carried over as far as it fits. */
export function filterWithOperator(filter: FilterDraft, operator: FilterOperator): FilterDraft {
  if (operator === 'exists') return { field: filter.field, operator, value: true };
  const text = filter.operator === 'exists' ? '' : valueText(filter.value);
  return filterWithValue({ field: filter.field, operator, value: '' } as FilterDraft, text);
}

/** Field names the groups filter on: the inputs the preview offers for "an account like this". */
export function filterFields(config: RetryConfigDraft): string[] {
  const fields = new Set<string>();
  for (const g of config.customer_groups) for (const f of g.filters) if (f.field.trim()) fields.add(f.field);
  return [...fields].sort();
}

export const gateways = (config: RetryConfigDraft): string[] =>
  [...new Set(config.response_codes.map((e) => e.gateway_id))].sort((a, b) =>
    a === '*' ? 1 : b === '*' ? -1 : a.localeCompare(b),
  );

/** An account's attribute as typed in the preview: '' is absent, yes/no and numbers are typed. */
export function accountOf(values: Record<string, string>): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  for (const [field, text] of Object.entries(values)) {
    if (text.trim() === '') continue;
    const t = text.trim();
    // Numbers stay strings: the filters compare numeric strings numerically ("500.00" > 100).
    out[field] = t === 'true' ? true : t === 'false' ? false : t;
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A pasted document as the forms can show it: the schema's defaults filled in (filters, attempts,
 * response codes), or why the forms cannot show it at all. Field values of the wrong type are left
 * for validation to name; only the structure the forms walk through must be there.
 */
export function draftOf(doc: unknown): { draft: RetryConfigDraft } | { problem: string } {
  if (!isObject(doc))
    return { problem: 'The configuration is a JSON object ({ "settings": …, "labels": … })' };
  const missing = (what: string) => ({ problem: `The forms need ${what}; fix it in the JSON first` });
  if (!isObject(doc.settings)) return missing('"settings" (an object)');
  if (!Array.isArray(doc.labels) || !doc.labels.every(isObject))
    return missing('"labels" (a list of objects)');
  const codes = doc.response_codes ?? [];
  if (!Array.isArray(codes) || !codes.every(isObject)) return missing('"response_codes" (a list of objects)');
  const groups = doc.customer_groups;
  if (!Array.isArray(groups) || !groups.every(isObject))
    return missing('"customer_groups" (a list of objects)');
  for (const [g, group] of groups.entries()) {
    const lists = [
      ['filters', isObject],
      ['attempts', (entry: unknown) => isObject(entry) && Object.values(entry).every(isObject)],
    ] as const;
    for (const [key, item] of lists) {
      const value = group[key] ?? [];
      if (!Array.isArray(value) || !value.every(item)) {
        return missing(`customer_groups[${g}].${key} to be a list of objects`);
      }
    }
  }
  const draft = copy(doc) as unknown as RetryConfigDraft;
  draft.response_codes ??= [];
  for (const group of draft.customer_groups) {
    group.filters ??= [];
    group.attempts ??= [];
    group.active ??= true;
  }
  return { draft };
}
