import type { Schemas } from '../../api/client';
import { money, when } from '../../format';

// Attempts and status changes in the order they happened.

type Attempt = Schemas['CycleTimelineAttempt'];
type CycleEvent = Schemas['CycleTimelineEvent'];

type Entry = { at: string; order: number } & (
  | { kind: 'attempt'; a: Attempt }
  | { kind: 'event'; e: CycleEvent }
);

export function Timeline(props: { attempts: Attempt[]; events: CycleEvent[]; currency: string }) {
  const entries: Entry[] = [
    ...props.attempts.map((a): Entry => ({ kind: 'attempt', a, at: a.time_of_execution, order: 0 })),
    ...props.events.map((e): Entry => ({ kind: 'event', e, at: e.at, order: 1 })),
  ].sort((x, y) => Date.parse(x.at) - Date.parse(y.at) || x.order - y.order);
  return (
    <ol class="timeline">
      {entries.map((entry) =>
        entry.kind === 'attempt' ? (
          <li
            key={`a${entry.a.attempt_number}`}
            class={entry.a.success ? 'success' : 'failure'}
            data-attempt={entry.a.attempt_number}
          >
            <strong>
              Attempt {entry.a.attempt_number}
              {entry.a.cpr_generated
                ? ` (${entry.a.source === 'manual' ? 'manual retry' : 'retry'})`
                : ' (the failed payment)'}
              : {entry.a.success ? 'approved' : 'declined'}
            </strong>{' '}
            <span class="muted">{when(entry.a.time_of_execution)}</span>
            <div>
              {entry.a.gateway_code} — {entry.a.gateway_response} · label <strong>{entry.a.label}</strong>
            </div>
            <div>
              {money(entry.a.amount, props.currency)} asked, {money(entry.a.amount_collected, props.currency)}{' '}
              collected
            </div>
            {entry.a.action && (
              <div class="muted">
                Decision: {entry.a.action}
                {entry.a.retry_criteria ? ` by rule “${entry.a.retry_criteria}”` : ''}
                {entry.a.retry_next_at ? `, next attempt ${when(entry.a.retry_next_at)}` : ''}
              </div>
            )}
          </li>
        ) : (
          <li key={`e${entry.e.seq}`} class="event">
            <strong>{entry.e.status.replaceAll('_', ' ')}</strong>{' '}
            <span class="muted">{when(entry.e.at)}</span>
            <div>{entry.e.reason}</div>
          </li>
        ),
      )}
    </ol>
  );
}
