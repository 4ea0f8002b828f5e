import { api } from '../../api/client';
import { GroupChart, pointsOf } from '../../components/group-chart';
import { Show } from '../../components/show';
import { useApi } from '../../components/use-api';
import { fromNow, money, percent, when } from '../../format';
import { MetricCard } from './metric-card';
import { RecoveryTable } from './recovery-table';

// Every number here is an API answer shown as it came (the definitions are in the API reference,
// under Metrics): nothing is recomputed in the browser.

/** The first instant of the current month, in the browser's time zone. */
function startOfMonth(now = new Date()): string {
  return new Date(now.getFullYear(), now.getMonth(), 1).toISOString();
}

export function DashboardPage() {
  const since = startOfMonth();
  const [baseline] = useApi(() => api.GET('/api/v1/metrics/baseline'), []);
  const [recovered] = useApi(() => api.GET('/api/v1/metrics/amount_recovered'), []);
  const [groups] = useApi(() => api.GET('/api/v1/metrics/customer_group'), []);
  const [overTime] = useApi(() => api.GET('/api/v1/metrics/customer_group_over_time'), []);
  const [labels] = useApi(() => api.GET('/api/v1/metrics/labels', { params: { query: { since } } }), [since]);
  const [codes] = useApi(() => api.GET('/api/v1/metrics/decline_codes'), []);
  const [ending] = useApi(() => api.GET('/api/v1/metrics/cycles_ending_soon', { params: { query: {} } }), []);

  return (
    <section>
      <h1 tabIndex={-1}>Recovery dashboard</h1>
      <Show value={baseline} what="the baseline metrics">
        {(b) => (
          <div class="cards">
            <MetricCard
              label="Retry success rate"
              value={b.retry_success_rate}
              unit=" %"
              trend={b.retry_success_rate_trend}
              upIsGood
              hint="Retries that collected, of all retries"
            />
            <MetricCard
              label="Document success rate"
              value={b.document_success_rate}
              unit=" %"
              trend={b.document_success_rate_trend}
              upIsGood
              hint="Invoices and debit memos collected by a retry, of all that entered a cycle"
            />
            <MetricCard
              label="Average days outstanding"
              value={b.average_days_outstanding}
              unit=" days"
              trend={b.average_days_outstanding_trend}
              upIsGood={false}
              hint="From the failed payment to the retry that collected it"
            />
          </div>
        )}
      </Show>

      <h2>Amount recovered</h2>
      <Show value={recovered} what="the amount recovered">
        {(r) =>
          Object.keys(r.currency).length === 0 ? (
            <p class="muted">Nothing recovered yet.</p>
          ) : (
            <div class="table-wrap">
              <table aria-label="Amount recovered per currency">
                <thead>
                  <tr>
                    <th scope="col">Currency</th>
                    <th scope="col" class="num">
                      Total
                    </th>
                    <th scope="col" class="num">
                      Last 30 days
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(r.currency).map(([cur, a]) => (
                    <tr key={cur} data-currency={cur}>
                      <th scope="row">{cur}</th>
                      <td class="num">{money(a.total_amount, cur)}</td>
                      <td class="num">{money(a.last_30_days, cur)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>

      <h2>Recovered this month, by rule</h2>
      <p class="muted">
        Retries since {when(since)}, under the label (the rule) of the decline each one retried.
      </p>
      <Show value={labels} what="recovery by rule">
        {(l) => (
          <RecoveryTable
            caption="Recovery by label this month"
            headers={['Label']}
            empty="No retries this month yet."
            rows={l.rows.map((r) => ({ ...r, key: r.label, cells: [r.label] }))}
          />
        )}
      </Show>

      <h2>Recovery by decline code</h2>
      <Show value={codes} what="recovery by decline code">
        {(c) => (
          <RecoveryTable
            caption="Recovery by decline code, all time"
            headers={['Decline code', 'Label']}
            empty="No retries yet."
            rows={c.rows.map((r) => ({
              ...r,
              key: `${r.gateway_code}|${r.label}`,
              cells: [r.gateway_code, r.label],
            }))}
          />
        )}
      </Show>

      <h2>Document success rate per customer group, last 6 months</h2>
      <Show value={overTime} what="the success rate over time">
        {(o) => {
          const names = new Map(
            groups.state === 'ok' ? groups.data.customer_groups.map((g) => [String(g.id), g.name]) : [],
          );
          return (
            <GroupChart
              series={Object.entries(o.customer_groups).map(([id, byMonth]) => ({
                id,
                name: names.get(id) ?? `Group ${id}`,
                points: pointsOf(byMonth),
              }))}
            />
          );
        }}
      </Show>

      <h2>Customer groups</h2>
      <Show value={groups} what="the customer group metrics">
        {(g) => (
          <div class="table-wrap">
            <table aria-label="Customer group metrics">
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col" class="num">
                    Document success rate
                  </th>
                  <th scope="col">Trend</th>
                  <th scope="col" class="num">
                    Retry success rate
                  </th>
                  <th scope="col" class="num">
                    Average attempts
                  </th>
                </tr>
              </thead>
              <tbody>
                {g.customer_groups.map((row) => (
                  <tr key={row.id} data-group={row.id}>
                    <th scope="row">{row.name}</th>
                    <td class="num">{percent(row.document_success_rate)}</td>
                    <td>{row.document_success_rate_trend ?? '—'}</td>
                    <td class="num">{percent(row.retry_success_rate)}</td>
                    <td class="num">{row.average_attempts ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Show>

      <h2>Cycles ending soon</h2>
      <Show value={ending} what="the cycles ending soon">
        {(e) =>
          e.cycles.length === 0 ? (
            <p class="muted">No active cycle ends in the next 7 days.</p>
          ) : (
            <div class="table-wrap">
              <table aria-label="Cycles ending soon">
                <thead>
                  <tr>
                    <th scope="col">Document</th>
                    <th scope="col">Account</th>
                    <th scope="col">Group</th>
                    <th scope="col" class="num">
                      Outstanding
                    </th>
                    <th scope="col">Next attempt</th>
                    <th scope="col">Ends</th>
                  </tr>
                </thead>
                <tbody>
                  {e.cycles.map((c) => (
                    <tr key={c.id}>
                      <td>
                        <a href={`/console/cycles/${c.id}`}>
                          {c.document_type === 'invoice' ? 'Invoice' : 'Debit memo'} {c.document_id}
                        </a>
                      </td>
                      <td>{c.account_id}</td>
                      <td>{c.customer_group_name}</td>
                      <td class="num">{money(c.outstanding, c.currency)}</td>
                      <td>
                        {c.next_attempt_at
                          ? `${when(c.next_attempt_at)} (${fromNow(c.next_attempt_at)})`
                          : '—'}
                      </td>
                      <td>
                        {when(c.ends_at)} ({fromNow(c.ends_at)})
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>
    </section>
  );
}
