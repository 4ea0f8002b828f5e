import type { ChildProcess } from 'node:child_process';

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
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
