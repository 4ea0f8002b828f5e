import type { AttemptDraft, RuleDraft } from './draft';
import { describeDuration } from './durations';

// A rule in words, for the preview's schedule and the summary of each attempt's card.

/** "Retry after 2 days", "Retry at 09:00 on Monday", "Stop". */
export function ruleText(rule: RuleDraft | undefined): string {
  if (!rule) return 'no rule';
  if (rule.action === 'Stop') return 'Stop';
  if (rule.criteria === 'incremental_time')
    return `Retry after ${describeDuration(rule.interval) ?? rule.interval}`;
  const days = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
  const on =
    rule.day_of_week !== undefined
      ? ` on ${days[rule.day_of_week - 1]}`
      : rule.day_of_month !== undefined
        ? ` on day ${rule.day_of_month}`
        : '';
  return `Retry at ${rule.time}${on}`;
}

/** "Soft Decline: retry after 1 day · System Error: retry after 1 hour · Hard Decline: stop". */
export function attemptSummary(entry: AttemptDraft, keys: readonly string[]): string {
  const parts = keys.flatMap((key) => {
    const rule = entry[key];
    if (!rule) return [];
    const text = ruleText(rule);
    return [`${key === '*' ? 'any other label' : key}: ${text.charAt(0).toLowerCase()}${text.slice(1)}`];
  });
  return parts.length === 0 ? 'no rule: the cycle stops' : parts.join(' · ');
}
