import fc from 'fast-check';
import { IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  alignToProcessor,
  decide,
  nextAttemptTime,
  nextProcessorBoundary,
  type RetryAction,
} from '../../policy';
import { configWith, ZONES } from './fixtures';

const NY = 'America/New_York';
const offsetMs = (zone: string, t: number) => Math.round(IANAZone.create(zone).offset(t) * 60_000);
const wallMod = (zone: string, t: number, step: number) => (((t + offsetMs(zone, t)) % step) + step) % step;

const nyConfig = (processor_interval = 'PT0S') => configWith([], { time_zone: NY, processor_interval });
const retry = (rule: Partial<RetryAction> & Pick<RetryAction, 'criteria'>) =>
  ({ action: 'Retry', ...rule }) as RetryAction;

describe('DST in America/New_York', () => {
  // 2026-03-08 02:00 EST → 03:00 EDT; 2026-11-01 02:00 EDT → 01:00 EST.
  it('spring forward: 09:00 the next day is 23 elapsed hours later', () => {
    const next = nextAttemptTime(
      nyConfig(),
      retry({ criteria: 'specific_time', time: '09:00' }),
      '2026-03-07T10:00:00-05:00',
    );
    expect(next).toBe('2026-03-08T13:00:00.000Z');
  });

  it('spring forward: a nonexistent 02:30 moves forward to 03:30 EDT', () => {
    const rule = retry({ criteria: 'specific_time', time: '02:30' });
    expect(nextAttemptTime(nyConfig(), rule, '2026-03-07T12:00:00-05:00')).toBe('2026-03-08T07:30:00.000Z');
    expect(nextAttemptTime(nyConfig('PT1H'), rule, '2026-03-07T12:00:00-05:00')).toBe(
      '2026-03-08T08:00:00.000Z',
    );
  });

  it('spring forward: P1D keeps the wall-clock time, PT24H keeps the elapsed time', () => {
    const at = '2026-03-07T09:00:00-05:00';
    expect(nextAttemptTime(nyConfig(), retry({ criteria: 'incremental_time', interval: 'P1D' }), at)).toBe(
      '2026-03-08T13:00:00.000Z', // 09:00 EDT
    );
    expect(nextAttemptTime(nyConfig(), retry({ criteria: 'incremental_time', interval: 'PT24H' }), at)).toBe(
      '2026-03-08T14:00:00.000Z', // 10:00 EDT
    );
  });

  it('spring forward: PT6H processor boundaries stay on the wall-clock grid', () => {
    const config = nyConfig('PT6H');
    expect(nextProcessorBoundary(config, '2026-03-08T01:30:00-05:00')).toBe('2026-03-08T10:00:00.000Z'); // 06:00 EDT
    expect(nextProcessorBoundary(config, '2026-03-08T00:00:00-05:00')).toBe('2026-03-08T05:00:00.000Z'); // stays
  });

  it('fall back: an ambiguous 01:30 takes its first occurrence (EDT)', () => {
    const rule = retry({ criteria: 'specific_time', time: '01:30' });
    expect(nextAttemptTime(nyConfig(), rule, '2026-10-31T12:00:00-04:00')).toBe('2026-11-01T05:30:00.000Z');
  });

  it('fall back: failing during the repeated hour, after the first 01:50, waits for the next day', () => {
    const rule = retry({ criteria: 'specific_time', time: '01:50' });
    expect(nextAttemptTime(nyConfig(), rule, '2026-11-01T01:45:00-05:00')).toBe('2026-11-02T06:50:00.000Z');
  });

  it('fall back: P1D is 25 elapsed hours', () => {
    const rule = retry({ criteria: 'incremental_time', interval: 'P1D' });
    expect(nextAttemptTime(nyConfig(), rule, '2026-10-31T09:00:00-04:00')).toBe('2026-11-01T14:00:00.000Z');
  });

  it('fall back: the hourly processor runs at both 01:00s', () => {
    const config = nyConfig('PT1H');
    expect(nextProcessorBoundary(config, '2026-11-01T01:30:00-04:00')).toBe('2026-11-01T06:00:00.000Z'); // 01:00 EST
    expect(nextProcessorBoundary(config, '2026-11-01T01:30:00-05:00')).toBe('2026-11-01T07:00:00.000Z'); // 02:00 EST
  });

  it('next_local carries the zone offset with milliseconds', () => {
    const config = configWith([{ '*': { action: 'Retry', criteria: 'specific_time', time: '09:00' } }], {
      time_zone: NY,
    });
    const decision = decide(config, {
      group_id: 1,
      attempt_number: 1,
      gateway_id: 'sim',
      code: 'insufficient_funds',
      failed_at: '2026-11-22T15:00:00Z',
      cycle_started_at: '2026-11-22T15:00:00Z',
    });
    expect(decision).toMatchObject({
      action: 'Retry',
      next_attempt: '2026-11-23T14:00:00.000Z',
      next_local: '2026-11-23T09:00:00.000-05:00',
    });
  });
});

describe('specific_time examples', () => {
  const config = configWith([], { time_zone: 'UTC', processor_interval: 'PT0S' });
  it('is strictly after the failure: failing exactly at 09:00 retries at 09:00 the next day', () => {
    const rule = retry({ criteria: 'specific_time', time: '09:00' });
    expect(nextAttemptTime(config, rule, '2026-05-05T09:00:00Z')).toBe('2026-05-06T09:00:00.000Z');
    expect(nextAttemptTime(config, rule, '2026-05-05T08:59:59.999Z')).toBe('2026-05-05T09:00:00.000Z');
  });

  it('day_of_week: Monday = 1', () => {
    // 2026-05-05 is a Tuesday.
    const rule = retry({ criteria: 'specific_time', time: '09:00', day_of_week: 1 });
    expect(nextAttemptTime(config, rule, '2026-05-05T12:00:00Z')).toBe('2026-05-11T09:00:00.000Z');
    const sunday = retry({ criteria: 'specific_time', time: '09:00', day_of_week: 7 });
    expect(nextAttemptTime(config, sunday, '2026-05-05T12:00:00Z')).toBe('2026-05-10T09:00:00.000Z');
  });

  it('day_of_month past the month end clamps to the last day', () => {
    const rule = retry({ criteria: 'specific_time', time: '09:00', day_of_month: 31 });
    expect(nextAttemptTime(config, rule, '2026-02-10T00:00:00Z')).toBe('2026-02-28T09:00:00.000Z');
    expect(nextAttemptTime(config, rule, '2028-02-10T00:00:00Z')).toBe('2028-02-29T09:00:00.000Z');
    expect(nextAttemptTime(config, rule, '2026-04-30T10:00:00Z')).toBe('2026-05-31T09:00:00.000Z');
  });

  it('min_delay: "09:00, but not the same day"', () => {
    const rule = retry({ criteria: 'specific_time', time: '09:00', min_delay: 'P1D' });
    expect(nextAttemptTime(config, rule, '2026-05-05T02:00:00Z')).toBe('2026-05-06T09:00:00.000Z');
  });
});

describe('incremental_time examples', () => {
  it('supports seconds and exact times with PT0S', () => {
    const config = configWith([], { processor_interval: 'PT0S' });
    const rule = retry({ criteria: 'incremental_time', interval: 'PT1S' });
    expect(nextAttemptTime(config, rule, '2026-05-05T02:00:00.250Z')).toBe('2026-05-05T02:00:01.250Z');
  });

  it('aligns up to the processor interval; a time on a boundary stays', () => {
    const config = configWith([], { time_zone: 'UTC', processor_interval: 'PT1H' });
    const rule = retry({ criteria: 'incremental_time', interval: 'PT1H' });
    expect(nextAttemptTime(config, rule, '2026-05-05T20:15:00Z')).toBe('2026-05-05T22:00:00.000Z');
    expect(nextAttemptTime(config, rule, '2026-05-05T20:00:00Z')).toBe('2026-05-05T21:00:00.000Z');
    expect(alignToProcessor('2026-05-05T21:00:00.000Z', 'PT1H', 'UTC')).toBe('2026-05-05T21:00:00.000Z');
    expect(alignToProcessor('2026-05-05T21:00:00.001Z', 'PT1H', 'UTC')).toBe('2026-05-05T22:00:00.000Z');
  });

  it('aligns on the local grid in half-hour zones', () => {
    expect(alignToProcessor('2026-05-05T10:10:00Z', 'PT1H', 'Asia/Kolkata')).toBe('2026-05-05T10:30:00.000Z');
  });
});

const PROCESSOR_STEPS: [string, number][] = [
  ['PT0S', 0],
  ['PT1S', 1000],
  ['PT1M', 60_000],
  ['PT15M', 900_000],
  ['PT30M', 1_800_000],
  ['PT1H', 3_600_000],
  ['PT2H', 7_200_000],
  ['PT6H', 21_600_000],
  ['PT12H', 43_200_000],
  ['P1D', 86_400_000],
];

const instant = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2060, 0, 1) });
const zone = fc.constantFrom(...ZONES);
const step = fc.constantFrom(...PROCESSOR_STEPS);

/**
 * Reference boundary test, independent of the implementation: the local wall time is on the grid,
 * or the instant is where a grid time skipped by a DST gap lands (shifted forward by the gap).
 */
function isBoundary(z: string, t: number, stepMs: number): boolean {
  if (stepMs === 0 || wallMod(z, t, stepMs) === 0) return true;
  const before = offsetMs(z, t - 4 * 3_600_000);
  return (
    before < offsetMs(z, t) &&
    (t + before) % stepMs === 0 &&
    offsetMs(z, t - (offsetMs(z, t) - before) - 1) === before
  );
}

describe('processor alignment at a spring-forward jump', () => {
  it('keeps the jump as the run of the skipped boundary when aligned again (found by the property below)', () => {
    // Havana jumps from 00:00 to 01:00 on 2041-03-10: the 00:00 run of a PT2H processor happens at
    // the jump (05:00 UTC); aligning that instant again must keep it (it answered 06:00 UTC).
    const first = alignToProcessor(new Date(2246497200001).toISOString(), 'PT2H', 'America/Havana');
    expect(first).toBe('2041-03-10T05:00:00.000Z');
    expect(alignToProcessor(first, 'PT2H', 'America/Havana')).toBe(first);
  });
});

describe('processor alignment properties', () => {
  it('is at or after the input, on a boundary, idempotent, and the first boundary', () => {
    fc.assert(
      fc.property(instant, zone, step, (t, z, [interval, stepMs]) => {
        const aligned = Date.parse(alignToProcessor(new Date(t).toISOString(), interval, z));
        expect(aligned).toBeGreaterThanOrEqual(t);
        expect(isBoundary(z, aligned, stepMs)).toBe(true);
        expect(Date.parse(alignToProcessor(new Date(aligned).toISOString(), interval, z))).toBe(aligned);
        if (stepMs === 0) {
          expect(aligned).toBe(t);
          return;
        }
        // No on-grid instant strictly between t and the result (checked minute by minute).
        if (stepMs >= 60_000) {
          for (let m = Math.ceil(t / 60_000) * 60_000; m < aligned; m += 60_000) {
            expect(wallMod(z, m, stepMs), new Date(m).toISOString()).not.toBe(0);
          }
        }
        expect(aligned - t).toBeLessThanOrEqual(stepMs + 3_600_000);
      }),
      { numRuns: 300 },
    );
  });

  it('hits every DST transition day without error (transition days are where bugs live)', () => {
    const days = fc
      .integer({ min: 0, max: 40 })
      .chain((year) =>
        fc.tuple(
          fc.constant(2000 + year),
          fc.constantFrom(2, 3, 3, 4, 9, 10, 10, 11),
          fc.integer({ min: 1, max: 28 }),
        ),
      );
    fc.assert(
      fc.property(
        days,
        fc.integer({ min: 0, max: 86_399_999 }),
        zone,
        step,
        ([y, mo, d], offset, z, [interval, stepMs]) => {
          const t = Date.UTC(y, mo - 1, d) + offset;
          const aligned = Date.parse(alignToProcessor(new Date(t).toISOString(), interval, z));
          expect(aligned).toBeGreaterThanOrEqual(t);
          expect(isBoundary(z, aligned, stepMs)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });
});

const incremental = fc
  .tuple(
    fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: 0, max: 30 }),
    fc.integer({ min: 0, max: 120 }),
    fc.integer({ min: 0, max: 3600 }),
  )
  .filter(([d, h, m, s]) => d + h + m + s > 0)
  .map(
    ([d, h, m, s]) =>
      `P${d ? `${d}D` : ''}${h || m || s ? `T${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s ? `${s}S` : ''}` : ''}`,
  );

const specificRule = fc
  .record(
    {
      time: fc
        .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
        .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`),
      day_of_week: fc.integer({ min: 1, max: 7 }),
      day_of_month: fc.integer({ min: 1, max: 31 }),
    },
    { requiredKeys: ['time'] },
  )
  .filter((r) => r.day_of_week === undefined || r.day_of_month === undefined);

describe('next attempt properties', () => {
  it('is strictly after the failure and aligned, for any rule, zone and interval', () => {
    const rule = fc.oneof(
      incremental.map((interval) => retry({ criteria: 'incremental_time', interval })),
      specificRule.map((r) => retry({ criteria: 'specific_time', ...r })),
    );
    fc.assert(
      fc.property(instant, zone, step, rule, (t, z, [interval, stepMs], r) => {
        const config = configWith([], { time_zone: z, processor_interval: interval });
        const next = Date.parse(nextAttemptTime(config, r, new Date(t).toISOString()));
        expect(next).toBeGreaterThan(t);
        expect(isBoundary(z, next, stepMs)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('incremental time-only intervals add exactly that much elapsed time when PT0S', () => {
    fc.assert(
      fc.property(instant, zone, fc.integer({ min: 1, max: 10 * 86_400 }), (t, z, seconds) => {
        const config = configWith([], { time_zone: z, processor_interval: 'PT0S' });
        const r = retry({ criteria: 'incremental_time', interval: `PT${seconds}S` });
        expect(Date.parse(nextAttemptTime(config, r, new Date(t).toISOString()))).toBe(t + seconds * 1000);
      }),
    );
  });

  it('specific_time lands on the requested local time and day, the first such after the failure', () => {
    fc.assert(
      fc.property(instant, zone, specificRule, (t, z, r) => {
        const config = configWith([], { time_zone: z, processor_interval: 'PT0S' });
        const next = Date.parse(
          nextAttemptTime(config, retry({ criteria: 'specific_time', ...r }), new Date(t).toISOString()),
        );
        expect(next).toBeGreaterThan(t);
        const local = new Date(next + offsetMs(z, next));
        const [hh, mm] = r.time.split(':').map(Number) as [number, number];
        const wallMinutes = local.getUTCHours() * 60 + local.getUTCMinutes();
        const gap = offsetMs(z, next) - offsetMs(z, next - 4 * 3_600_000);
        // Either exactly HH:MM, or HH:MM moved forward by a DST gap.
        expect([hh * 60 + mm, hh * 60 + mm + gap / 60_000]).toContain(wallMinutes);
        if (r.day_of_week !== undefined) expect(((local.getUTCDay() + 6) % 7) + 1).toBe(r.day_of_week);
        if (r.day_of_month !== undefined) {
          const lastDay = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 0)).getUTCDate();
          expect(local.getUTCDate()).toBe(Math.min(r.day_of_month, lastDay));
        }
        const horizon = r.day_of_month !== undefined ? 62 : r.day_of_week !== undefined ? 8 : 2;
        expect(next - t).toBeLessThanOrEqual(horizon * 86_400_000);
        // First such time: the same rule from one minute before the result gives the same result.
        const again = Date.parse(
          nextAttemptTime(
            config,
            retry({ criteria: 'specific_time', ...r }),
            new Date(Math.max(t, next - 60_000)).toISOString(),
          ),
        );
        expect(again).toBe(next);
      }),
      { numRuns: 300 },
    );
  });
});
