import { describe, expect, it } from 'vitest';
import type { CycleDetails } from '../../domain/cycle-details';
import { defaultConfig, type RetryConfig } from '../../policy';
import { detailsQuery, pause, pauseConfirmed, resume } from '../../workflows/messages';
import {
  approved,
  DAY,
  failedPayment,
  perFileTimeSkipping,
  stubActivities,
  until,
} from '../support/time-skipping';

// A paused cycle charges nothing and waits; at settings.max_cycle_days after it started it ends
// `expired`, however long the pause.

const config: RetryConfig = {
  ...defaultConfig,
  settings: { ...defaultConfig.settings, processor_interval: 'PT0S', max_cycle_days: 30 },
};
const MAX = 30 * DAY;

const fast = perFileTimeSkipping();

describe('RetryCycle paused past max_cycle_days', () => {
  it('a pause signal before the first retry: no charge, expired at the cycle limit', async () => {
    const stub = stubActivities({ config });
    const result = await fast.withCycle(
      { activities: stub.activities, input: { payment: failedPayment() } },
      async (handle) => {
        // Attempt 1 is decided and stored before the pause, so the writes below come in one order.
        await until(() => stub.records().length === 1);
        await handle.signal(pause, { requested_by: 'ops' });
        await until(async () => (await handle.query(detailsQuery)).status === 'paused');
        return (await handle.result()) as CycleDetails;
      },
    );

    expect(result).toMatchObject({
      status: 'expired',
      end_reason: 'paused past max_cycle_days',
      next_attempt: null,
      outstanding: '100.00',
    });
    const span = Date.parse(result.ended_at ?? '') - Date.parse(result.started_at);
    expect(span).toBeGreaterThanOrEqual(MAX);
    expect(span).toBeLessThan(MAX + 60_000);
    expect(stub.charges).toEqual([]);
    const records = stub.records();
    expect(records.map((r) => [r.cycle.status, r.events.map((e) => e.reason)])).toEqual([
      ['in_retry', ['scheduled']],
      ['paused', ['paused', 'updated']],
      ['expired', ['ended']],
    ]);
    expect(records[2]?.events[0]?.detail).toEqual({
      status: 'expired',
      reason: 'paused past max_cycle_days',
    });
    expect(stub.names()).toEqual(['beginClaimedCycle', 'record']);
  });

  it('pauseConfirmed after a declined retry: answered paused, later charges none, expired', async () => {
    const stub = stubActivities({ config });
    const { first, second, result } = await fast.withCycle(
      { activities: stub.activities, input: { payment: failedPayment() } },
      async (handle) => {
        await until(() => stub.records().length === 1);
        // Skip past attempt 2 (one day after attempt 1); attempt 3 is then a day away.
        await fast.env.sleep(DAY + 3_600_000);
        await until(() => stub.records().length === 2);
        const first = await handle.executeUpdate(pauseConfirmed, { args: [{ requested_by: 'ops' }] });
        const second = await handle.executeUpdate(pauseConfirmed, { args: [{ requested_by: 'ops' }] });
        return { first, second, result: (await handle.result()) as CycleDetails };
      },
    );

    expect(first).toMatchObject({
      action: 'pause',
      outcome: 'paused',
      applied: true,
      status: 'paused',
      cycle_id: 1,
    });
    expect(second).toMatchObject({ action: 'pause', outcome: 'unchanged', applied: false, status: 'paused' });
    expect(stub.charges.map((c) => c.req.idempotency_key)).toEqual(['cycle-1-attempt-2']);
    expect(result).toMatchObject({ status: 'expired', end_reason: 'paused past max_cycle_days' });
    const span = Date.parse(result.ended_at ?? '') - Date.parse(result.started_at);
    expect(span).toBeGreaterThanOrEqual(MAX);
    expect(span).toBeLessThan(MAX + 60_000);
    expect(stub.records().map((r) => [r.cycle.status, r.events.map((e) => e.reason)])).toEqual([
      ['in_retry', ['scheduled']],
      ['in_retry', ['scheduled']],
      ['paused', ['paused', 'updated']],
      ['expired', ['ended']],
    ]);
  });

  it('resumed before the limit: the missed attempt runs once, at the resume, not as a burst', async () => {
    const stub = stubActivities({ config, charge: approved });
    const { resumedAt, result } = await fast.withCycle(
      { activities: stub.activities, input: { payment: failedPayment() } },
      async (handle) => {
        await until(() => stub.records().length === 1);
        await handle.signal(pause);
        await until(async () => (await handle.query(detailsQuery)).status === 'paused');
        // Ten days paused: attempts 2 and 3 would have been due by then.
        await fast.env.sleep(10 * DAY);
        const resumedAt = await fast.env.currentTimeMs();
        await handle.signal(resume);
        return { resumedAt, result: (await handle.result()) as CycleDetails };
      },
    );

    expect(result).toMatchObject({ status: 'collected', outstanding: '0.00' });
    expect(stub.charges.map((c) => [c.req.idempotency_key, c.req.amount])).toEqual([
      ['cycle-1-attempt-2', '100.00'],
    ]);
    expect(stub.charges[0]?.scheduledAt).toBeGreaterThanOrEqual(resumedAt);
    expect(Date.parse(result.started_at) + 10 * DAY).toBeLessThanOrEqual(resumedAt);
    expect(stub.records().map((r) => [r.cycle.status, r.events.map((e) => e.reason)])).toEqual([
      ['in_retry', ['scheduled']],
      ['paused', ['paused', 'updated']],
      ['in_retry', ['resumed', 'updated']],
      ['collected', ['ended']],
    ]);
  });
});
