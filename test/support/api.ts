import { pino } from 'pino';
import { type AppDeps, createApp } from '../../api/app';
import type { ConsoleAssets } from '../../api/console';
import { createFailedAuthLimiter } from '../../api/failed-auth-limiter';
import { createReadiness } from '../../api/readiness';
import { openTokenCache, type TokenCache } from '../../auth/token-cache';
import type { CycleClient } from '../../client/cycles';
import type { ManualRetryClient } from '../../client/manual-retries';
import type { DbHandle } from '../../db/client';
import type { Logger } from '../../log/logger';
import { bootstrapStore } from '../../runtime/bootstrap';
import { type DbKind, openTestDb } from './databases';

export const TEST_USER = 'ops@example.com';
export const TEST_TOKEN = 'test-token-0123456789-abcdefghijklmnop';

export function basic(user = TEST_USER, token = TEST_TOKEN): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}` };
}

/**
 * An app over a fresh, bootstrapped database (default configuration and one user). With `db` it uses
 * that database instead (e.g. a cycle harness's, which keeps its own configuration and closes it
 * itself); with `cycles` it serves the CPR payment routes too. Its logins are cached as in production
 * (auth/token-cache.ts, listening on the database), unless `tokenCache` is false.
 */
export async function testApp(
  kind: DbKind = 'pglite',
  opts: {
    failedAuthMax?: number;
    db?: DbHandle;
    cycles?: CycleClient;
    manualRetries?: ManualRetryClient;
    /** The configured gateways (default: the harness's simulator, `sim`). */
    gatewayIds?: readonly string[];
    /** The operator console's bundle, served at /console. */
    console?: ConsoleAssets;
    /** The Temporal UI the cycle explorer links to (default: none). */
    temporalUi?: { namespace?: string; baseUrl?: string };
    /** The Stripe Billing connector (served with `cycles`). */
    stripe?: AppDeps['stripe'];
    /** Where the app logs (default: nowhere). */
    logger?: Logger;
    /** Tracing's HTTP middleware (test/observability). */
    httpTracing?: AppDeps['httpTracing'];
    /** false: no cache, every request looks its token up; a TokenCache: that one (closed by the caller). */
    tokenCache?: boolean | TokenCache;
  } = {},
) {
  const handle = opts.db ?? (await openTestDb(kind));
  await bootstrapStore(handle.db, { CPR_BOOTSTRAP_USER: TEST_USER, CPR_BOOTSTRAP_TOKEN: TEST_TOKEN });
  const ownCache = opts.tokenCache === undefined || opts.tokenCache === true;
  const tokenCache: TokenCache | undefined =
    typeof opts.tokenCache === 'object'
      ? opts.tokenCache
      : ownCache
        ? await openTokenCache(handle)
        : undefined;
  const app = createApp({
    db: handle.db,
    tokenCache,
    logger: opts.logger ?? pino({ level: 'silent' }),
    readiness: createReadiness(),
    limiter: createFailedAuthLimiter({ max: opts.failedAuthMax ?? 1000, windowMs: 60_000 }),
    ...(opts.cycles ? { cycles: opts.cycles, gatewayIds: opts.gatewayIds ?? ['sim'] } : {}),
    ...(opts.manualRetries ? { manualRetries: opts.manualRetries } : {}),
    ...(opts.console ? { console: opts.console } : {}),
    ...(opts.temporalUi ? { temporalUi: opts.temporalUi } : {}),
    ...(opts.stripe ? { stripe: opts.stripe } : {}),
    ...(opts.httpTracing ? { httpTracing: opts.httpTracing } : {}),
  });
  const json = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    app.request(path, {
      method,
      headers: {
        ...basic(),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  return {
    app,
    handle,
    tokenCache,
    json,
    close: async () => {
      if (ownCache) await tokenCache?.close();
      if (!opts.db) await handle.close();
    },
  };
}
