import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCharge, type GateInput, METHOD_ATTEMPT_LIMIT, NEVER_RETRY_NAMES } from '../../policy';

const DAY = 86_400_000;
const WINDOW = 30 * DAY;
const T0 = Date.parse('2026-05-05T10:00:00Z');
const iso = (t: number) => new Date(t).toISOString();

const gate = (over: Partial<GateInput> = {}): GateInput => ({
  at: iso(T0),
  cycle_started_at: iso(T0 - DAY),
  max_cycle_days: 90,
  method_attempts: [],
  method_codes: ['insufficient_funds'],
  ...over,
});

/** The most attempts in any window of 30 days (half-open: attempts less than 30 days apart share one). */
function densestWindow(times: number[]): number {
  const sorted = [...new Set(times)].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while ((sorted[j] as number) - (sorted[i] as number) >= WINDOW) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

const offsets = fc.array(fc.integer({ min: 0, max: 60 * DAY }), { maxLength: 60 });

describe('checkCharge: the one gate in front of every charge', () => {
  it('refuses any charge after a never-retry code on the payment method, whatever else holds', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NEVER_RETRY_NAMES, '41', '43', '54'), offsets, (code, past) => {
        const verdict = checkCharge(
          gate({ method_codes: ['insufficient_funds', code], method_attempts: past.map((o) => iso(T0 - o)) }),
        );
        expect(verdict).toMatchObject({ allowed: false, rule: 'never_retry' });
      }),
    );
  });

  it('allows exactly when fewer than 20 distinct attempts fall in the 30 days before the charge', () => {
    fc.assert(
      fc.property(offsets, (past) => {
        const times = past.map((o) => T0 - o);
        const recent = new Set(times.filter((t) => T0 - t < WINDOW)).size;
        const verdict = checkCharge(gate({ method_attempts: times.map(iso) }));
        expect(verdict.allowed).toBe(recent < METHOD_ATTEMPT_LIMIT);
        if (!verdict.allowed) {
          expect(verdict.rule).toBe('method_attempt_limit');
          // The earliest time it names is allowed, and is later than now.
          const earliest = Date.parse(verdict.earliest_at ?? '');
          expect(earliest).toBeGreaterThan(T0);
          expect(checkCharge(gate({ at: iso(earliest), method_attempts: times.map(iso) })).allowed).toBe(
            true,
          );
        }
      }),
    );
  });

  it('charges let through one by one never put more than 20 in any 30 days', () => {
    // Requests at arbitrary times (executes, manual retries, scheduled attempts, other cycles): each is
    // charged only if the gate allows it given every earlier charge.
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 120 * DAY }), { minLength: 1, maxLength: 120 }),
        (raw) => {
          const charged: number[] = [];
          for (const t of [...raw].sort((a, b) => a - b).map((o) => T0 + o)) {
            const verdict = checkCharge(
              gate({
                at: iso(t),
                cycle_started_at: iso(T0),
                max_cycle_days: 365,
                method_attempts: charged.map(iso),
              }),
            );
            if (verdict.allowed) charged.push(t);
          }
          expect(densestWindow(charged)).toBeLessThanOrEqual(METHOD_ATTEMPT_LIMIT);
        },
      ),
    );
  });

  it('refuses a charge past max_cycle_days and allows one exactly at the limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1, max: 10 * DAY }), (days, late) => {
        const start = T0 - days * DAY;
        expect(checkCharge(gate({ cycle_started_at: iso(start), max_cycle_days: days })).allowed).toBe(true);
        expect(
          checkCharge(gate({ at: iso(T0 + late), cycle_started_at: iso(start), max_cycle_days: days })),
        ).toMatchObject({ allowed: false, rule: 'max_cycle_days' });
      }),
    );
  });

  it('a soft decline history does not refuse, and an approval is the caller’s reset (codes since it only)', () => {
    expect(checkCharge(gate({ method_codes: ['insufficient_funds', 'do_not_honor'] }))).toEqual({
      allowed: true,
    });
    expect(checkCharge(gate({ method_codes: [] }))).toEqual({ allowed: true });
  });
});
