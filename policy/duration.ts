/**
 * ISO-8601 durations are parsed by hand rather than with Luxon's `Duration.fromISO`, which accepts
 * `P`, `PT` and negative parts: a retry interval of "P" must be a validation error, not zero.
 */

export interface ParsedDuration {
  /** Calendar parts are added to the local wall-clock date, so P1D keeps the local time across DST. */
  calendar: { years: number; months: number; weeks: number; days: number };
  /** Hours, minutes and seconds are elapsed time: PT24H is exactly 86,400 s even on a 23-hour day. */
  timeMs: number;
}

export type DurationResult = { ok: true; value: ParsedDuration } | { ok: false; message: string };

const ISO_DURATION =
  /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:[.,](\d{1,3}))?S)?)?$/;

export function parseIsoDuration(text: string): DurationResult {
  const m = ISO_DURATION.exec(text);
  const bad = {
    ok: false as const,
    message: `"${text}" is not an ISO-8601 duration (e.g. "PT1H", "PT30M", "P2D", "PT1S")`,
  };
  if (!m) return bad;
  const hasDatePart = m[1] !== undefined || m[2] !== undefined || m[3] !== undefined || m[4] !== undefined;
  const hasTimePart = m[5] !== undefined || m[6] !== undefined || m[7] !== undefined;
  // "P" and "PT" match the pattern but are not durations; "P1DT" has a dangling T.
  if (!hasDatePart && !hasTimePart) return bad;
  if (text.includes('T') && !hasTimePart) return bad;
  const n = (s: string | undefined) => (s === undefined ? 0 : Number(s));
  const fraction = m[8] === undefined ? 0 : Number(m[8].padEnd(3, '0'));
  return {
    ok: true,
    value: {
      calendar: { years: n(m[1]), months: n(m[2]), weeks: n(m[3]), days: n(m[4]) },
      timeMs: ((n(m[5]) * 60 + n(m[6])) * 60 + n(m[7])) * 1000 + fraction,
    },
  };
}

export function isZeroDuration(d: ParsedDuration): boolean {
  const c = d.calendar;
  return c.years === 0 && c.months === 0 && c.weeks === 0 && c.days === 0 && d.timeMs === 0;
}

/**
 * A processor step must tile the local day exactly, so every day has the same boundaries
 * (PT7H would otherwise run at 00, 07, 14, 21 and then 00 again after only three hours).
 */
export function processorStepMs(text: string): { ok: true; ms: number } | { ok: false; message: string } {
  const parsed = parseIsoDuration(text);
  if (!parsed.ok) return parsed;
  const { calendar: c, timeMs } = parsed.value;
  if (c.years !== 0 || c.months !== 0 || c.weeks !== 0 || c.days > 1) {
    return { ok: false, message: 'processor_interval must be at most one day (P1D)' };
  }
  const ms = c.days * 86_400_000 + timeMs;
  if (ms === 0) return { ok: true, ms };
  if (ms % 1000 !== 0) return { ok: false, message: 'processor_interval must be a whole number of seconds' };
  if (ms > 86_400_000 || 86_400_000 % ms !== 0) {
    return {
      ok: false,
      message:
        'processor_interval must divide 24 hours evenly (e.g. PT15M, PT1H, PT6H, P1D), or be PT0S for exact times',
    };
  }
  return { ok: true, ms };
}
