import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promqlMetricNames } from './promql-names';

// The Grafana dashboard's queries (docker/grafana/dashboards/payment-retry.json), for the tests that
// check them: its structure (test/observability/dashboard.test.ts) and its metric names against a real
// scrape of `npm start` after a cycle (test/metrics/prometheus.test.ts).

export const DASHBOARD_PATH = join(
  import.meta.dirname,
  '..',
  '..',
  'docker',
  'grafana',
  'dashboards',
  'payment-retry.json',
);

/**
 * Metrics the dashboard may query that a healthy run does not expose: Core exports its workflow-task
 * failure counter only once a workflow task has failed.
 */
export const EXPOSED_ONLY_AFTER_A_FAILURE: readonly string[] = [
  'temporal_workflow_task_execution_failed_total',
];

interface Panel {
  type?: unknown;
  targets?: { expr?: unknown }[];
}

/** Every PromQL expression of the dashboard's query panels. */
export function dashboardQueries(): string[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as { panels?: Panel[] };
  return (dashboard.panels ?? [])
    .filter((p) => p.type !== 'row' && p.type !== 'text')
    .flatMap((p) => (p.targets ?? []).map((t) => String(t.expr)));
}

/** The metric names those queries use, each once. */
export function dashboardMetricNames(): string[] {
  return [...new Set(dashboardQueries().flatMap(promqlMetricNames))].sort();
}
