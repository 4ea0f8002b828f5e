import { useState } from 'preact/hooks';
import { gateways, type RetryConfigDraft } from '../../rules/draft';
import { fieldId, type Problem, pathOf } from '../../rules/field-paths';
import { EditButton, Problems, SelectField, TextField, useRulesForm } from './fields';
import type { Update } from './settings-form';

/** How many problems sit in another gateway's entries, for the gateway picker. */
function problemsPerGateway(draft: RetryConfigDraft, problems: readonly Problem[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const p of problems) {
    const m = /^response_codes\[(\d+)\]/.exec(p.path);
    const entry = m ? draft.response_codes[Number(m[1])] : undefined;
    if (entry) counts.set(entry.gateway_id, (counts.get(entry.gateway_id) ?? 0) + 1);
  }
  return counts;
}

export function MappingForm(props: {
  draft: RetryConfigDraft;
  update: Update;
  gateway: string | null;
  onGateway: (gateway: string) => void;
  problems: readonly Problem[];
}) {
  const { draft, update, gateway } = props;
  const { readOnly } = useRulesForm();
  const [newGateway, setNewGateway] = useState('');
  const all = gateways(draft);
  const list = gateway !== null && !all.includes(gateway) ? [...all, gateway] : all;
  const counts = problemsPerGateway(draft, props.problems);
  const labels = draft.labels.map((l) => ({ value: l.name, text: l.name }));
  const entries = draft.response_codes
    .map((entry, i) => ({ entry, i }))
    .filter((e) => e.entry.gateway_id === gateway);
  return (
    <section aria-labelledby="rules-mapping" class="rules-section">
      <h2 id="rules-mapping">Response-code mapping</h2>
      <p class="muted">
        Which label a gateway's decline code gets. A gateway's own entries come first, then those for every
        gateway (“*”); a code nothing matches gets “{draft.settings.default_label}”.
      </p>
      <Problems path="response_codes" />
      <div class="filters">
        <div class="field">
          <label for="rules-gateway">Gateway</label>
          <select
            id="rules-gateway"
            value={gateway ?? ''}
            onChange={(e) => props.onGateway(e.currentTarget.value)}
          >
            {list.map((g) => (
              <option key={g} value={g}>
                {g === '*' ? 'Every gateway (*)' : g}
                {counts.get(g) ? ` — ${counts.get(g)} problem(s)` : ''}
              </option>
            ))}
          </select>
        </div>
        {!readOnly && (
          <form
            class="rules-inline"
            onSubmit={(e) => {
              e.preventDefault();
              const id = newGateway.trim();
              if (id === '') return;
              props.onGateway(id);
              setNewGateway('');
            }}
          >
            <div class="field">
              <label for="rules-new-gateway">Another gateway id</label>
              <input
                id="rules-new-gateway"
                value={newGateway}
                onInput={(e) => setNewGateway(e.currentTarget.value)}
              />
            </div>
            <button type="submit" class="secondary">
              Show its mapping
            </button>
          </form>
        )}
      </div>
      <p class="muted">
        {entries.length} code(s) mapped for {gateway === '*' ? 'every gateway' : `gateway “${gateway}”`}.
      </p>
      <div class="rules-mapping">
        {entries.map(({ entry, i }) => {
          const at = (key: string) => pathOf('response_codes', i, key);
          const set = (change: (e: (typeof draft.response_codes)[number]) => void) =>
            update((d) => change(d.response_codes[i] as (typeof d.response_codes)[number]));
          return (
            <div key={i} class="rules-mapping-row" id={fieldId(pathOf('response_codes', i))}>
              <TextField
                path={at('code')}
                label="Code"
                value={entry.code ?? ''}
                onInput={(v) =>
                  set((e) => {
                    if (v === '') delete e.code;
                    else e.code = v;
                  })
                }
              />
              <TextField
                path={at('description')}
                label="Or message"
                value={entry.description ?? ''}
                onInput={(v) =>
                  set((e) => {
                    if (v === '') delete e.description;
                    else e.description = v;
                  })
                }
              />
              <SelectField
                path={at('label')}
                label="Label"
                value={entry.label}
                options={labels}
                onChange={(v) =>
                  set((e) => {
                    e.label = v;
                  })
                }
              />
              <div class="rules-row-end">
                <EditButton
                  label={`Remove the mapping of ${entry.code ?? entry.description ?? 'this entry'}`}
                  onClick={() =>
                    update((d) => {
                      d.response_codes.splice(i, 1);
                    })
                  }
                >
                  Remove
                </EditButton>
              </div>
              <Problems path={pathOf('response_codes', i)} />
            </div>
          );
        })}
      </div>
      <div class="actions">
        <EditButton
          onClick={() =>
            update((d) => {
              d.response_codes.push({
                gateway_id: gateway ?? '*',
                code: '',
                label: d.settings.default_label,
              });
            })
          }
        >
          Add a code for {gateway === '*' ? 'every gateway' : gateway}
        </EditButton>
      </div>
    </section>
  );
}
