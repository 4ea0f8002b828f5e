import { AsyncLocalStorage } from 'node:async_hooks';
import { fileURLToPath } from 'node:url';
import { Mutex, PGlite, type QueryOptions, type Results, type Transaction } from '@electric-sql/pglite';

// PGlite is one session behind one lock: its public query(), exec(), describeQuery() and transaction()
// all wait for that lock, and transaction() holds it until its callback ends; only the `tx` handed to
// the callback runs queries without it (@electric-sql/pglite 0.5.16, src/base.ts). So a query on the
// outer handle from inside a transaction callback waits for its own transaction and never returns —
// and with it every later query of the process, across restarts of the same code path.
//
// GuardedPGlite closes that door in every environment:
// - a call on the outer handle made from inside one of its own open transactions (known through
//   AsyncLocalStorage, which follows the callback's awaits, timers and promises) throws
//   OuterHandleInTransactionError at once, which rolls the transaction back and frees the lock;
// - any other call that waits for the lock while one holder keeps it for longer than `lockWaitMs`
//   fails with PgliteLockTimeoutError naming that holder (its statement, or where its transaction was
//   opened), instead of waiting forever. A queue of short operations is progress, not a wedge: the
//   wait only fails when the lock has not changed hands for `lockWaitMs`.
// Drizzle's transactions call client.transaction() and run their statements on its `tx`, so they
// are guarded like any direct use.

/** How long one holder may keep the lock while others wait, before they fail. */
export const PGLITE_LOCK_WAIT_MS = 5_000;

export class OuterHandleInTransactionError extends Error {
  constructor(what: string, openedAt: string) {
    super(
      `PGlite: ${what} on the outer database handle inside an open transaction of the same database would wait forever for that transaction's lock; run it on the transaction's executor (tx) instead. The transaction was opened at ${openedAt}`,
    );
    this.name = 'OuterHandleInTransactionError';
  }
}

export class PgliteLockTimeoutError extends Error {
  constructor(what: string, waitedMs: number, holder: Holder) {
    super(
      `PGlite: ${what} waited ${waitedMs} ms for the database lock, held for ${Date.now() - holder.since} ms by ${holder.what()}`,
    );
    this.name = 'PgliteLockTimeoutError';
  }
}

/** What an operation is, described only when an error needs it (queries are the hot path). */
type Describe = () => string;

interface Holder {
  what: Describe;
  since: number;
}

/** Marks the async context of one transaction callback of one PGlite instance. */
interface OpenTransaction {
  db: GuardedPGlite;
  open: boolean;
  openedAt: Describe;
}

const insideTransaction = new AsyncLocalStorage<OpenTransaction>();

function describeSql(kind: string, text: string): Describe {
  return () => {
    const flat = text.replace(/\s+/g, ' ').trim();
    return `${kind} "${flat.length > 200 ? `${flat.slice(0, 200)}…` : flat}"`;
  };
}

const thisFile = fileURLToPath(import.meta.url);

/**
 * Where a transaction was opened: the application's frames (not this file's, node's or a library's).
 * The frames are captured now and formatted only if an error quotes them.
 */
function callerFrames(): Describe {
  // Drizzle's and PGlite's frames alone fill the default 10; the application's come after them.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const site = new Error();
  Error.stackTraceLimit = limit;
  return () => formatFrames(site.stack ?? '');
}

function formatFrames(stack: string): string {
  const frames = stack
    .split('\n')
    .slice(1)
    .map((line) => line.trim().replace(/^at /, ''))
    .filter((line) => !line.includes(thisFile) && !/node:internal|node_modules|<anonymous>/.test(line));
  return frames.length > 0 ? frames.slice(0, 6).join(' ← ') : '(stack unavailable)';
}

export class GuardedPGlite extends PGlite {
  readonly #gate = new Mutex();
  #holder: Holder | null = null;
  readonly #lockWaitMs: number;

  constructor(dataDir: string | undefined, guard: { lockWaitMs?: number } = {}) {
    super(dataDir);
    this.#lockWaitMs = guard.lockWaitMs ?? PGLITE_LOCK_WAIT_MS;
  }

  override async query<T>(query: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>> {
    const what = describeSql('query', query);
    return await this.#exclusive(what, () => super.query<T>(query, params, options));
  }

  override async exec(query: string, options?: QueryOptions): Promise<Array<Results>> {
    const what = describeSql('exec', query);
    return await this.#exclusive(what, () => super.exec(query, options));
  }

  override async describeQuery(query: string, options?: QueryOptions) {
    const what = describeSql('describeQuery', query);
    return await this.#exclusive(what, () => super.describeQuery(query, options));
  }

  override async transaction<T>(callback: (tx: Transaction) => Promise<T>): Promise<T> {
    const openedAt = callerFrames();
    return await this.#exclusive(
      () => `a transaction opened at ${openedAt()}`,
      () =>
        super.transaction(async (tx) => {
          const marker: OpenTransaction = { db: this, open: true, openedAt };
          try {
            return await insideTransaction.run(marker, () => callback(tx));
          } finally {
            // Work the callback left running keeps the context; once closed it may use the handle again.
            marker.open = false;
          }
        }),
    );
  }

  /** Refuses a call from inside an open transaction of this instance, else runs it under the gate. */
  async #exclusive<T>(what: Describe, run: () => Promise<T>): Promise<T> {
    const current = insideTransaction.getStore();
    if (current?.open && current.db === this) {
      throw new OuterHandleInTransactionError(what(), current.openedAt());
    }
    const release = await this.#acquire(what);
    this.#holder = { what, since: Date.now() };
    try {
      return await run();
    } finally {
      this.#holder = null;
      release();
    }
  }

  /**
   * The gate sits in front of PGlite's own lock and is taken in the same order by every public call,
   * so PGlite's lock is free whenever the gate is granted and the holder we name is the real one.
   */
  async #acquire(what: Describe): Promise<() => void> {
    const acquiring = this.#gate.acquire();
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<() => void>((resolve, reject) => {
        acquiring.then(resolve, reject);
        const check = () => {
          const holder = this.#holder;
          const held = holder ? Date.now() - holder.since : 0;
          if (holder && held >= this.#lockWaitMs) {
            reject(new PgliteLockTimeoutError(what(), Date.now() - started, holder));
            return;
          }
          timer = setTimeout(check, this.#lockWaitMs - held);
          timer.unref();
        };
        timer = setTimeout(check, this.#lockWaitMs);
        timer.unref();
      });
    } catch (e) {
      // Given up: when the gate comes our way after all, pass it straight on.
      if (e instanceof PgliteLockTimeoutError) void acquiring.then((release) => release());
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }
}
