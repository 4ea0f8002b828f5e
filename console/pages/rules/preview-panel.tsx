import { useEffect, useRef, useState } from 'preact/hooks';
import { api, fieldErrorsOf, messageOf, type Schemas } from '../../api/client';
import { accountOf, filterFields, gateways, type RetryConfigDraft } from '../../rules/draft';
import { elapsedText, localText } from '../../rules/durations';
import { fieldId } from '../../rules/field-paths';
import { ruleText } from '../../rules/rule-text';

// "An account like this, failing with this code, at this time": the whole schedule the draft's rules
// would produce, computed by the server's own policy code (POST /api/v1/config/preview with the draft),
// so what the page shows is what a cycle would do.

type PreviewAnswer = Schemas['ConfigPreview'];

const STOP_REASONS: Record<string, string> = {
  stopped_by_rule: 'a rule says stop',
  attempts_exhausted: 'no further attempt is listed',
  expired: 'the cycle would pass its longest duration (settings)',
  never_retry: 'the code may never be retried (network rules)',
};

/** The rule that scheduled attempt n: the entry of attempt n − 1 for the label, else its "*". */
function ruleFor(draft: RetryConfigDraft, groupId: number, attempt: number, label: string) {
  const entry = draft.customer_groups.find((g) => g.id === groupId)?.attempts[attempt - 2];
  if (!entry) return { key: null, rule: undefined };
  if (entry[label]) return { key: label, rule: entry[label] };
  return { key: entry['*'] ? '*' : null, rule: entry['*'] };
}

const pad = (n: number) => String(n).padStart(2, '0');
function localInputNow(): string {
  const d = new Date();
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function PreviewPanel(props: { draft: RetryConfigDraft }) {
  const { draft } = props;
  const fields = filterFields(draft);
  const known = gateways(draft).filter((g) => g !== '*');
  const [account, setAccount] = useState<Record<string, string>>({});
  const [groupId, setGroupId] = useState('');
  const [gateway, setGateway] = useState(known[0] ?? 'sim');
  const [code, setCode] = useState('insufficient_funds');
  const [message, setMessage] = useState('');
  const [attempt, setAttempt] = useState('1');
  const [failedAt, setFailedAt] = useState(localInputNow);
  const [answer, setAnswer] = useState<{ result: PreviewAnswer; failedAt: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const seq = useRef(0);

  const run = async () => {
    const at = new Date(failedAt);
    if (Number.isNaN(at.getTime())) {
      setError('Enter the time of the failure');
      return;
    }
    const mine = ++seq.current;
    setBusy(true);
    const { data, error: failed } = await api.POST('/api/v1/config/preview', {
      body: {
        config: draft,
        gateway_id: gateway.trim(),
        gateway_response_code: code.trim(),
        ...(message.trim() ? { gateway_response_message: message.trim() } : {}),
        attempt_number: Number(attempt) || 1,
        account: accountOf(account),
        failed_at: at.toISOString(),
        ...(groupId ? { customer_group_id: Number(groupId) } : {}),
      },
    });
    if (mine !== seq.current) return;
    setBusy(false);
    if (data) {
      setAnswer({ result: data, failedAt: at.toISOString() });
      setError(null);
    } else if (fieldErrorsOf(failed).some((e) => e.path === 'config' || e.path.startsWith('config'))) {
      // The draft's own problems are already shown at their fields by the page's validation.
      setError('The draft has problems (shown at their fields); the preview needs a valid draft.');
    } else {
      setError(messageOf(failed, 'The preview failed'));
    }
  };

  // Once a schedule is shown it follows the draft: edit a wait, see the schedule move.
  const shown = answer !== null;
  useEffect(() => {
    if (!shown) return;
    const timer = setTimeout(() => void run(), 700);
    return () => clearTimeout(timer);
  }, [draft]);

  const codes = [
    ...new Set(
      draft.response_codes
        .filter((e) => e.gateway_id === gateway || e.gateway_id === '*')
        .flatMap((e) => (e.code ? [e.code] : [])),
    ),
  ];
  const result = answer?.result;
  return (
    <section aria-labelledby="rules-preview" class="rules-section" id="rules-preview-panel">
      <h2 id="rules-preview">Preview</h2>
      <p class="muted">
        An account like this, failing with this code, at this time: the schedule your draft would produce.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <div class="form-grid">
          <div class="field">
            <label for="rules-preview-group">Customer group</label>
            <select
              id="rules-preview-group"
              value={groupId}
              onChange={(e) => setGroupId(e.currentTarget.value)}
            >
              <option value="">Chosen from the account below</option>
              {draft.customer_groups.map((g) => (
                <option key={g.id} value={String(g.id)}>
                  {g.name}
                </option>
              ))}
            </select>
          </div>
          {fields.map((field) => (
            <div class="field" key={field}>
              <label for={`rules-preview-${fieldId(field)}`}>Account: {field}</label>
              <input
                id={`rules-preview-${fieldId(field)}`}
                value={account[field] ?? ''}
                onInput={(e) => setAccount({ ...account, [field]: e.currentTarget.value })}
              />
            </div>
          ))}
          <div class="field">
            <label for="rules-preview-gateway">Gateway</label>
            <input
              id="rules-preview-gateway"
              list="rules-preview-gateways"
              required
              value={gateway}
              onInput={(e) => setGateway(e.currentTarget.value)}
            />
            <datalist id="rules-preview-gateways">
              {known.map((g) => (
                <option key={g} value={g} />
              ))}
            </datalist>
          </div>
          <div class="field">
            <label for="rules-preview-code">Decline code</label>
            <input
              id="rules-preview-code"
              list="rules-preview-codes"
              required
              value={code}
              onInput={(e) => setCode(e.currentTarget.value)}
            />
            <datalist id="rules-preview-codes">
              {codes.map((c) => (
                <option key={c} value={c} />
              ))}
            </datalist>
          </div>
          <div class="field">
            <label for="rules-preview-message">Decline message (optional)</label>
            <input
              id="rules-preview-message"
              value={message}
              onInput={(e) => setMessage(e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="rules-preview-at">Failed at (your browser's time)</label>
            <input
              id="rules-preview-at"
              type="datetime-local"
              required
              value={failedAt}
              onInput={(e) => setFailedAt(e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="rules-preview-attempt">Attempt that failed</label>
            <input
              id="rules-preview-attempt"
              type="number"
              min={1}
              value={attempt}
              onInput={(e) => setAttempt(e.currentTarget.value)}
            />
          </div>
        </div>
        <div class="actions">
          <button type="submit" disabled={busy}>
            Show the schedule
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {error && <p class="error">{error}</p>}
        {result && answer && (
          <div class="rules-preview-result">
            <p>
              The account falls in <strong>{result.customer_group.name}</strong>; the code is labelled{' '}
              <strong>{result.label}</strong> (
              {result.mapping_source === 'default'
                ? 'no mapping matched: the default label'
                : result.mapping_source === 'guardrail'
                  ? 'never-retry code'
                  : `mapping for ${result.mapping_source === 'wildcard' ? 'every gateway' : 'this gateway'}`}
              ).
            </p>
            <div class="table-wrap">
              <table>
                <caption class="sr-only">The schedule</caption>
                <thead>
                  <tr>
                    <th scope="col">Attempt</th>
                    <th scope="col">When (the rules' time zone)</th>
                    <th scope="col">After the failure</th>
                    <th scope="col">Rule</th>
                  </tr>
                </thead>
                <tbody>
                  <tr>
                    <td class="num">{Number(attempt) || 1}</td>
                    <td>{localText(answer.failedAt)}</td>
                    <td>fails: {result.label}</td>
                    <td>—</td>
                  </tr>
                  {result.schedule.map((step) => {
                    const r = ruleFor(draft, result.customer_group.id, step.attempt_number, result.label);
                    return (
                      <tr key={step.attempt_number}>
                        <td class="num">{step.attempt_number}</td>
                        <td>{localText(step.local)}</td>
                        <td>{elapsedText(answer.failedAt, step.at)}</td>
                        <td>
                          {ruleText(r.rule)}
                          {r.key
                            ? ` (after attempt ${step.attempt_number - 1}, ${r.key === '*' ? 'any label' : r.key})`
                            : ''}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <p class="rules-preview-end">
              After attempt {result.ends.after_attempt} the cycle stops:{' '}
              {STOP_REASONS[result.ends.reason] ?? result.ends.reason}
              {result.ends.webhook ? ` (webhook ${result.ends.webhook})` : ''}.
            </p>
          </div>
        )}
      </div>
    </section>
  );
}
