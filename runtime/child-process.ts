import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

let setpriv: string | null | undefined;
/** util-linux's `setpriv`, if it is there and knows `--pdeathsig` (2.33, 2019, and later). */
function setprivWithPdeathsig(): string | null {
  if (setpriv !== undefined) return setpriv;
  setpriv = null;
  if (process.platform !== 'linux') return setpriv;
  for (const path of ['/usr/bin/setpriv', '/bin/setpriv']) {
    if (!existsSync(path)) continue;
    try {
      if (execFileSync(path, ['--help'], { encoding: 'utf8', timeout: 5000 }).includes('--pdeathsig')) {
        setpriv = path;
      }
    } catch {
      // not usable
    }
    break;
  }
  return setpriv;
}

/**
 * The command line that runs `command` so that the kernel sends it SIGTERM when its parent dies, even by
 * SIGKILL (Linux, through `setpriv --pdeathsig`, which then execs the command: same pid, same signals).
 * A child that is not Node cannot watch its parent itself, and an orphaned dev Temporal server would
 * keep its port and its SQLite file, so the next `npm start` could not start. Where setpriv is missing
 * the command runs as it is.
 */
export function dyingWithParent(command: string, args: string[]): { command: string; args: string[] } {
  const wrapper = setprivWithPdeathsig();
  return wrapper
    ? { command: wrapper, args: ['--pdeathsig', 'TERM', '--', command, ...args] }
    : { command, args };
}

/** Polls `check` until it resolves, the child dies, or the deadline passes. */
export async function waitUntil(
  what: string,
  check: () => Promise<void>,
  opts: { child?: ChildProcess; timeoutMs: number; childOutput?: () => string },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (opts.child && opts.child.exitCode !== null) {
      throw new Error(
        `${what} exited with code ${opts.child.exitCode}: ${opts.childOutput?.().trim() ?? ''}`,
      );
    }
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`${what} not ready after ${opts.timeoutMs} ms: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
