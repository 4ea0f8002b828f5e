import {
  allHandlersFinished,
  condition,
  continueAsNew,
  ParentClosePolicy,
  startChild,
  upsertSearchAttributes,
  type WorkflowInfo,
} from '@temporalio/workflow';
import type { AttemptRecord } from '../domain/attempt-record';
import type { CycleDetails } from '../domain/cycle-details';
import type { FinalStatus } from '../domain/cycle-status';
import type { FailedPayment } from '../domain/failed-payment';
import type { WebhookEvent } from '../domain/webhook-event';
import type { localStore } from './charge';
import { cycleLog } from './cycle-log';
import { type CycleState, stopStatus } from './cycle-state';
import { deliverWebhook } from './deliver-webhook';
import type { RetryCycleWorkflow } from './retry-cycle-input';
import {
  AttemptCount,
  CustomerGroup as CustomerGroupKey,
  CycleStatus as CycleStatusKey,
  NextAttemptAt,
} from './search-attributes';

// The commands a cycle's state turns into: store it (one `record` activity), tell webhooks (a child
// each), publish its search attributes, end the run. The state decides what; this file only issues.

export const nowIso = () => new Date(Date.now()).toISOString();

/** The store activities a run writes through: local since 'local-store', ordinary before. */
export type Writer = Pick<typeof localStore, 'record'>;

export class CycleCommands {
  constructor(
    private readonly state: CycleState,
    private readonly writer: Writer,
    private readonly info: WorkflowInfo,
  ) {}

  get workflowId(): string {
    return this.info.workflowId;
  }

  details(): CycleDetails {
    return this.state.details(this.info.workflowId);
  }

  publish(): void {
    const s = this.state;
    upsertSearchAttributes([
      { key: CycleStatusKey, value: s.status },
      { key: NextAttemptAt, value: !s.isFinal && s.nextAttempt ? new Date(s.nextAttempt) : null },
      { key: AttemptCount, value: s.attempts.length },
      { key: CustomerGroupKey, value: s.group.name },
    ]);
  }

  async emit(event: WebhookEvent['event'], payload: Record<string, unknown>, url?: string): Promise<void> {
    if (!url && !this.state.lifecycleWebhooks) return;
    const seq = this.state.nextEventSeq();
    // A child that outlives the cycle: a slow or dead receiver never delays it.
    await startChild(deliverWebhook, {
      workflowId: `${this.info.workflowId}-${this.info.runId.slice(0, 8)}-webhook-${seq}`,
      args: [{ event, url, payload: { ...payload, cycle: this.details() } }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      taskQueue: this.info.taskQueue,
    });
  }

  /** Stores changed attempts, the cycle row and the pending events in one activity. */
  async persist(reason: string, detail: Record<string, unknown> = {}): Promise<void> {
    const s = this.state;
    if (!s.ids) return;
    const events = s.takeEvents({ reason, detail }, nowIso());
    const changed = s.takeDirtyAttempts();
    await this.writer.record({ cycle_id: s.ids.cycle_id, attempts: changed, cycle: s.row(), events });
    s.stored(changed);
    this.publish();
  }

  async end(final: FinalStatus, reason: string): Promise<CycleDetails> {
    this.state.end(final, reason, nowIso());
    await this.persist('ended', { status: final, reason });
    this.state.endStored();
    cycleLog(this.state).info('cycle ended', { status: final, reason, attempts: this.state.attempts.length });
    await this.emit('cycle.completed', { status: final, reason });
    // Let in-flight Update handlers answer before the run closes.
    await condition(allHandlersFinished);
    // Failed payments that arrived as the cycle ended (signal-with-start has no answer to refuse them
    // with) are not dropped: they open the document's next cycle, in this workflow id's next run.
    await continueWith(this.state.leftover());
    return this.details();
  }

  /**
   * After a failed attempt: retry (and say so) or end. Returns the end when the cycle is over. With
   * `removing` (a remove arrived while the charge was at the gateway) the cycle ends as removed.
   */
  async afterFailure(attempt: AttemptRecord, removing = false): Promise<CycleDetails | null> {
    const decision = this.state.applyDecision(attempt);
    await this.emit('attempt.failed', {
      attempt,
      decision: { action: decision.action, detail: decision.detail },
    });
    if (decision.webhook) await this.emit('rule.webhook', { attempt, decision }, decision.webhook);
    if (removing) return await this.end('removed', 'removed');
    if (decision.action === 'Stop') return await this.end(stopStatus(decision), decision.reason);
    await this.persist('scheduled', {
      attempt_number: attempt.attempt_number,
      next_attempt: this.state.nextAttempt,
    });
    return null;
  }
}

/**
 * Hands `payments` (if any) to this workflow id's next run: the first opens it, the rest queue. The
 * next run is of this run's type (continueAsNew's default): a RetryCycle stays a RetryCycle.
 */
export async function continueWith(payments: FailedPayment[]): Promise<void> {
  const [next, ...pending] = payments;
  if (next)
    await continueAsNew<RetryCycleWorkflow>({ payment: next, ...(pending.length ? { pending } : {}) });
}
