import type { RetryConfigDraft } from '../../rules/draft';
import { describeDuration } from '../../rules/durations';
import { pathOf } from '../../rules/field-paths';
import { CheckField, NumberField, Problems, SelectField, TextField } from './fields';

export type Update = (change: (draft: RetryConfigDraft) => void) => void;

export function SettingsForm(props: { draft: RetryConfigDraft; update: Update }) {
  const { draft, update } = props;
  const s = draft.settings;
  const at = (key: string) => pathOf('settings', key);
  return (
    <section aria-labelledby="rules-settings" class="rules-section">
      <h2 id="rules-settings">Settings</h2>
      <Problems path="settings" />
      <div class="form-grid">
        <TextField
          path={at('time_zone')}
          label="Time zone"
          value={s.time_zone}
          hint="IANA name, e.g. Europe/Berlin; times of day in the rules are read in it"
          onInput={(v) =>
            update((d) => {
              d.settings.time_zone = v;
            })
          }
        />
        <TextField
          path={at('processor_interval')}
          label="Processor interval"
          value={s.processor_interval}
          hint={`Attempts run on these boundaries (${describeDuration(s.processor_interval) ?? 'not a duration'}); PT0S = exact times`}
          onInput={(v) =>
            update((d) => {
              d.settings.processor_interval = v;
            })
          }
        />
        <SelectField
          path={at('default_label')}
          label="Label for unknown codes"
          value={s.default_label}
          options={draft.labels.map((l) => ({ value: l.name, text: l.name }))}
          onChange={(v) =>
            update((d) => {
              d.settings.default_label = v;
            })
          }
        />
        <NumberField
          path={at('max_cycle_days')}
          label="Longest cycle (days)"
          value={s.max_cycle_days}
          min={1}
          max={90}
          onChange={(v) =>
            update((d) => {
              d.settings.max_cycle_days = v as number;
            })
          }
        />
        <CheckField
          path={at('retry_on_payment_method_update')}
          label="Retry once when the customer updates the payment method"
          checked={s.retry_on_payment_method_update}
          onChange={(v) =>
            update((d) => {
              d.settings.retry_on_payment_method_update = v;
            })
          }
        />
      </div>
    </section>
  );
}
