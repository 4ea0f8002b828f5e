import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CycleDetails } from '../../domain/cycle-details';
import { defaultConfig, type RetryConfig } from '../../policy';
import {
  detailsQuery,
  pause,
  paymentReceived,
  RETRY_CYCLE_WORKFLOW,
  stateQuery,
} from '../../workflows/messages';
import {
  approved,
  DAY,
  declined,
  failedPayment,
  settle,
  startTimeSkipping,
  stubActivities,
  uniqueName,
  until,
  withWorker,
  workflowBundle,
} from '../support/time-skipping';

// A long cycle continues as new once its run's history passes 2,000 events (HISTORY_LIMIT in
// workflows/retry-cycle.ts); what the cycle knows (attempts, balance, schedule, pause, event numbering)
// must survive into the next run, which goes on to end the cycle as the first would have.

const config: RetryConfig = {
  ...defaultConfig,
  settings: { ...defaultConfig.settings, processor_interval: 'PT0S', max_cycle_days: 30 },
};

/** Past this many events a run continues as new (workflows/retry-cycle.ts). */
const HISTORY_LIMIT = 2_000;

let env: TestWorkflowEnvironment;
let bundle: Awaited<ReturnType<typeof workflowBundle>>;

beforeAll(async () => {
  [env, bundle] = await Promise.all([startTimeSkipping(), workflowBundle()]);
});

afterAll(async () => {
  await env?.teardown();
  bundle?.cleanup();
});

/**
 * Sends 0.01 payments (each its own payment_id) until the run the handle started has continued as new;
 * answers how many were sent. Each is a signal the cycle stores, so the history grows with every one.
 * Each is sent once the cycle has stored the one before: a run continues as new only between messages
 * (the server refuses it while a signal waits), so a flood would keep it from ever doing so. Progress is
 * read from the stub's writes, not by queries, which the test server may not answer mid-handover.
 */
async function payCentsUntilContinued(
  handle: WorkflowHandle,
  stub: ReturnType<typeof stubActivities>,
  firstRunId: string,
): Promise<number> {
  // The balance the cycle row was last written with (last write wins, as in Postgres).
  const stored = () => stub.records().at(-1)?.cycle.outstanding;
  for (let sent = 1; sent <= 2_000; sent++) {
    await handle.signal(paymentReceived, { amount: '0.01', currency: 'USD', payment_id: `cent-${sent}` });
    await until(() => stored() === less(sent), `cent ${sent} stored`);
    if ((await handle.describe()).runId !== firstRunId) return sent;
  }
  throw new Error('the run never continued as new');
}

/** 100.00 less `cents` hundredths, as the workflow writes balances. */
const less = (cents: number) => ((10_000 - cents) / 100).toFixed(2);

describe('RetryCycle continue-as-new at the history limit', () => {
  it('carries attempts, balance and schedule into the next run, which charges attempt 3 and collects', async () => {
    const stub = stubActivities({
      config,
      charge: (req, call) => (call === 1 ? declined()(req, call) : approved(req)),
    });
    const out = await withWorker(env, bundle.path, stub.activities, async (taskQueue) => {
      const handle = await env.client.workflow.start(RETRY_CYCLE_WORKFLOW, {
        taskQueue,
        workflowId: uniqueName('cycle'),
        args: [{ payment: failedPayment() }],
      });
      const firstRunId = handle.firstExecutionRunId;
      await until(() => stub.records().length === 1);
      // Attempt 2 declines a day in; attempt 3 is then due a day after it.
      await env.sleep(DAY + 3_600_000);
      await until(() => stub.records().length === 2);
      const before = await handle.query(detailsQuery);
      const stateBefore = await handle.query(stateQuery);
      const sent = await payCentsUntilContinued(handle, stub, firstRunId);
      const latest = env.client.workflow.getHandle(handle.workflowId);
      // The new run answers once it has taken over the balance, the last cent included.
      const after = await settle(
        () => latest.query(detailsQuery),
        (d) => d.outstanding === less(sent),
      );
      const stateAfter = await latest.query(stateQuery);
      const firstRun = env.client.workflow.getHandle(handle.workflowId, firstRunId);
      const firstHistory = await firstRun.fetchHistory();
      const firstStatus = (await firstRun.describe()).status.name;
      return {
        sent,
        before,
        after,
        stateBefore,
        stateAfter,
        firstHistoryLength: firstHistory.events?.length ?? 0,
        firstStatus,
        result: (await latest.result()) as CycleDetails,
      };
    });

    expect(out.firstStatus).toBe('CONTINUED_AS_NEW');
    expect(out.firstHistoryLength).toBeGreaterThan(HISTORY_LIMIT);
    // The next run is the same cycle, not a new one: nothing reopened, the same ids, start and schedule.
    expect(stub.opened()).toHaveLength(1);
    expect(out.after).toEqual({ ...out.before, outstanding: less(out.sent) });
    expect(out.stateAfter).toEqual(out.stateBefore);
    expect(out.after).toMatchObject({ cycle_id: 1, status: 'in_retry' });

    // It charges attempt 3 (two attempts carried) for the balance left after every cent, when scheduled.
    expect(stub.charges.map((c) => [c.req.idempotency_key, c.req.amount])).toEqual([
      ['cycle-1-attempt-2', '100.00'],
      ['cycle-1-attempt-3', less(out.sent)],
    ]);
    expect(stub.charges[1]?.scheduledAt).toBeGreaterThanOrEqual(Date.parse(out.before.next_attempt ?? ''));
    expect(out.result).toMatchObject({
      cycle_id: 1,
      status: 'collected',
      outstanding: '0.00',
      started_at: out.before.started_at,
    });

    // Every cent was written, and event numbers run on across the runs without a gap or a restart.
    const written = stub
      .records()
      .flatMap((r) => r.events)
      .filter((e) => e.reason === 'payment_received')
      .map((e) => e.detail.payment_id);
    expect(new Set(written).size).toBe(out.sent);
    const events = stub.events();
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    // And as stored, each cent's event once: none lost to a retried task that numbered differently.
    const kept = events.filter((e) => e.reason === 'payment_received').map((e) => e.detail.payment_id);
    expect(kept).toHaveLength(out.sent);
    expect(new Set(kept).size).toBe(out.sent);
    expect(events.at(-1)).toMatchObject({ reason: 'ended', detail: { status: 'collected' } });
    expect(stub.records().at(-1)?.cycle.status).toBe('collected');
  });

  it('a paused cycle stays paused in the next run and expires at the first run’s limit', async () => {
    const stub = stubActivities({ config });
    const out = await withWorker(env, bundle.path, stub.activities, async (taskQueue) => {
      const handle = await env.client.workflow.start(RETRY_CYCLE_WORKFLOW, {
        taskQueue,
        workflowId: uniqueName('cycle'),
        args: [{ payment: failedPayment() }],
      });
      await until(() => stub.records().length === 1);
      await handle.signal(pause);
      await until(async () => (await handle.query(detailsQuery)).status === 'paused');
      const sent = await payCentsUntilContinued(handle, stub, handle.firstExecutionRunId);
      const latest = env.client.workflow.getHandle(handle.workflowId);
      // The new run answers once it has taken over the balance, the last cent included.
      const after = await settle(
        () => latest.query(detailsQuery),
        (d) => d.outstanding === less(sent),
      );
      return { sent, after, result: (await latest.result()) as CycleDetails };
    });

    expect(out.after).toMatchObject({ status: 'paused', paused: true, cycle_id: 1 });
    expect(stub.opened()).toHaveLength(1);
    expect(stub.charges).toEqual([]);
    expect(out.result).toMatchObject({
      status: 'expired',
      end_reason: 'paused past max_cycle_days',
      outstanding: less(out.sent),
    });
    const span = Date.parse(out.result.ended_at ?? '') - Date.parse(out.result.started_at);
    expect(span).toBeGreaterThanOrEqual(30 * DAY);
    expect(span).toBeLessThan(30 * DAY + 60_000);
  });
});
