import { useEffect, useState } from 'preact/hooks';
import { draftOf, type RetryConfigDraft } from '../../rules/draft';
import { useRulesForm } from './fields';

// Beside the forms, the draft as the JSON document it is: to copy it, to paste one, or to keep an
// edit that lost a race with someone else's save. Applying it replaces the draft the forms show.

export function JsonView(props: { draft: RetryConfigDraft; onApply: (draft: RetryConfigDraft) => void }) {
  const { readOnly } = useRulesForm();
  const pretty = JSON.stringify(props.draft, null, 2);
  const [text, setText] = useState(pretty);
  const [touched, setTouched] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!touched) setText(pretty);
  }, [pretty, touched]);

  const apply = () => {
    try {
      const result = draftOf(JSON.parse(text));
      if ('problem' in result) {
        setError(result.problem);
        return;
      }
      setError(null);
      setTouched(false);
      // Validation then names every problem of the document at its field.
      props.onApply(result.draft);
    } catch (err) {
      setError(`Not JSON: ${(err as Error).message}`);
    }
  };

  return (
    <section aria-labelledby="rules-json" class="rules-section">
      <h2 id="rules-json">Edit as JSON</h2>
      <details>
        <summary>Show the draft as JSON</summary>
        <label for="rules-json-text">The draft configuration (JSON)</label>
        <textarea
          id="rules-json-text"
          rows={20}
          spellcheck={false}
          readOnly={readOnly}
          value={text}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'rules-json-error' : undefined}
          onInput={(e) => {
            setText(e.currentTarget.value);
            setTouched(true);
          }}
        />
        {error && (
          <p id="rules-json-error" class="field-error">
            {error}
          </p>
        )}
        {!readOnly && (
          <div class="actions">
            <button type="button" class="secondary" disabled={!touched} onClick={apply}>
              Apply the JSON to the forms
            </button>
            <button
              type="button"
              class="secondary"
              disabled={!touched}
              onClick={() => {
                setTouched(false);
                setError(null);
              }}
            >
              Back to the forms' draft
            </button>
          </div>
        )}
      </details>
    </section>
  );
}
