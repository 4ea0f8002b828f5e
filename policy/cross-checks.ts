import type { RetryConfig } from './config-schema';
import {
  ALL_REMAINING_CUSTOMERS_ID,
  ALL_REMAINING_CUSTOMERS_NAME,
  BUILT_IN_LABELS,
  HARD_DECLINE,
  WILDCARD,
} from './constants';
import { normaliseCode, normaliseDescription } from './mapping';
import { classifyNeverRetry } from './never-retry';

/**
 * Checks between fields. They read the raw document defensively (anything of the wrong shape is
 * skipped, the schema reports it) so that they run even when other parts fail to parse and the
 * user sees every problem at once. Strings are trimmed and defaults applied as the schema does.
 */

export type Path = (string | number)[];
export interface RawIssue {
  path: Path;
  message: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;

export interface CrossCheckOptions {
  /** The configuration being replaced, to explain references to labels this edit removed. */
  previous?: RetryConfig;
}

export function crossCheck(
  doc: unknown,
  options: CrossCheckOptions = {},
): { errors: RawIssue[]; warnings: RawIssue[] } {
  const errors: RawIssue[] = [];
  const warnings: RawIssue[] = [];
  if (!isRecord(doc)) return { errors, warnings };

  // Labels
  const labels = new Set<string>();
  const seenLabels = new Map<string, number>();
  arr(doc.labels).forEach((label, i) => {
    const name = isRecord(label) ? str(label.name) : undefined;
    if (name === undefined) return;
    if (name === WILDCARD) {
      errors.push({
        path: ['labels', i, 'name'],
        message: '"*" is reserved (it means "any label" in attempts)',
      });
      return;
    }
    const folded = name.toLowerCase();
    const first = seenLabels.get(folded);
    if (first !== undefined) {
      errors.push({
        path: ['labels', i, 'name'],
        message: `duplicate label name "${name}" (also labels[${first}])`,
      });
    } else seenLabels.set(folded, i);
    labels.add(name);
  });
  if (Array.isArray(doc.labels)) {
    for (const builtIn of BUILT_IN_LABELS) {
      if (!labels.has(builtIn)) {
        errors.push({
          path: ['labels'],
          message: `built-in label "${builtIn}" is missing; built-in labels cannot be removed`,
        });
      }
    }
  }
  const previousLabels = new Set(options.previous?.labels.map((l) => l.name) ?? []);
  const unknownLabel = (name: string, where: string) => {
    if (previousLabels.has(name)) {
      return `label "${name}" was removed but is still used ${where}; remap or remove the references first`;
    }
    const near = [...labels].find((l) => l.toLowerCase() === name.toLowerCase());
    return `unknown label "${name}"${near ? ` (did you mean "${near}"?)` : ''}; labels must be declared in labels[]`;
  };
  const checkLabelRef = (value: unknown, path: Path, where: string) => {
    const name = str(value);
    if (name !== undefined && !labels.has(name)) errors.push({ path, message: unknownLabel(name, where) });
  };

  // Settings
  if (isRecord(doc.settings)) {
    checkLabelRef(doc.settings.default_label, ['settings', 'default_label'], 'as default_label');
  }

  // Response codes
  const seenCodes = new Map<string, number>();
  const seenDescriptions = new Map<string, number>();
  arr(doc.response_codes).forEach((entry, i) => {
    if (!isRecord(entry)) return;
    checkLabelRef(entry.label, ['response_codes', i, 'label'], 'by this response code');
    const gateway = str(entry.gateway_id);
    const code = str(entry.code);
    const description = str(entry.description);
    if (entry.code === undefined && entry.description === undefined) {
      errors.push({ path: ['response_codes', i], message: 'needs a code or a description to match' });
    }
    if (gateway === undefined) return;
    if (code !== undefined) {
      const key = `${gateway}\u0000${normaliseCode(code)}`;
      const first = seenCodes.get(key);
      if (first !== undefined) {
        errors.push({
          path: ['response_codes', i, 'code'],
          message: `gateway "${gateway}" code "${code}" is already mapped by response_codes[${first}]`,
        });
      } else seenCodes.set(key, i);
      const label = str(entry.label);
      const guard = classifyNeverRetry(code);
      if (guard && label !== undefined && label !== HARD_DECLINE) {
        warnings.push({
          path: ['response_codes', i, 'label'],
          message: `${guard.reason} is always treated as Hard Decline and never retried, whatever this mapping says`,
        });
      }
    }
    if (description !== undefined) {
      const key = `${gateway}\u0000${normaliseDescription(description)}`;
      const first = seenDescriptions.get(key);
      if (first !== undefined) {
        errors.push({
          path: ['response_codes', i, 'description'],
          message: `gateway "${gateway}" description "${description}" is already mapped by response_codes[${first}] (descriptions compare case-insensitively)`,
        });
      } else seenDescriptions.set(key, i);
    }
  });

  // Customer groups
  if (Array.isArray(doc.customer_groups)) {
    const ids = new Map<number, number>();
    const priorities = new Map<number, number>();
    const names = new Map<string, number>();
    let catchAll = false;
    doc.customer_groups.forEach((group, g) => {
      if (!isRecord(group)) return;
      const at = (...rest: Path): Path => ['customer_groups', g, ...rest];
      const id = typeof group.id === 'number' ? group.id : undefined;
      const isCatchAll = id === ALL_REMAINING_CUSTOMERS_ID;
      if (id !== undefined) {
        const first = ids.get(id);
        if (first !== undefined) {
          errors.push({
            path: at('id'),
            message: `duplicate group id ${id} (also customer_groups[${first}])`,
          });
        } else ids.set(id, g);
      }
      const name = str(group.name);
      if (name !== undefined) {
        const first = names.get(name.toLowerCase());
        if (first !== undefined) {
          errors.push({
            path: at('name'),
            message: `duplicate group name "${name}" (also customer_groups[${first}])`,
          });
        } else names.set(name.toLowerCase(), g);
      }
      if (isCatchAll) {
        catchAll = true;
        if (group.active === false) {
          errors.push({
            path: at('active'),
            message: `"${ALL_REMAINING_CUSTOMERS_NAME}" cannot be deactivated`,
          });
        }
        if (Array.isArray(group.filters) && group.filters.length > 0) {
          errors.push({ path: at('filters'), message: `"${ALL_REMAINING_CUSTOMERS_NAME}" takes no filters` });
        }
        if (name !== undefined && name !== ALL_REMAINING_CUSTOMERS_NAME) {
          errors.push({
            path: at('name'),
            message: `group ${ALL_REMAINING_CUSTOMERS_ID} is "${ALL_REMAINING_CUSTOMERS_NAME}" and cannot be renamed`,
          });
        }
      } else {
        if (name === ALL_REMAINING_CUSTOMERS_NAME) {
          errors.push({
            path: at('name'),
            message: `"${ALL_REMAINING_CUSTOMERS_NAME}" is reserved for group id ${ALL_REMAINING_CUSTOMERS_ID}`,
          });
        }
        if (group.priority === undefined) {
          errors.push({ path: at('priority'), message: 'is required (lower numbers are considered first)' });
        } else if (typeof group.priority === 'number') {
          const first = priorities.get(group.priority);
          if (first !== undefined) {
            errors.push({
              path: at('priority'),
              message: `duplicate priority ${group.priority} (also customer_groups[${first}]); priorities must be unique`,
            });
          } else priorities.set(group.priority, g);
        }
        if (group.active !== false && Array.isArray(group.filters) && group.filters.length === 0) {
          warnings.push({
            path: at('filters'),
            message: 'no filters: this group matches every account and shadows all lower-priority groups',
          });
        }
      }
      arr(group.attempts).forEach((entry, a) => {
        if (!isRecord(entry)) return;
        for (const [key, action] of Object.entries(entry)) {
          if (key !== WILDCARD && !labels.has(key)) {
            errors.push({
              path: at('attempts', a),
              message: unknownLabel(key, `in customer_groups[${g}].attempts[${a}]`),
            });
          }
          if (key === HARD_DECLINE && isRecord(action) && action.action === 'Retry') {
            warnings.push({
              path: at('attempts', a, key),
              message:
                'retries Hard Decline; issuers rarely approve these and networks may fine the reattempts',
            });
          }
        }
      });
    });
    if (!catchAll) {
      errors.push({
        path: ['customer_groups'],
        message: `"${ALL_REMAINING_CUSTOMERS_NAME}" (id ${ALL_REMAINING_CUSTOMERS_ID}) is missing; it cannot be deleted`,
      });
    }
  }
  return { errors, warnings };
}
