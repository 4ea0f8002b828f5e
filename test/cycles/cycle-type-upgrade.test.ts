import { WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attempts, cycles } from '../../db/schema';
import type { CycleDetails } from '../../domain/cycle-details';
import { cycleWorkflowId, documentOf, type FailedPayment } from '../../domain/failed-payment';
import {
  LEGACY_RETRY_CYCLE_WORKFLOW,
  RETRY_CYCLE_WORKFLOW,
  RETRY_CYCLE_WORKFLOW_TYPES,
  submitFailedPayment,
} from '../../workflows/messages';
import { eventually, failedPayment, type Harness, startHarness, testConfig } from '../support/cycle-harness';

// The upgrade to RetryCycleV2: cycles started as RetryCycle (before it) keep running as RetryCycle, and
// the client's submits (update-with-start with USE_EXISTING, and signal-with-start), which now name
// RetryCycleV2, join them instead of being refused or starting another cycle; a new document's cycle
// starts as RetryCycleV2, whose history has no patch marker and no TemporalChangeVersion upsert.
// Postgres only: what is under test is the server's handling of workflow types; the cycle writes are
// the same code on both drivers (lifecycle.test.ts, messages.test.ts).

/** A payment that fails once and then waits an hour: the cycle stays running through the test. */
const slow = (pm: string) => failedPayment(pm, { account: { segment: 'slow' } });

/** What the history says about patches: markers and TemporalChangeVersion search-attribute upserts. */
async function patchEvents(handle: WorkflowHandle) {
  const events = (await handle.fetchHistory()).events ?? [];
  return {
    markers: events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch').length,
    changeVersionUpserts: events.filter(
      (e) =>
        e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields
          ?.TemporalChangeVersion,
    ).length,
  };
}

describe('cycles started before RetryCycleV2', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ config: testConfig(4) });
  });
  afterAll(async () => {
    await h.close();
  });

  /** The submit of the client as it was before RetryCycleV2: update-with-start of a RetryCycle. */
  const submitAsBefore = (payment: FailedPayment) =>
    h.temporal.client.workflow.executeUpdateWithStart(submitFailedPayment, {
      args: [payment],
      startWorkflowOperation: new WithStartWorkflowOperation(LEGACY_RETRY_CYCLE_WORKFLOW, {
        workflowId: cycleWorkflowId(documentOf(payment)),
        taskQueue: h.taskQueue,
        args: [{ payment }],
        workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    });

  const attemptsOf = async (cycleId: number) =>
    (await h.db.db.select().from(attempts).where(eq(attempts.cycleId, cycleId))).length;

  it('keep their type and take the new client’s submits; a new document starts as RetryCycleV2', async () => {
    const old = slow('sim.approve');
    const doc = documentOf(old);
    const opened = await submitAsBefore(old);
    const oldHandle = h.cycles.handle(doc);
    const before = await oldHandle.describe();
    expect(before.type).toBe(LEGACY_RETRY_CYCLE_WORKFLOW);

    // Update-with-start naming RetryCycleV2, USE_EXISTING: the server does not compare the type, so
    // the update goes to the running RetryCycle, which records the payment as its next attempt.
    const joined = await h.cycles.submit({ ...old, payment_id: `${old.payment_id}-b` });
    expect(joined).toMatchObject({
      workflow_id: opened.workflow_id,
      cycle_id: opened.cycle_id,
      added: true,
      attempt_number: 2,
    });
    // Signal-with-start naming RetryCycleV2: signals the running RetryCycle too.
    await h.cycles.submitAsync({ ...old, payment_id: `${old.payment_id}-c` });
    await eventually(async () => (await attemptsOf(opened.cycle_id)) === 3);

    const after = await oldHandle.describe();
    expect([after.type, after.runId, after.status.name]).toEqual([
      LEGACY_RETRY_CYCLE_WORKFLOW,
      before.runId,
      'RUNNING',
    ]);
    const docCycles = await h.db.db.select().from(cycles).where(eq(cycles.documentId, doc.id));
    expect(docCycles.map((c) => c.id)).toEqual([opened.cycle_id]);

    // A new document: the new type, with none of RetryCycle's patch events.
    const fresh = slow('sim.approve');
    const started = await h.cycles.submit(fresh);
    expect(started).toMatchObject({ added: true, attempt_number: 1 });
    const freshHandle = h.cycles.handle(documentOf(fresh));
    expect((await freshHandle.describe()).type).toBe(RETRY_CYCLE_WORKFLOW);
    expect(RETRY_CYCLE_WORKFLOW).toBe('RetryCycleV2');
    expect(await patchEvents(freshHandle)).toEqual({ markers: 0, changeVersionUpserts: 0 });
    // The old type's run recorded its three start patches (the charge gate's comes at its first charge).
    expect(await patchEvents(oldHandle)).toEqual({ markers: 3, changeVersionUpserts: 3 });

    // An operator listing cycles by type must name both types.
    const ids = [cycleWorkflowId(doc), cycleWorkflowId(documentOf(fresh))];
    const listed = async (types: readonly string[]) => {
      const found: string[] = [];
      const query = `WorkflowId IN (${ids.map((i) => `'${i}'`).join(', ')}) AND WorkflowType IN (${types.map((t) => `'${t}'`).join(', ')})`;
      for await (const w of h.temporal.client.workflow.list({ query })) found.push(w.workflowId);
      return found.sort();
    };
    await eventually(async () => (await listed(RETRY_CYCLE_WORKFLOW_TYPES)).length === 2);
    expect(await listed([RETRY_CYCLE_WORKFLOW])).toEqual([cycleWorkflowId(documentOf(fresh))]);

    // Both end as cycles do: the old one through its own (patched) path.
    await h.cycles.remove(doc);
    await h.cycles.remove(documentOf(fresh));
    expect(((await oldHandle.result()) as CycleDetails).status).toBe('removed');
    expect(((await freshHandle.result()) as CycleDetails).status).toBe('removed');
    expect(await attemptsOf(opened.cycle_id)).toBe(3);
  });
});
