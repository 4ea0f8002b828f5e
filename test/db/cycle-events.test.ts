import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../db/client';
import { type RecordInput, recordCycle } from '../../db/cycle-writes';
import { cycleEvents } from '../../db/schema';
import { openTestCycle } from '../support/cycle-rows';
import { type DbKind, dbKinds, openTestDb } from '../support/databases';

// A workflow task can run its local `record` and then be refused by the server (a continue-as-new
// while a signal waits); the retried task may batch other messages and number its events differently.
// The history keeps the retry's version, so the stored events must too: the last write of a seq wins.

describe.each(dbKinds)('cycle events on %s', (kind: DbKind) => {
  let handle: DbHandle;
  let cycleId: number;
  beforeAll(async () => {
    handle = await openTestDb(kind);
    cycleId = await openTestCycle(handle.db);
  });
  afterAll(async () => {
    await handle.close();
  });

  const record = (events: RecordInput['events'], status: RecordInput['cycle']['status'] = 'in_retry') =>
    recordCycle(handle.db, {
      cycle_id: cycleId,
      attempts: [],
      cycle: {
        status,
        end_reason: null,
        ended_at: null,
        next_attempt: null,
        outstanding: '99.00',
        payment_method_id: 'pm',
      },
      events,
    });
  const stored = async () =>
    (
      await handle.db
        .select({ seq: cycleEvents.seq, reason: cycleEvents.reason, detail: cycleEvents.detail })
        .from(cycleEvents)
        .where(eq(cycleEvents.cycleId, cycleId))
        .orderBy(asc(cycleEvents.seq))
    ).map((e) => [e.seq, e.reason, e.detail]);

  it("keeps the retried call's events when it numbers them differently, and repeats nothing", async () => {
    // The refused task: one payment, then the update it stored.
    await record([
      { seq: 1, at: '2026-11-22T10:00:00.000Z', reason: 'payment_received', detail: { payment_id: 'a' } },
      { seq: 2, at: '2026-11-22T10:00:00.000Z', reason: 'updated', detail: {} },
    ]);
    // Its retry saw two payments by then, and numbered them so.
    await record([
      { seq: 1, at: '2026-11-22T10:00:01.000Z', reason: 'payment_received', detail: { payment_id: 'a' } },
      { seq: 2, at: '2026-11-22T10:00:01.000Z', reason: 'payment_received', detail: { payment_id: 'b' } },
      { seq: 3, at: '2026-11-22T10:00:01.000Z', reason: 'updated', detail: {} },
    ]);
    // The same call again (Temporal retries an activity whose answer was lost): nothing changes.
    await record([
      { seq: 1, at: '2026-11-22T10:00:01.000Z', reason: 'payment_received', detail: { payment_id: 'a' } },
      { seq: 2, at: '2026-11-22T10:00:01.000Z', reason: 'payment_received', detail: { payment_id: 'b' } },
      { seq: 3, at: '2026-11-22T10:00:01.000Z', reason: 'updated', detail: {} },
    ]);
    expect(await stored()).toEqual([
      [1, 'payment_received', { payment_id: 'a' }],
      [2, 'payment_received', { payment_id: 'b' }],
      [3, 'updated', {}],
    ]);
  });
});
