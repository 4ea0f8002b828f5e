import { type ComponentChildren, createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { fieldId, type Problem } from '../../rules/field-paths';

// The form controls of the rules editor. Each has the id `fieldId(path)` of the document path it
// edits, a <label for> it, and shows the validation problems placed at that path right under it,
// tied to it with aria-describedby and aria-invalid. A viewer gets the same controls, read-only.

export interface RulesForm {
  readOnly: boolean;
  errors: ReadonlyMap<string, Problem[]>;
  warnings: ReadonlyMap<string, Problem[]>;
}

export const RulesFormContext = createContext<RulesForm>({
  readOnly: true,
  errors: new Map(),
  warnings: new Map(),
});

export const useRulesForm = () => useContext(RulesFormContext);

const messagesId = (path: string) => `${fieldId(path)}-problems`;

/** The problems placed at a path, and the attributes that tie them to its control. */
export function useProblems(path: string) {
  const { errors, warnings } = useRulesForm();
  const errs = errors.get(path) ?? [];
  const warns = warnings.get(path) ?? [];
  const any = errs.length + warns.length > 0;
  return {
    errs,
    warns,
    aria: {
      'aria-invalid': errs.length > 0 ? ('true' as const) : undefined,
      'aria-describedby': any ? messagesId(path) : undefined,
    },
  };
}

export function Problems(props: { path: string }) {
  const { errs, warns } = useProblems(props.path);
  if (errs.length + warns.length === 0) return null;
  return (
    <div id={messagesId(props.path)} class="rules-problems">
      {errs.map((e) => (
        <p key={`e${e.message}`} class="field-error">
          {e.message}
        </p>
      ))}
      {warns.map((w) => (
        <p key={`w${w.message}`} class="field-warning">
          Warning: {w.message}
        </p>
      ))}
    </div>
  );
}

interface FieldProps {
  path: string;
  /** Its accessible name; a part of it may be visually hidden where a heading already says it. */
  label: ComponentChildren;
  hint?: ComponentChildren;
  class?: string;
}

function Field(props: FieldProps & { children: ComponentChildren }) {
  return (
    <div class={`field ${props.class ?? ''}`} data-path={props.path}>
      <label for={fieldId(props.path)}>{props.label}</label>
      {props.children}
      {props.hint && <p class="hint">{props.hint}</p>}
      <Problems path={props.path} />
    </div>
  );
}

export function TextField(
  props: FieldProps & {
    value: string;
    onInput: (value: string) => void;
    type?: 'text' | 'url' | 'time';
    list?: string;
    placeholder?: string;
    required?: boolean;
    readOnly?: boolean;
  },
) {
  const form = useRulesForm();
  const { aria } = useProblems(props.path);
  return (
    <Field {...props}>
      <input
        id={fieldId(props.path)}
        type={props.type ?? 'text'}
        value={props.value}
        list={props.list}
        placeholder={props.placeholder}
        required={props.required}
        readOnly={form.readOnly || props.readOnly}
        onInput={(e) => props.onInput(e.currentTarget.value)}
        {...aria}
      />
    </Field>
  );
}

/**
 * A number kept as typed until it is one: "" or "1." must not be replaced under the cursor. An empty
 * field is `undefined` (the document then lacks the key, and validation says so when it is required).
 */
export function NumberField(
  props: FieldProps & {
    value: number | undefined;
    onChange: (value: number | undefined) => void;
    min?: number;
    max?: number;
  },
) {
  const form = useRulesForm();
  const { aria } = useProblems(props.path);
  const [text, setText] = useState(props.value === undefined ? '' : String(props.value));
  useEffect(() => {
    const shown = text.trim() === '' ? undefined : Number(text);
    if (shown !== props.value && !(Number.isNaN(shown) && Number.isNaN(props.value))) {
      setText(props.value === undefined || Number.isNaN(props.value) ? '' : String(props.value));
    }
  }, [props.value]);
  return (
    <Field {...props}>
      <input
        id={fieldId(props.path)}
        type="number"
        inputMode="numeric"
        value={text}
        min={props.min}
        max={props.max}
        readOnly={form.readOnly}
        onInput={(e) => {
          const raw = e.currentTarget.value;
          setText(raw);
          props.onChange(raw.trim() === '' ? undefined : Number(raw));
        }}
        {...aria}
      />
    </Field>
  );
}

export function SelectField<T extends string>(
  props: FieldProps & {
    value: T;
    options: readonly { value: T; text: string }[];
    onChange: (value: T) => void;
  },
) {
  const form = useRulesForm();
  const { aria } = useProblems(props.path);
  const known = props.options.some((o) => o.value === props.value);
  return (
    <Field {...props}>
      <select
        id={fieldId(props.path)}
        value={props.value}
        disabled={form.readOnly}
        onChange={(e) => props.onChange(e.currentTarget.value as T)}
        {...aria}
      >
        {!known && <option value={props.value}>{props.value}</option>}
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.text}
          </option>
        ))}
      </select>
    </Field>
  );
}

export function CheckField(
  props: FieldProps & { checked: boolean; onChange: (checked: boolean) => void; readOnly?: boolean },
) {
  const form = useRulesForm();
  const { aria } = useProblems(props.path);
  return (
    <div class={`field check ${props.class ?? ''}`} data-path={props.path}>
      <span>
        <input
          id={fieldId(props.path)}
          type="checkbox"
          checked={props.checked}
          disabled={form.readOnly || props.readOnly}
          onChange={(e) => props.onChange(e.currentTarget.checked)}
          {...aria}
        />{' '}
        <label for={fieldId(props.path)}>{props.label}</label>
      </span>
      {props.hint && <p class="hint">{props.hint}</p>}
      <Problems path={props.path} />
    </div>
  );
}

/** A button only an operator sees: a viewer's page has nothing that would change the configuration. */
export function EditButton(props: {
  onClick: () => void;
  children: ComponentChildren;
  class?: string;
  label?: string;
}) {
  const { readOnly } = useRulesForm();
  if (readOnly) return null;
  return (
    <button type="button" class={props.class ?? 'secondary'} aria-label={props.label} onClick={props.onClick}>
      {props.children}
    </button>
  );
}
