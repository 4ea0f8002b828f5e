// Engine throughput and timing against two baselines, on one Temporal dev server and one Postgres:
//
//   engine  N cycles submitted through the REST API (real HTTP, BENCH_CONCURRENCY at once); each fails
//           twice and collects on attempt 3. Intervals PT1S, processor interval PT0S, simulator at 0 ms.
//   floor   N bare workflows (bench/floor/workflows.ts): sleep PT1S, then 3 empty activities.
//   peer    N of the same cycles on pg-boss (bench/peers/pgboss-cycles.ts).
//
//   npm run bench:engine                  # N = 2,000
//   BENCH_ENGINE_N=200 npm run bench:engine
//
// The simulator answers the n-th charge of a payment method id with the n-th word of its script, and
// attempt 1 is the submitted failure (no charge), so `sim.insufficient_funds.approve#<unique>` makes
// CPR attempt 2 a decline and CPR attempt 3 an approval: two failures, collected on attempt 3.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import postgres from 'postgres';
import { createRestClient } from '../client/rest';
import type { FloorResult } from './floor/workflows';
import { benchConfig } from './lib/config';
import {
  benchDir,
  cpuMeter,
  defer,
  every,
  intEnv,
  loadAvg,
  percentile,
  pool,
  printCpu,
  printTable,
  round,
  runMain,
  sampleRss,
  say,
  sleep,
  spawnNode,
  waitForPollers,
  writeResult,
} from './lib/stack';
import { BENCH_TOKEN, BENCH_USER, failedPaymentBody, type System, startSystem } from './lib/system';
import { type HistoryStats, historyStats, sampleIndexes } from './lib/temporal-stats';

const N = intEnv('BENCH_ENGINE_N', Number(process.argv[2]) || 2000);
const CONCURRENCY = intEnv('BENCH_CONCURRENCY', 50);
const TIMEOUT_MS = intEnv('BENCH_ENGINE_TIMEOUT_S', 300) * 1000;
/** Stop starting new cycles after this long; the floor and the peer then run as many as the engine got. */
const SUBMIT_BUDGET_MS = intEnv('BENCH_ENGINE_SUBMIT_BUDGET_S', 600) * 1000;
/** For development: a subset of `engine,floor,peer`. */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'engine,floor,peer').split(','));

interface PhaseResult {
  temporal?: HistoryStats;
  cpu?: Record<string, { cpu_s: number; cores: number }>;
  cycles: number;
  completed: number;
  starts_per_s: number;
  attempts: number;
  attempts_per_s: number;
  lateness_p50_ms: number;
  lateness_p99_ms: number;
  lateness_max_ms: number;
  rss_peak_mb: number;
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const lateness = (ms: number[]) => {
  const s = sorted(ms);
  return {
    lateness_p50_ms: round(percentile(s, 50)),
    lateness_p99_ms: round(percentile(s, 99)),
    lateness_max_ms: round(s.at(-1) ?? Number.NaN),
  };
};

async function engine(
  system: System,
  run: string,
): Promise<
  PhaseResult & {
    errors: string[];
    cpu: object;
    submit_latency_p50_ms: number;
    submit_latency_p99_ms: number;
  }
> {
  const rest = createRestClient({ baseUrl: system.apiUrl, email: BENCH_USER, token: BENCH_TOKEN });
  const sql = postgres(system.databaseUrl, { max: 2, onnotice: () => {} });
  defer('bench connection', () => sql.end({ timeout: 5 }));
  const rss = sampleRss(system.worker.pid);
  const cpu = cpuMeter(system.pids, system.databaseName);
  const submitMsEach: number[] = [];
  let submitted = 0;
  const t0 = Date.now();
  const counts = async () => {
    const [row] = await sql<{ a: number; c: number; open: number }[]>`
      select (select count(*)::int from attempts where cpr_generated) as a,
             (select count(*)::int from cycles where status = 'collected') as c,
             (select count(*)::int from cycles where status in ('in_retry', 'paused')) as open`;
    return row ?? { a: 0, c: 0, open: 0 };
  };
  const stop = every(2000, async () => {
    const c = await counts();
    const rate = submitted / ((Date.now() - t0) / 1000);
    say(
      `engine: submitted ${submitted}/${N} (${rate.toFixed(0)}/s), CPR attempts ${c.a}/${2 * N}, collected ${c.c}/${N}, worker RSS ${rss.lastMb.toFixed(0)} MB`,
    );
  });
  const submit = await pool(
    N,
    CONCURRENCY,
    async (i) => {
      const ts = performance.now();
      await rest.submitFailedPayment(
        failedPaymentBody(run, i, { paymentMethod: `sim.insufficient_funds.approve#${run}-${i}` }),
      );
      submitMsEach.push(performance.now() - ts);
      submitted++;
    },
    t0 + SUBMIT_BUDGET_MS,
  );
  if (submit.done < N) say(`engine: submit budget reached after ${submit.done} of ${N} cycles`);
  const submitMs = Date.now() - t0;
  if (submit.failed > 0) say(`engine: ${submit.failed} submits failed, e.g. ${submit.errors[0]}`);
  const deadline = Date.now() + TIMEOUT_MS;
  while ((await counts()).open > 0 && Date.now() < deadline) await sleep(250);
  stop();
  rss.stop();
  const cpuUse = cpu.report();
  printCpu('engine CPU', cpuUse, { n: submit.done, unit: 'cycle' });
  const lat = sorted(submitMsEach);
  say(
    `engine: submit latency p50 ${percentile(lat, 50).toFixed(0)} ms, p99 ${percentile(lat, 99).toFixed(0)} ms`,
  );

  const [stats] = await sql<{ attempts: number; first: number; last: number }[]>`
    select count(*)::int as attempts, extract(epoch from min(time_of_execution)) * 1000 as first,
      extract(epoch from max(time_of_execution)) * 1000 as last
    from attempts where cpr_generated`;
  // Actual minus scheduled: each CPR attempt's time against the time its predecessor scheduled it for.
  const late = await sql<{ ms: number }[]>`
    select extract(epoch from (a.time_of_execution - p.retry_next_at)) * 1000 as ms
    from attempts a join attempts p on p.cycle_id = a.cycle_id and p.attempt_number = a.attempt_number - 1
    where a.cpr_generated and p.retry_next_at is not null`;
  const [shape] = await sql<{ collected: number; three: number }[]>`
    select count(*)::int as collected,
      count(*) filter (where (select count(*) from attempts a where a.cycle_id = c.id) = 3)::int as three
    from cycles c where status = 'collected'`;
  const ledger = (await (await fetch(`${system.simUrl}/charges`)).json()) as { idempotency_key: string }[];
  const keys = new Set(ledger.map((c) => c.idempotency_key));
  say(
    `engine: ${shape?.collected ?? 0} collected, ${shape?.three ?? 0} of them on attempt 3; simulator saw ${ledger.length} charges, ${keys.size} distinct keys`,
  );
  const temporal = await historyStats(
    system.client,
    sampleIndexes(submit.done, 100).map((i) => `cpr-invoice-INV-${run}-${i}`),
  );
  const attempts = stats?.attempts ?? 0;
  const spanS = (Number(stats?.last ?? 0) - Number(stats?.first ?? 0)) / 1000;
  return {
    cycles: submit.done,
    completed: shape?.collected ?? 0,
    starts_per_s: round(submit.done / (submitMs / 1000)),
    attempts,
    attempts_per_s: round(attempts / spanS),
    ...lateness(late.map((r) => Number(r.ms))),
    rss_peak_mb: round(rss.peakMb, 0),
    temporal,
    submit_latency_p50_ms: round(percentile(lat, 50)),
    submit_latency_p99_ms: round(percentile(lat, 99)),
    cpu: cpuUse,
    errors: submit.errors,
  };
}

async function floor(system: System, run: string, N: number): Promise<PhaseResult> {
  const taskQueue = `bench-floor-${run}`;
  const bundle = system.bundles.floor;
  if (!bundle) throw new Error('floor bundle missing');
  const worker = spawnNode('floor worker', 'bench/floor/worker.ts', {
    TEMPORAL_ADDRESS: system.temporalAddress,
    FLOOR_TASK_QUEUE: taskQueue,
    FLOOR_BUNDLE: bundle,
  });
  await waitForPollers(system.client, taskQueue);
  const rss = sampleRss(worker.pid);
  const cpu = cpuMeter({
    'temporal server': system.pids['temporal server'] ?? 0,
    'floor worker': worker.pid,
  });
  let started = 0;
  let finished = 0;
  const stop = every(2000, () =>
    say(`floor: started ${started}/${N}, finished ${finished}/${N}, worker RSS ${rss.lastMb.toFixed(0)} MB`),
  );
  const t0 = Date.now();
  const handles: Promise<FloorResult>[] = [];
  const starts = await pool(N, CONCURRENCY, async (i) => {
    const handle = await system.client.workflow.start('FloorWorkflow', {
      taskQueue,
      workflowId: `floor-${run}-${i}`,
      args: [],
    });
    started++;
    handles.push(
      (handle.result() as Promise<FloorResult>).then((r) => {
        finished++;
        return r;
      }),
    );
  });
  const startMs = Date.now() - t0;
  const results = await Promise.all(handles);
  stop();
  rss.stop();
  const cpuUse = cpu.report();
  printCpu('floor CPU', cpuUse, { n: N, unit: 'workflow' });
  const temporal = await historyStats(
    system.client,
    sampleIndexes(N, 100).map((i) => `floor-${run}-${i}`),
  );
  await worker.stop();
  const times = results.flatMap((r) => r.activities);
  const spanS = (Math.max(...times) - Math.min(...times)) / 1000;
  return {
    cycles: N,
    completed: results.length,
    starts_per_s: round(starts.done / (startMs / 1000)),
    attempts: times.length,
    attempts_per_s: round(times.length / spanS),
    ...lateness(results.map((r) => (r.activities[0] ?? Number.NaN) - (r.started + 1000))),
    rss_peak_mb: round(rss.peakMb, 0),
    temporal,
    cpu: cpuUse,
  };
}

interface PeerOutput {
  cycles: number;
  collected: number;
  submit_ms: number;
  attempts: number;
  first_attempt: number;
  last_attempt: number;
  lateness_ms: number[];
}

async function peer(system: System, run: string, N: number): Promise<PhaseResult> {
  // The peer's cycle ids start at 1 again, so the simulator forgets the engine's keys first.
  await fetch(`${system.simUrl}/reset`, { method: 'POST' });
  let out: PeerOutput | undefined;
  let cpuUse: Record<string, { cpu_s: number; cores: number }> = {};
  let cpu: ReturnType<typeof cpuMeter> | undefined;
  const child = spawnNode(
    'pg-boss peer',
    'bench/peers/pgboss-cycles.ts',
    {
      DATABASE_URL: system.databaseUrl,
      SIM_URL: system.simUrl,
      PEER_N: String(N),
      PEER_CONCURRENCY: String(CONCURRENCY),
      PEER_TAG: run,
      PEER_TIMEOUT_S: String(TIMEOUT_MS / 1000),
    },
    {
      onLine: (line) => {
        if (line.startsWith('RESULT ')) {
          out = JSON.parse(line.slice(7)) as PeerOutput;
          cpuUse = cpu?.report() ?? {};
        } else if (line.trim()) say(line);
      },
    },
  );
  const rss = sampleRss(child.pid);
  cpu = cpuMeter({ 'pg-boss peer': child.pid }, system.databaseName);
  const code = await child.exited;
  rss.stop();
  printCpu('peer CPU', cpuUse, { n: N, unit: 'cycle' });
  if (code !== 0 || !out) throw new Error(`pg-boss peer exited with ${code}: ${child.output()}`);
  return {
    cycles: out.cycles,
    completed: out.collected,
    starts_per_s: round(out.cycles / (out.submit_ms / 1000)),
    attempts: out.attempts,
    attempts_per_s: round(out.attempts / ((out.last_attempt - out.first_attempt) / 1000)),
    ...lateness(out.lateness_ms),
    rss_peak_mb: round(rss.peakMb, 0),
    cpu: cpuUse,
  };
}

runMain('engine', async () => {
  say(`N = ${N} cycles, ${CONCURRENCY} concurrent submits; load average ${loadAvg()}`);
  const run = randomBytes(3).toString('hex');
  const system = await startSystem({
    tag: 'engine',
    config: benchConfig('PT1S'),
    extraBundles: { floor: join(benchDir, 'floor', 'workflows.ts') },
  });
  const skipped: PhaseResult = {
    cycles: 0,
    completed: 0,
    starts_per_s: Number.NaN,
    attempts: 0,
    attempts_per_s: Number.NaN,
    lateness_p50_ms: Number.NaN,
    lateness_p99_ms: Number.NaN,
    lateness_max_ms: Number.NaN,
    rss_peak_mb: Number.NaN,
  };
  const e = PHASES.has('engine') ? await engine(system, run) : skipped;
  // The floor and the peer get the machine to themselves.
  await Promise.all([system.worker.stop(), system.api.stop()]);
  // As many as the engine got within its budget.
  const n = PHASES.has('engine') ? e.cycles : N;
  const f = PHASES.has('floor') ? await floor(system, run, n) : skipped;
  const p = PHASES.has('peer') ? await peer(system, run, n) : skipped;

  const row = (name: string, r: PhaseResult, unit: string) => ({
    system: name,
    cycles: r.cycles,
    completed: r.completed,
    'starts/s': r.starts_per_s,
    [`${unit}`]: r.attempts,
    [`${unit}/s`]: r.attempts_per_s,
    'late p50 ms': r.lateness_p50_ms,
    'late p99 ms': r.lateness_p99_ms,
    'late max ms': r.lateness_max_ms,
    'RSS peak MB': r.rss_peak_mb,
  });
  const rows = [
    { ...row('engine (API → Temporal → worker)', e, 'attempts') },
    { ...row('Temporal floor (sleep + 3 no-op acts)', f, 'attempts') },
    { ...row('pg-boss peer (job per attempt)', p, 'attempts') },
  ];
  process.stdout.write(
    '\n"attempts" = CPR charges (engine, peer) or no-op activities (floor); "late" = actual − scheduled time.',
  );
  printTable(rows);
  const t = (name: string, h: HistoryStats | undefined) =>
    h && {
      'Temporal, per workflow': name,
      events: h.events_per_workflow,
      'wf tasks': h.workflow_tasks_per_workflow,
      activities: h.activities_per_workflow,
      'wft wait p50/p99 ms': `${h.wft_schedule_to_start_p50_ms} / ${h.wft_schedule_to_start_p99_ms}`,
      'wft run p50 ms': h.wft_start_to_close_p50_ms,
      'act wait p50/p99 ms': `${h.activity_schedule_to_start_p50_ms} / ${h.activity_schedule_to_start_p99_ms}`,
      'act run p50 ms': h.activity_start_to_close_p50_ms,
    };
  printTable([t('engine cycle', e.temporal), t('floor workflow', f.temporal)].filter((r) => r !== undefined));
  const vsFloor = e.attempts_per_s / f.attempts_per_s;
  const vsPeer = e.attempts_per_s / p.attempts_per_s;
  const lateVsPeer = e.lateness_p99_ms / p.lateness_p99_ms;
  writeResult('engine', {
    n: N,
    concurrency: CONCURRENCY,
    engine: e,
    floor: f,
    peer: p,
    ratios: {
      engine_vs_floor: round(vsFloor, 2),
      engine_vs_peer: round(vsPeer, 2),
      lateness_p99_vs_peer: round(lateVsPeer, 2),
    },
  });
  process.stdout.write(
    `ratio: engine attempts/s ÷ floor activities/s = ${vsFloor.toFixed(2)} (target ≥ 0.5: ${vsFloor >= 0.5 ? 'met' : 'missed'}); engine ÷ pg-boss: attempts/s ${vsPeer.toFixed(2)}×, lateness p99 ${lateVsPeer.toFixed(2)}×\n`,
  );
});
