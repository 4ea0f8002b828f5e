import type { Logger } from '../log/logger';

// postgres.js 3.4.9 can throw from a setImmediate after a connection it was writing to has closed
// (porsager/postgres#1154, #1208; fix proposed in #1176/#1209, unreleased). The query on that
// connection has already been rejected with CONNECTION_CLOSED, so the stray throw carries no
// information, but being uncaught it would take the whole worker down. This guard swallows exactly
// that error and nothing else; every other uncaught exception still ends the process.

let installed = false;

export function isPostgresNullSocketWrite(err: unknown): boolean {
  return (
    err instanceof TypeError &&
    err.message.includes("reading 'write'") &&
    /postgres[\\/]src[\\/]connection\.js/.test(err.stack ?? '') &&
    (err.stack ?? '').includes('nextWrite')
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
    // Anything else ends the process, as it would without this listener.
    process.stderr.write(`uncaught exception: ${err.stack ?? String(err)}\n`);
    process.exit(1);
  });
}
