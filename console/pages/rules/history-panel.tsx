import { useEffect, useRef, useState } from 'preact/hooks';
import { api, messageOf } from '../../api/client';
import { when } from '../../format';
import { changeCount, type DiffHunk, diffHunks, lineDiff, prettyLines } from '../../rules/config-diff';
import type { RetryConfigDraft } from '../../rules/draft';

// The stored versions, newest first; a line diff between any two (their documents pretty-printed the
// same way); and restoring one, which stores its document again as the next version after a
// confirmation.

interface VersionRow {
  version: number;
  created_at: string;
  created_by: string | null;
}

const PAGE = 20;

function DiffView(props: { hunks: DiffHunk[] }) {
  return (
    <pre class="diff">
      {props.hunks.map((h, i) =>
        h.kind === 'skipped' ? (
          <span key={i} class="skip">
            {`   … ${h.count} unchanged line${h.count === 1 ? '' : 's'}\n`}
          </span>
        ) : (
          h.lines.map((l, j) => (
            <span key={`${i}-${j}`} class={l.kind === 'same' ? 'same' : l.kind}>
              {`${l.kind === 'add' ? '+' : l.kind === 'del' ? '−' : ' '} ${l.text}\n`}
            </span>
          ))
        ),
      )}
    </pre>
  );
}

export function HistoryPanel(props: {
  current: number;
  canWrite: boolean;
  dirty: boolean;
  /** Stores the version's document as the next version; answers an error message or null. */
  onRestore: (version: number, config: RetryConfigDraft) => Promise<string | null>;
}) {
  const [rows, setRows] = useState<VersionRow[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [diff, setDiff] = useState<{ from: number; to: number; hunks: DiffHunk[]; changes: number } | null>(
    null,
  );
  const [restoring, setRestoring] = useState<number | null>(null);
  const [restoreError, setRestoreError] = useState<string | null>(null);
  const cache = useRef(new Map<number, RetryConfigDraft>());
  const dialog = useRef<HTMLDialogElement>(null);

  const load = async (before: number | null) => {
    const { data, error: failed } = await api.GET('/api/v1/config/versions', {
      params: { query: { limit: String(PAGE), ...(before !== null ? { before: String(before) } : {}) } },
    });
    if (!data) {
      setError(messageOf(failed, 'The versions could not be loaded'));
      return;
    }
    setError(null);
    setRows((old) => (before === null ? data.versions : [...old, ...data.versions]));
    setNext(data.next_before ?? null);
    if (before === null) {
      const [latest, previous] = data.versions;
      setTo(latest ? String(latest.version) : '');
      setFrom(previous ? String(previous.version) : latest ? String(latest.version) : '');
    }
  };

  // A new current version (a save, a restore) is a new head of the history.
  useEffect(() => {
    void load(null);
  }, [props.current]);

  const documentOf = async (n: number): Promise<RetryConfigDraft | null> => {
    const cached = cache.current.get(n);
    if (cached) return cached;
    const { data, error: failed } = await api.GET('/api/v1/config/versions/{n}', {
      params: { path: { n: String(n) } },
    });
    if (!data) {
      setError(messageOf(failed, `Version ${n} could not be loaded`));
      return null;
    }
    cache.current.set(n, data.config);
    return data.config;
  };

  const compare = async (e: Event) => {
    e.preventDefault();
    const a = Number(from);
    const b = Number(to);
    const [docA, docB] = await Promise.all([documentOf(a), documentOf(b)]);
    if (!docA || !docB) return;
    const lines = lineDiff(prettyLines(docA), prettyLines(docB));
    setDiff({ from: a, to: b, hunks: diffHunks(lines), changes: changeCount(lines) });
  };

  const askRestore = (n: number) => {
    setRestoring(n);
    setRestoreError(null);
    dialog.current?.showModal();
  };
  const confirmRestore = async () => {
    if (restoring === null) return;
    const doc = await documentOf(restoring);
    if (!doc) return;
    const failed = await props.onRestore(restoring, doc);
    if (failed) setRestoreError(failed);
    else dialog.current?.close();
  };

  const options = rows.map((r) => (
    <option key={r.version} value={String(r.version)}>
      Version {r.version} ({when(r.created_at)})
    </option>
  ));
  return (
    <section aria-labelledby="rules-history" class="rules-section" id="rules-history-panel">
      <h2 id="rules-history">Version history</h2>
      {error && <p class="error">{error}</p>}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col" class="num">
                Version
              </th>
              <th scope="col">Saved</th>
              <th scope="col">By</th>
              {props.canWrite && <th scope="col">Restore</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.version}>
                <td class="num">
                  {r.version}
                  {r.version === props.current && <span class="badge"> current</span>}
                </td>
                <td>{when(r.created_at)}</td>
                <td>{r.created_by ?? '—'}</td>
                {props.canWrite && (
                  <td>
                    {r.version !== props.current && (
                      <button type="button" class="secondary" onClick={() => askRestore(r.version)}>
                        Restore version {r.version}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {next !== null && (
        <div class="actions">
          <button type="button" class="secondary" onClick={() => void load(next)}>
            Older versions
          </button>
        </div>
      )}
      <h3>Compare two versions</h3>
      <form class="filters" onSubmit={compare}>
        <div class="field">
          <label for="rules-diff-from">From version</label>
          <select id="rules-diff-from" value={from} onChange={(e) => setFrom(e.currentTarget.value)}>
            {options}
          </select>
        </div>
        <div class="field">
          <label for="rules-diff-to">To version</label>
          <select id="rules-diff-to" value={to} onChange={(e) => setTo(e.currentTarget.value)}>
            {options}
          </select>
        </div>
        <button type="submit" class="secondary" disabled={rows.length === 0}>
          Show the differences
        </button>
      </form>
      <div aria-live="polite">
        {diff && (
          <>
            <p>
              Version {diff.from} → version {diff.to}:{' '}
              {diff.changes === 0 ? 'the documents are the same.' : `${diff.changes} line(s) differ.`}
            </p>
            {diff.changes > 0 && <DiffView hunks={diff.hunks} />}
          </>
        )}
      </div>
      <dialog ref={dialog} aria-labelledby="rules-restore-title" onClose={() => setRestoring(null)}>
        <h2 id="rules-restore-title">Restore version {restoring}?</h2>
        <p>
          Its document is saved as a new version after version {props.current}; the versions in between stay
          in the history. Cycles already running keep the rules they started with.
        </p>
        {props.dirty && <p class="warning">Your unsaved changes in the forms will be discarded.</p>}
        {restoreError && <p class="error">{restoreError}</p>}
        <div class="actions">
          <button type="button" class="danger" onClick={() => void confirmRestore()}>
            Restore version {restoring}
          </button>
          <button type="button" class="secondary" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
        </div>
      </dialog>
    </section>
  );
}
