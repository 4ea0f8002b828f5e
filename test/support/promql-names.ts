// The metric names a PromQL expression selects, by a small tokenizer rather than a full parser: enough
// for the dashboard's queries (selectors, functions, aggregations with by/without, binary operators).

// Words that are PromQL syntax, not metric names, when they appear outside a call.
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'atan2',
  'inf',
  'nan',
]);

export function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    // String literals (label values, regexes) may hold anything.
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    // Label matchers, ranges and subqueries: label names and durations, no metric names.
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    // Grouping lists: label names (`le`, `gateway`...).
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = m[0];
    const rest = stripped.slice((m.index ?? 0) + word.length);
    // A word followed by `(` is a function or an aggregation; a word inside a number (1e3) is not one.
    if (/^\s*\(/.test(rest)) continue;
    if (m.index && /[0-9.]/.test(stripped[m.index - 1] ?? '')) continue;
    if (KEYWORDS.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names];
}
