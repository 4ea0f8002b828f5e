import { DateTime, IANAZone } from 'luxon';
import type { ParsedDuration } from './duration';
import { PolicyInputError } from './errors';

/**
 * Instants are epoch milliseconds; "naive" values are the local wall-clock reading of an instant
 * encoded as if it were UTC (instant + offset). Working on naive values lets day and time-of-day
 * arithmetic ignore offsets, and `localToInstant` applies the DST rules in exactly one place.
 */

const EXPLICIT_OFFSET = /T.*(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/** Timestamps without an offset are refused: reading them in the host's zone would make results machine-dependent. */
export function parseInstant(value: unknown, field: string): number {
  if (typeof value !== 'string' || !EXPLICIT_OFFSET.test(value)) {
    throw new PolicyInputError(
      field,
      `expected an ISO-8601 timestamp with an offset or Z, got ${JSON.stringify(value)}`,
    );
  }
  const dt = DateTime.fromISO(value, { zone: 'utc' });
  if (!dt.isValid)
    throw new PolicyInputError(field, `${JSON.stringify(value)} is not a valid ISO-8601 timestamp`);
  return dt.toMillis();
}

/** Names only: Intl would also accept "+05:00", which has no DST rules and is not what users mean by a zone. */
export function isIanaZone(name: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(name) && IANAZone.isValidZone(name);
}

function zoneOf(name: string): IANAZone {
  const zone = IANAZone.create(name);
  if (!zone.isValid)
    throw new PolicyInputError('time_zone', `${JSON.stringify(name)} is not an IANA time zone`);
  return zone;
}

export function offsetMs(zoneName: string, instant: number): number {
  return Math.round(zoneOf(zoneName).offset(instant) * 60_000);
}

export function toNaive(instant: number, zoneName: string): number {
  return instant + offsetMs(zoneName, instant);
}

/**
 * Wall-clock time to instant. A time skipped by a DST gap is read with the offset in force before
 * the gap, which moves it forward by the gap's length (02:30 → 03:30 in New York), as RFC 5545 and
 * Temporal's "compatible" mode do. A repeated time takes its first occurrence (Luxon alone picks
 * the second, hence this function).
 */
export function localToInstant(naive: number, zoneName: string): number {
  const before = offsetMs(zoneName, naive - 86_400_000);
  const after = offsetMs(zoneName, naive + 86_400_000);
  const occurrences = [naive - before, naive - after].filter((t) => offsetMs(zoneName, t) === naive - t);
  if (occurrences.length > 0) return Math.min(...occurrences);
  return naive - before;
}

/** Calendar parts move the wall clock; time parts then add elapsed time (Luxon's order too). */
export function addDuration(instant: number, d: ParsedDuration, zoneName: string): number {
  const c = d.calendar;
  let t = instant;
  if (c.years || c.months || c.weeks || c.days) {
    const naive = DateTime.fromMillis(toNaive(instant, zoneName), { zone: 'utc' }).plus(c).toMillis();
    t = localToInstant(naive, zoneName);
  }
  return t + d.timeMs;
}

export function formatUtc(instant: number): string {
  const iso = DateTime.fromMillis(instant, { zone: 'utc' }).toISO();
  if (iso === null) throw new RangeError(`instant ${instant} cannot be formatted`);
  return iso;
}

export function formatLocal(instant: number, zoneName: string): string {
  const iso = DateTime.fromMillis(instant, { zone: zoneOf(zoneName) }).toISO();
  if (iso === null) throw new RangeError(`instant ${instant} cannot be formatted`);
  return iso;
}
