import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../temporal/dev-server';
import { projectRoot, resolveTemporal } from '../../temporal/resolve-binary';

// The real `npm start` (scripts/start.ts) on a temporary DATA_DIR and free ports, as
// test/foundation/start.test.ts starts it, and the CLI beside it.

export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The ports an `npm start` of a test listens on, all free. */
export interface StartPorts {
  port: number;
  devPort: number;
  uiPort: number;
  simPort: number;
  /** METRICS_PORT (our /metrics) and TEMPORAL_METRICS_PORT (the SDK's exporter). */
  metricsPort: number;
  temporalMetricsPort: number;
}

/**
 * The environment of an `npm start` in a test: a private DATA_DIR, free ports, the resolved Temporal
 * CLI, and nothing else of ours (no CPR_* or DATABASE_URL leaks in from the test process).
 */
export async function npmStartEnv(
  dataDir: string,
  extraEnv: Record<string, string | undefined> = {},
): Promise<{ env: Record<string, string | undefined>; ports: StartPorts }> {
  const ports = {
    port: await freePort(),
    devPort: await freePort(),
    uiPort: await freePort(),
    simPort: await freePort(),
    metricsPort: await freePort(),
    temporalMetricsPort: await freePort(),
  };
  const source = resolveTemporal({});
  return {
    ports,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATA_DIR: dataDir,
      PORT: String(ports.port),
      TEMPORAL_DEV_PORT: String(ports.devPort),
      TEMPORAL_UI_PORT: String(ports.uiPort),
      SIM_PORT: String(ports.simPort),
      METRICS_PORT: String(ports.metricsPort),
      TEMPORAL_METRICS_PORT: String(ports.temporalMetricsPort),
      TEMPORAL_CLI: source.kind === 'binary' ? source.path : undefined,
      LOG_LEVEL: 'warn',
      ...extraEnv,
    },
  };
}

export interface RunningStart {
  child: ChildProcess;
  pid: number;
  /** `http://127.0.0.1:<port>` */
  api: string;
  output(): string;
  /** SIGINT, as Ctrl-C; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `npm start` and waits until it is ready (banner printed, /readyz 200). */
export async function startNpmStart(
  dataDir: string,
  extraEnv: Record<string, string> = {},
): Promise<RunningStart> {
  const {
    env,
    ports: { port },
  } = await npmStartEnv(dataDir, extraEnv);
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts', 'start.ts')], {
    cwd: projectRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const api = `http://127.0.0.1:${port}`;
  await until(
    'the banner',
    async () => {
      if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${out}`);
      return out.includes('Press Ctrl-C to stop.') ? true : undefined;
    },
    120_000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${out}`);
  });
  await until(
    'readiness',
    async () => ((await fetch(`${api}/readyz`)).status === 200 ? true : undefined),
    60_000,
  );
  return {
    child,
    pid: child.pid as number,
    api,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      return await exited;
    },
  };
}

/** A second `npm start` on `dataDir` that is expected to give up by itself (it is killed after 2 minutes). */
export async function startExpectingFailure(dataDir: string) {
  const { env } = await npmStartEnv(dataDir, { LOG_LEVEL: 'silent' });
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts', 'start.ts')], {
    cwd: projectRoot,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** `npm run cli -- <args>` on `dataDir` with only the given environment (no CPR_* from ours). */
export function cli(dataDir: string, args: string[], extraEnv: Record<string, string> = {}) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(projectRoot, 'scripts', 'cli.ts'), ...args],
    {
      cwd: projectRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, ...extraEnv },
      encoding: 'utf8',
    },
  );
  return { code: r.status, out: r.stdout, err: r.stderr };
}
