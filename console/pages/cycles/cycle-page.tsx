import { useRoute } from 'preact-iso/router';
import { api } from '../../api/client';
import { Show } from '../../components/show';
import { useApi } from '../../components/use-api';
import { decidingRule } from '../../cycles/deciding-rule';
import { fromNow, money, when } from '../../format';
import { useCanWrite } from '../../session';
import { CycleActions } from './cycle-actions';
import { StatusBadge } from './status-badge';
import { Timeline } from './timeline';

// One cycle: where it stands and why (the next attempt and the rule that put it there), its whole
// timeline, and the operator's actions.

export function CyclePage() {
  const { params } = useRoute();
  const id = Number(params.id);
  const canWrite = useCanWrite();
  const [loaded, reload] = useApi(
    () => api.GET('/api/v1/cycles/{id}', { params: { path: { id: String(id) } } }),
    [id],
  );
  const version = loaded.state === 'ok' ? loaded.data.cycle.config_version : null;
  // The configuration the cycle pinned at its start: the rules that decide its attempts.
  const [pinned] = useApi(
    async () =>
      version === null
        ? { data: undefined }
        : await api.GET('/api/v1/config/versions/{n}', { params: { path: { n: String(version) } } }),
    [version],
  );

  return (
    <Show value={loaded} what={`cycle ${params.id}`}>
      {({ cycle }) => {
        const last = cycle.attempts.at(-1);
        const rule =
          last && !last.success && pinned.state === 'ok' && pinned.data
            ? decidingRule(pinned.data.config, cycle.customer_group_id, last.attempt_number, last.label)
            : null;
        const active = cycle.status === 'in_retry' || cycle.status === 'paused';
        const doc = `${cycle.document_type === 'invoice' ? 'Invoice' : 'Debit memo'} ${cycle.document_id}`;
        return (
          <section>
            <p>
              <a href="/console/cycles">← All cycles</a>
            </p>
            <h1 tabIndex={-1}>
              {doc} <StatusBadge group={cycle.status_group} status={cycle.status} />
            </h1>
            <div class="cards">
              <div class="card">
                <div class="label">Outstanding</div>
                <div class="value">{money(cycle.outstanding, cycle.currency)}</div>
                <div class="muted">
                  of {money(cycle.amount, cycle.currency)}; collected{' '}
                  {money(cycle.amount_collected, cycle.currency)}
                </div>
              </div>
              <div class="card" data-next-attempt>
                <div class="label">Next attempt</div>
                <div class="value">{cycle.next_attempt_at ? fromNow(cycle.next_attempt_at) : '—'}</div>
                <div class="muted">
                  {cycle.next_attempt_at
                    ? when(cycle.next_attempt_at)
                    : active
                      ? 'none scheduled'
                      : `ended ${when(cycle.ended_at)}`}
                </div>
              </div>
              <div class="card">
                <div class="label">Customer group</div>
                <div class="value">{cycle.customer_group_name}</div>
                <div class="muted">
                  rules of configuration version {cycle.config_version}, pinned at the start
                </div>
              </div>
            </div>
            <h2>Why</h2>
            <p data-why>
              {last ? (
                <>
                  {active ? 'Still retrying' : `Ended (${cycle.status.replaceAll('_', ' ')})`}: attempt{' '}
                  {last.attempt_number}{' '}
                  {last.success
                    ? 'was approved'
                    : `was declined with ${last.gateway_code} (“${last.gateway_response}”)`}
                  , labelled <strong>{last.label}</strong>.{' '}
                  {rule && (
                    <>
                      The rule of configuration version {cycle.config_version} for {rule.where} says:{' '}
                      <strong data-rule>{rule.says}</strong>
                      {last.retry_next_at ? `, so the next attempt is ${when(last.retry_next_at)}` : ''}.{' '}
                    </>
                  )}
                  {!rule && last.action === 'Retry' && `The next attempt is ${when(last.retry_next_at)}. `}
                  {cycle.end_reason ? `End reason: ${cycle.end_reason}.` : ''}
                </>
              ) : (
                'No attempt recorded yet.'
              )}
            </p>
            <dl class="form-grid">
              <div class="field">
                <dt>Account</dt>
                <dd>{cycle.account_id}</dd>
              </div>
              <div class="field">
                <dt>Payment method</dt>
                <dd>{cycle.payment_method_id}</dd>
              </div>
              <div class="field">
                <dt>Gateway</dt>
                <dd>{cycle.gateway_id}</dd>
              </div>
              <div class="field">
                <dt>Started</dt>
                <dd>{when(cycle.started_at)}</dd>
              </div>
              <div class="field">
                <dt>Workflow</dt>
                <dd>
                  {cycle.workflow.ui_url ? (
                    <a href={cycle.workflow.ui_url} target="_blank" rel="noreferrer">
                      Open in the Temporal UI
                    </a>
                  ) : (
                    <code>{cycle.workflow.id}</code>
                  )}
                </dd>
              </div>
            </dl>
            {canWrite && (
              <CycleActions
                cycleId={cycle.id}
                active={active}
                paused={cycle.status === 'paused'}
                failed={['stopped', 'removed', 'error'].includes(cycle.status_group)}
                onDone={reload}
              />
            )}
            <h2>Timeline</h2>
            <Timeline attempts={cycle.attempts} events={cycle.events} currency={cycle.currency} />
          </section>
        );
      }}
    </Show>
  );
}
