import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import {
  type AttemptDraft,
  type CustomerGroupDraft,
  type RetryConfigDraft,
  type RuleKind,
  ruleKind,
  ruleOfKind,
} from '../../rules/draft';
import {
  type DurationUnit,
  describeDuration,
  joinDuration,
  splitDuration,
  UNITS,
} from '../../rules/durations';
import { attemptKeys, fieldId, pathOf, type Segment } from '../../rules/field-paths';
import { attemptSummary } from '../../rules/rule-text';
import {
  EditButton,
  NumberField,
  Problems,
  SelectField,
  TextField,
  useProblems,
  useRulesForm,
} from './fields';
import type { Update } from './settings-form';

// The per-attempt rules of one group: after attempt n fails with a label, what happens next. Each
// attempt is a card with one block per label, so a billing operator changes "the wait after a soft
// decline" as an amount and a unit, without reading the document.

const KINDS: { value: RuleKind; text: string }[] = [
  { value: 'wait', text: 'Retry after a wait' },
  { value: 'time', text: 'Retry at a time of day' },
  { value: 'stop', text: 'Stop retrying' },
  { value: 'unset', text: 'No rule (as “any other label”)' },
];
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

type Rule = NonNullable<AttemptDraft[string]>;

/** "Soft Decline: wait" to a screen reader; "wait" on screen, under the block's "Soft Decline" heading. */
function Named(props: { name: string; text: string }) {
  const [first = '', ...rest] = props.text;
  return (
    <>
      <span class="sr-only">{props.name}: </span>
      {first.toUpperCase() + rest.join('')}
    </>
  );
}

function WaitControl(props: { path: string; name: string; value: string; onChange: (iso: string) => void }) {
  const { readOnly } = useRulesForm();
  const { aria } = useProblems(props.path);
  const split = splitDuration(props.value);
  const id = fieldId(props.path);
  if (!split) {
    // Not one amount of one unit (e.g. P1DT12H, or something invalid): edit the duration itself.
    return (
      <TextField
        path={props.path}
        label={<Named name={props.name} text="wait (ISO-8601 duration)" />}
        value={props.value}
        hint={describeDuration(props.value) ?? 'e.g. P2D (2 days), PT4H (4 hours)'}
        onInput={props.onChange}
      />
    );
  }
  return (
    <div class="field" data-path={props.path}>
      <span class="rules-wait">
        <span class="rules-wait-part">
          <label for={id}>
            <Named name={props.name} text="wait" />
          </label>
          <input
            id={id}
            type="number"
            inputMode="numeric"
            min={1}
            value={split.amount}
            readOnly={readOnly}
            onInput={(e) => props.onChange(joinDuration(e.currentTarget.value, split.unit))}
            {...aria}
          />
        </span>
        <span class="rules-wait-part">
          <label for={`${id}-unit`}>
            <Named name={props.name} text="unit" />
          </label>
          <select
            id={`${id}-unit`}
            value={split.unit}
            disabled={readOnly}
            onChange={(e) =>
              props.onChange(joinDuration(split.amount, e.currentTarget.value as DurationUnit))
            }
          >
            {UNITS.map((u) => (
              <option key={u} value={u}>
                {u}
              </option>
            ))}
          </select>
        </span>
      </span>
      <Problems path={props.path} />
    </div>
  );
}

function RuleBlock(props: {
  base: Segment[];
  labelKey: string;
  rule: Rule | undefined;
  set: (rule: Rule | undefined) => void;
}) {
  const { base, labelKey, rule, set } = props;
  const path = pathOf(...base, labelKey);
  const at = (key: string) => pathOf(...base, labelKey, key);
  const name = labelKey === '*' ? 'Any other label' : labelKey;
  const kind = ruleKind(rule);
  const { errors, warnings } = useRulesForm();
  const webhookOpen = Boolean(rule?.webhook) || errors.has(at('webhook')) || warnings.has(at('webhook'));
  return (
    <div class={`rules-rule rules-rule-${kind}`} id={fieldId(path)} data-path={path}>
      <h5>{name}</h5>
      <Problems path={path} />
      <SelectField
        path={at('action')}
        label={<Named name={name} text="what happens" />}
        value={kind}
        options={
          labelKey === '*'
            ? KINDS.map((k) => (k.value === 'unset' ? { ...k, text: 'No rule (stop)' } : k))
            : KINDS
        }
        onChange={(k) => set(ruleOfKind(k, rule))}
      />
      {rule?.action === 'Retry' && rule.criteria === 'incremental_time' && (
        <WaitControl
          path={at('interval')}
          name={name}
          value={rule.interval}
          onChange={(interval) => set({ ...rule, interval })}
        />
      )}
      {rule?.action === 'Retry' && rule.criteria === 'specific_time' && (
        <>
          <TextField
            path={at('time')}
            type="time"
            label={<Named name={name} text="at (local time)" />}
            value={rule.time}
            onInput={(time) => set({ ...rule, time })}
          />
          <SelectField
            path={at('day_of_week')}
            label={<Named name={name} text="on" />}
            value={rule.day_of_week === undefined ? '' : String(rule.day_of_week)}
            options={[
              { value: '', text: 'Any day' },
              ...WEEKDAYS.map((d, i) => ({ value: String(i + 1), text: d })),
            ]}
            onChange={(v) => {
              const { day_of_week: _drop, ...rest } = rule;
              set(v === '' ? rest : { ...rest, day_of_week: Number(v) });
            }}
          />
          <NumberField
            path={at('day_of_month')}
            label={<Named name={name} text="day of the month (optional)" />}
            value={rule.day_of_month}
            min={1}
            max={31}
            onChange={(v) => {
              const { day_of_month: _drop, ...rest } = rule;
              set(v === undefined ? rest : { ...rest, day_of_month: v });
            }}
          />
          <TextField
            path={at('min_delay')}
            label={<Named name={name} text="not sooner than (ISO duration, optional)" />}
            value={rule.min_delay ?? ''}
            hint={rule.min_delay ? describeDuration(rule.min_delay) : 'e.g. P1D: not the same day'}
            onInput={(v) => {
              const { min_delay: _drop, ...rest } = rule;
              set(v === '' ? rest : { ...rest, min_delay: v });
            }}
          />
        </>
      )}
      {rule && (
        <details open={webhookOpen}>
          <summary>Webhook</summary>
          <TextField
            path={at('webhook')}
            type="url"
            label={<Named name={name} text="webhook URL (optional)" />}
            value={rule.webhook ?? ''}
            onInput={(v) => {
              const { webhook: _drop, ...rest } = rule;
              set(v === '' ? (rest as Rule) : ({ ...rest, webhook: v } as Rule));
            }}
          />
        </details>
      )}
    </div>
  );
}

/**
 * One attempt, folded to a line that says its rules in words; opened to edit them. It opens by itself
 * when validation places a problem inside it, so no message is ever hidden in a closed card.
 */
function AttemptCard(props: {
  base: Segment[];
  title: string;
  summary: string;
  children: ComponentChildren;
}) {
  const { errors, warnings } = useRulesForm();
  const path = pathOf(...props.base);
  const flagged = [...errors.keys(), ...warnings.keys()].some(
    (k) => k === path || k.startsWith(`${path}[`) || k.startsWith(`${path}.`),
  );
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (flagged) setOpen(true);
  }, [flagged]);
  return (
    <li class="rules-attempt" id={fieldId(path)}>
      <details open={open || flagged} onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>
          <strong>{props.title}</strong>
          <span class="rules-attempt-summary">{props.summary}</span>
        </summary>
        <fieldset>
          <legend class="sr-only">{props.title}</legend>
          <Problems path={path} />
          {props.children}
        </fieldset>
      </details>
    </li>
  );
}

export function AttemptsForm(props: {
  draft: RetryConfigDraft;
  group: CustomerGroupDraft;
  g: number;
  update: Update;
}) {
  const { draft, group, g, update } = props;
  const setGroup = (change: (group: CustomerGroupDraft) => void) =>
    update((d) => change(d.customer_groups[g] as CustomerGroupDraft));
  return (
    <div class="rules-attempts" id={fieldId(pathOf('customer_groups', g, 'attempts'))}>
      <h4>Attempts</h4>
      <p class="muted">
        Attempt 1 is the failed payment itself. After the last attempt listed the cycle stops
        {group.attempts.length === 0 ? ' (none listed: no retry at all)' : ''}.
      </p>
      <Problems path={pathOf('customer_groups', g, 'attempts')} />
      <ol class="rules-attempt-list">
        {group.attempts.map((entry, a) => {
          const base: Segment[] = ['customer_groups', g, 'attempts', a];
          return (
            <AttemptCard
              key={a}
              base={base}
              title={`${group.name}: after attempt ${a + 1} fails`}
              summary={attemptSummary(entry, attemptKeys(draft, entry))}
            >
              <div class="rules-rules">
                {attemptKeys(draft, entry).map((key) => (
                  <RuleBlock
                    key={key}
                    base={base}
                    labelKey={key}
                    rule={entry[key]}
                    set={(rule) =>
                      setGroup((grp) => {
                        const target = grp.attempts[a] as AttemptDraft;
                        if (rule === undefined) delete target[key];
                        else target[key] = rule;
                      })
                    }
                  />
                ))}
              </div>
              <div class="actions">
                <EditButton
                  label={`Remove the rules after attempt ${a + 1} of ${group.name}`}
                  onClick={() =>
                    setGroup((grp) => {
                      grp.attempts.splice(a, 1);
                    })
                  }
                >
                  Remove this attempt
                </EditButton>
              </div>
            </AttemptCard>
          );
        })}
      </ol>
      <div class="actions">
        <EditButton
          onClick={() =>
            setGroup((grp) => {
              const last = grp.attempts.at(-1);
              grp.attempts.push(last ? structuredClone(last) : { '*': { action: 'Stop' } });
            })
          }
        >
          Add an attempt to {group.name}
        </EditButton>
      </div>
    </div>
  );
}
