import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentOf } from '../../domain/failed-payment';
import { eventually, failedPayment, type Harness, startHarness } from '../support/cycle-harness';

// Postgres only, like visibility.test.ts: what the Temporal UI shows is Temporal's side; the cycle's
// writes are RetryCycle's, which lifecycle.test.ts runs on both drivers.
describe('the Temporal UI summary of a cycle', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  const metadata = async (payment: ReturnType<typeof failedPayment>) =>
    (await h.cycles.handle(documentOf(payment)).query('__temporal_workflow_metadata')) as {
      currentDetails?: string;
    };

  it('shows the static summary and, as current details, the status, next attempt and group', async () => {
    // The "Slow" group (segment slow) waits an hour before attempt 2.
    const payment = failedPayment('sim.approve', { account: { segment: 'slow' } });
    await h.cycles.submit(payment);
    const handle = h.cycles.handle(documentOf(payment));
    const waiting = await eventually(async () => {
      const details = (await metadata(payment)).currentDetails ?? '';
      return details.includes('(attempt 2)') ? details : undefined;
    });
    const nextAttempt = await h.cycles.details(documentOf(payment));
    expect(waiting).toContain('**Status:** in_retry');
    expect(waiting).toContain(`**Next attempt:** ${nextAttempt?.next_attempt} (attempt 2)`);
    expect(waiting).toContain('**Customer group:** Slow');
    expect(waiting).toContain(`**Outstanding:** ${payment.amount} ${payment.currency}`);
    const described = await handle.describe();
    expect(await described.staticSummary()).toBe(
      `Retry cycle for invoice ${payment.invoice_id}: ${payment.amount} ${payment.currency}`,
    );

    await h.cycles.pause(documentOf(payment));
    const paused = await eventually(async () => {
      const details = (await metadata(payment)).currentDetails ?? '';
      return details.includes('**Status:** paused') ? details : undefined;
    });
    expect(paused).toContain('**Next attempt:** none while paused');
    await h.cycles.remove(documentOf(payment));
  });
});
