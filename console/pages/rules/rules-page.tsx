import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, fieldErrorsOf, messageOf, type Schemas } from '../../api/client';
import { when } from '../../format';
import { copy, edited, gateways, type RetryConfigDraft, sameDocument } from '../../rules/draft';
import { fieldId, type Problem, placeProblems, shownPaths } from '../../rules/field-paths';
import { useCanWrite } from '../../session';
import { RulesFormContext } from './fields';
import { GroupsForm } from './groups-form';
import { HistoryPanel } from './history-panel';
import { JsonView } from './json-view';
import { LabelsForm } from './labels-form';
import { MappingForm } from './mapping-form';
import { PreviewPanel } from './preview-panel';
import { SettingsForm } from './settings-form';

// The rules editor: the stored configuration, a draft the forms edit, validation as you type (the
// server's, so its problems are exactly what a save would refuse), a preview on the draft, a save
// that names the version it replaces (If-Match), and the history.

type Stored = Schemas['StoredRetryConfig'];

type Check =
  | { state: 'idle' | 'checking' | 'valid' }
  | { state: 'invalid'; count: number }
  | { state: 'failed'; message: string };

type Outcome =
  | { kind: 'saved'; text: string }
  | { kind: 'error'; text: string }
  | { kind: 'conflict'; version: number | null; by: string | null };

const VALIDATE_AFTER_MS = 500;

/** For a problem in a part the forms hide (another group, another gateway's codes): a button to show it. */
function ShowIt(props: {
  path: string;
  draft: RetryConfigDraft;
  onGateway: (gateway: string) => void;
  onGroup: (g: number) => void;
}) {
  const code = /^response_codes\[(\d+)\]/.exec(props.path);
  const group = /^customer_groups\[(\d+)\]/.exec(props.path);
  const entry = code ? props.draft.response_codes[Number(code[1])] : undefined;
  const g = group ? Number(group[1]) : -1;
  if (!entry && !props.draft.customer_groups[g]) return null;
  return (
    <>
      {' '}
      <button
        type="button"
        class="link"
        onClick={() => (entry ? props.onGateway(entry.gateway_id) : props.onGroup(g))}
      >
        show it
      </button>
    </>
  );
}

export function RulesPage() {
  const canWrite = useCanWrite();
  const [stored, setStored] = useState<Stored | null>(null);
  const [draft, setDraft] = useState<RetryConfigDraft | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [errors, setErrors] = useState<Problem[]>([]);
  const [warnings, setWarnings] = useState<Problem[]>([]);
  const [check, setCheck] = useState<Check>({ state: 'idle' });
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [saving, setSaving] = useState(false);
  const [gateway, setGateway] = useState<string | null>(null);
  const [group, setGroup] = useState(0);
  const checkSeq = useRef(0);

  const load = useCallback(async () => {
    const { data, error } = await api.GET('/api/v1/config');
    if (!data) {
      setLoadError(messageOf(error, 'The configuration could not be loaded'));
      return;
    }
    setStored(data);
    setDraft(copy(data.config));
    setGateway((g) => g ?? gateways(data.config)[0] ?? '*');
    setLoadError(null);
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const validate = useCallback(async (doc: RetryConfigDraft) => {
    const mine = ++checkSeq.current;
    setCheck({ state: 'checking' });
    const { data, error, response } = await api.POST('/api/v1/config/validate', { body: doc });
    if (mine !== checkSeq.current) return;
    if (data) {
      setErrors([]);
      setWarnings(data.warnings);
      setCheck({ state: 'valid' });
    } else if (response.status === 400) {
      const problems = fieldErrorsOf(error);
      setErrors(problems.length > 0 ? problems : [{ path: '', message: messageOf(error) }]);
      // A refused document answers its errors only; the warnings of the last valid one no longer apply.
      setWarnings([]);
      setCheck({ state: 'invalid', count: Math.max(problems.length, 1) });
    } else if (response.status === 403) {
      // A login that may not validate (a viewer) has nothing to check: it cannot change the draft.
      setCheck({ state: 'idle' });
    } else {
      setCheck({ state: 'failed', message: messageOf(error, `The check failed (${response.status})`) });
    }
  }, []);

  // Every change is checked once typing pauses; the first check shows the stored version's warnings.
  useEffect(() => {
    if (!draft) return;
    const timer = setTimeout(() => void validate(draft), VALIDATE_AFTER_MS);
    return () => clearTimeout(timer);
  }, [draft, validate]);

  const update = useCallback((change: (d: RetryConfigDraft) => void) => {
    setDraft((d) => (d ? edited(d, change) : d));
    setOutcome((o) => (o?.kind === 'conflict' ? o : null));
  }, []);

  const dirty = stored !== null && draft !== null && !sameDocument(stored.config, draft);

  const put = async (doc: RetryConfigDraft, base: number): Promise<{ ok: Stored } | { failed: Outcome }> => {
    const { data, error, response } = await api.PUT('/api/v1/config', {
      params: { header: { 'if-match': `"${base}"` } },
      body: doc,
    });
    if (data) return { ok: data };
    if (response.status === 412) {
      const now = await api.GET('/api/v1/config');
      return {
        failed: { kind: 'conflict', version: now.data?.version ?? null, by: now.data?.updated_by ?? null },
      };
    }
    if (response.status === 400) {
      const problems = fieldErrorsOf(error);
      setErrors(problems);
      setCheck({ state: 'invalid', count: problems.length });
      return { failed: { kind: 'error', text: 'Not saved: fix the problems shown at their fields.' } };
    }
    return { failed: { kind: 'error', text: `Not saved: ${messageOf(error)}` } };
  };

  const save = async () => {
    if (!stored || !draft) return;
    setSaving(true);
    const result = await put(draft, stored.version);
    setSaving(false);
    if ('failed' in result) {
      setOutcome(result.failed);
      return;
    }
    setStored(result.ok);
    setDraft(copy(result.ok.config));
    setOutcome({ kind: 'saved', text: `Saved as version ${result.ok.version}.` });
  };

  const restore = async (version: number, doc: RetryConfigDraft): Promise<string | null> => {
    if (!stored) return 'The configuration is not loaded';
    const result = await put(doc, stored.version);
    if ('failed' in result) {
      setOutcome(result.failed);
      return result.failed.kind === 'conflict'
        ? 'Someone else saved meanwhile; reload the page and try again.'
        : result.failed.kind === 'error'
          ? result.failed.text
          : null;
    }
    setStored(result.ok);
    setDraft(copy(result.ok.config));
    setOutcome({ kind: 'saved', text: `Version ${version} restored as version ${result.ok.version}.` });
    return null;
  };

  const placed = useMemo(() => {
    if (!draft) return null;
    const shown = shownPaths(draft, { gateway, group });
    return { errors: placeProblems(errors, shown), warnings: placeProblems(warnings, shown) };
  }, [draft, gateway, group, errors, warnings]);

  const form = useMemo(
    () => ({
      readOnly: !canWrite,
      errors: placed?.errors.at ?? new Map(),
      warnings: placed?.warnings.at ?? new Map(),
    }),
    [canWrite, placed],
  );

  if (loadError) {
    return (
      <section>
        <h1 tabIndex={-1}>Rules</h1>
        <p class="error" role="alert">
          {loadError}
        </p>
        <button type="button" onClick={() => void load()}>
          Try again
        </button>
      </section>
    );
  }
  if (!stored || !draft || !placed) {
    return (
      <section>
        <h1 tabIndex={-1}>Rules</h1>
        <p class="loading">Loading the configuration…</p>
      </section>
    );
  }

  const unplaced = [
    ...placed.errors.unplaced,
    ...placed.warnings.unplaced.map((w) => ({ ...w, warning: true })),
  ];
  return (
    <RulesFormContext.Provider value={form}>
      <section class="rules">
        <h1 tabIndex={-1}>Rules</h1>
        <p class="muted">
          Version {stored.version}, saved {when(stored.updated_at)} by {stored.updated_by}.
          {canWrite
            ? ' Changes apply to cycles that start after you save; running cycles keep their rules.'
            : ' You can read the rules; changing them needs an operator login.'}
        </p>
        <nav aria-label="Parts of the rules" class="rules-nav">
          <a href="#rules-groups">Customer groups</a>
          <a href="#rules-mapping">Mapping</a>
          <a href="#rules-labels">Labels</a>
          <a href="#rules-settings">Settings</a>
          <a href="#rules-preview">Preview</a>
          <a href="#rules-history">History</a>
          <a href="#rules-json">JSON</a>
        </nav>
        <div class="rules-bar">
          <p class="rules-status" role="status">
            {dirty ? 'Unsaved changes. ' : 'No unsaved changes. '}
            {check.state === 'checking' && 'Checking…'}
            {check.state === 'valid' && 'The draft is valid.'}
            {check.state === 'invalid' && `${check.count} problem(s) to fix.`}
            {check.state === 'failed' && `Could not check the draft: ${check.message}`}
          </p>
          <div class="actions">
            <button type="button" class="secondary" onClick={() => void validate(draft)}>
              Validate
            </button>
            {canWrite && (
              <>
                <button type="button" disabled={!dirty || saving} onClick={() => void save()}>
                  {saving ? 'Saving…' : 'Save'}
                </button>
                <button
                  type="button"
                  class="secondary"
                  disabled={!dirty}
                  onClick={() => {
                    setDraft(copy(stored.config));
                    setOutcome(null);
                  }}
                >
                  Discard changes
                </button>
              </>
            )}
          </div>
        </div>
        <div aria-live="polite">
          {outcome?.kind === 'saved' && <p class="ok">{outcome.text}</p>}
          {outcome?.kind === 'error' && <p class="error">{outcome.text}</p>}
          {outcome?.kind === 'conflict' && (
            <div class="warning rules-conflict">
              <p>
                Someone else{outcome.by ? ` (${outcome.by})` : ''} saved version {outcome.version ?? '?'}{' '}
                while you were editing version {stored.version}: reload to see it. Your draft is kept here and
                under “Edit as JSON”, so you can copy it or make your changes again.
              </p>
              <button
                type="button"
                class="secondary"
                onClick={() => void load().then(() => setOutcome(null))}
              >
                Reload version {outcome.version ?? ''} (discards your draft)
              </button>
            </div>
          )}
        </div>
        {unplaced.length > 0 && (
          <div class="error rules-unplaced" id={fieldId('(root)')}>
            <p>Problems in the document:</p>
            <ul>
              {unplaced.map((p) => (
                <li key={`${p.path}${p.message}`}>
                  {'warning' in p ? 'Warning: ' : ''}
                  <code>{p.path || '(the document)'}</code>: {p.message}
                  <ShowIt
                    path={p.path}
                    draft={draft}
                    onGateway={setGateway}
                    onGroup={(g) => {
                      setGroup(g);
                      document.getElementById('rules-groups')?.scrollIntoView();
                    }}
                  />
                </li>
              ))}
            </ul>
          </div>
        )}
        <GroupsForm
          draft={draft}
          update={update}
          selected={Math.min(group, draft.customer_groups.length - 1)}
          onSelect={setGroup}
          problems={[...errors, ...warnings]}
        />
        <MappingForm
          draft={draft}
          update={update}
          gateway={gateway}
          onGateway={setGateway}
          problems={[...errors, ...warnings]}
        />
        <LabelsForm draft={draft} update={update} />
        <SettingsForm draft={draft} update={update} />
        <PreviewPanel draft={draft} />
        <HistoryPanel current={stored.version} canWrite={canWrite} dirty={dirty} onRestore={restore} />
        <JsonView
          draft={draft}
          onApply={(doc) => {
            setDraft(doc);
          }}
        />
      </section>
    </RulesFormContext.Provider>
  );
}
