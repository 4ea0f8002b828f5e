import { Counter, Gauge, type Registry } from 'prom-client';
import type { Db } from '../../db/client';
import { readStoreMetrics, type StoreMetricRow } from '../../db/metrics/prometheus';

// The counts that live in Postgres, derived at scrape time (db/metrics/prometheus.ts, one statement),
// so they are exact whatever retried or crashed: an attempt is counted because its row exists, once.
// Only the processes that serve the API expose them (`npm run api`, `npm start`), never a separate
// worker: every process reads the same store, so Prometheus summing two processes would double them.
// With several API replicas, query them with max() (or scrape one), not sum().

/** Rows of one scrape are shared by the four collectors, which prom-client runs together. */
const SHARE_MS = 200;

export function registerStoreMetrics(registry: Registry, db: Db): void {
  let last: { at: number; rows: Promise<StoreMetricRow[] | null> } | undefined;
  const failures = new Counter({
    name: 'cpr_store_metrics_read_failures_total',
    help: 'Scrapes whose store-derived metrics could not be read (they are left out of that scrape)',
    registers: [registry],
  });
  const rows = (metric: StoreMetricRow['metric']) => {
    if (!last || Date.now() - last.at > SHARE_MS) {
      last = {
        at: Date.now(),
        rows: readStoreMetrics(db).catch(() => {
          failures.inc();
          return null;
        }),
      };
    }
    return last.rows.then((all) => all?.filter((r) => r.metric === metric) ?? []);
  };
  new Counter({
    name: 'cpr_attempts_total',
    help: 'Recorded attempts by gateway, label, outcome (approved|declined|error) and source (external|cpr|manual)',
    labelNames: ['gateway', 'label', 'outcome', 'source'] as const,
    registers: [registry],
    async collect() {
      const found = await rows('attempts');
      this.reset();
      for (const r of found) {
        this.inc(
          {
            gateway: r.gateway ?? '',
            label: r.label ?? '',
            outcome: r.outcome ?? '',
            source: r.source ?? '',
          },
          Number(r.value),
        );
      }
    },
  });
  new Counter({
    name: 'cpr_amount_recovered_total',
    help: 'Amount collected by our own attempts (cycle and manual retries), in major units, per currency',
    labelNames: ['currency'] as const,
    registers: [registry],
    async collect() {
      const found = await rows('recovered');
      this.reset();
      for (const r of found) this.inc({ currency: r.currency ?? '' }, Number(r.value));
    },
  });
  new Gauge({
    name: 'cpr_cycles',
    help: 'Cycles per current status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const found = await rows('cycles');
      this.reset();
      for (const r of found) this.set({ status: r.status ?? '' }, Number(r.value));
    },
  });
  new Counter({
    name: 'cpr_cycles_ended_total',
    help: 'Cycles that have ended, per current status (a manual retry that collects moves one to collected)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const found = await rows('ended');
      this.reset();
      for (const r of found) this.inc({ status: r.status ?? '' }, Number(r.value));
    },
  });
}
