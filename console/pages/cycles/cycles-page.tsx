import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso/router';
import { api, messageOf, type Schemas } from '../../api/client';
import { fromNow, money, when } from '../../format';
import { STATUS_GROUP_WORDS, StatusBadge } from './status-badge';

// Every cycle, newest first, narrowed by the filters; pages follow the API's cursor. The filters live
// in the page's query string, so a filtered list can be bookmarked and shared (ids only, no secret).

type CycleRow = Schemas['CycleSummary'];

const FILTERS = [
  ['account_id', 'Account'],
  ['invoice_id', 'Invoice'],
  ['debit_memo_id', 'Debit memo'],
  ['gateway_code', 'Gateway code'],
] as const;

type Query = Record<string, string>;

/** The browser's `datetime-local` value (local time, no zone) as an ISO instant, or undefined. */
const instant = (local: string | undefined) => (local ? new Date(local).toISOString() : undefined);

export function CyclesPage() {
  const { query, route } = useLocation();
  const [draft, setDraft] = useState<Query>(query);
  const [rows, setRows] = useState<CycleRow[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [groups, setGroups] = useState<{ id: number; name: string }[]>([]);

  useEffect(() => {
    void api.GET('/api/v1/config').then(({ data }) => {
      if (data) setGroups(data.config.customer_groups.map((g) => ({ id: g.id, name: g.name })));
    });
  }, []);

  const load = async (cursor: string | null) => {
    setBusy(true);
    setError(null);
    const q = {
      ...(query.status ? { status: query.status } : {}),
      ...(query.customer_group_id ? { customer_group_id: query.customer_group_id } : {}),
      ...Object.fromEntries(FILTERS.flatMap(([k]) => (query[k] ? [[k, query[k]]] : []))),
      ...(query.next_from ? { next_attempt_from: instant(query.next_from) } : {}),
      ...(query.next_to ? { next_attempt_to: instant(query.next_to) } : {}),
      ...(cursor ? { cursor } : {}),
      limit: 25,
    };
    const { data, error: failed } = await api.GET('/api/v1/cycles', { params: { query: q } });
    setBusy(false);
    if (!data) {
      setError(messageOf(failed));
      return;
    }
    setRows((before) => (cursor ? [...before, ...data.cycles] : data.cycles));
    setNext(data.next_cursor);
  };

  useEffect(() => {
    setDraft(query);
    void load(null);
  }, [JSON.stringify(query)]);

  const apply = (e: Event) => {
    e.preventDefault();
    const params = new URLSearchParams(Object.entries(draft).filter(([, v]) => v !== ''));
    route(`/console/cycles${params.size ? `?${params}` : ''}`);
  };
  const set = (key: string) => (e: { currentTarget: { value: string } }) =>
    setDraft({ ...draft, [key]: e.currentTarget.value });

  return (
    <section>
      <h1 tabIndex={-1}>Cycles</h1>
      <form class="filters" onSubmit={apply} aria-label="Filter cycles">
        <div class="field">
          <label for="f-status">Status</label>
          <select id="f-status" value={draft.status ?? ''} onChange={set('status')}>
            <option value="">Any</option>
            {Object.entries(STATUS_GROUP_WORDS).map(([value, word]) => (
              <option key={value} value={value}>
                {word}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-group">Customer group</label>
          <select id="f-group" value={draft.customer_group_id ?? ''} onChange={set('customer_group_id')}>
            <option value="">Any</option>
            {groups.map((g) => (
              <option key={g.id} value={String(g.id)}>
                {g.name}
              </option>
            ))}
          </select>
        </div>
        {FILTERS.map(([key, label]) => (
          <div class="field" key={key}>
            <label for={`f-${key}`}>{label}</label>
            <input id={`f-${key}`} value={draft[key] ?? ''} onInput={set(key)} />
          </div>
        ))}
        <div class="field">
          <label for="f-next-from">Next attempt from</label>
          <input
            id="f-next-from"
            type="datetime-local"
            value={draft.next_from ?? ''}
            onInput={set('next_from')}
          />
        </div>
        <div class="field">
          <label for="f-next-to">Next attempt before</label>
          <input id="f-next-to" type="datetime-local" value={draft.next_to ?? ''} onInput={set('next_to')} />
        </div>
        <button type="submit">Filter</button>
        <button type="button" class="secondary" onClick={() => route('/console/cycles')}>
          Clear
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="table-wrap">
        <table aria-label="Cycles">
          <thead>
            <tr>
              <th scope="col">Document</th>
              <th scope="col">Status</th>
              <th scope="col">Account</th>
              <th scope="col">Group</th>
              <th scope="col" class="num">
                Outstanding
              </th>
              <th scope="col" class="num">
                Attempts
              </th>
              <th scope="col">Last code</th>
              <th scope="col">Next attempt</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={c.id} data-cycle={c.id}>
                <td>
                  <a href={`/console/cycles/${c.id}`}>
                    {c.document_type === 'invoice' ? 'Invoice' : 'Debit memo'} {c.document_id}
                  </a>
                </td>
                <td>
                  <StatusBadge group={c.status_group} status={c.status} />
                </td>
                <td>{c.account_id}</td>
                <td>{c.customer_group_name}</td>
                <td class="num">{money(c.outstanding, c.currency)}</td>
                <td class="num">{c.attempt_count}</td>
                <td>{c.last_gateway_code ?? '—'}</td>
                <td>
                  {c.next_attempt_at ? `${when(c.next_attempt_at)} (${fromNow(c.next_attempt_at)})` : '—'}
                </td>
                <td>{when(c.started_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!busy && rows.length === 0 && !error && <p class="muted">No cycle matches these filters.</p>}
      <div class="actions">
        {next && (
          <button type="button" class="secondary" disabled={busy} onClick={() => void load(next)}>
            Load more
          </button>
        )}
        {busy && <span class="muted">Loading…</span>}
      </div>
    </section>
  );
}
