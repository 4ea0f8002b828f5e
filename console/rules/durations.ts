// The waits of the rules are ISO-8601 durations ("P2D", "PT4H"); the form shows the common ones as an
// amount and a unit, and says any duration in words. Days and weeks are calendar time (P1D keeps the
// local time across a DST change), hours and minutes elapsed time, as policy/duration.ts reads them.

export type DurationUnit = 'minutes' | 'hours' | 'days' | 'weeks';
export const UNITS: DurationUnit[] = ['minutes', 'hours', 'days', 'weeks'];

const PATTERNS: [DurationUnit, RegExp][] = [
  ['minutes', /^PT(\d+)M$/],
  ['hours', /^PT(\d+)H$/],
  ['days', /^P(\d+)D$/],
  ['weeks', /^P(\d+)W$/],
];

/** An amount and a unit when the duration is a single one of the form's units, else null. */
export function splitDuration(iso: string): { amount: string; unit: DurationUnit } | null {
  for (const [unit, pattern] of PATTERNS) {
    const m = pattern.exec(iso);
    if (m?.[1] !== undefined) return { amount: m[1], unit };
  }
  return null;
}

/** The duration for an amount typed in a unit; a bad amount gives a bad duration, which validation names. */
export function joinDuration(amount: string, unit: DurationUnit): string {
  const a = amount.trim();
  if (unit === 'minutes') return `PT${a}M`;
  if (unit === 'hours') return `PT${a}H`;
  if (unit === 'days') return `P${a}D`;
  return `P${a}W`;
}

const ISO =
  /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;
const NAMES = ['year', 'month', 'week', 'day', 'hour', 'minute', 'second'];

/** "1 day 12 hours"; null when the text is not a duration. */
export function describeDuration(iso: string): string | null {
  const m = ISO.exec(iso);
  if (!m || iso === 'P' || iso.endsWith('T')) return null;
  const parts = NAMES.flatMap((name, i) => {
    const v = m[i + 1];
    if (v === undefined || Number(v.replace(',', '.')) === 0) return [];
    return [`${v} ${name}${v === '1' ? '' : 's'}`];
  });
  return parts.length === 0 ? 'no wait' : parts.join(' ');
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/**
 * A local ISO time with offset as the preview answers it (2026-11-23T09:00:00.000-05:00), read as
 * written (the wall clock of the configured zone), not converted to the browser's zone.
 */
export function localText(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.exec(iso);
  if (!m) return iso;
  const [, y, mo, d, h, mi, offset] = m;
  const weekday = WEEKDAYS[new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d))).getUTCDay()];
  const zone = offset === 'Z' || offset === '+00:00' ? 'UTC' : `UTC${offset?.replace('-', '−')}`;
  return `${weekday} ${y}-${mo}-${d} ${h}:${mi} (${zone})`;
}

/** "+1 d 2 h": how long after `from` the instant `to` is. */
export function elapsedText(from: string, to: string): string {
  let minutes = Math.round((Date.parse(to) - Date.parse(from)) / 60_000);
  if (!Number.isFinite(minutes)) return '';
  const sign = minutes < 0 ? '−' : '+';
  minutes = Math.abs(minutes);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  const parts = [d ? `${d} d` : '', h ? `${h} h` : '', m ? `${m} min` : ''].filter(Boolean);
  return `${sign}${parts.length ? parts.join(' ') : '0 min'}`;
}
