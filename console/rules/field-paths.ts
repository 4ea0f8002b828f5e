import type { RetryConfigDraft } from './draft';

// Where a validation problem shows. The API names each problem by a path into the document, written
// as policy/validate.ts `formatPath` writes it (`customer_groups[1].attempts[0]["Soft Decline"].interval`);
// every form control gets a DOM id derived from the same path, so an answer lands at its field. A path
// with no control of its own shows at the nearest enclosing part that has one (a row, a group), and
// only a path with none at all (the document itself) is listed at the top of the page.

export type Segment = string | number;
export interface Problem {
  path: string;
  message: string;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** The API's spelling of a path (policy/validate.ts formatPath). */
export function pathOf(...segments: readonly Segment[]): string {
  let out = '';
  for (const part of segments) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (IDENTIFIER.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** The inverse of `pathOf`; null for text that is not such a path ('' and the API's "(root)" are []). */
export function parsePath(text: string): Segment[] | null {
  if (text === '' || text === '(root)') return [];
  const segments: Segment[] = [];
  let rest = text;
  let first = true;
  while (rest !== '') {
    const name = (first ? /^([A-Za-z_$][\w$]*)/ : /^\.([A-Za-z_$][\w$]*)/).exec(rest);
    const index = /^\[(\d+)\]/.exec(rest);
    const quoted = /^\[("(?:[^"\\]|\\.)*")\]/.exec(rest);
    if (name?.[1]) {
      segments.push(name[1]);
      rest = rest.slice(name[0].length);
    } else if (index?.[1]) {
      segments.push(Number(index[1]));
      rest = rest.slice(index[0].length);
    } else if (quoted?.[1]) {
      try {
        segments.push(JSON.parse(quoted[1]) as string);
      } catch {
        return null;
      }
      rest = rest.slice(quoted[0].length);
    } else return null;
    first = false;
  }
  return segments;
}

/**
 * A DOM id for a path: letters and digits stay, every other character becomes `_` and its code in hex,
 * so two paths never share an id (label keys may hold spaces, quotes, anything).
 */
export function fieldId(path: string): string {
  let out = 'rf-';
  for (const ch of path) {
    out += /[A-Za-z0-9]/.test(ch) ? ch : `_${(ch.codePointAt(0) as number).toString(16)}_`;
  }
  return out;
}

export interface Placed {
  /** Problems by the path of the control or part that shows them. */
  at: Map<string, Problem[]>;
  /** Problems no control or part encloses: listed at the top with their path. */
  unplaced: Problem[];
}

/** What the forms show: the paths with a control or a part, and the parts they hide (another gateway's codes). */
export interface Shown {
  shown: ReadonlySet<string>;
  /** A problem inside a hidden part is listed at the top, not at the list that hides it. */
  hidden: ReadonlySet<string>;
}

export function placeProblems(problems: readonly Problem[], { shown, hidden }: Shown): Placed {
  const at = new Map<string, Problem[]>();
  const unplaced: Problem[] = [];
  for (const problem of problems) {
    const segments = parsePath(problem.path);
    let target: string | null = null;
    if (segments) {
      for (let n = segments.length; n > 0 && target === null; n--) {
        const candidate = pathOf(...segments.slice(0, n));
        if (hidden.has(candidate)) break;
        if (shown.has(candidate)) target = candidate;
      }
    }
    if (target === null) unplaced.push(problem);
    else at.set(target, [...(at.get(target) ?? []), problem]);
  }
  return { at, unplaced };
}

/** What the forms currently show: one customer group, and the response codes of one gateway. */
export interface FormView {
  gateway: string | null;
  /** The index of the customer group the groups form shows. */
  group: number;
}

export const ALL_REMAINING_CUSTOMERS_ID = 1;

/** The label keys an attempt's form shows: every declared label, "*", and any other key the entry has. */
export function attemptKeys(config: RetryConfigDraft, entry: Record<string, unknown>): string[] {
  const keys = [...config.labels.map((l) => l.name), '*'];
  for (const key of Object.keys(entry)) if (!keys.includes(key)) keys.push(key);
  return keys;
}

/**
 * Every path the forms give a control or a part (a row, a group), for the draft as it is. The forms
 * render exactly these (each control's id is `fieldId` of its path); test/console/field-paths.test.ts
 * holds the two together for every problem the validator can report.
 */
export function shownPaths(config: RetryConfigDraft, view: FormView): Shown {
  const shown = new Set<string>();
  const hidden = new Set<string>();
  const add = (...segments: Segment[]) => shown.add(pathOf(...segments));
  add('settings');
  for (const key of [
    'time_zone',
    'processor_interval',
    'default_label',
    'max_cycle_days',
    'retry_on_payment_method_update',
  ]) {
    add('settings', key);
  }
  add('labels');
  config.labels.forEach((_, i) => {
    add('labels', i);
    add('labels', i, 'name');
    add('labels', i, 'description');
  });
  add('response_codes');
  config.response_codes.forEach((entry, i) => {
    if (entry.gateway_id !== view.gateway) {
      hidden.add(pathOf('response_codes', i));
      return;
    }
    add('response_codes', i);
    for (const key of ['code', 'description', 'label']) add('response_codes', i, key);
  });
  add('customer_groups');
  config.customer_groups.forEach((group, g) => {
    if (g !== view.group) {
      hidden.add(pathOf('customer_groups', g));
      return;
    }
    add('customer_groups', g);
    add('customer_groups', g, 'name');
    add('customer_groups', g, 'description');
    add('customer_groups', g, 'final_webhook');
    if (group.id !== ALL_REMAINING_CUSTOMERS_ID) {
      add('customer_groups', g, 'active');
      add('customer_groups', g, 'priority');
      add('customer_groups', g, 'filters');
      group.filters.forEach((_, f) => {
        add('customer_groups', g, 'filters', f);
        for (const key of ['field', 'operator', 'value']) add('customer_groups', g, 'filters', f, key);
      });
    }
    add('customer_groups', g, 'attempts');
    group.attempts.forEach((entry, a) => {
      add('customer_groups', g, 'attempts', a);
      for (const key of attemptKeys(config, entry)) {
        add('customer_groups', g, 'attempts', a, key);
        add('customer_groups', g, 'attempts', a, key, 'action');
        const rule = entry[key];
        if (!rule) continue;
        add('customer_groups', g, 'attempts', a, key, 'webhook');
        if (rule.action !== 'Retry') continue;
        if (rule.criteria === 'incremental_time') add('customer_groups', g, 'attempts', a, key, 'interval');
        else {
          for (const part of ['time', 'day_of_week', 'day_of_month', 'min_delay']) {
            add('customer_groups', g, 'attempts', a, key, part);
          }
        }
      }
    });
  });
  return { shown, hidden };
}
