// What every bench script needs: a cleanup stack that also runs on Ctrl-C and on errors, a fresh
// Postgres database, a real Temporal dev server, child processes (worker, API, simulator) whose
// memory can be sampled, and progress output.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import postgres from 'postgres';
import { stopChild } from '../../runtime/child-process';
import { type DevServer, startDevServer } from '../../temporal/dev-server';
import { projectRoot, resolveTemporal } from '../../temporal/resolve-binary';

export const benchDir = join(projectRoot, 'bench');
export const resultsDir = join(benchDir, 'results');

const started = Date.now();
let prefix = 'bench';

/** Progress lines: `[engine +12.3s] …`. */
export function say(line: string): void {
  process.stdout.write(`[${prefix} +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);
}

export function setPrefix(name: string): void {
  prefix = name;
}

export function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const n = Number(raw.replaceAll('_', ''));
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return n;
}

// --- Cleanup ---------------------------------------------------------------------------------------

type Step = { name: string; run: () => Promise<unknown> };
const steps: Step[] = [];
let closing: Promise<void> | undefined;

/** Registers a cleanup step; steps run in reverse order of registration. */
export function defer(name: string, run: () => Promise<unknown>): void {
  steps.push({ name, run });
}

/** Runs every cleanup step once (later calls wait for the first), each bounded to 15 s. */
export function cleanup(): Promise<void> {
  closing ??= (async () => {
    for (const step of steps.splice(0).reverse()) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          step.run(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('timed out after 15 s')), 15_000);
          }),
        ]);
      } catch (err) {
        process.stderr.write(`cleanup: ${step.name} failed: ${String(err)}\n`);
      } finally {
        clearTimeout(timer);
      }
    }
  })();
  return closing;
}

/**
 * Runs `main` with cleanup on success, error, SIGINT and SIGTERM. Every process a script starts is
 * registered with `defer`, so none outlives it (short of SIGKILL of the script itself).
 */
export function runMain(name: string, main: () => Promise<void>): void {
  setPrefix(name);
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = true;
    say(`${signal}: stopping everything this script started`);
    void cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  main().then(
    async () => {
      await cleanup();
      process.exit(0);
    },
    async (err: unknown) => {
      // After a signal, failures of work cut short by the cleanup are expected: say nothing.
      if (signalled) return;
      process.stderr.write(`[${name}] failed: ${err instanceof Error ? (err.stack ?? err.message) : err}\n`);
      await cleanup();
      process.exit(1);
    },
  );
}

// --- Postgres --------------------------------------------------------------------------------------

export const adminUrl = () => process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** `cpr_bench_<tag>_<random>` on the admin server, dropped at cleanup. */
export async function createBenchDatabase(tag: string): Promise<{ url: string; name: string }> {
  const name = `cpr_bench_${tag}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  defer(`drop database ${name}`, async () => {
    const sql = postgres(adminUrl(), { max: 1, onnotice: () => {} });
    try {
      await sql.unsafe(`drop database if exists "${name}" with (force)`);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return { url: url.toString(), name };
}

export async function postgresVersion(): Promise<string> {
  const sql = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ v: string }[]>`select current_setting('server_version') as v`;
    return row?.v ?? 'unknown';
  } finally {
    await sql.end({ timeout: 5 });
  }
}

// --- Temporal --------------------------------------------------------------------------------------

/**
 * `BENCH_TEMPORAL_DYNAMIC_CONFIG=key=value,key=value`: dynamic config on top of the product's own
 * (temporal/dev-server.ts), to measure one setting against another without a code change, e.g.
 * `system.forceSearchAttributesCacheRefreshOnRead=true` for the CLI's default.
 */
export function benchDynamicConfig(raw = process.env.BENCH_TEMPORAL_DYNAMIC_CONFIG): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',').filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`BENCH_TEMPORAL_DYNAMIC_CONFIG: expected key=value, got ${pair}`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

/** The pinned dev server, headless and in memory, stopped at cleanup. */
export async function startTemporal(): Promise<DevServer> {
  const source = resolveTemporal({ cli: process.env.TEMPORAL_CLI, log: say });
  if (source.kind !== 'binary') throw new Error('unreachable');
  const dynamicConfig = benchDynamicConfig();
  if (Object.keys(dynamicConfig).length) say(`temporal dynamic config: ${JSON.stringify(dynamicConfig)}`);
  const server = await startDevServer({
    binary: source.path,
    startTimeoutMs: 90_000,
    log: say,
    dynamicConfig,
  });
  defer('temporal dev server', () => server.stop());
  return server;
}

/**
 * A prebuilt workflow bundle in a temporary file (removed at cleanup), as production workers load.
 * `preloadModules` are evaluated once per worker and shared (frozen) by every workflow, instead of
 * once per workflow run (see docs/BENCHMARKS.md).
 */
export async function bundleWorkflows(workflowsPath: string, preloadModules: string[] = []): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    logger: new DefaultLogger('WARN'),
    ...(preloadModules.length ? { preloadModules } : {}),
  });
  const dir = mkdtempSync(join(tmpdir(), 'cpr-bench-bundle-'));
  defer('workflow bundle', async () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'workflow-bundle.js');
  writeFileSync(file, code);
  return file;
}

/** Waits until some worker polls both the workflow and the activity side of `taskQueue`. */
export async function waitForPollers(client: Client, taskQueue: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [wf, act] = await Promise.all(
      [1, 2].map((taskQueueType) =>
        client.workflowService.describeTaskQueue({
          namespace: client.options.namespace,
          taskQueue: { name: taskQueue },
          taskQueueType,
        }),
      ),
    );
    if ((wf?.pollers?.length ?? 0) > 0 && (act?.pollers?.length ?? 0) > 0) return;
    if (Date.now() > deadline) throw new Error(`no worker polls ${taskQueue} after ${timeoutMs} ms`);
    await sleep(250);
  }
}

// --- Child processes -------------------------------------------------------------------------------

export interface NodeChild {
  child: ChildProcess;
  pid: number;
  output(): string;
  /** Resolves when the child exits (with its code). */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** `node --import tsx <script>` with `env`, stopped (SIGTERM, then SIGKILL) at cleanup. */
export function spawnNode(
  name: string,
  script: string,
  env: Record<string, string>,
  opts: { args?: string[]; nodeArgs?: string[]; onLine?: (line: string) => void } = {},
): NodeChild {
  const child = spawn(
    process.execPath,
    [...(opts.nodeArgs ?? []), '--import', 'tsx', join(projectRoot, script), ...(opts.args ?? [])],
    {
      cwd: projectRoot,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  let out = '';
  let partial = '';
  const collect = (d: Buffer) => {
    const text = d.toString();
    out = (out + text).slice(-20_000);
    if (opts.onLine) {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) opts.onLine(line);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const stop = () => stopChild(child, 8000);
  defer(name, stop);
  return { child, pid: child.pid, output: () => out, exited, stop };
}

/** Resident memory of a process in MB, from /proc/<pid>/status (VmRSS). */
export function rssMb(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs`: the peak and the latest. */
export function sampleRss(pid: number, everyMs = 500) {
  let peak = 0;
  let last = 0;
  const take = () => {
    const mb = rssMb(pid);
    if (mb !== undefined) {
      last = mb;
      peak = Math.max(peak, mb);
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  timer.unref();
  return {
    get peakMb() {
      return peak;
    },
    get lastMb() {
      take();
      return last;
    },
    stop: () => clearInterval(timer),
  };
}

// --- Measuring and printing ------------------------------------------------------------------------

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** Runs `fn(i)` for i in [0, n) with at most `concurrency` at once; stops starting new ones after `deadline`. */
export async function pool(
  n: number,
  concurrency: number,
  fn: (i: number) => Promise<void>,
  deadline = Number.POSITIVE_INFINITY,
): Promise<{ done: number; failed: number; errors: string[] }> {
  let next = 0;
  let done = 0;
  let failed = 0;
  const errors: string[] = [];
  const lane = async () => {
    while (next < n && Date.now() < deadline) {
      const i = next++;
      try {
        await fn(i);
        done++;
      } catch (err) {
        failed++;
        if (errors.length < 5) errors.push(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
  return { done, failed, errors };
}

/** Prints progress every `everyMs` until stopped. */
export function every(everyMs: number, fn: () => void | Promise<void>) {
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      await fn();
    } catch {
      // progress is best effort
    } finally {
      busy = false;
    }
  }, everyMs);
  return () => clearInterval(timer);
}

export type Row = Record<string, string | number>;

/** A plain-text table; numbers right-aligned. */
export function printTable(rows: readonly Row[]): void {
  const first = rows[0];
  if (!first) return;
  const cols = Object.keys(first);
  const cell = (v: string | number | undefined) =>
    typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(2)) : (v ?? '');
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: (string | number | undefined)[]) =>
    vals
      .map((v, i) =>
        typeof v === 'number' ? cell(v).padStart(width[i] ?? 0) : cell(v).padEnd(width[i] ?? 0),
      )
      .join('  ');
  process.stdout.write(`\n${line(cols)}\n${width.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const r of rows) process.stdout.write(`${line(cols.map((c) => r[c]))}\n`);
  process.stdout.write('\n');
}

export function writeResult(name: string, result: object): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${name}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ bench: name, at: new Date().toISOString(), loadavg: loadAvg(), ...result }, null, 2)}\n`,
  );
  return file;
}

export function loadAvg(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}

export const round = (n: number, digits = 1) => (Number.isFinite(n) ? +n.toFixed(digits) : Number.NaN);

// --- CPU accounting: where the time goes ------------------------------------------------------------

const TICKS = 100; // USER_HZ on Linux

function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds of the Postgres backends serving `database` (their process title names it), by pid.
 * Backends that exit between two readings take their time with them; the benches keep their pools open.
 */
function postgresCpuSeconds(database: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (title.startsWith('postgres: ') && title.includes(` ${database} `))
        out.set(Number(entry), procCpuSeconds(Number(entry)));
    } catch {
      // gone
    }
  }
  return out;
}

function machineCpuSeconds(): { busy: number; all: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const all = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: (all - idle) / TICKS, all: all / TICKS };
}

/**
 * Snapshots CPU time of the named processes, of Postgres and of the whole machine; `report()` gives
 * each one's share over the interval, in CPU seconds and in cores (1.0 = one core busy all along).
 */
export function cpuMeter(pids: Record<string, number>, database?: string) {
  const t0 = Date.now();
  const before = Object.fromEntries(Object.entries(pids).map(([n, p]) => [n, procCpuSeconds(p)]));
  const pg0 = database ? postgresCpuSeconds(database) : new Map<number, number>();
  const m0 = machineCpuSeconds();
  return {
    report(): Record<string, { cpu_s: number; cores: number }> {
      const wall = (Date.now() - t0) / 1000;
      const out: Record<string, { cpu_s: number; cores: number }> = {};
      const put = (name: string, s: number) => {
        out[name] = { cpu_s: round(s), cores: round(s / wall, 2) };
      };
      for (const [n, p] of Object.entries(pids)) put(n, procCpuSeconds(p) - (before[n] ?? 0));
      if (database) {
        let pg = 0;
        for (const [pid, cpu] of postgresCpuSeconds(database)) pg += cpu - (pg0.get(pid) ?? 0);
        put('postgres (this database)', pg);
      }
      const m1 = machineCpuSeconds();
      put('machine (all processes)', m1.busy - m0.busy);
      return out;
    },
  };
}

/** One line: each process's CPU in cores, and per unit of work (e.g. per cycle) when `per` is given. */
export function printCpu(
  title: string,
  report: Record<string, { cpu_s: number; cores: number }>,
  per?: { n: number; unit: string },
): void {
  say(
    `${title}: ${Object.entries(report)
      .map(
        ([n, r]) =>
          `${n} ${r.cores.toFixed(2)} cores${per && per.n > 0 ? ` (${((r.cpu_s * 1000) / per.n).toFixed(0)} ms/${per.unit})` : ''}`,
      )
      .join(', ')}`,
  );
}
