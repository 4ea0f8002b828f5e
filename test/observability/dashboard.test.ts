import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { promqlMetricNames } from '../support/promql-names';

// The Grafana dashboard and its provisioning (docker/grafana, docker-compose.yml): every query names
// only metrics a scrape exposes, the JSON is a dashboard Grafana loads, and every path the provisioning
// and the compose mounts name exists.

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

interface Target {
  expr?: unknown;
  refId?: unknown;
  datasource?: { type?: unknown; uid?: unknown };
}
interface Panel {
  id?: unknown;
  type?: unknown;
  title?: unknown;
  datasource?: { type?: unknown; uid?: unknown };
  targets?: Target[];
  gridPos?: unknown;
}

const dashboardPath = 'docker/grafana/dashboards/payment-retry.json';
const dashboard = JSON.parse(read(dashboardPath)) as { uid?: unknown; title?: unknown; panels?: Panel[] };
const panels = dashboard.panels ?? [];
// Rows and text panels query nothing.
const queryPanels = panels.filter((p) => p.type !== 'row' && p.type !== 'text');

/** The datasource uid the provisioning gives Prometheus. */
function provisionedDatasourceUid(): string {
  const text = read('docker/grafana/provisioning/datasources/prometheus.yml');
  const uid = /^\s+uid:\s*(\S+)\s*$/m.exec(text)?.[1];
  if (!uid) throw new Error('no uid in the datasource provisioning');
  return uid;
}

/** `host:container` bind mounts of a compose service (the file is ours: one `- ./x:/y[:ro]` a line). */
function bindMounts(service: string): Array<{ host: string; container: string }> {
  const compose = read('docker-compose.yml');
  const start = compose.indexOf(`\n  ${service}:\n`);
  if (start < 0) throw new Error(`no service ${service} in docker-compose.yml`);
  const next = compose.slice(start + 1).search(/\n {2}[a-z][\w-]*:\n|\n[a-z]/);
  const block = compose.slice(start, next < 0 ? undefined : start + 1 + next);
  return [...block.matchAll(/^\s+- \.\/([^:\s]+):([^:\s]+)(?::ro)?\s*$/gm)].map((m) => ({
    host: m[1] as string,
    container: m[2] as string,
  }));
}

/** The repository path a container path of `service` comes from, through its bind mounts. */
function hostPathOf(service: string, containerPath: string): string | undefined {
  for (const m of bindMounts(service)) {
    if (containerPath === m.container) return m.host;
    if (containerPath.startsWith(`${m.container}/`)) return m.host + containerPath.slice(m.container.length);
  }
  return undefined;
}

describe('promqlMetricNames', () => {
  it('finds the selected metrics and skips functions, keywords, labels and durations', () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.95, sum by (le, gateway) (rate(a_bucket{outcome=~"error|x"}[$__rate_interval])))' +
          ' / on (gateway) group_left b offset 5m + 1e3 * max without (instance) (c_total) and bool d',
      ),
    ).toEqual(['a_bucket', 'b', 'c_total', 'd']);
  });
});

describe('the Grafana dashboard', () => {
  it('queries the metrics the brief names (their names are checked against a real scrape in test/metrics/prometheus.test.ts)', () => {
    const exprs = queryPanels.flatMap((p) => (p.targets ?? []).map((t) => String(t.expr)));
    expect(exprs.length).toBeGreaterThan(10);
    // Every metric the brief names is on the dashboard (a panel dropped by mistake shows here).
    const used = new Set(exprs.flatMap(promqlMetricNames));
    for (const family of [
      'cpr_attempts_total',
      'cpr_amount_recovered_total',
      'cpr_cycles',
      'cpr_cycles_ended_total',
      'cpr_attempt_lateness_seconds_bucket',
      'cpr_gateway_request_duration_seconds_bucket',
      'temporal_workflow_task_schedule_to_start_latency_bucket',
    ]) {
      expect(used, family).toContain(family);
    }
  });

  it('aggregates the store-backed metrics with max across replicas, never sum alone', () => {
    // Every API replica reads the same totals from Postgres; summing them would multiply by the replicas.
    const storeBacked = [
      'cpr_attempts_total',
      'cpr_amount_recovered_total',
      'cpr_cycles',
      'cpr_cycles_ended_total',
    ];
    for (const p of queryPanels) {
      for (const t of p.targets ?? []) {
        const expr = String(t.expr);
        for (const name of storeBacked) {
          // Each selector of a store-backed metric sits directly under a `max by (...)`, possibly
          // through rate/increase.
          const uses = [...expr.matchAll(new RegExp(`\\b${name}\\b(?!_)`, 'g'))];
          for (const use of uses) {
            const before = expr.slice(0, use.index);
            expect(before, `${p.title}: ${expr}`).toMatch(/max by \([^)]*\) \((?:(?:rate|increase)\()?$/);
          }
        }
      }
    }
  });

  it('is a dashboard Grafana loads: unique panel ids, every query on the provisioned datasource', () => {
    expect(dashboard.uid).toBe('payment-retry');
    expect(typeof dashboard.title).toBe('string');
    const ids = panels.map((p) => p.id);
    expect(ids.every((id) => Number.isInteger(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const uid = provisionedDatasourceUid();
    for (const p of queryPanels) {
      expect(p.gridPos, String(p.title)).toBeTypeOf('object');
      expect(p.datasource, String(p.title)).toEqual({ type: 'prometheus', uid });
      expect(p.targets?.length, String(p.title)).toBeGreaterThan(0);
      const refIds = (p.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size, String(p.title)).toBe(refIds.length);
      for (const t of p.targets ?? []) {
        expect(t.datasource).toEqual({ type: 'prometheus', uid });
        expect(typeof t.expr === 'string' && t.expr.length > 0).toBe(true);
      }
    }
  });
});

describe('the provisioning', () => {
  it('mounts directories and files that exist in the repository', () => {
    for (const service of ['prometheus', 'grafana']) {
      const mounts = bindMounts(service);
      expect(mounts.length, service).toBeGreaterThan(0);
      for (const m of mounts) expect(existsSync(join(root, m.host)), `${service}: ./${m.host}`).toBe(true);
    }
  });

  it('loads the dashboard from where the compose file puts it', () => {
    const provider = read('docker/grafana/provisioning/dashboards/payment-retry.yml');
    const path = /^\s+path:\s*(\S+)\s*$/m.exec(provider)?.[1];
    expect(path).toBeDefined();
    const host = hostPathOf('grafana', path as string);
    expect(host).toBeDefined();
    expect(statSync(join(root, host as string)).isDirectory()).toBe(true);
    expect(existsSync(join(root, host as string, 'payment-retry.json'))).toBe(true);
    // The provisioning directory itself is mounted where Grafana reads it.
    expect(hostPathOf('grafana', '/etc/grafana/provisioning/dashboards/payment-retry.yml')).toBe(
      'docker/grafana/provisioning/dashboards/payment-retry.yml',
    );
    const home = /GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH:\s*(\S+)/.exec(read('docker-compose.yml'))?.[1];
    expect(hostPathOf('grafana', home as string)).toBe(dashboardPath);
  });

  it('points the datasource at the compose Prometheus, whose config is mounted', () => {
    const ds = read('docker/grafana/provisioning/datasources/prometheus.yml');
    expect(ds).toMatch(/^\s+url:\s*http:\/\/prometheus:9090\s*$/m);
    expect(hostPathOf('prometheus', '/etc/prometheus/prometheus.yml')).toBe(
      'docker/prometheus/prometheus.yml',
    );
    // Every api and worker replica is scraped on the metrics port the compose file gives the app.
    const prom = read('docker/prometheus/prometheus.yml');
    for (const service of ['api', 'worker']) {
      expect(prom).toMatch(new RegExp(`names: \\[${service}\\]\\n\\s+type: A\\n\\s+port: 9464`));
    }
    expect(read('docker-compose.yml')).toMatch(/METRICS_PORT: 9464/);
  });
});
