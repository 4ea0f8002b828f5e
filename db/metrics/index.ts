import type { RetryConfig } from '../../policy';
import type { Db } from '../client';
import { currentConfig } from '../config-versions';
import {
  hundredthsOrNull,
  mean,
  meanDays,
  money,
  percent,
  subtractDecimal,
  type Trend,
  trend,
} from './format';
import { rollupSource } from './rollups';
import { scratchSource } from './scratch';
import { type GroupSums, type MetricsSource, noAttempts, noDocuments } from './sums';

export type { Trend } from './format';
export { rebuildMetricRollups } from './rollups';

// The four CPR metrics (reference §3.5 and §4, as refined by issue 6), computed on every request, so
// an attempt counts in the very next call after it was recorded. Definitions: see api/routes/metrics.ts.

/** Trends compare with the data at or before now − 30 days; "last 30 days" is after that instant. */
export const TREND_WINDOW_MS = 30 * 86_400_000;

export interface BaselineMetrics {
  retry_success_rate: string | null;
  retry_success_rate_trend: Trend | null;
  document_success_rate: string | null;
  document_success_rate_trend: Trend | null;
  average_days_outstanding: string | null;
  average_days_outstanding_trend: Trend | null;
  success: true;
}

export interface AmountRecoveredMetrics {
  currency: Record<string, { total_amount: string; last_30_days: string }>;
  success: true;
}

export interface GroupOverTimeMetrics {
  customer_groups: Record<string, Record<string, string | null>>;
  success: true;
}

export interface GroupMetrics {
  id: number;
  name: string;
  smart_retry: boolean;
  document_success_rate: string | null;
  document_success_rate_trend: Trend | null;
  retry_success_rate: string | null;
  average_attempts: string | null;
}

export interface CustomerGroupMetrics {
  customer_groups: GroupMetrics[];
  success: true;
}

export interface MetricsOptions {
  now?: () => Date;
  /** "rollups" (default) reads the maintained rollups; "scratch" recomputes from the history tables. */
  source?: 'rollups' | 'scratch';
}

interface ActiveGroups {
  groups: { id: number; name: string }[];
  timeZone: string;
}

async function activeGroups(db: Db): Promise<ActiveGroups> {
  const stored = await currentConfig<RetryConfig>(db);
  if (!stored) return { groups: [], timeZone: 'UTC' };
  return {
    groups: stored.config.customer_groups
      .filter((g) => g.active !== false)
      .map((g) => ({ id: g.id, name: g.name })),
    timeZone: stored.config.settings.time_zone ?? 'UTC',
  };
}

export function createMetrics(db: Db, options: MetricsOptions = {}) {
  const now = options.now ?? (() => new Date());
  const source: MetricsSource = options.source === 'scratch' ? scratchSource(db) : rollupSource(db);
  const cutoffOf = (at: Date) => new Date(at.getTime() - TREND_WINDOW_MS);

  return {
    source,

    async baseline(): Promise<BaselineMetrics> {
      const s = await source.baseline(cutoffOf(now()));
      const retry = percent(s.attempts.successes, s.attempts.attempts);
      const retryThen = percent(s.attemptsThen.successes, s.attemptsThen.attempts);
      const docs = percent(s.documents.collected, s.documents.entered);
      const docsThen = percent(s.documentsThen.collected, s.documentsThen.entered);
      const days = meanDays(s.documents.daysUs, s.documents.collected);
      const daysThen = meanDays(s.documentsThen.daysUs, s.documentsThen.collected);
      return {
        retry_success_rate: hundredthsOrNull(retry),
        retry_success_rate_trend: trend(retry, retryThen),
        document_success_rate: hundredthsOrNull(docs),
        document_success_rate_trend: trend(docs, docsThen),
        average_days_outstanding: hundredthsOrNull(days),
        average_days_outstanding_trend: trend(days, daysThen),
        success: true,
      };
    },

    async amountRecovered(): Promise<AmountRecoveredMetrics> {
      const rows = await source.currencies(cutoffOf(now()));
      const currency: AmountRecoveredMetrics['currency'] = {};
      for (const r of rows) {
        const last30 = subtractDecimal(r.total, r.upToCutoff);
        // A currency with nothing recovered in the last 30 days is left out (reference §3.5).
        if (last30.startsWith('-') || !/[1-9]/.test(last30)) continue;
        currency[r.currency] = { total_amount: money(r.total), last_30_days: money(last30) };
      }
      return { currency, success: true };
    },

    async customerGroupOverTime(): Promise<GroupOverTimeMetrics> {
      const { groups, timeZone } = await activeGroups(db);
      const { window, sums } = await source.months(now(), timeZone);
      const byKey = new Map(sums.map((s) => [`${s.groupId}:${s.month}`, s]));
      const customer_groups: GroupOverTimeMetrics['customer_groups'] = {};
      for (const g of groups) {
        const months: Record<string, string | null> = {};
        for (const m of window) {
          const s = byKey.get(`${g.id}:${m.month}`);
          months[m.label] = s ? hundredthsOrNull(percent(s.collected, s.documents)) : null;
        }
        customer_groups[String(g.id)] = months;
      }
      return { customer_groups, success: true };
    },

    async customerGroups(): Promise<CustomerGroupMetrics> {
      const { groups } = await activeGroups(db);
      const sums = new Map((await source.groups(cutoffOf(now()))).map((s) => [s.groupId, s]));
      const empty = (groupId: number): GroupSums => ({
        groupId,
        attempts: noAttempts(),
        documents: noDocuments(),
        documentsThen: noDocuments(),
      });
      return {
        customer_groups: groups.map((g) => {
          const s = sums.get(g.id) ?? empty(g.id);
          const docs = percent(s.documents.collected, s.documents.entered);
          const docsThen = percent(s.documentsThen.collected, s.documentsThen.entered);
          return {
            id: g.id,
            name: g.name,
            smart_retry: false,
            document_success_rate: hundredthsOrNull(docs),
            document_success_rate_trend: trend(docs, docsThen),
            retry_success_rate: hundredthsOrNull(percent(s.attempts.successes, s.attempts.attempts)),
            average_attempts: hundredthsOrNull(mean(s.documents.attemptNumbers, s.documents.collected)),
          };
        }),
        success: true,
      };
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
