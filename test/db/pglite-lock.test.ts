import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client';
import { type LockHolder, lockFileOf, lockPgliteDir, PgliteLockedError } from '../../db/pglite-lock';
import { projectRoot } from '../../temporal/resolve-binary';

// The lock that makes one process the owner of a PGlite directory: real files, real processes (a
// holder that stays alive, one that is SIGKILLed, several racing for a stale lock).

const root = mkdtempSync(join(tmpdir(), 'cpr-pglite-lock-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
const freshDir = () => join(root, `db-${++n}`);

/** A holder process (test/support/pglite-lock-holder.ts) and the lines it prints. */
function holder(dir: string, goFile?: string) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(projectRoot, 'test/support/pglite-lock-holder.ts'),
      dir,
      ...(goFile ? [goFile] : []),
    ],
    { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  let out = '';
  const waiters: (() => void)[] = [];
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  /** The first line starting with `prefix` (waits for it; fails if the process exits first). */
  const line = (prefix: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const look = () => {
        const found = out.split('\n').find((l) => prefix.test(l));
        if (found) return resolve(found);
        if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`exited: ${out}`));
        waiters.push(look);
      };
      look();
      void exited.then(look);
    });
  return { child, line, exited, pid: child.pid as number };
}

/** A pid that certainly belonged to a process that is gone: one that was SIGKILLed and reaped. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGKILL');
  await exited;
  return child.pid as number;
}

const record = (over: Partial<LockHolder>): LockHolder => ({
  pid: process.pid,
  host: hostname(),
  startedAt: '2026-01-01T00:00:00.000Z',
  command: 'ghost',
  nonce: 'ghost-nonce',
  ...over,
});

const lockedBy = async (dir: string) => {
  const err = await lockPgliteDir(dir).then(
    (lock) => {
      lock.release();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PgliteLockedError);
  return err as PgliteLockedError;
};

describe('the PGlite directory lock', () => {
  it('is exclusive within a process, names its holder, and is gone after release', async () => {
    const dir = freshDir();
    const lock = await lockPgliteDir(dir);
    const file = lockFileOf(dir);
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
    const err = await lockedBy(dir);
    expect(err.holder.pid).toBe(process.pid);
    expect(err.message).toContain(`pid ${process.pid}`);
    lock.describe({ command: 'npm start', api: 'http://127.0.0.1:1234' });
    expect((await lockedBy(dir)).message).toMatch(
      /in use by npm start \(pid \d+, since .*, API http:\/\/127\.0\.0\.1:1234\)/,
    );
    lock.release();
    expect(existsSync(file)).toBe(false);
    (await lockPgliteDir(dir)).release();
  });

  it('makes a second createDb on the same directory fail at once, and lets it open once the first closes', async () => {
    const dir = freshDir();
    const first = await createDb({ kind: 'pglite', dataDir: dir });
    await expect(createDb({ kind: 'pglite', dataDir: dir })).rejects.toThrow(
      new RegExp(`PGlite directory .*db-\\d+ is in use by .*pid ${process.pid}`),
    );
    await first.close();
    expect(existsSync(lockFileOf(dir))).toBe(false);
    const second = await createDb({ kind: 'pglite', dataDir: dir });
    await second.close();
  });

  it('fails naming a live holder in another process, and takes the lock over once that process is SIGKILLed', async () => {
    const dir = freshDir();
    const h = holder(dir);
    expect(await h.line(/^won /)).toBe(`won ${h.pid}`);
    const err = await lockedBy(dir);
    expect(err.holder.pid).toBe(h.pid);
    expect(err.message).toContain(`pid ${h.pid}`);

    h.child.kill('SIGKILL');
    await h.exited;
    // The killed holder left its lock behind: stale, so the next opener takes it.
    expect(JSON.parse(readFileSync(lockFileOf(dir), 'utf8')).pid).toBe(h.pid);
    const lock = await lockPgliteDir(dir);
    expect(JSON.parse(readFileSync(lockFileOf(dir), 'utf8')).nonce).toBe(lock.holder.nonce);
    lock.release();
  });

  it('lets exactly one of several processes racing for a stale lock win; the others name the winner', async () => {
    const dir = freshDir();
    writeFileSync(lockFileOf(dir), JSON.stringify(record({ pid: await deadPid() })));
    const go = join(root, `go-${n}`);
    const racers = Array.from({ length: 5 }, () => holder(dir, go));
    await Promise.all(racers.map((r) => r.line(/^ready$/)));
    writeFileSync(go, '');
    const results = await Promise.all(racers.map((r) => r.line(/^(won|held) /)));
    const winners = results.filter((l) => l.startsWith('won '));
    expect(winners).toHaveLength(1);
    const winner = Number(winners[0]?.split(' ')[1]);
    expect(results.filter((l) => l === `held ${winner}`)).toHaveLength(racers.length - 1);
    expect(JSON.parse(readFileSync(lockFileOf(dir), 'utf8')).pid).toBe(winner);
    for (const r of racers) r.child.kill('SIGKILL');
    await Promise.all(racers.map((r) => r.exited));
  });

  it('takes over a lock whose pid was reused by another process (ours, as after a container restart)', async () => {
    const dir = freshDir();
    // Our pid, but another start time: the process that wrote it is gone and the pid came back.
    writeFileSync(lockFileOf(dir), JSON.stringify(record({ procStart: '1' })));
    const lock = await lockPgliteDir(dir);
    expect(lock.holder.nonce).not.toBe('ghost-nonce');
    lock.release();
  });

  it('takes over a damaged lock file, and counts a holder on another host as alive', async () => {
    const dir = freshDir();
    writeFileSync(lockFileOf(dir), '{"pid":');
    (await lockPgliteDir(dir)).release();

    writeFileSync(
      lockFileOf(dir),
      JSON.stringify(record({ host: 'elsewhere.example', pid: await deadPid() })),
    );
    const err = await lockedBy(dir);
    expect(err.message).toContain('on host elsewhere.example');
    expect(err.message).toContain(`delete ${lockFileOf(dir)}`);
  });

  it('leaves a stale lock to the live opener that is taking it over, and finishes the takeover of one that died', async () => {
    const dir = freshDir();
    const file = lockFileOf(dir);
    writeFileSync(file, JSON.stringify(record({ pid: await deadPid() })));
    const { ino } = statSync(file);
    const guard = `${file}.takeover-${ino}`;

    // A live opener (this process, as far as the file says) holds the guard: ours waits for it.
    writeFileSync(guard, JSON.stringify(record({ nonce: 'other-opener' })));
    const taking = lockPgliteDir(dir);
    await new Promise((r) => setImmediate(r));
    expect(JSON.parse(readFileSync(file, 'utf8')).nonce).toBe('ghost-nonce');
    rmSync(guard);
    (await taking).release();

    // An opener that died holding the guard: its guard is removed and the stale lock taken over.
    writeFileSync(file, JSON.stringify(record({ pid: await deadPid() })));
    const { ino: ino2 } = statSync(file);
    writeFileSync(
      `${file}.takeover-${ino2}`,
      JSON.stringify(record({ pid: await deadPid(), nonce: 'dead-opener' })),
    );
    const lock = await lockPgliteDir(dir);
    expect(existsSync(`${file}.takeover-${ino2}`)).toBe(false);
    lock.release();
  });
});
