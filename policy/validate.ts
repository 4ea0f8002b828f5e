import type { z } from 'zod';
import { accountFieldWarnings } from './account-fields';
import { isAllRemainingCustomers, type RetryConfig, retryConfigBaseSchema } from './config-schema';
import { type CrossCheckOptions, crossCheck, type Path } from './cross-checks';

export interface ConfigProblem {
  /** e.g. `customer_groups[1].attempts[0]`, `settings.time_zone`, `labels[2]["name"]`; '' for the document itself. */
  path: string;
  message: string;
}

export type ValidationResult =
  | { ok: true; config: RetryConfig; warnings: ConfigProblem[] }
  | { ok: false; errors: ConfigProblem[]; warnings: ConfigProblem[] };

/** Identifiers join with dots, indexes with [n], anything else (label keys such as "Soft Decline") as ["…"]. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$]*$/.test(part))
      out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function schemaProblems(issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      // One problem per key, pointing at the key, so typos show where they are.
      for (const key of issue.keys)
        out.push({ path: formatPath([...issue.path, key]), message: `unknown key "${key}"` });
    } else {
      out.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return out;
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const toProblems = (issues: { path: Path; message: string }[]) =>
  issues.map((i) => ({ path: formatPath(i.path), message: i.message }));

/**
 * Validates a configuration document and returns every problem at once. Pass `previous` when
 * validating an edit, so references to a label the edit removed are explained as such.
 */
export function validateConfig(doc: unknown, options: CrossCheckOptions = {}): ValidationResult {
  const parsed = retryConfigBaseSchema.safeParse(doc, {
    error: (iss) => {
      if (iss.code === 'invalid_type' && iss.input === undefined) return 'is required';
      if (iss.code === 'invalid_type') return `expected ${iss.expected}, got ${describeType(iss.input)}`;
      if (iss.code === 'too_big' && iss.origin === 'number')
        return `must be at most ${iss.maximum}, got ${iss.input}`;
      if (iss.code === 'too_small' && iss.origin === 'number')
        return `must be at least ${iss.minimum}, got ${iss.input}`;
      return undefined;
    },
  });
  const cross = crossCheck(doc, options);
  const errors = dedupe([
    ...(parsed.success ? [] : schemaProblems(parsed.error.issues)),
    ...toProblems(cross.errors),
  ]);
  const warnings = dedupe(toProblems([...cross.warnings, ...accountFieldWarnings(doc)]));
  if (!parsed.success || errors.length > 0) return { ok: false, errors, warnings };
  // The catch-all is always last; dropping a priority sent for it keeps consumers from reading meaning into it.
  const config: RetryConfig = {
    ...parsed.data,
    customer_groups: parsed.data.customer_groups.map((g) => {
      if (!isAllRemainingCustomers(g)) return g;
      const { priority: _ignored, ...rest } = g;
      return rest;
    }),
  };
  return { ok: true, config, warnings };
}
