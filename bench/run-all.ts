// `npm run bench`: engine, scale, API and metrics benches in sequence within one time budget
// (BENCH_BUDGET_S, default 600 s), then one summary table against the targets. Each bench is a child
// process that starts and stops everything it needs; Ctrl-C stops the running one, which cleans up.
//
//   npm run bench
//   BENCH_BUDGET_S=900 BENCH_SCALE_N=20000 npm run bench
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../temporal/resolve-binary';
import { intEnv, loadAvg, postgresVersion, printTable, type Row, resultsDir, writeResult } from './lib/stack';

const BUDGET_MS = intEnv('BENCH_BUDGET_S', 600) * 1000;
const t0 = Date.now();
const left = () => BUDGET_MS - (Date.now() - t0);
const say = (line: string) =>
  process.stdout.write(`[bench +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}\n`);

let current: ReturnType<typeof spawn> | undefined;
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupted = true;
    say(`${signal}: stopping the running bench`);
    current?.kill(signal);
  });
}

/** Runs one bench; past `limitMs` it is asked to stop (SIGINT), and killed 30 s later. */
async function run(
  name: string,
  script: string,
  env: Record<string, string>,
  limitMs: number,
): Promise<{ code: number | null; seconds: number; lines: string[] }> {
  const started = Date.now();
  say(`── ${name} (at most ${Math.round(limitMs / 1000)} s) ──`);
  const lines: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, script)], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  current = child;
  let partial = '';
  child.stdout?.on('data', (d: Buffer) => {
    process.stdout.write(d);
    const all = (partial + d.toString()).split('\n');
    partial = all.pop() ?? '';
    lines.push(...all);
  });
  let kill: NodeJS.Timeout | undefined;
  const stop = setTimeout(
    () => {
      say(`${name} is over its time limit: stopping it`);
      child.kill('SIGINT');
      kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    },
    Math.max(1000, limitMs),
  );
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  clearTimeout(stop);
  clearTimeout(kill);
  current = undefined;
  if (partial) lines.push(partial);
  const seconds = (Date.now() - started) / 1000;
  say(`${name} ${code === 0 ? 'finished' : `ended with code ${code}`} in ${seconds.toFixed(0)} s`);
  return { code, seconds, lines };
}

/** A bench's JSON result, if this run wrote it. */
function result<T>(name: string): T | undefined {
  const file = join(resultsDir, `${name}.json`);
  if (!existsSync(file)) return undefined;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as T & { at?: string };
  return parsed.at && Date.parse(parsed.at) >= t0 ? parsed : undefined;
}

interface EngineJson {
  n: number;
  engine: { cycles: number; starts_per_s: number; attempts_per_s: number; lateness_p99_ms: number };
  floor: { attempts_per_s: number };
  peer: { attempts_per_s: number; lateness_p99_ms: number };
  ratios: { engine_vs_floor: number; engine_vs_peer: number; lateness_p99_vs_peer: number };
}
interface ScaleJson {
  submit: { submitted: number; requested: number; per_s: number; seconds: number };
  worker_rss_sleeping_mb: number;
  active_account: { p50_ms: number; p99_ms: number };
}
interface ApiJson {
  endpoints: { endpoint: string; p50_ms: number; p99_ms: number }[];
}

async function main() {
  const env = (name: string, fallback: string) => process.env[name] ?? fallback;
  say(`budget ${BUDGET_MS / 1000} s; load average ${loadAvg()}; Postgres ${await postgresVersion()}`);
  const ran: Record<string, { code: number | null; seconds: number }> = {};

  // Shares of the budget: the engine ~40 %, the scale bench what is left after keeping ~150 s for the
  // API and metrics benches. Each bench's own deadlines sit inside its share, so it ends with results.
  const engineShare = Math.min(left() * 0.4, 300_000);
  ran.engine = await run(
    'engine',
    'bench/engine.ts',
    {
      BENCH_ENGINE_N: env('BENCH_ENGINE_N', '2000'),
      BENCH_ENGINE_SUBMIT_BUDGET_S: String(Math.floor((engineShare * 0.4) / 1000)),
      BENCH_ENGINE_TIMEOUT_S: String(Math.floor((engineShare * 0.15) / 1000)),
    },
    engineShare,
  );
  if (!interrupted) {
    const share = Math.max(60_000, left() - 170_000);
    ran.scale = await run(
      'scale',
      'bench/scale.ts',
      {
        BENCH_SCALE_N: env('BENCH_SCALE_N', '20000'),
        BENCH_SCALE_SUBMIT_BUDGET_S: String(Math.max(20, Math.floor((share - 45_000) / 1000))),
      },
      share,
    );
  }
  if (!interrupted) {
    const share = Math.max(60_000, Math.min(110_000, left() - 60_000));
    ran.api = await run(
      'api',
      'bench/api.ts',
      {
        BENCH_API_N: env('BENCH_API_N', '2000'),
        BENCH_API_SUBMIT_BUDGET_S: String(Math.max(10, Math.floor((share - 65_000) / 1000))),
      },
      share,
    );
  }
  let metricsLine = 'not run';
  if (!interrupted && existsSync(join(projectRoot, 'bench', 'metrics.ts'))) {
    // Its default history (1,000,000 attempts) takes longer to generate than the whole budget.
    const m = await run(
      'metrics',
      'bench/metrics.ts',
      {
        METRICS_ATTEMPTS: env('METRICS_ATTEMPTS', '100000'),
        METRICS_DOCUMENTS: env('METRICS_DOCUMENTS', '30000'),
      },
      Math.max(60_000, left()),
    );
    ran.metrics = m;
    metricsLine =
      m.lines.find((l) => l.startsWith('summary:'))?.replace(/^summary:\s*/, '') ?? `exit code ${m.code}`;
  } else if (!existsSync(join(projectRoot, 'bench', 'metrics.ts'))) {
    metricsLine = 'bench/metrics.ts not present';
  }

  const engine = result<EngineJson>('engine');
  const scale = result<ScaleJson>('scale');
  const api = result<ApiJson>('api');
  const mark = (ok: boolean | undefined) => (ok === undefined ? 'no result' : ok ? 'met' : 'MISSED');
  const worstApi = api?.endpoints.reduce((a, b) => (b.p99_ms > a.p99_ms ? b : a));
  const rows: Row[] = [
    {
      target: 'engine attempts/s ≥ 0.5 × Temporal floor',
      measured: engine
        ? `${engine.engine.attempts_per_s} vs ${engine.floor.attempts_per_s} /s = ${engine.ratios.engine_vs_floor.toFixed(2)}×`
        : '–',
      status: mark(engine && engine.ratios.engine_vs_floor >= 0.5),
    },
    {
      target: 'attempt lateness p99 ≤ 1 s',
      measured: engine ? `${engine.engine.lateness_p99_ms} ms` : '–',
      status: mark(engine && engine.engine.lateness_p99_ms <= 1000),
    },
    {
      target: '≥ 100 submits/s (REST, 50 concurrent)',
      measured: scale
        ? `${scale.submit.per_s}/s (scale: ${scale.submit.submitted} of ${scale.submit.requested} in ${scale.submit.seconds} s); engine ${engine?.engine.starts_per_s ?? '–'}/s`
        : '–',
      status: mark(scale && scale.submit.per_s >= 100),
    },
    {
      target: 'API p99 ≤ 50 ms (100 connections)',
      measured: worstApi ? `worst ${worstApi.p99_ms} ms (${worstApi.endpoint})` : '–',
      status: mark(worstApi && worstApi.p99_ms <= 50),
    },
    {
      target: 'active_account p99 ≤ 50 ms over sleeping cycles (50 clients)',
      measured: scale ? `${scale.active_account.p99_ms} ms` : '–',
      status: mark(scale && scale.active_account.p99_ms <= 50),
    },
    {
      target: 'vs pg-boss: attempts/s, lateness p99 (engine ÷ peer)',
      measured: engine
        ? `${engine.ratios.engine_vs_peer.toFixed(2)}×, ${engine.ratios.lateness_p99_vs_peer.toFixed(2)}×`
        : '–',
      status: 'info',
    },
    { target: 'metrics bench', measured: metricsLine, status: 'info' },
  ];
  process.stdout.write('\nSummary\n');
  printTable(rows);
  const total = (Date.now() - t0) / 1000;
  writeResult('summary', { budget_s: BUDGET_MS / 1000, total_s: Math.round(total), ran, rows });
  const met = rows.filter((r) => r.status === 'met').length;
  const judged = rows.filter((r) => r.status === 'met' || r.status === 'MISSED').length;
  process.stdout.write(
    `ratio: ${met}/${judged} targets met in ${total.toFixed(0)} s of a ${BUDGET_MS / 1000} s budget (load average ${loadAvg()}); results in bench/results/\n`,
  );
  if (interrupted) process.exit(130);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : err}\n`);
  current?.kill('SIGINT');
  process.exit(1);
});
