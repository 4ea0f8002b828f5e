// Which rule of the cycle's pinned configuration decided after an attempt, in words: the group's
// attempts[n - 1] entry for the attempt's label, else its "*" entry. Pure, so the cycle page and its
// tests read it the same way.

interface RuleAction {
  action: 'Retry' | 'Stop';
  criteria?: string;
  interval?: string;
  time?: string;
  day_of_week?: number;
  day_of_month?: number;
  min_delay?: string;
}

interface ConfigLike {
  customer_groups: { id: number; name: string; attempts: Record<string, RuleAction>[] }[];
}

export interface DecidingRule {
  /** Where in the configuration it sits, as the rules editor names it. */
  where: string;
  /** What it says, e.g. "retry 1 hour after the failure (PT1H)". */
  says: string;
}

const DAYS = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

function describe(rule: RuleAction): string {
  if (rule.action === 'Stop') return 'stop retrying';
  if (rule.criteria === 'incremental_time') return `retry ${rule.interval} after the failure`;
  const day =
    rule.day_of_week !== undefined
      ? ` on ${DAYS[rule.day_of_week]}`
      : rule.day_of_month !== undefined
        ? ` on day ${rule.day_of_month} of the month`
        : '';
  const delay = rule.min_delay ? `, at least ${rule.min_delay} after the failure` : '';
  return `retry at ${rule.time}${day}${delay}`;
}

export function decidingRule(
  config: ConfigLike,
  groupId: number,
  attemptNumber: number,
  label: string,
): DecidingRule | null {
  const group = config.customer_groups.find((g) => g.id === groupId);
  const entry = group?.attempts[attemptNumber - 1];
  if (!group || !entry) return null;
  const key = label in entry ? label : '*' in entry ? '*' : null;
  const rule = key === null ? undefined : entry[key];
  if (!rule || key === null) return null;
  return {
    where: `group “${group.name}”, after attempt ${attemptNumber}, ${key === '*' ? 'any label (*)' : `label “${key}”`}`,
    says: describe(rule),
  };
}
