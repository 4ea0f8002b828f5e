import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../temporal/resolve-binary';
import { stopChild, waitUntil } from './child-process';

export interface SimulatorProcess {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Runs the simulated gateway (sim/main.ts) as a child process, as `npm start` and the tests do. With
 * `ledgerPath` its ledger survives restarts (a real gateway remembers its keys); without, it is in memory.
 */
export async function startSimulator(opts: {
  port: number;
  latencyMs?: number;
  ledgerPath?: string;
}): Promise<SimulatorProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'sim', 'main.ts')], {
    cwd: projectRoot,
    env: {
      ...process.env,
      SIM_PORT: String(opts.port),
      SIM_HOST: '127.0.0.1',
      SIM_LATENCY_MS: String(opts.latencyMs ?? 0),
      // Set either way, so an inherited SIM_LEDGER_PATH cannot make a throwaway simulator persistent.
      SIM_LEDGER_PATH: opts.ledgerPath ?? '',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    },
    // The IPC channel is how the simulator knows we are gone: it stops when the channel closes, even if
    // this process was SIGKILLed, instead of living on as an orphan that holds SIM_PORT.
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  // The channel must not keep this process alive by itself.
  child.channel?.unref();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${opts.port}`;
  try {
    await waitUntil(
      'simulated gateway',
      async () => {
        const res = await fetch(`${url}/healthz`);
        if (!res.ok) throw new Error(`status ${res.status}`);
      },
      { child, timeoutMs: 30_000, childOutput: () => stderr },
    );
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { url, process: child, stop: () => stopChild(child) };
}
