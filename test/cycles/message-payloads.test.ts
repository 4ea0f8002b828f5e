import { ApplicationFailure } from '@temporalio/common';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycleEvents, cycles } from '../../db/schema';
import { documentOf } from '../../domain/failed-payment';
import {
  pauseConfirmed,
  paymentMethodUpdated,
  paymentReceived,
  remove,
  removeConfirmed,
} from '../../workflows/messages';
import { eventually, failedPayment, type Harness, startHarness, testConfig } from '../support/cycle-harness';
import { dbKinds } from '../support/databases';

// Other services signal cycles without our API in between, so the workflow is the boundary for these
// payloads: text Postgres cannot store (U+0000, an unpaired surrogate) or the wrong shape must never
// fail the run and leave the cycle listed as active forever. Signals are refused and recorded (storably);
// Updates are refused by their validator, before anything is written.

const NUL = 'bad\u0000text';
const LONE = 'bad\uD800text';

describe.each(dbKinds)('signal and update payloads (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ kind, config: testConfig(4) });
  });
  afterAll(async () => {
    await h?.close();
  });

  const sleeping = async () => {
    const payment = failedPayment('sim.approve', { account: { segment: 'slow' } });
    const { cycle_id } = await h.cycles.submit(payment);
    return { doc: documentOf(payment), cycle_id };
  };
  const events = (cycleId: number) =>
    h.db.db.select().from(cycleEvents).where(eq(cycleEvents.cycleId, cycleId)).orderBy(asc(cycleEvents.seq));
  const statusOf = async (cycleId: number) =>
    (await h.db.db.select({ status: cycles.status }).from(cycles).where(eq(cycles.id, cycleId)))[0]?.status;

  it('refuses unstorable paymentReceived and paymentMethodUpdated signals, records why, and keeps the cycle running', async () => {
    const { doc, cycle_id } = await sleeping();
    const handle = h.cycles.handle(doc);
    await handle.signal(paymentReceived, { amount: '40.00', currency: 'USD', payment_id: NUL });
    await handle.signal(paymentMethodUpdated, { payment_method_id: LONE });
    // A wrong shape from a service that does not use our types.
    await handle.signal(paymentReceived, { amount: 40, currency: 'USD' } as never);
    const refused = await eventually(async () => {
      const found = (await events(cycle_id)).filter((e) => e.reason === 'message_refused');
      return found.length === 3 ? found : undefined;
    });
    expect(refused.map((e) => (e.detail as { message: string }).message)).toEqual([
      'paymentReceived',
      'paymentMethodUpdated',
      'paymentReceived',
    ]);
    // Nothing of the refused payloads changed the cycle: the run answers queries and is still in retry.
    const details = await h.cycles.details(doc);
    expect(details?.status).toBe('in_retry');
    expect(details?.outstanding).toBe('100.00');
    expect(details?.payment_method_id).not.toBe(LONE);
    expect(await statusOf(cycle_id)).toBe('in_retry');
    // A valid message afterwards still works.
    await handle.signal(paymentReceived, { amount: '100.00', currency: 'USD', payment_id: 'EXT-ok' });
    expect(((await handle.result()) as { status: string }).status).toBe('collected_external');
    expect(await statusOf(cycle_id)).toBe('collected_external');
  });

  it("ignores an external payment whose amount the cycle's currency cannot hold (10.125 USD, 0100.00)", async () => {
    const { doc, cycle_id } = await sleeping();
    const handle = h.cycles.handle(doc);
    await handle.signal(paymentReceived, { amount: '10.125', currency: 'USD', payment_id: 'EXT-3dp' });
    await handle.signal(paymentReceived, { amount: '0100.00', currency: 'USD', payment_id: 'EXT-lead' });
    await eventually(async () => {
      const found = (await events(cycle_id)).filter((e) => e.reason === 'payment_ignored');
      return found.length === 2;
    });
    expect((await h.cycles.details(doc))?.outstanding).toBe('100.00');
    await handle.signal(paymentReceived, { amount: '10.12', currency: 'USD', payment_id: 'EXT-ok' });
    await eventually(async () => (await h.cycles.details(doc))?.outstanding === '89.88');
  });

  it('honours a remove signal whose reason cannot be stored, without storing it', async () => {
    const { doc, cycle_id } = await sleeping();
    await h.cycles.handle(doc).signal(remove, { requested_by: 'ops@example.com', reason: NUL });
    expect(((await h.cycles.handle(doc).result()) as { status: string }).status).toBe('removed');
    expect(await statusOf(cycle_id)).toBe('removed');
    const reasons = (await events(cycle_id)).map((e) => e.reason);
    expect(reasons).toContain('message_refused');
    expect(reasons).toContain('removed');
  });

  it('refuses an Update with an unstorable payload in its validator, leaving the cycle as it was', async () => {
    const { doc, cycle_id } = await sleeping();
    const handle = h.cycles.handle(doc);
    /** The validator's failure (type and words), which the SDK hands back as the cause of its error. */
    const refusal = (update: Promise<unknown>) =>
      update.then(
        () => 'accepted',
        (err: Error) =>
          err.cause instanceof ApplicationFailure ? `${err.cause.type}: ${err.cause.message}` : err.message,
      );
    expect(await refusal(handle.executeUpdate(removeConfirmed, { args: [{ requested_by: NUL }] }))).toMatch(
      /^InvalidActionRequest: invalid payload at requested_by/,
    );
    expect(await refusal(handle.executeUpdate(pauseConfirmed, { args: [{ requested_by: LONE }] }))).toMatch(
      /^InvalidActionRequest: invalid payload at requested_by/,
    );
    expect((await h.cycles.details(doc))?.status).toBe('in_retry');
    expect(await statusOf(cycle_id)).toBe('in_retry');
    // The history holds no trace of the refused Updates, and the next valid one works.
    const answer = await handle.executeUpdate(removeConfirmed, {
      args: [{ requested_by: 'ops@example.com' }],
    });
    expect(answer.outcome).toBe('removed');
    expect(await statusOf(cycle_id)).toBe('removed');
  });
});
