import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from '../../../temporal/resolve-binary';

// `npm start` (scripts/start.ts) as a process group of its own, so a test can SIGKILL all of it at once
// (the node process, its dev Temporal server and its simulated gateway), as a power cut or the OOM
// killer of a container would, and check that nothing of it is left running.

export interface StartedSystem {
  child: ChildProcess;
  /** Process group id (= the pid of the node process, the group's leader). */
  pgid: number;
  output(): string;
  /** SIGKILLs the whole group and resolves once every process of it is gone. */
  killGroup(timeoutMs?: number): Promise<void>;
}

/** Pids of the processes in a process group (pgrep exits 1 when there are none). */
export function groupMembers(pgid: number): number[] {
  try {
    return execFileSync('pgrep', ['-g', String(pgid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

export function commandOf(pid: number): string {
  try {
    return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
  } catch {
    return '(gone)';
  }
}

export function spawnStart(env: Record<string, string | undefined>): StartedSystem {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts', 'start.ts')], {
    cwd: projectRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, whose id is its pid: process.kill(-pgid) reaches every process in it.
    detached: true,
  });
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const pgid = child.pid;
  if (pgid === undefined) throw new Error('npm start did not spawn');
  return {
    child,
    pgid,
    output: () => out,
    async killGroup(timeoutMs = 30_000) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const left = groupMembers(pgid);
        if (left.length === 0 && (child.exitCode !== null || child.signalCode !== null)) return;
        if (Date.now() > deadline) {
          throw new Error(
            `processes of npm start still alive after SIGKILL: ${left.map((p) => `${p} ${commandOf(p)}`).join('; ')}`,
          );
        }
        await sleep(100);
      }
    },
  };
}
