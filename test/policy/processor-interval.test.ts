import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alignToProcessor,
  type DecisionInput,
  decide,
  nextAttemptTime,
  nextProcessorBoundary,
  processorIntervalOf,
  type RetryAction,
  type RetryConfig,
  validateConfig,
} from '../../policy';
import { issueExample, parse, ZONES } from './fixtures';
import { settingsOnlyDecide } from './settings-only-decide';

// A customer group's own processor_interval: one resolver (`processorIntervalOf`) that every
// alignment of a cycle's times goes through, and `decide` with it. Without overrides everything must
// decide exactly as before (the frozen `settingsOnlyDecide`), because running cycles replay their
// pinned configurations, which never carry the field.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (t: number) => new Date(t).toISOString();

const INTERVALS = ['PT0S', 'PT1S', 'PT15M', 'PT1H', 'PT6H', 'P1D'] as const;
const NONZERO = INTERVALS.filter((i) => i !== 'PT0S');
const CUSTOM_IDS = [2, 3, 4];

const interval = fc.constantFrom(...INTERVALS);
const retryRule = fc.oneof(
  fc
    .constantFrom('PT1S', 'PT90M', 'PT24H', 'P1D', 'P3D')
    .map((i) => ({ action: 'Retry', criteria: 'incremental_time', interval: i })),
  fc
    .record({
      time: fc.constantFrom('00:00', '02:30', '09:00', '23:59'),
      day: fc.option(fc.integer({ min: 1, max: 7 }), { nil: undefined }),
      min_delay: fc.option(fc.constantFrom('PT0S', 'PT12H', 'P1D'), { nil: undefined }),
    })
    .map(({ time, day, min_delay }) => ({
      action: 'Retry',
      criteria: 'specific_time',
      time,
      ...(day === undefined ? {} : { day_of_week: day }),
      ...(min_delay === undefined ? {} : { min_delay }),
    })),
);
const entry = fc.record({
  '*': fc.oneof(
    { weight: 4, arbitrary: retryRule },
    { weight: 1, arbitrary: fc.constant({ action: 'Stop' }) },
  ),
  'Soft Decline': retryRule,
});
const attempts = fc.array(entry, { minLength: 1, maxLength: 3 });

interface Shape {
  zone: string;
  settingsInterval: string;
  maxCycleDays: number;
  /** Per group id (1 = the catch-all): its attempts and its override, if any. */
  groups: { id: number; attempts: unknown[]; override: string | undefined }[];
}

const shape = (overrides: fc.Arbitrary<string | undefined>, settings = interval): fc.Arbitrary<Shape> =>
  fc.record({
    zone: fc.constantFrom(...ZONES),
    settingsInterval: settings,
    maxCycleDays: fc.integer({ min: 1, max: 90 }),
    groups: fc.tuple(
      ...[1, ...CUSTOM_IDS].map((id) => fc.record({ id: fc.constant(id), attempts, override: overrides })),
    ),
  });

function build(s: Shape): RetryConfig {
  const doc = issueExample();
  return parse({
    ...doc,
    settings: {
      ...(doc.settings as object),
      time_zone: s.zone,
      processor_interval: s.settingsInterval,
      max_cycle_days: s.maxCycleDays,
    },
    customer_groups: s.groups.map((g) => ({
      id: g.id,
      name: g.id === 1 ? 'All Remaining Customers' : `Group ${g.id}`,
      ...(g.id === 1 ? {} : { priority: g.id, filters: [{ field: 'g', operator: 'eq', value: g.id }] }),
      attempts: g.attempts,
      ...(g.override === undefined ? {} : { processor_interval: g.override }),
    })),
  });
}

const noOverrides = shape(fc.constant(undefined));
const someOverrides = shape(fc.option(interval, { nil: undefined }));

const START = Date.parse('2026-01-01T00:00:00Z');
const decisionInput = fc
  .record({
    group_id: fc.constantFrom(1, ...CUSTOM_IDS, 99),
    attempt_number: fc.integer({ min: 1, max: 4 }),
    code: fc.constantFrom('insufficient_funds', 'velocity', 'lost_card', 'processing_error'),
    failedAt: fc.integer({ min: START, max: START + 365 * DAY }),
    startedBefore: fc.integer({ min: 0, max: 20 * DAY }),
    // Up to 25 earlier attempts in the last 30 days, so the 20-in-30-days limit pushes some decisions.
    earlier: fc.array(fc.integer({ min: 1, max: 30 * DAY }), { maxLength: 25 }),
  })
  .map(
    ({ group_id, attempt_number, code, failedAt, startedBefore, earlier }): DecisionInput => ({
      group_id,
      attempt_number,
      gateway_id: 'sim',
      code,
      failed_at: iso(failedAt),
      cycle_started_at: iso(failedAt - startedBefore),
      method_attempts: earlier.map((d) => iso(failedAt - d)),
    }),
  );

/** The decision, or the error it threw, so a throw on one side and not the other fails. */
const outcome = (f: () => unknown) => {
  try {
    return { value: f() };
  } catch (e) {
    return { error: String(e) };
  }
};

/** The group a cycle of `groupId` is decided by: itself, or the catch-all when the id is unknown. */
const resolvedId = (config: RetryConfig, groupId: number) =>
  config.customer_groups.some((g) => g.id === groupId) ? groupId : 1;

describe('processorIntervalOf', () => {
  it('is settings.processor_interval for every id (known or not) when no group overrides it', () => {
    fc.assert(
      fc.property(noOverrides, fc.integer({ min: -5, max: 200 }), (s, id) => {
        const config = build(s);
        expect(processorIntervalOf(config, id)).toBe(s.settingsInterval);
        expect(processorIntervalOf(config, undefined)).toBe(s.settingsInterval);
      }),
    );
  });

  it("is the group's override when it has one, else the settings'; an unknown id resolves as the catch-all", () => {
    fc.assert(
      fc.property(someOverrides, fc.constantFrom(1, ...CUSTOM_IDS, 0, 99), (s, id) => {
        const config = build(s);
        const own = s.groups.find((g) => g.id === id) ?? s.groups.find((g) => g.id === 1);
        expect(processorIntervalOf(config, id)).toBe(own?.override ?? s.settingsInterval);
        // No group: a question about the configuration, answered by its settings.
        expect(processorIntervalOf(config, undefined)).toBe(s.settingsInterval);
      }),
    );
  });

  it('validates a group override exactly as settings.processor_interval (same acceptance, same message)', () => {
    const candidates = fc.oneof(
      interval,
      fc.constantFrom(
        'PT7H',
        'P2D',
        'PT0.5S',
        'PT1.5S',
        'P1W',
        'P1M',
        'P',
        'PT',
        'PT-1H',
        '1h',
        '',
        'PT25H',
        'PT86400S',
      ),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(candidates, (text) => {
        const doc = issueExample();
        const inSettings = validateConfig({
          ...doc,
          settings: { ...(doc.settings as object), processor_interval: text },
        });
        const groups = (doc.customer_groups as Record<string, unknown>[]).map((g, i) =>
          i === 0 ? { ...g, processor_interval: text } : g,
        );
        const inGroup = validateConfig({ ...doc, customer_groups: groups });
        expect(inGroup.ok).toBe(inSettings.ok);
        if (!inSettings.ok && !inGroup.ok) {
          const messages = (errors: { path: string; message: string }[], path: string) =>
            errors.filter((e) => e.path === path).map((e) => e.message);
          expect(messages(inGroup.errors, 'customer_groups[0].processor_interval')).toEqual(
            messages(inSettings.errors, 'settings.processor_interval'),
          );
          expect(messages(inGroup.errors, 'customer_groups[0].processor_interval')).not.toEqual([]);
        }
        if (inGroup.ok) expect(inGroup.config.customer_groups[0]?.processor_interval).toBe(text);
      }),
    );
  });

  it('a group without the field stays without it after validation (no default is written in)', () => {
    const config = parse(issueExample());
    for (const g of config.customer_groups) expect(Object.hasOwn(g, 'processor_interval')).toBe(false);
  });
});

describe('decide with a group processor_interval', () => {
  it('without overrides decides exactly as the settings-only decide, for any configuration and time', () => {
    fc.assert(
      fc.property(noOverrides, decisionInput, (s, input) => {
        const config = build(s);
        expect(outcome(() => decide(config, input))).toEqual(
          outcome(() => settingsOnlyDecide(config, input)),
        );
      }),
    );
  });

  it("a group's override decides as the settings-only decide with that interval in settings", () => {
    fc.assert(
      fc.property(someOverrides, decisionInput, (s, input) => {
        const config = build(s);
        const own = s.groups.find((g) => g.id === resolvedId(config, input.group_id));
        const effective = own?.override ?? s.settingsInterval;
        const asSettings = { ...config, settings: { ...config.settings, processor_interval: effective } };
        expect(outcome(() => decide(config, input))).toEqual(
          outcome(() => settingsOnlyDecide(asSettings, input)),
        );
      }),
    );
  });

  it("an override changes only its own group's decisions", () => {
    fc.assert(
      fc.property(
        noOverrides,
        decisionInput,
        fc.constantFrom(1, ...CUSTOM_IDS),
        interval,
        (s, input, overridden, value) => {
          const before = build(s);
          fc.pre(resolvedId(before, input.group_id) !== overridden);
          const after = build({
            ...s,
            groups: s.groups.map((g) => (g.id === overridden ? { ...g, override: value } : g)),
          });
          expect(outcome(() => decide(after, input))).toEqual(
            outcome(() => settingsOnlyDecide(before, input)),
          );
        },
      ),
    );
  });

  it('a PT0S group gets exact times while another group in the same configuration aligns to the settings', () => {
    const sameRules = fc
      .record({ s: shape(fc.constant(undefined), fc.constantFrom(...NONZERO)), rules: attempts })
      .map(({ s, rules }) => ({
        ...s,
        groups: s.groups.map((g) => ({ ...g, attempts: rules, override: g.id === 2 ? 'PT0S' : undefined })),
      }));
    const fresh = decisionInput.map((i) => ({ ...i, method_attempts: [], cycle_started_at: i.failed_at }));
    fc.assert(
      fc.property(sameRules, fresh, (s, input) => {
        const config = { ...build(s), settings: { ...build(s).settings, max_cycle_days: 90 } };
        const exact = decide(config, { ...input, group_id: 2 });
        const aligned = decide(config, { ...input, group_id: 3 });
        expect(exact.action).toBe(aligned.action);
        if (exact.action !== 'Retry' || aligned.action !== 'Retry') return;
        expect(exact.rule_time).toBe(aligned.rule_time);
        expect(exact.next_attempt).toBe(exact.rule_time);
        expect(exact.adjustments).not.toContain('processor_interval');
        expect(aligned.next_attempt).toBe(
          alignToProcessor(aligned.rule_time, s.settingsInterval, config.settings.time_zone),
        );
        expect(aligned).toEqual(settingsOnlyDecide(config, { ...input, group_id: 3 }));
      }),
    );
  });

  it('an example: settings PT1H, the demo-like group PT0S, 10:15:07 + PT5S', () => {
    const s: Shape = {
      zone: 'UTC',
      settingsInterval: 'PT1H',
      maxCycleDays: 90,
      groups: [1, ...CUSTOM_IDS].map((id) => ({
        id,
        attempts: [{ '*': { action: 'Retry', criteria: 'incremental_time', interval: 'PT5S' } }],
        override: id === 2 ? 'PT0S' : undefined,
      })),
    };
    const config = build(s);
    const at = { group_id: 2, attempt_number: 1, gateway_id: 'sim', code: 'insufficient_funds' };
    const times = { failed_at: '2026-05-05T10:15:07Z', cycle_started_at: '2026-05-05T10:15:07Z' };
    expect(decide(config, { ...at, ...times })).toMatchObject({
      action: 'Retry',
      next_attempt: '2026-05-05T10:15:12.000Z',
      adjustments: [],
    });
    expect(decide(config, { ...at, ...times, group_id: 3 })).toMatchObject({
      action: 'Retry',
      next_attempt: '2026-05-05T11:00:00.000Z',
      adjustments: ['processor_interval'],
    });
  });
});

describe('schedule helpers with a group', () => {
  it("nextProcessorBoundary and nextAttemptTime align to the group's interval, and to the settings' without one", () => {
    const rule: RetryAction = { action: 'Retry', criteria: 'incremental_time', interval: 'PT90M' };
    fc.assert(
      fc.property(
        someOverrides,
        fc.constantFrom(1, ...CUSTOM_IDS, 99),
        fc.integer({ min: START, max: START + 365 * DAY }),
        (s, id, t) => {
          const config = build(s);
          const zone = config.settings.time_zone;
          const mine = processorIntervalOf(config, id);
          expect(nextProcessorBoundary(config, iso(t), id)).toBe(alignToProcessor(iso(t), mine, zone));
          expect(nextProcessorBoundary(config, iso(t))).toBe(
            alignToProcessor(iso(t), s.settingsInterval, zone),
          );
          expect(nextAttemptTime(config, rule, iso(t), id)).toBe(
            alignToProcessor(iso(t + 90 * 60_000), mine, zone),
          );
        },
      ),
    );
  });
});
