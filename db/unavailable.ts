import { isSocketSystemError } from './postgres-write-guard';

// A request that fails because the database cannot be reached (down, restarting, out of connections,
// a connection dropped mid-query) is the server's temporary state, not a bug: the API answers 503 with
// Retry-After so clients retry, instead of a 500 that reads as "never send this again".

/** postgres.js's own codes for a connection that could not be made or was lost. */
const DRIVER_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

/**
 * SQLSTATEs of an unavailable server: class 08 (connection exception), 53300 too many connections,
 * 57P01–57P03 (shut down, crashed, starting up).
 */
const unavailableState = (code: string) =>
  code.startsWith('08') || code === '53300' || /^57P0[123]$/.test(code);

/** True for a database-unavailable error, also when drizzle wrapped it (`cause`). */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      (DRIVER_CODES.has(code) || (code.length === 5 && unavailableState(code)))
    ) {
      return true;
    }
    if (isSocketSystemError(e)) return true;
  }
  return false;
}
