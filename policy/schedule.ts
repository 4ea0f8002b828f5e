import { DateTime } from 'luxon';
import type { RetryAction, RetryConfig } from './config-schema';
import { parseIsoDuration, processorStepMs } from './duration';
import { PolicyInputError } from './errors';
import { processorIntervalOf } from './processor-interval';
import { addDuration, formatUtc, localToInstant, offsetMs, parseInstant, toNaive } from './time';

function durationOrThrow(text: string, field: string) {
  const parsed = parseIsoDuration(text);
  if (!parsed.ok) throw new PolicyInputError(field, parsed.message);
  return parsed.value;
}

function stepOrThrow(interval: string): number {
  const step = processorStepMs(interval);
  if (!step.ok) throw new PolicyInputError('processor_interval', step.message);
  return step.ms;
}

const ceilTo = (x: number, step: number) => Math.ceil(x / step) * step;

/** First instant in (from, to] whose offset differs from `offset`; `to` must already differ. */
function findTransition(zone: string, from: number, to: number, offset: number): number {
  let lo = from;
  let hi = to;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(zone, mid) === offset) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * Boundaries are the instants whose local wall-clock time is a multiple of the step after local
 * midnight. Inside a stretch of constant offset o that is simply t ≡ -o (mod step), because wall
 * days are exactly 24 h long in naive time. Across a transition: after a fall-back both
 * occurrences of a repeated boundary count (a wall-clock processor fires at both 01:00s); a
 * boundary skipped by a spring-forward gap moves forward by the gap, like any nonexistent time.
 */
function alignUpMs(instant: number, stepMs: number, zone: string, depth = 0): number {
  if (stepMs === 0) return instant;
  const o = offsetMs(zone, instant);
  // The instant of a spring-forward transition is itself a boundary when the wall-clock times the
  // clock skipped held one (e.g. a 00:00 run in a zone that jumps from 00:00 to 01:00): that run
  // happens at the jump, so aligning the jump again must keep it, not move on to the next boundary.
  const before = offsetMs(zone, instant - 1);
  if (before < o && ceilTo(instant + before, stepMs) < instant + o) return instant;
  const candidate = ceilTo(instant + o, stepMs) - o;
  if (offsetMs(zone, candidate) === o || depth > 4) return candidate;
  const transition = findTransition(zone, instant, candidate, o);
  const o2 = offsetMs(zone, transition);
  let best = alignUpMs(transition, stepMs, zone, depth + 1);
  if (o2 > o) {
    const skipped = ceilTo(transition + o, stepMs);
    if (skipped < transition + o2) best = Math.min(best, skipped - o);
  }
  return best;
}

/** Epoch-ms variant for callers that already parsed their instants. */
export function alignInstant(instant: number, processorInterval: string, zone: string): number {
  return alignUpMs(instant, stepOrThrow(processorInterval), zone);
}

/**
 * The first processor boundary at or after `at` (a time exactly on a boundary stays); `at`
 * unchanged when the interval is PT0S. Returns ISO UTC with milliseconds.
 */
export function alignToProcessor(at: string, processorInterval: string, zone: string): string {
  return formatUtc(alignInstant(parseInstant(at, 'at'), processorInterval, zone));
}

/**
 * Where executeNow moves the next attempt: the next processor run of the cycle's group (its
 * `processor_interval`, else the settings'), or now when runs are continuous.
 */
export function nextProcessorBoundary(config: RetryConfig, now: string, groupId?: number): string {
  return alignToProcessor(now, processorIntervalOf(config, groupId), config.settings.time_zone);
}

function specificTimeMs(
  after: number,
  rule: Extract<RetryAction, { criteria: 'specific_time' }>,
  zone: string,
) {
  const threshold = rule.min_delay
    ? addDuration(after, durationOrThrow(rule.min_delay, 'min_delay'), zone)
    : after;
  const [hour, minute] = rule.time.split(':').map(Number);
  let day = DateTime.fromMillis(toNaive(threshold, zone), { zone: 'utc' }).startOf('day');
  // A day_of_month rule matches within two months, a day_of_week rule within eight days.
  for (let i = 0; i < 400; i++, day = day.plus({ days: 1 })) {
    if (rule.day_of_week !== undefined && day.weekday !== rule.day_of_week) continue;
    if (rule.day_of_month !== undefined && day.day !== Math.min(rule.day_of_month, day.daysInMonth ?? 31)) {
      continue;
    }
    const candidate = localToInstant(day.set({ hour, minute }).toMillis(), zone);
    if (candidate > threshold) return candidate;
  }
  throw new RangeError(`no ${rule.time} found after ${formatUtc(threshold)}`);
}

/** When the rule alone would retry, before processor alignment and guardrails. */
export function ruleTimeMs(failedAt: number, rule: RetryAction, zone: string): number {
  if (rule.criteria === 'incremental_time') {
    const next = addDuration(failedAt, durationOrThrow(rule.interval, 'interval'), zone);
    // Validation forbids zero intervals; this keeps the "strictly after" promise for unvalidated input.
    return next > failedAt ? next : failedAt + 1;
  }
  return specificTimeMs(failedAt, rule, zone);
}

/**
 * The rule's time aligned to the processor (of `groupId` when given, see `processorIntervalOf`),
 * without guardrails (use `decide` for those). Always strictly after `failedAt`.
 */
export function nextAttemptTime(
  config: RetryConfig,
  rule: RetryAction,
  failedAt: string,
  groupId?: number,
): string {
  const { time_zone } = config.settings;
  const raw = ruleTimeMs(parseInstant(failedAt, 'failed_at'), rule, time_zone);
  return formatUtc(alignInstant(raw, processorIntervalOf(config, groupId), time_zone));
}
