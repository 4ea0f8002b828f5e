import { useState } from 'preact/hooks';
import { api, messageOf } from '../../api/client';
import { ConfirmDialog } from '../../components/confirm-dialog';

// The operator's actions on one cycle. Each asks first, then shows exactly what the API answered:
// an execute the network rules refused says so and names the rule; nothing is assumed to have worked.

type Action = 'execute' | 'pause' | 'resume' | 'remove' | 'manual';

const TEXT: Record<Action, { button: string; title: string; confirm: string; body: string }> = {
  execute: {
    button: 'Retry now',
    title: 'Retry this cycle now?',
    confirm: 'Retry now',
    body: 'The next attempt moves to now. The card-network rules are checked first and may refuse it.',
  },
  pause: {
    button: 'Pause',
    title: 'Pause this cycle?',
    confirm: 'Pause',
    body: 'No attempt is made while the cycle is paused. It still ends at its last day.',
  },
  resume: {
    button: 'Resume',
    title: 'Resume this cycle?',
    confirm: 'Resume',
    body: 'Attempts continue on the schedule the rules give.',
  },
  remove: {
    button: 'Remove',
    title: 'Remove this cycle?',
    confirm: 'Remove',
    body: 'The cycle stops for good: no further attempt. A charge already at the gateway finishes first.',
  },
  manual: {
    button: 'Manual retry',
    title: 'Charge the card once now?',
    confirm: 'Charge now',
    body: 'One charge of the card for what is still outstanding, checked by the card-network rules first. Say why (kept with the retry).',
  },
};

export interface Answer {
  ok: boolean;
  text: string;
}

function answerText(action: Action, body: Record<string, unknown>): string {
  const message = typeof body.message === 'string' ? body.message : '';
  const outcome =
    typeof body.outcome === 'string' ? body.outcome : typeof body.status === 'string' ? body.status : '';
  const rule = typeof body.rule === 'string' ? ` (rule: ${body.rule})` : '';
  return `${TEXT[action].button}: ${outcome}${rule}${message ? ` — ${message}` : ''}`;
}

export function CycleActions(props: {
  cycleId: number;
  active: boolean;
  paused: boolean;
  /** Ended without the money (stopped, removed, error): where a manual retry is allowed (SmartPay's rule). */
  failed: boolean;
  onDone: () => void;
}) {
  const [open, setOpen] = useState<Action | null>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<Answer | null>(null);

  const run = async (action: Action) => {
    setBusy(true);
    const id = { path: { id: String(props.cycleId) } };
    const result =
      action === 'manual'
        ? await api.POST('/api/v1/cycles/{id}/manual_retries', { params: id, body: { reason } })
        : action === 'execute'
          ? await api.POST('/api/v1/cycles/{id}/execute', { params: id })
          : action === 'pause'
            ? await api.POST('/api/v1/cycles/{id}/pause', { params: id })
            : action === 'resume'
              ? await api.POST('/api/v1/cycles/{id}/resume', { params: id })
              : await api.POST('/api/v1/cycles/{id}/remove', { params: id, body: {} });
    setBusy(false);
    setOpen(null);
    setReason('');
    if (result.data) {
      const body = result.data as Record<string, unknown>;
      const applied = body.applied !== false && body.outcome !== 'refused';
      setAnswer({ ok: applied, text: answerText(action, body) });
    } else {
      setAnswer({ ok: false, text: `${TEXT[action].button} refused: ${messageOf(result.error)}` });
    }
    props.onDone();
  };

  // While the rules still retry, the operator steers them; once a cycle has ended without the money,
  // one charge by hand is what is left (the API refuses a manual retry on a cycle still retrying).
  const available: Action[] = props.active
    ? ['execute', props.paused ? 'resume' : 'pause', 'remove']
    : props.failed
      ? ['manual']
      : [];
  const current = open ? TEXT[open] : null;
  return (
    <div>
      <fieldset class="actions">
        <legend class="sr-only">Actions on this cycle</legend>
        {available.map((a) => (
          <button
            key={a}
            type="button"
            class={a === 'remove' ? 'danger' : a === 'execute' ? '' : 'secondary'}
            onClick={() => {
              setAnswer(null);
              setOpen(a);
            }}
          >
            {TEXT[a].button}
          </button>
        ))}
      </fieldset>
      {answer && (
        <p class={answer.ok ? 'ok' : 'warning'} role="status" data-answer>
          {answer.text}
        </p>
      )}
      <ConfirmDialog
        open={open !== null}
        title={current?.title ?? ''}
        confirm={current?.confirm ?? ''}
        danger={open === 'remove'}
        busy={busy || (open === 'manual' && reason.trim() === '')}
        onConfirm={() => open && void run(open)}
        onCancel={() => setOpen(null)}
      >
        <p>{current?.body}</p>
        {open === 'manual' && (
          <div class="field">
            <label for="manual-reason">Reason</label>
            <input
              id="manual-reason"
              required
              maxLength={128}
              value={reason}
              onInput={(e) => setReason(e.currentTarget.value)}
            />
          </div>
        )}
      </ConfirmDialog>
    </div>
  );
}
