import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'sim/main.ts'], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  return { child, output: () => out };
}

async function firstLine(child: ChildProcess, output: () => string): Promise<string> {
  while (!output().includes('\n')) {
    if (child.exitCode !== null) throw new Error(`exited early: ${output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return output().split('\n')[0] ?? '';
}

describe('sim/main.ts', () => {
  it('prints its URL as one JSON line, serves, and stops cleanly on SIGTERM', {
    timeout: 20_000,
  }, async () => {
    const { child, output } = run({ SIM_PORT: '0', SIM_HOST: '127.0.0.1', SIM_LATENCY_MS: '5' });
    try {
      const line = JSON.parse(await firstLine(child, output));
      expect(line).toMatchObject({ msg: 'sim gateway listening', latency_ms: 5 });
      expect(line.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${line.url}/healthz`)).status).toBe(200);
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('stops when the IPC channel of the process that started it closes (its parent died)', {
    timeout: 20_000,
  }, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'sim/main.ts'], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'info', SIM_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d;
    });
    try {
      await firstLine(child, () => out);
      // What the kernel does to the channel when the parent is SIGKILLed.
      child.disconnect();
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      expect(out).toContain('"signal":"parent_gone"');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('exits 1 on a damaged ledger instead of starting empty (and charging known keys again)', {
    timeout: 20_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpr-sim-main-'));
    try {
      const path = join(dir, 'ledger.jsonl');
      writeFileSync(path, 'not json\n{"kind":"request","payment_method_id":"sim.approve"}\n');
      const { child, output } = run({ SIM_PORT: '0', SIM_LEDGER_PATH: path });
      const [code] = await once(child, 'exit');
      expect(code).toBe(1);
      expect(output()).toContain(`sim ledger ${path}: record 1 (byte 0) is not a valid ledger record`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 naming the bad variable and the expected form', { timeout: 20_000 }, async () => {
    const { child, output } = run({ SIM_PORT: 'abc' });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    const line = JSON.parse(output().split('\n')[0] ?? '');
    expect(line.msg).toContain('SIM_PORT must be an integer port between 0 and 65535');
    expect(line.msg).toContain('(got "abc")');
  });
});
