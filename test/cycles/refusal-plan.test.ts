import { describe, expect, it } from 'vitest';
import { planRefusal } from '../../workflows/charge-gate';
import { testConfig } from '../support/test-config';

// What RetryCycle does when the charge gate refuses the attempt due now (pure, so no workflow needed).

const DAY = 86_400_000;
const now = '2026-05-05T10:00:00.000Z';
const ctx = { config: testConfig(), groupId: 1, execute: null, now, deadline: Date.parse(now) + 60 * DAY };
const limit = {
  allowed: false as const,
  rule: 'method_attempt_limit' as const,
  detail: '20 attempts',
  earliest_at: '2026-05-20T10:00:00.000Z',
};

describe('planRefusal', () => {
  it('ends the cycle on a never-retry code or past max_cycle_days', () => {
    expect(planRefusal({ allowed: false, rule: 'never_retry', detail: 'lost' }, ctx)).toEqual({
      kind: 'end',
      status: 'stopped_by_rule',
      reason: 'never_retry: lost',
    });
    expect(planRefusal({ allowed: false, rule: 'max_cycle_days', detail: 'over' }, ctx)).toMatchObject({
      kind: 'end',
      status: 'expired',
    });
  });

  it("sends an execute's attempt back where the policy put it, while that is still ahead", () => {
    const back = '2026-06-04T10:00:00.000Z';
    expect(planRefusal(limit, { ...ctx, execute: { policy_next: back } })).toEqual({
      kind: 'reschedule',
      next_attempt: back,
      event: {
        reason: 'execute_refused',
        detail: { rule: 'method_attempt_limit', detail: '20 attempts', next_attempt: back },
      },
    });
    // A policy time already past would only be refused again: the attempt is deferred instead.
    expect(
      planRefusal(limit, { ...ctx, execute: { policy_next: '2026-05-05T09:00:00.000Z' } }),
    ).toMatchObject({
      next_attempt: limit.earliest_at,
      event: { reason: 'deferred_by_rule' },
    });
  });

  it('defers a scheduled attempt to when the limit allows it, or ends the cycle if that is past its limit', () => {
    expect(planRefusal(limit, ctx)).toMatchObject({ kind: 'reschedule', next_attempt: limit.earliest_at });
    expect(planRefusal(limit, { ...ctx, deadline: Date.parse(now) + DAY })).toMatchObject({
      kind: 'end',
      status: 'expired',
    });
  });

  it("aligns a deferral to the cycle's group: its own processor_interval, else the settings'", () => {
    const base = testConfig();
    const config = {
      ...base,
      settings: { ...base.settings, processor_interval: 'PT1H' },
      customer_groups: base.customer_groups.map((g) =>
        g.id === 3 ? { ...g, processor_interval: 'PT0S' } : g,
      ),
    };
    const offBoundary = { ...limit, earliest_at: '2026-05-20T10:30:00.000Z' };
    expect(planRefusal(offBoundary, { ...ctx, config, groupId: 3 })).toMatchObject({
      next_attempt: '2026-05-20T10:30:00.000Z',
    });
    expect(planRefusal(offBoundary, { ...ctx, config, groupId: 2 })).toMatchObject({
      next_attempt: '2026-05-20T11:00:00.000Z',
    });
  });
});
