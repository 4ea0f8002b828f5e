import { useEffect, useState } from 'preact/hooks';
import {
  type CustomerGroupDraft,
  type FilterDraft,
  filterWithOperator,
  filterWithValue,
  newGroup,
  OPERATORS,
  type RetryConfigDraft,
  valueText,
} from '../../rules/draft';
import { ALL_REMAINING_CUSTOMERS_ID, fieldId, type Problem, pathOf } from '../../rules/field-paths';
import { AttemptsForm } from './attempts-form';
import { CheckField, EditButton, NumberField, Problems, SelectField, TextField } from './fields';
import type { Update } from './settings-form';

// Customer groups: the first active group (lowest priority number) whose filters all match the
// account takes the payment; "All Remaining Customers" takes the rest and cannot be removed.

function FiltersForm(props: { group: CustomerGroupDraft; g: number; update: Update }) {
  const { group, g, update } = props;
  const setFilter = (f: number, filter: FilterDraft) =>
    update((d) => {
      (d.customer_groups[g] as CustomerGroupDraft).filters[f] = filter;
    });
  const base = pathOf('customer_groups', g, 'filters');
  return (
    <div class="rules-filters" id={fieldId(base)}>
      <h4>Which accounts (all filters must match)</h4>
      <Problems path={base} />
      {group.filters.map((filter, f) => {
        const at = (key: string) => pathOf('customer_groups', g, 'filters', f, key);
        return (
          <div key={f} class="rules-filter" id={fieldId(pathOf('customer_groups', g, 'filters', f))}>
            <TextField
              path={at('field')}
              label={`Filter ${f + 1}: account field`}
              value={filter.field}
              onInput={(v) => setFilter(f, { ...filter, field: v })}
            />
            <SelectField
              path={at('operator')}
              label={`Filter ${f + 1}: condition`}
              value={filter.operator}
              options={OPERATORS}
              onChange={(op) => setFilter(f, filterWithOperator(filter, op))}
            />
            {filter.operator === 'exists' ? (
              <SelectField
                path={at('value')}
                label={`Filter ${f + 1}: the account has the field`}
                value={filter.value ? 'true' : 'false'}
                options={[
                  { value: 'true', text: 'yes' },
                  { value: 'false', text: 'no' },
                ]}
                onChange={(v) => setFilter(f, filterWithValue(filter, v))}
              />
            ) : (
              <FilterValue
                path={at('value')}
                f={f}
                filter={filter}
                onInput={(v) => setFilter(f, filterWithValue(filter, v))}
              />
            )}
            <div class="rules-row-end">
              <EditButton
                label={`Remove filter ${f + 1} of ${group.name}`}
                onClick={() =>
                  update((d) => {
                    (d.customer_groups[g] as CustomerGroupDraft).filters.splice(f, 1);
                  })
                }
              >
                Remove
              </EditButton>
            </div>
            <Problems path={pathOf('customer_groups', g, 'filters', f)} />
          </div>
        );
      })}
      <div class="actions">
        <EditButton
          onClick={() =>
            update((d) => {
              (d.customer_groups[g] as CustomerGroupDraft).filters.push({
                field: '',
                operator: 'eq',
                value: '',
              });
            })
          }
        >
          Add a filter to {group.name}
        </EditButton>
      </div>
    </div>
  );
}

/**
 * The value as typed: a list of values (in, not in) is typed with commas, and re-reading "1, 2," as
 * [1, 2] under the cursor would eat the comma; so the text stays as typed while it means the same.
 */
function FilterValue(props: { path: string; f: number; filter: FilterDraft; onInput: (v: string) => void }) {
  const list = props.filter.operator === 'in' || props.filter.operator === 'not_in';
  const [text, setText] = useState(valueText(props.filter.value));
  useEffect(() => {
    const meant = valueText(filterWithValue(props.filter, text).value);
    if (meant !== valueText(props.filter.value)) setText(valueText(props.filter.value));
  }, [props.filter]);
  return (
    <TextField
      path={props.path}
      label={`Filter ${props.f + 1}: ${list ? 'values (comma-separated)' : 'value'}`}
      value={text}
      onInput={(v) => {
        setText(v);
        props.onInput(v);
      }}
    />
  );
}

/** The groups in the order they are considered: active ones by priority, then the catch-all, then inactive. */
function consideredOrder(draft: RetryConfigDraft): number[] {
  const rank = (g: CustomerGroupDraft) => (g.id === ALL_REMAINING_CUSTOMERS_ID ? 1 : g.active ? 0 : 2);
  return draft.customer_groups
    .map((group, g) => ({ group, g }))
    .sort(
      (a, b) =>
        rank(a.group) - rank(b.group) ||
        (a.group.priority ?? Number.MAX_SAFE_INTEGER) - (b.group.priority ?? Number.MAX_SAFE_INTEGER) ||
        a.g - b.g,
    )
    .map((e) => e.g);
}

function problemsPerGroup(problems: readonly Problem[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const p of problems) {
    const m = /^customer_groups\[(\d+)\]/.exec(p.path);
    if (m) counts.set(Number(m[1]), (counts.get(Number(m[1])) ?? 0) + 1);
  }
  return counts;
}

export function GroupsForm(props: {
  draft: RetryConfigDraft;
  update: Update;
  /** The index of the group shown; one at a time keeps the page short enough to read. */
  selected: number;
  onSelect: (g: number) => void;
  problems: readonly Problem[];
}) {
  const { draft, update, selected } = props;
  const counts = problemsPerGroup(props.problems);
  const order = consideredOrder(draft);
  return (
    <section aria-labelledby="rules-groups" class="rules-section">
      <h2 id="rules-groups">Customer groups</h2>
      <p class="muted">
        A failed payment goes to the first active group, by priority, whose filters all match its account;
        “All Remaining Customers” takes the rest.
      </p>
      <Problems path="customer_groups" />
      <div class="filters">
        <div class="field">
          <label for="rules-group-pick">Group to edit</label>
          <select
            id="rules-group-pick"
            value={String(selected)}
            onChange={(e) => props.onSelect(Number(e.currentTarget.value))}
          >
            {order.map((g, n) => {
              const group = draft.customer_groups[g] as CustomerGroupDraft;
              const problems = counts.get(g);
              return (
                <option key={g} value={String(g)}>
                  {n + 1}. {group.name || `Group ${group.id}`}
                  {group.id !== ALL_REMAINING_CUSTOMERS_ID && !group.active ? ' (inactive)' : ''}
                  {problems ? ` — ${problems} problem(s)` : ''}
                </option>
              );
            })}
          </select>
        </div>
        <EditButton
          onClick={() => {
            update((d) => {
              // New groups go first in the list: above the catch-all, where their priority puts them.
              d.customer_groups.unshift(newGroup(d));
            });
            props.onSelect(0);
          }}
        >
          Add a customer group
        </EditButton>
      </div>
      {draft.customer_groups.map((group, g) => {
        if (g !== selected) return null;
        const catchAll = group.id === ALL_REMAINING_CUSTOMERS_ID;
        const at = (key: string) => pathOf('customer_groups', g, key);
        const set = (change: (grp: CustomerGroupDraft) => void) =>
          update((d) => change(d.customer_groups[g] as CustomerGroupDraft));
        return (
          <section
            key={group.id}
            class="rules-group"
            id={fieldId(pathOf('customer_groups', g))}
            aria-labelledby={`rules-group-${group.id}`}
          >
            <h3 id={`rules-group-${group.id}`}>
              {group.name || `Group ${group.id}`}{' '}
              <span class="badge">{catchAll ? 'catch-all' : group.active ? 'active' : 'inactive'}</span>
            </h3>
            <Problems path={pathOf('customer_groups', g)} />
            <div class="form-grid">
              <TextField
                path={at('name')}
                label="Group name"
                value={group.name}
                readOnly={catchAll}
                onInput={(v) =>
                  set((grp) => {
                    grp.name = v;
                  })
                }
              />
              <TextField
                path={at('description')}
                label="Description"
                value={group.description ?? ''}
                onInput={(v) =>
                  set((grp) => {
                    if (v === '') delete grp.description;
                    else grp.description = v;
                  })
                }
              />
              {!catchAll && (
                <NumberField
                  path={at('priority')}
                  label="Priority (lower is considered first)"
                  value={group.priority}
                  onChange={(v) =>
                    set((grp) => {
                      if (v === undefined) delete grp.priority;
                      else grp.priority = v;
                    })
                  }
                />
              )}
              {!catchAll && (
                <CheckField
                  path={at('active')}
                  label="Active"
                  checked={group.active}
                  onChange={(v) =>
                    set((grp) => {
                      grp.active = v;
                    })
                  }
                />
              )}
              <TextField
                path={at('final_webhook')}
                type="url"
                label="Webhook when a cycle stops (optional)"
                value={group.final_webhook ?? ''}
                onInput={(v) =>
                  set((grp) => {
                    if (v === '') delete grp.final_webhook;
                    else grp.final_webhook = v;
                  })
                }
              />
            </div>
            {catchAll ? (
              <p class="muted">Takes every account no active group above matches; it has no filters.</p>
            ) : (
              <FiltersForm group={group} g={g} update={update} />
            )}
            <AttemptsForm draft={draft} group={group} g={g} update={update} />
            {!catchAll && (
              <div class="actions">
                <EditButton
                  class="danger"
                  onClick={() => {
                    update((d) => {
                      d.customer_groups.splice(g, 1);
                    });
                    props.onSelect(0);
                  }}
                >
                  Remove the group {group.name}
                </EditButton>
              </div>
            )}
          </section>
        );
      })}
    </section>
  );
}
