import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../temporal/dev-server';
import { projectRoot, resolveTemporal } from '../../temporal/resolve-binary';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** pids whose command line contains `pattern` (pgrep exits 1 when there are none). */
function pgrep(pattern: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '(gone)';
  }
}

function descendants(pid: number): number[] {
  let out = '';
  try {
    out = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const children = out.split('\n').filter(Boolean).map(Number);
  return children.flatMap((child) => [child, ...descendants(child)]);
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('npm start (the all-in-one system)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cpr-start-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child?.pid && alive(child.pid)) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('comes up on embedded defaults, prints its URLs, and stops everything on Ctrl-C within 10 s', async () => {
    const [port, devPort, uiPort, simPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const source = resolveTemporal({});
    const cli = source.kind === 'binary' ? source.path : undefined;
    let stdout = '';
    child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts', 'start.ts')], {
      cwd: projectRoot,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATA_DIR: dataDir,
        PORT: String(port),
        TEMPORAL_DEV_PORT: String(devPort),
        TEMPORAL_UI_PORT: String(uiPort),
        SIM_PORT: String(simPort),
        TEMPORAL_CLI: cli,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    const api = `http://127.0.0.1:${port}`;
    await until(
      'the banner',
      async () => (stdout.includes('Press Ctrl-C to stop.') ? true : undefined),
      90_000,
    );
    expect(stdout).toContain(`${api}/docs`);
    expect(stdout).toContain(`http://127.0.0.1:${uiPort}`);
    expect(stdout).toMatch(/login +dev@localhost \/ cpr_/);

    expect((await fetch(`${api}/healthz`)).status).toBe(200);
    await until(
      'readiness',
      async () => ((await fetch(`${api}/readyz`)).status === 200 ? true : undefined),
      30_000,
    );
    expect((await fetch(`http://127.0.0.1:${uiPort}/`)).status).toBe(200);
    expect(existsSync(join(dataDir, 'pglite'))).toBe(true);
    expect(existsSync(join(dataDir, 'temporal.sqlite'))).toBe(true);
    const creds = JSON.parse(readFileSync(join(dataDir, 'dev-credentials.json'), 'utf8')) as {
      token: string;
    };
    expect(stdout).toContain(creds.token);

    const pid = child.pid as number;
    const tree = descendants(pid);
    expect(tree.length).toBeGreaterThanOrEqual(2); // the dev server and the simulator
    const started = Date.now();
    const exited = new Promise<number | null>((r) => child?.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    // Children exit on their own signal handling; give the kernel a moment to reap them.
    const leftovers = await until(
      'children to exit',
      async () => (tree.some(alive) ? undefined : []),
      3000,
    ).catch(() => tree.filter(alive).map((p) => `${p}: ${commandOf(p)}`));
    expect(leftovers).toEqual([]);
    expect(pgrep(join(dataDir, 'temporal.sqlite'))).toEqual([]);
  });
});
