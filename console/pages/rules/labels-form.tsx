import type { RetryConfigDraft } from '../../rules/draft';
import { fieldId, pathOf } from '../../rules/field-paths';
import { EditButton, Problems, TextField } from './fields';
import type { Update } from './settings-form';

/** Zuora's three labels cannot be removed (the never-retry guardrail relies on Hard Decline). */
const BUILT_IN = ['Hard Decline', 'Soft Decline', 'System Error'];

export function LabelsForm(props: { draft: RetryConfigDraft; update: Update }) {
  const { draft, update } = props;
  return (
    <section aria-labelledby="rules-labels" class="rules-section">
      <h2 id="rules-labels">Labels</h2>
      <p class="muted">
        A label names a kind of decline; the mapping gives each response code one, and each attempt's rules
        say what happens per label.
      </p>
      <Problems path="labels" />
      {draft.labels.map((label, i) => {
        const at = (key: string) => pathOf('labels', i, key);
        const builtIn = BUILT_IN.includes(label.name);
        return (
          <div key={i} class="rules-row" id={fieldId(pathOf('labels', i))}>
            <Problems path={pathOf('labels', i)} />
            <div class="form-grid">
              <TextField
                path={at('name')}
                label={`Label ${i + 1} name`}
                value={label.name}
                readOnly={builtIn}
                hint={builtIn ? 'Built in: cannot be renamed or removed' : undefined}
                onInput={(v) =>
                  update((d) => {
                    (d.labels[i] as (typeof d.labels)[number]).name = v;
                  })
                }
              />
              <TextField
                path={at('description')}
                label={`Label ${i + 1} description`}
                value={label.description ?? ''}
                onInput={(v) =>
                  update((d) => {
                    const l = d.labels[i] as (typeof d.labels)[number];
                    if (v === '') delete l.description;
                    else l.description = v;
                  })
                }
              />
            </div>
            {!builtIn && (
              <div class="actions">
                <EditButton
                  class="secondary"
                  onClick={() =>
                    update((d) => {
                      d.labels.splice(i, 1);
                    })
                  }
                >
                  Remove label “{label.name}”
                </EditButton>
              </div>
            )}
          </div>
        );
      })}
      <div class="actions">
        <EditButton
          onClick={() =>
            update((d) => {
              d.labels.push({ name: `New label ${d.labels.length + 1}` });
            })
          }
        >
          Add a label
        </EditButton>
      </div>
    </section>
  );
}
