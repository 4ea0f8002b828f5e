import type { Logger } from '../log/logger';

// postgres.js 3.4.9 can throw, outside any query, errors that concern only a connection it is about
// to drop:
// - a TypeError from a setImmediate that writes to a connection that has closed (porsager/postgres
//   #1154, #1208; fix proposed in #1176/#1209, unreleased);
// - the server's ErrorResponse when an idle connection is terminated (57P01 admin shutdown, e.g.
//   pg_terminate_backend; 57P02 crash shutdown; 57P03 cannot connect now), which it re-emits on a
//   socket whose listeners are already gone.
// - a system error of the socket itself (`read ECONNRESET`, `write EPIPE`, …) when the server or a
//   proxy resets a connection: postgres.js drops its socket listeners as the connection closes, so an
//   error the socket reports afterwards has no listener and Node throws it. Its stack holds only Node's
//   own frames (`TCP.onStreamRead`), so it cannot be traced to the driver; but nothing else in our
//   processes owns a raw socket without an error listener (Temporal's connections live in the SDK's
//   Rust core, gateways and webhooks go through fetch, whose errors are rejections it handles), so an
//   unhandled socket error is always a dropped database connection.
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

/** What the operating system reports for a connection that was reset, broke or never answered. */
const SOCKET_ERROR_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'ENOTCONN',
  'ECONNABORTED',
]);
const SOCKET_SYSCALLS = new Set(['read', 'write', 'connect']);

/**
 * A socket's own system error (a real errno from a read, write or connect), not an application error
 * that borrowed its code: all three fields are set only by Node's libuv bindings.
 */
export function isSocketSystemError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const { code, syscall, errno } = err as { code?: unknown; syscall?: unknown; errno?: unknown };
  return (
    typeof code === 'string' &&
    SOCKET_ERROR_CODES.has(code) &&
    typeof syscall === 'string' &&
    SOCKET_SYSCALLS.has(syscall) &&
    typeof errno === 'number' &&
    errno < 0
  );
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
    if (isSocketSystemError(err)) {
      logger?.warn({ err }, 'ignored a system error of a dropped database connection');
      return;
    }
    // Anything else ends the process, as it would without this listener.
    process.stderr.write(`uncaught exception: ${err.stack ?? String(err)}\n`);
    process.exit(1);
  });
}
