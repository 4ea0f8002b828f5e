import { randomUUID } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// PGlite is Postgres in this process's memory, flushed to a directory: two processes that open the same
// directory each see their own copy and overwrite each other's files, silently (a token one of them
// creates, the other never sees; whichever writes last wins after a restart). So one process owns a
// directory: `<dir>.lock` beside it holds the owner's pid, host, process start time and, once known,
// what it is and where its API answers. A second opener fails at once naming the holder; a lock whose
// holder is dead (SIGKILL, power loss) is taken over.
//
// Why not flock: Node has no flock/fcntl lock without a native module. Why beside the directory and not
// in it: PGlite's initdb wants the directory to itself.
//
// Every file appears whole or not at all: it is written under a unique temporary name and then
// link()ed to its final name, which fails if that name exists (an atomic create-if-absent with its
// content already in place, so a reader never sees a half-written lock). Removing a stale lock is the
// delicate part: two openers that both saw it stale must not both remove it, or the second would
// delete the lock the first has just created. So a stale lock is removed only by the opener that
// creates `<lock>.takeover-<inode>` (exclusive, like the lock itself), and only after it checked,
// holding that guard, that the lock is still the same inode with a dead holder; nobody else can change
// such a file, so the check cannot go stale before the unlink. An opener that dies holding a guard
// leaves a guard with a dead holder, which is removed the same way (one level up).

export interface LockHolder {
  pid: number;
  host: string;
  /** Start time of the process (Linux /proc, clock ticks since boot): tells a reused pid from ours. */
  procStart?: string;
  startedAt: string;
  /** What the holder is, e.g. `npm start`. */
  command: string;
  /** Where the holder's API answers, once it does (the CLI goes through it). */
  api?: string;
  /** Tells this holder's lock from any other, whatever pid it has. */
  nonce: string;
}

export class PgliteLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly lockFile: string,
    readonly holder: LockHolder,
  ) {
    super(`PGlite directory ${dir} is in use by ${describeHolder(holder)}; ${advice(holder, lockFile)}`);
    this.name = 'PgliteLockedError';
  }
}

export function describeHolder(h: LockHolder): string {
  const where = h.host === hostname() ? '' : ` on host ${h.host}`;
  const api = h.api ? `, API ${h.api}` : '';
  return `${h.command} (pid ${h.pid}${where}, since ${h.startedAt}${api})`;
}

function advice(h: LockHolder, lockFile: string): string {
  if (h.host !== hostname()) {
    return `its liveness cannot be checked from here: stop it, or delete ${lockFile} if it is gone`;
  }
  return 'only one process may open it (stop that one, or go through its API)';
}

export interface PgliteLock {
  readonly file: string;
  readonly holder: LockHolder;
  /** Adds what the holder is and where its API answers (replaces the file atomically). */
  describe(extra: { command?: string; api?: string }): void;
  /** Removes the lock if it is still ours; idempotent. */
  release(): void;
}

const held = new Map<string, PgliteLock>();
let exitHookInstalled = false;
const MAX_TRIES = 50;

export const lockFileOf = (dir: string) => `${resolve(dir)}.lock`;

/** Takes `dir` for this process, or throws PgliteLockedError naming the live holder. */
export async function lockPgliteDir(dir: string): Promise<PgliteLock> {
  const file = lockFileOf(dir);
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    ...optional('procStart', processStart(process.pid)),
    startedAt: new Date().toISOString(),
    command: commandOfThisProcess(),
    nonce: randomUUID(),
  };
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    if (createExclusive(file, me)) return register(file, me);
    const seen = inspect(file);
    if (!seen) continue; // released meanwhile: try again
    if (seen.holder && holderAlive(seen.holder)) throw new PgliteLockedError(resolve(dir), file, seen.holder);
    await removeIfStale(file, seen.ino, me);
  }
  throw new Error(`could not take the lock ${file} after ${MAX_TRIES} tries (another opener keeps racing)`);
}

/** The holder of `dir`'s lock, if it is alive; null when nothing holds it. */
export function liveHolderOf(dir: string): LockHolder | null {
  const seen = inspect(lockFileOf(dir));
  return seen?.holder && holderAlive(seen.holder) ? seen.holder : null;
}

/** For the process that holds `dir`: record what it is and where its API answers. */
export function describeHeldDir(dir: string, extra: { command?: string; api?: string }): void {
  const lock = held.get(lockFileOf(dir));
  if (!lock) throw new Error(`this process does not hold ${lockFileOf(dir)}`);
  lock.describe(extra);
}

function register(file: string, me: LockHolder): PgliteLock {
  let holder = me;
  let released = false;
  const ours = () => inspect(file)?.holder?.nonce === me.nonce;
  const lock: PgliteLock = {
    file,
    get holder() {
      return holder;
    },
    describe(extra) {
      if (released || !ours()) throw new Error(`the lock ${file} is no longer ours`);
      holder = { ...holder, ...extra };
      // rename() replaces the file in one step; only the live holder ever does this, so no opener
      // can be in the middle of taking it over.
      const tmp = tmpName(file);
      writeFileSync(tmp, JSON.stringify(holder), { flag: 'wx' });
      renameSync(tmp, file);
    },
    release() {
      if (released) return;
      released = true;
      held.delete(file);
      // The file cannot change between this check and the unlink: we are its live holder.
      if (ours()) rmSync(file, { force: true });
    },
  };
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', releaseAll);
  }
  held.set(file, lock);
  return lock;
}

/**
 * A process that exits without closing its database (process.exit at a shutdown deadline) still leaves
 * no lock behind; only a kill does, and that is what the stale takeover is for.
 */
function releaseAll() {
  for (const lock of [...held.values()]) lock.release();
}

/**
 * Removes `file` if it is still the inode `ino` and its holder is dead, exclusively: under the guard
 * `<file>.takeover-<ino>`. Returns when the caller should look again (removed, or someone else is at it).
 */
async function removeIfStale(file: string, ino: number, me: LockHolder, depth = 0): Promise<void> {
  const guard = `${file}.takeover-${ino}`;
  if (createExclusive(guard, me)) {
    try {
      // Checked again under the guard: the inode may have been freed and reused by a live lock since.
      const now = inspect(file);
      if (now && now.ino === ino && !(now.holder && holderAlive(now.holder))) unlinkSync(file);
    } finally {
      rmSync(guard, { force: true });
    }
    return;
  }
  const g = inspect(guard);
  if (!g) return;
  if (g.holder && holderAlive(g.holder)) {
    // Another opener is taking the stale lock over right now (a few syscalls): let it finish.
    await sleep(10);
    return;
  }
  // The opener that held the guard died mid-takeover: remove its guard the same way.
  if (depth >= 3) throw new Error(`too many dead takeovers of ${file}; remove ${guard} by hand`);
  await removeIfStale(guard, g.ino, me, depth + 1);
}

/** Creates `file` with `holder` as its whole content, or answers false if it exists. */
function createExclusive(file: string, holder: LockHolder): boolean {
  const tmp = tmpName(file);
  writeFileSync(tmp, JSON.stringify(holder), { flag: 'wx' });
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

const tmpName = (file: string) => `${file}.${process.pid}.${randomUUID()}.tmp`;

/** The file's inode and holder (null if unreadable as one), or null if there is no file. */
function inspect(file: string): { ino: number; holder: LockHolder | null } | null {
  let ino: number;
  let text: string;
  try {
    ino = statSync(file).ino;
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  // Files appear whole (see above), so one that does not parse was damaged: it protects nobody.
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (
      typeof parsed.pid === 'number' &&
      typeof parsed.host === 'string' &&
      typeof parsed.nonce === 'string'
    ) {
      return { ino, holder: parsed as LockHolder };
    }
  } catch {}
  return { ino, holder: null };
}

/**
 * Whether the holder may still be running. On another host we cannot tell, so it counts as alive. A pid
 * that exists is checked against the start time recorded with it: after a restart (in a container, the
 * same pids come back) the pid may belong to another process, or to us.
 */
export function holderAlive(h: LockHolder): boolean {
  if (h.host !== hostname()) return true;
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(h.pid);
  if (stat === undefined) return true; // no /proc: the pid is all we have
  if (stat.state === 'Z' || stat.state === 'X') return false; // killed, not yet reaped
  return h.procStart === undefined || h.procStart === stat.start;
}

function procStat(pid: number): { state: string; start: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)", which may itself hold spaces: state is field 3, starttime field 22.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const [state, start] = [fields[0], fields[19]];
    return state && start ? { state, start } : undefined;
  } catch {
    return undefined;
  }
}

const processStart = (pid: number) => procStat(pid)?.start;

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** `npm start`, `npm run cli`, or the script node runs: what an operator would recognise. */
function commandOfThisProcess(): string {
  const event = process.env.npm_lifecycle_event;
  if (event) return event === 'start' || event === 'test' ? `npm ${event}` : `npm run ${event}`;
  return process.argv[1] ? `node ${basename(process.argv[1])}` : 'node';
}
