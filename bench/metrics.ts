// Times the four metrics endpoints on a large history in real Postgres.
//
//   npm run bench:metrics                       # 1,000,000 attempts over 300,000 documents
//   METRICS_ATTEMPTS=100000 METRICS_DOCUMENTS=30000 npm run bench:metrics
//   DATABASE_URL=postgres://… npm run bench:metrics   # use (and keep) that database instead
//
// Without DATABASE_URL it creates a fresh database on 127.0.0.1:5432 and drops it at the end
// (METRICS_KEEP_DB=1 keeps it). An empty database is seeded inside Postgres (INSERT … SELECT
// generate_series, deterministic hashes; 5 customer groups, 3 currencies, 8 months) with the metric
// triggers off for the session (session_replication_role, so a superuser), then the rollups are
// rebuilt. Each endpoint is called through the Hono app (app.request, Basic auth of a bootstrapped
// user): 3 warm-up calls, then METRICS_RUNS (20) timed calls. For comparison it also times one
// from-scratch computation of each endpoint (and checks it gives the same answer), and the write path
// of one cycle with and without the triggers. Results go to bench/results/metrics.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import postgres from 'postgres';
import { createApp } from '../api/app';
import { createFailedAuthLimiter } from '../api/failed-auth-limiter';
import { createReadiness } from '../api/readiness';
import { createDb } from '../db/client';
import { saveConfig } from '../db/config-versions';
import { createMetrics, rebuildMetricRollups } from '../db/metrics';
import { migrateDb } from '../db/migrate';
import { defaultConfig, type RetryConfig, validateConfig } from '../policy';
import { bootstrapStore } from '../runtime/bootstrap';

const ATTEMPTS = intEnv('METRICS_ATTEMPTS', 1_000_000);
const DOCUMENTS = intEnv('METRICS_DOCUMENTS', 300_000);
const RUNS = intEnv('METRICS_RUNS', 20);
const GROUPS = 5;
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const USER = 'bench@example.com';
const TOKEN = 'bench-token-0123456789-abcdefghijklmnop';
const ENDPOINTS = ['baseline', 'amount_recovered', 'customer_group_over_time', 'customer_group'] as const;

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const n = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** Four active groups with filters ahead of the catch-all: five groups in all. */
function benchConfig(): RetryConfig {
  const catchAll = defaultConfig.customer_groups[0];
  if (!catchAll) throw new Error('the default configuration has no group');
  const extra = [2, 3, 4, 5].map((id) => ({
    ...catchAll,
    id,
    name: `Group ${id}`,
    priority: id,
    filters: [{ field: 'segment', operator: 'eq' as const, value: `s${id}` }],
  }));
  const result = validateConfig({ ...defaultConfig, customer_groups: [...extra, catchAll] });
  if (!result.ok) throw new Error(`bench configuration invalid: ${JSON.stringify(result.errors)}`);
  return result.config;
}

/**
 * The history, generated in Postgres. Cycle i belongs to document i mod D (so some documents have a
 * second cycle, 25 days after the first), has 1–5 attempts (attempt 1 = the original failed
 * payment), and ends collected by its last attempt (55%), collected externally (10%) or exhausted;
 * cycles whose last attempt is under 3 days old are still in retry.
 */
async function seed(sql: postgres.Sql): Promise<void> {
  const started = performance.now();
  // Bulk load without the metric triggers (this session only); the rollups are rebuilt afterwards.
  await sql`set session_replication_role = replica`;
  await sql`drop table if exists bench_gen`;
  // Cycle sizes: 1–5 attempts each, as many cycles as it takes to reach exactly ATTEMPTS.
  await sql.unsafe(`
    create unlogged table bench_gen as
    with sized as (
      select i, 1 + abs(hashint4(i * 31 + 7)) % 5 as k from generate_series(0, ${ATTEMPTS}) i
    ), placed as (select i, k, sum(k) over (order by i) - k as before from sized)
    select i, least(k, ${ATTEMPTS} - before)::int as k, i % ${DOCUMENTS} as d, i / ${DOCUMENTS} as rep
    from placed where before < ${ATTEMPTS}`);
  await sql.unsafe(`
    alter table bench_gen
      add column grp int, add column currency text, add column amount numeric(19,4),
      add column started_at timestamptz, add column outcome text;
    update bench_gen set
      grp = 1 + abs(hashint4(d * 13 + 1)) % ${GROUPS},
      currency = (array['USD','EUR','CAD'])[1 + abs(hashint4(d * 17 + 3)) % 3],
      amount = 10 + (abs(hashint4(d * 19 + 2)) % 99000) / 100.0,
      started_at = now() - interval '240 days'
        + (abs(hashint4(d * 23 + 5)) % (200 * 86400)) * interval '1 second'
        + rep * interval '25 days',
      outcome = case
        when k >= 2 and abs(hashint4(i * 29 + 11)) % 100 < 55 then 'collected'
        when abs(hashint4(i * 29 + 11)) % 100 < 65 then 'collected_external'
        else 'attempts_exhausted' end;
    update bench_gen set outcome = 'in_retry'
      where outcome <> 'collected' and started_at + (k + 2) * interval '3 days' > now();
    alter table bench_gen add primary key (i);`);
  const [{ cycles = 0 } = {}] = await sql<
    { cycles: number }[]
  >`select count(*)::int as cycles from bench_gen`;
  log(`  planned ${cycles.toLocaleString()} cycles (${seconds(started)})`);

  // The time of attempt n of a cycle.
  const at = (n: string) => `g.started_at + (${n} - 1) * interval '3 days' + ${n} * interval '17 minutes'`;
  await sql.unsafe(`
    insert into cycles (id, billing_cycle_id, workflow_id, run_id, document_type, document_id, account_id,
      payment_id, payment_method_id, gateway_id, currency, amount, outstanding, amount_collected,
      customer_group_id, customer_group_name, config_version, status, end_reason, started_at, ended_at,
      updated_at)
    select g.i + 1, 'BillingCycle-bench-' || g.i, 'wf-bench-' || g.i, 'run-bench-' || g.i,
      case when g.d % 4 = 0 then 'debit_memo' else 'invoice' end, 'DOC-' || g.d, 'ACC-' || g.d / 3,
      'PAY-' || g.i, 'PM-' || g.d, 'sim', g.currency, g.amount,
      case when g.outcome in ('collected', 'collected_external') then 0 else g.amount end,
      case when g.outcome = 'collected' then g.amount else 0 end,
      g.grp, case when g.grp = 1 then 'All Remaining Customers' else 'Group ' || g.grp end, 1, g.outcome,
      case when g.outcome = 'in_retry' then null else g.outcome end, g.started_at,
      case when g.outcome = 'in_retry' then null
        when g.outcome = 'collected' then ${at('g.k')} else ${at('g.k')} + interval '1 hour' end,
      now()
    from bench_gen g`);
  await sql`select setval('cycle_id_seq', (select max(id) from cycles))`;
  log(`  cycles inserted (${seconds(started)})`);

  const batches = 10;
  const step = Math.ceil(cycles / batches);
  for (let b = 0; b < batches; b++) {
    await sql.unsafe(`
      insert into attempts (cycle_id, attempt_number, transaction_id, payment_id, time_of_execution, source,
        cpr_generated, success, amount, amount_collected, currency, payment_method_id, label, level,
        customer_group_id, gateway_id, gateway_code, gateway_response, recorded_at)
      select g.i + 1, n, 'Transaction-bench-' || g.i || '-' || n, 'PAY-' || g.i || '-' || n, ${at('n')},
        case when n = 1 then 'EXTERNAL' else 'PR-C' || (g.i + 1) || '-' || n end, n > 1, ok, g.amount,
        case when ok then g.amount else 0 end, g.currency, 'PM-' || g.d,
        case when ok then 'Approved' else 'Soft Decline' end, 'code', g.grp, 'sim',
        case when ok then 'approved' else 'insufficient_funds' end,
        case when ok then 'Approved' else 'Your card has insufficient funds.' end, ${at('n')}
      from bench_gen g cross join lateral generate_series(1, g.k) n
      cross join lateral (select g.outcome = 'collected' and n = g.k as ok) o
      where g.i >= ${b * step} and g.i < ${(b + 1) * step}`);
    const done = Math.min(cycles, (b + 1) * step);
    log(`  attempts: cycles ${done.toLocaleString()} / ${cycles.toLocaleString()} (${seconds(started)})`);
  }
  await sql`drop table bench_gen`;
  await sql`set session_replication_role = origin`;
  await sql`vacuum analyze cycles`;
  await sql`vacuum analyze attempts`;
  log(`  vacuum analyze done (${seconds(started)})`);
}

class Rollback extends Error {}

const METRIC_TRIGGERS = {
  attempts: ['metric_attempts_insert_delete', 'metric_attempts_update'],
  cycles: ['metric_cycles_insert_delete', 'metric_cycles_update'],
};

/**
 * Ms of one cycle's writes as the cycle store makes them (open the cycle; record attempt 1; record a
 * successful attempt 2 and end the cycle), each lifecycle in a savepoint, all in one transaction that
 * is rolled back, so nothing is left behind. Without triggers, they are disabled inside that same
 * transaction (ALTER TABLE is transactional), so they cannot stay disabled whatever happens.
 */
async function writeCost(sql: postgres.Sql, triggers: boolean, n: number, offset: number): Promise<number> {
  let elapsed = 0;
  await sql
    .begin(async (tx) => {
      if (!triggers) {
        for (const [table, names] of Object.entries(METRIC_TRIGGERS)) {
          for (const name of names) await tx.unsafe(`alter table ${table} disable trigger ${name}`);
        }
      }
      const started = performance.now();
      for (let i = offset; i < offset + n; i++) {
        const id = 900_000_000 + i;
        await tx
          .savepoint(async (sp) => {
            await sp`
              insert into cycles (id, billing_cycle_id, workflow_id, run_id, document_type, document_id,
                account_id, payment_id, payment_method_id, gateway_id, currency, amount, outstanding,
                customer_group_id, customer_group_name, config_version, status, started_at)
              values (${id}, ${`BillingCycle-w-${id}`}, 'wf-w', ${`run-w-${id}`}, 'invoice', ${`DOC-${i}`},
                'ACC-w', 'PAY-w', 'PM-w', 'sim', 'USD', 25, 25, 2, 'Group 2', 1, 'in_retry', now())`;
            for (const [number, ok] of [
              [1, false],
              [2, true],
            ] as const) {
              await sp`
                insert into attempts (cycle_id, attempt_number, transaction_id, payment_id, time_of_execution,
                  source, cpr_generated, success, amount, amount_collected, currency, payment_method_id, label,
                  level, customer_group_id, gateway_id, gateway_code, gateway_response)
                values (${id}, ${number}, ${`Transaction-w-${id}-${number}`}, ${`PAY-w-${id}-${number}`},
                  now(), 'PR-1', ${number > 1}, ${ok}, 25, ${ok ? 25 : 0}, 'USD', 'PM-w', 'Soft Decline',
                  'code', 2, 'sim', 'x', 'x')`;
            }
            await sp`update cycles set status = 'collected', ended_at = now(), outstanding = 0 where id = ${id}`;
            throw new Rollback();
          })
          .catch((err: unknown) => {
            if (!(err instanceof Rollback)) throw err;
          });
      }
      elapsed = performance.now() - started;
      throw new Rollback();
    })
    .catch((err: unknown) => {
      if (!(err instanceof Rollback)) throw err;
    });
  return elapsed;
}

/** Mean ms per cycle with and without the metric triggers, alternating rounds to share any noise. */
async function writePath(sql: postgres.Sql, rounds: number, perRound: number) {
  let withTriggers = 0;
  let withoutTriggers = 0;
  for (let r = 0; r < rounds; r++) {
    withTriggers += await writeCost(sql, true, perRound, r * perRound);
    withoutTriggers += await writeCost(sql, false, perRound, r * perRound);
  }
  const cycles = rounds * perRound;
  return { withTriggers: withTriggers / cycles, withoutTriggers: withoutTriggers / cycles, cycles };
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

async function main() {
  const given = process.env.DATABASE_URL;
  let url = given ?? '';
  let dbName: string | undefined;
  const admin = given ? undefined : postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  if (admin) {
    dbName = `cpr_bench_metrics_${process.pid}`;
    await admin.unsafe(`create database "${dbName}"`);
    const u = new URL(ADMIN_URL);
    u.pathname = `/${dbName}`;
    url = u.toString();
  }
  const handle = await createDb({ kind: 'postgres', url, poolSize: 4 });
  const raw = postgres(url, { max: 1, onnotice: () => {} });
  try {
    log(`metrics bench: ${ATTEMPTS.toLocaleString()} attempts, ${DOCUMENTS.toLocaleString()} documents`);
    log(`database: ${given ? 'DATABASE_URL' : dbName}`);
    await migrateDb(handle);
    await bootstrapStore(handle.db, { CPR_BOOTSTRAP_USER: USER, CPR_BOOTSTRAP_TOKEN: TOKEN });
    await saveConfig(handle.db, benchConfig(), 'bench');
    const [{ n = 0 } = {}] = await raw<{ n: number }[]>`select count(*)::int as n from attempts`;
    if (n === 0) {
      log('seeding…');
      await seed(raw);
    } else {
      log(`database already holds ${n.toLocaleString()} attempts; not seeding`);
    }
    const [size] = await raw<{ attempts: number; cycles: number }[]>`
      select (select count(*) from attempts)::int as attempts, (select count(*) from cycles)::int as cycles`;
    log(`history: ${size?.attempts.toLocaleString()} attempts in ${size?.cycles.toLocaleString()} cycles`);
    const rebuilt = performance.now();
    await rebuildMetricRollups(handle.db);
    await raw`vacuum analyze metric_attempt_days, metric_documents, metric_document_days, metric_month_totals`;
    log(`rollups rebuilt from the history in ${seconds(rebuilt)}`);

    const app = createApp({
      db: handle.db,
      logger: pino({ level: 'silent' }),
      readiness: createReadiness(),
      limiter: createFailedAuthLimiter({ max: 1000, windowMs: 60_000 }),
    });
    const headers = { Authorization: `Basic ${Buffer.from(`${USER}:${TOKEN}`).toString('base64')}` };
    const results: { endpoint: string; p50_ms: number; p95_ms: number; max_ms: number }[] = [];
    for (const endpoint of ENDPOINTS) {
      const path = `/api/v1/metrics/${endpoint}`;
      const call = async () => {
        const res = await app.request(path, { headers });
        if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
        return await res.json();
      };
      for (let i = 0; i < 3; i++) await call();
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        await call();
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      results.push({
        endpoint,
        p50_ms: +percentile(times, 50).toFixed(1),
        p95_ms: +percentile(times, 95).toFixed(1),
        max_ms: +(times.at(-1) ?? 0).toFixed(1),
      });
      if (process.env.METRICS_SHOW) log(JSON.stringify(await call()));
    }

    // The same answers from the history tables alone: what the rollups save, and a check at scale.
    const scratch = createMetrics(handle.db, { source: 'scratch' });
    const rollups = createMetrics(handle.db);
    const methods = {
      baseline: 'baseline',
      amount_recovered: 'amountRecovered',
      customer_group_over_time: 'customerGroupOverTime',
      customer_group: 'customerGroups',
    } as const;
    const scratchMs: Record<string, number> = {};
    for (const endpoint of ENDPOINTS) {
      const method = methods[endpoint];
      const t0 = performance.now();
      const fromScratch = await scratch[method]();
      scratchMs[endpoint] = +(performance.now() - t0).toFixed(0);
      const same = JSON.stringify(fromScratch) === JSON.stringify(await rollups[method]());
      if (!same) log(`WARNING: ${endpoint} from scratch differs from the rollups`);
    }

    const { withTriggers, withoutTriggers, cycles: WRITES } = await writePath(raw, 4, 50);

    const width = 46;
    log('');
    log(
      `${'endpoint'.padEnd(width)}${'p50 ms'.padStart(9)}${'p95 ms'.padStart(9)}${'max ms'.padStart(9)}${'scratch ms'.padStart(12)}`,
    );
    for (const r of results) {
      const cells = [r.p50_ms, r.p95_ms, r.max_ms].map((v) => v.toFixed(1).padStart(9)).join('');
      const scratchCell = String(scratchMs[r.endpoint] ?? '').padStart(12);
      log(`${`GET /api/v1/metrics/${r.endpoint}`.padEnd(width)}${cells}${scratchCell}`);
    }
    log(
      `write path (open cycle + 2 attempts + end, ${WRITES}x): ${withTriggers.toFixed(2)} ms with the metric triggers, ${withoutTriggers.toFixed(2)} ms without`,
    );
    const worst = Math.max(...results.map((r) => r.p95_ms));
    log(
      `summary: ${ATTEMPTS.toLocaleString()} attempts / ${DOCUMENTS.toLocaleString()} documents, ${RUNS} warm runs each, worst p95 ${worst.toFixed(1)} ms (${worst <= 50 ? 'within' : 'over'} the 50 ms target)`,
    );
    const outDir = join(import.meta.dirname, 'results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(
      join(outDir, 'metrics.json'),
      `${JSON.stringify(
        {
          at: new Date().toISOString(),
          attempts: ATTEMPTS,
          documents: DOCUMENTS,
          groups: GROUPS,
          runs: RUNS,
          endpoints: results.map((r) => ({ ...r, from_scratch_ms: scratchMs[r.endpoint] })),
          write_ms: {
            with_triggers: +withTriggers.toFixed(3),
            without_triggers: +withoutTriggers.toFixed(3),
          },
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await raw.end({ timeout: 5 });
    await handle.close();
    if (admin && dbName) {
      if (process.env.METRICS_KEEP_DB) log(`kept database ${dbName}`);
      else await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
      await admin.end({ timeout: 5 });
    }
  }
}

await main();
