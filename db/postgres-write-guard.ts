import type { Logger } from '../log/logger';

// postgres.js 3.4.9 can throw, outside any query, errors that concern only a connection it is about
// to drop:
// - a TypeError from a setImmediate that writes to a connection that has closed (porsager/postgres
//   #1154, #1208; fix proposed in #1176/#1209, unreleased);
// - the server's ErrorResponse when an idle connection is terminated (57P01 admin shutdown, e.g.
//   pg_terminate_backend; 57P02 crash shutdown; 57P03 cannot connect now), which it re-emits on a
//   socket whose listeners are already gone.
// Any query on that connection has already been rejected (and is retried by its caller: store
// activities are idempotent), and the pool opens a fresh connection on the next query. Uncaught, the
// stray error would take the whole worker down. This guard swallows exactly those errors; every
// other uncaught exception still ends the process.

let installed = false;

const fromPostgresConnection = (err: Error) => /postgres[\\/]src[\\/]connection\.js/.test(err.stack ?? '');

export function isPostgresNullSocketWrite(err: unknown): boolean {
  return (
    err instanceof TypeError &&
    err.message.includes("reading 'write'") &&
    fromPostgresConnection(err) &&
    (err.stack ?? '').includes('nextWrite')
  );
}

/** SQLSTATEs the server sends as it closes a connection, and postgres.js's own closed-connection codes. */
const DROPPED_CONNECTION_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);

export function isPostgresDroppedConnection(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && DROPPED_CONNECTION_CODES.has(code) && fromPostgresConnection(err);
}

/** For process entry points only: an uncaught exception listener replaces Node's default exit. */
export function installPostgresWriteGuard(logger?: Logger): void {
  if (installed) return;
  installed = true;
  process.on('uncaughtException', (err) => {
    if (isPostgresNullSocketWrite(err)) {
      logger?.warn({ err }, 'ignored a postgres.js write to a closed connection (porsager/postgres#1154)');
      return;
    }
    if (isPostgresDroppedConnection(err)) {
      logger?.warn({ err }, 'ignored a postgres.js error for a connection the server closed');
      return;
    }
    // Anything else ends the process, as it would without this listener.
    process.stderr.write(`uncaught exception: ${err.stack ?? String(err)}\n`);
    process.exit(1);
  });
}
