import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIEWER_MESSAGE } from '../../api/roles';
import { LruMap } from '../../auth/lru-map';
import { openTokenCache, TokenCache } from '../../auth/token-cache';
import { createToken, ensureToken, revokeTokens } from '../../auth/tokens';
import type { ManualRetryClient } from '../../client/manual-retries';
import { LISTENER_APPLICATION_NAME } from '../../db/channel-listener';
import { createDb, type Db, type DbHandle } from '../../db/client';
import { queryRows } from '../../db/rows';
import { apiTokens, users } from '../../db/schema';
import type { Role } from '../../domain/role';
import { basic, testApp } from '../support/api';
import { type DbKind, dbKinds, openTestDb } from '../support/databases';

// Issue 18: verified logins are cached, and revocation stays immediate on every process: the
// database's triggers notify every change of api_tokens and users that can change a login, each
// process forgets on the notification, the revoking process before it answers, and the cache serves
// nothing while its subscription is not known to be up. Waits are on the cache's events, never sleeps.

type Login = { email: string; token: string };
type Who = Login & { id: number };

/** The status of a read with the given login. */
async function statusIn(app: Awaited<ReturnType<typeof testApp>>['app'], who: Login): Promise<number> {
  return (await app.request('/api/v1/config', { headers: basic(who.email, who.token) })).status;
}

/**
 * Deletes a token row behind the triggers' back (session_replication_role = replica skips them), so no
 * notification is sent: what a cache still answers afterwards came from memory, not the database.
 */
async function deleteUnnoticed(db: Db, id: number): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    await tx.delete(apiTokens).where(eq(apiTokens.id, id));
  });
}

describe.each<DbKind>(dbKinds)('the verified-token cache on %s', (kind) => {
  let handle: DbHandle & { url?: string };
  /**
   * Where "another process" (the CLI on the data directly) makes its changes: on Postgres a pool of its
   * own; PGlite has one session per data directory (db/pglite-lock.ts), so there it is the same handle.
   */
  let other: DbHandle;
  let t: Awaited<ReturnType<typeof testApp>>;
  let cache: TokenCache;
  let n = 0;

  beforeAll(async () => {
    handle = await openTestDb(kind);
    other = kind === 'postgres' ? await createDb({ kind, url: handle.url ?? '', poolSize: 2 }) : handle;
    t = await testApp(kind, { db: handle, manualRetries: {} as ManualRetryClient });
    cache = t.tokenCache as TokenCache;
  });
  afterAll(async () => {
    await t?.close();
    if (other !== handle) await other?.close();
    await handle?.close();
  });

  const create = async (role: Role = 'operator'): Promise<Who> => {
    const email = `cached-${++n}@example.com`;
    return { email, ...(await createToken(handle.db, email, role)) };
  };
  const statusAs = (who: Login) => statusIn(t.app, who);
  const keyStatus = async (token: string) =>
    (await t.app.request('/subscriptions/none/billing-cycles', { headers: { 'x-api-key': token } })).status;
  /** Resolves at the cache's next invalidation; made before the change, awaited after it. */
  const nextInvalidation = (c = cache) => once(c.events, 'invalidated');

  it('is up once LISTEN is confirmed', () => {
    expect(cache.stats().live).toBe(true);
  });

  it('answers a login it verified from memory: no lookup, even once the row is gone unnoticed', async () => {
    const who = await create();
    expect(await statusAs(who)).toBe(200);
    const before = cache.stats();
    for (let i = 0; i < 3; i++) expect(await statusAs(who)).toBe(200);
    expect(cache.stats()).toMatchObject({ lookups: before.lookups, hits: before.hits + 3 });
    // x-api-key is cached on its own key: looked up once, then from memory.
    expect(await keyStatus(who.token)).toBe(200);
    expect(await keyStatus(who.token)).toBe(200);
    expect(cache.stats()).toMatchObject({ lookups: before.lookups + 1, hits: before.hits + 4 });

    await deleteUnnoticed(other.db, who.id);
    expect(await statusAs(who)).toBe(200);
    expect(cache.stats().lookups).toBe(before.lookups + 1);
  });

  it('refuses a token revoked through another connection (as the CLI does) once the notification is in', async () => {
    const who = await create();
    expect(await statusAs(who)).toBe(200);
    expect(await statusAs(who)).toBe(200);
    const notified = nextInvalidation();
    expect(await revokeTokens(other.db, { id: who.id })).toBe(1);
    await notified;
    expect(cache.stats().size).toBe(0);
    expect(await statusAs(who)).toBe(401);
    expect(await keyStatus(who.token)).toBe(401);
  });

  it('refuses a token revoked through the API on the very next request, before any notification', async () => {
    // A cache whose subscription is "up" but that no notification ever reaches: only the route's own
    // invalidation can make the next request fail.
    const deaf = new TokenCache();
    deaf.subscriptionUp();
    const app = (await testApp(kind, { db: handle, tokenCache: deaf })).app;
    const who = await create();
    expect(await statusIn(app, who)).toBe(200);
    expect(await statusIn(app, who)).toBe(200);
    expect(deaf.stats()).toMatchObject({ hits: 1, size: 1 });
    // The shared cache's notification of this revocation, awaited so it cannot reach a later test.
    const notified = nextInvalidation();
    const res = await app.request('/api/v1/tokens/revoke', {
      method: 'POST',
      headers: { ...basic(), 'content-type': 'application/json' },
      body: JSON.stringify({ id: who.id }),
    });
    expect(res.status).toBe(200);
    expect(await statusIn(app, who)).toBe(401);
    await notified;
  });

  it('forgets a login whose role changed, whose token moved to another user, or whose user changed', async () => {
    const write = async (who: Login) => {
      const res = await t.app.request('/api/v1/tokens', {
        method: 'POST',
        headers: { ...basic(who.email, who.token), 'content-type': 'application/json' },
        body: JSON.stringify({ email: `made-${++n}@example.com` }),
      });
      return { status: res.status, message: ((await res.json()) as { message?: string }).message };
    };
    const demoted = await create('operator');
    expect((await write(demoted)).status).toBe(201);
    let notified = nextInvalidation();
    await other.db.update(apiTokens).set({ role: 'viewer' }).where(eq(apiTokens.id, demoted.id));
    await notified;
    expect(await write(demoted)).toEqual({ status: 403, message: VIEWER_MESSAGE });

    const moved = await create();
    expect(await statusAs(moved)).toBe(200);
    notified = nextInvalidation();
    await ensureToken(other.db, 'new-owner@example.com', moved.token);
    await notified;
    expect(await statusAs(moved)).toBe(401);
    expect(await statusAs({ email: 'new-owner@example.com', token: moved.token })).toBe(200);

    const renamed = await create();
    expect(await statusAs(renamed)).toBe(200);
    notified = nextInvalidation();
    await other.db.update(users).set({ email: 'renamed@example.com' }).where(eq(users.email, renamed.email));
    await notified;
    expect(await statusAs(renamed)).toBe(401);
    expect(await statusAs({ email: 'renamed@example.com', token: renamed.token })).toBe(200);

    const gone = await create();
    expect(await statusAs(gone)).toBe(200);
    notified = nextInvalidation();
    await other.db.delete(users).where(eq(users.email, gone.email));
    await notified;
    expect(await statusAs(gone)).toBe(401);
  });

  it('never keeps a failure: every wrong guess is looked up, and the limiter counts it', async () => {
    const limited = await testApp(kind, { db: handle, failedAuthMax: 4 });
    const own = limited.tokenCache as TokenCache;
    try {
      const who = await create();
      expect(await statusIn(limited.app, who)).toBe(200);
      expect(await statusIn(limited.app, who)).toBe(200);
      const before = own.stats();
      expect(before.size).toBe(1);
      const guesses = [
        { email: who.email, token: `${who.token}x` },
        { email: 'someone-else@example.com', token: who.token },
        { email: who.email, token: who.token.slice(0, -1) },
        { email: who.email, token: `${who.token}x` },
      ];
      for (const guess of guesses) expect(await statusIn(limited.app, guess)).toBe(401);
      expect(own.stats()).toMatchObject({ lookups: before.lookups + 4, hits: before.hits, size: 1 });
      // Four failures: blocked, cached login or not.
      expect(await statusIn(limited.app, who)).toBe(429);
    } finally {
      await limited.close();
    }
  });

  it('serves nothing while its subscription is not up: every request is looked up, a change seen at once', async () => {
    // Never confirmed: what a cache is between its start and LISTEN's answer, or while reconnecting.
    const unconfirmed = new TokenCache();
    const app = (await testApp(kind, { db: handle, tokenCache: unconfirmed })).app;
    const who = await create();
    for (let i = 0; i < 3; i++) expect(await statusIn(app, who)).toBe(200);
    expect(unconfirmed.stats()).toMatchObject({ lookups: 3, hits: 0, size: 0, live: false });
    await deleteUnnoticed(other.db, who.id);
    expect(await statusIn(app, who)).toBe(401);

    // A real subscription, closed: it forgets what it had and serves nothing more.
    const closing = await openTokenCache(handle);
    const app2 = (await testApp(kind, { db: handle, tokenCache: closing })).app;
    const kept = await create();
    expect(await statusIn(app2, kept)).toBe(200);
    expect(await statusIn(app2, kept)).toBe(200);
    expect(closing.stats()).toMatchObject({ hits: 1, size: 1, live: true });
    await closing.close();
    expect(closing.stats()).toMatchObject({ size: 0, live: false });
    await deleteUnnoticed(other.db, kept.id);
    expect(await statusIn(app2, kept)).toBe(401);
  });

  it('keeps no answer of a lookup that an invalidation (or a drop) overtook', async () => {
    const raced = new TokenCache();
    raced.subscriptionUp();
    const who = await create();
    // The lookup is on its way to the database when the change's notification comes in: its answer
    // may predate the change, so it is returned but not kept.
    const overtaken = raced.verifyCredentials(handle.db, who.email, who.token);
    raced.invalidate('a change committed meanwhile');
    expect(await overtaken).toMatchObject({ email: who.email });
    expect(raced.stats().size).toBe(0);
    // Overtaken by a drop: a change may have gone unnoticed meanwhile.
    const dropped = raced.verifyCredentials(handle.db, who.email, who.token);
    raced.subscriptionDown(new Error('dropped'));
    await dropped;
    expect(raced.stats().size).toBe(0);
    // Started while down, answered once up again: it may predate a change notified before LISTEN.
    const whileDown = raced.verifyCredentials(handle.db, who.email, who.token);
    raced.subscriptionUp();
    await whileDown;
    expect(raced.stats().size).toBe(0);
    await raced.verifyCredentials(handle.db, who.email, who.token);
    expect(raced.stats()).toMatchObject({ size: 1, lookups: 4 });
  });

  it('keeps at most maxEntries logins', async () => {
    const small = new TokenCache({ maxEntries: 2 });
    small.subscriptionUp();
    const app = (await testApp(kind, { db: handle, tokenCache: small })).app;
    const [a, b, c] = [await create(), await create(), await create()];
    for (const who of [a, b, c]) expect(await statusIn(app, who)).toBe(200);
    expect(small.stats()).toMatchObject({ size: 2, lookups: 3 });
    expect(await statusIn(app, c)).toBe(200);
    expect(await statusIn(app, a)).toBe(200); // the least recently used, forgotten: looked up again
    expect(small.stats()).toMatchObject({ size: 2, lookups: 4, hits: 1 });
  });

  it('forgets a login at its TTL even if nothing was notified', async () => {
    let now = 1_000_000;
    const timed = new TokenCache({ ttlMs: 60_000, now: () => now });
    timed.subscriptionUp();
    const app = (await testApp(kind, { db: handle, tokenCache: timed })).app;
    const who = await create();
    expect(await statusIn(app, who)).toBe(200);
    await deleteUnnoticed(other.db, who.id);
    now += 59_999;
    expect(await statusIn(app, who)).toBe(200);
    now += 1;
    expect(await statusIn(app, who)).toBe(401);
  });
});

// pg_terminate_backend exists only on Postgres; PGlite's one in-process session has no connection
// that could drop (its subscription ends only when closed, covered above).
describe('the verified-token cache when its Postgres connection drops', () => {
  it('serves nothing from the drop until LISTEN is back, then caches again', async () => {
    const handle = await openTestDb('postgres');
    let reconnect = () => {};
    const reconnecting = new Promise<void>((resolve) => {
      reconnect = resolve;
    });
    const cache = await openTokenCache(handle, { listen: { retryDelay: () => reconnecting } });
    const t = await testApp('postgres', { db: handle, tokenCache: cache });
    try {
      const who = { email: 'drop@example.com', ...(await createToken(handle.db, 'drop@example.com')) };
      expect(await statusIn(t.app, who)).toBe(200);
      expect(await statusIn(t.app, who)).toBe(200);
      expect(cache.stats()).toMatchObject({ hits: 1, size: 1, live: true });

      const down = once(cache.events, 'down');
      const [killed] = await queryRows<{ n: number }>(
        handle.db,
        sql`
        select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity
        where application_name = ${LISTENER_APPLICATION_NAME} and datname = current_database()) k`,
      );
      expect(killed?.n).toBe(1);
      await down;
      expect(cache.stats()).toMatchObject({ size: 0, live: false });
      const before = cache.stats().lookups;
      expect(await statusIn(t.app, who)).toBe(200);
      expect(await statusIn(t.app, who)).toBe(200);
      expect(cache.stats()).toMatchObject({ lookups: before + 2, size: 0 });
      await deleteUnnoticed(handle.db, who.id);
      expect(await statusIn(t.app, who)).toBe(401);

      const up = once(cache.events, 'up');
      reconnect();
      await up;
      const again = { email: 'back@example.com', ...(await createToken(handle.db, 'back@example.com')) };
      expect(await statusIn(t.app, again)).toBe(200);
      expect(await statusIn(t.app, again)).toBe(200);
      expect(cache.stats()).toMatchObject({ hits: 2, size: 1, live: true });
      const notified = once(cache.events, 'invalidated');
      await revokeTokens(handle.db, { id: again.id });
      await notified;
      expect(await statusIn(t.app, again)).toBe(401);
    } finally {
      await t.close();
      await cache.close();
      await handle.close();
    }
  });

  it('counts a connection that stops answering (a half-open one, no close ever comes) as down', async () => {
    const handle = await openTestDb('postgres');
    const proxy = await blackholeProxy(handle.url ?? '');
    // Only the listener goes through the proxy; the app's own queries go straight to the database.
    const proxied = await createDb({ kind: 'postgres', url: proxy.url, poolSize: 1 });
    const cache = await openTokenCache(proxied, {
      listen: { heartbeatMs: 500, retryDelay: () => new Promise(() => {}) },
    });
    // Up before its first heartbeat could even run (no timer runs between LISTEN's answer and here).
    expect(cache.stats().live).toBe(true);
    // A loaded machine may miss a beat before the proxy goes silent: every drop is recorded.
    const downs: unknown[] = [];
    cache.events.on('down', (err) => downs.push(err));
    const t = await testApp('postgres', { db: handle, tokenCache: cache });
    try {
      const who = { email: 'silent@example.com', ...(await createToken(handle.db, 'silent@example.com')) };
      expect(await statusIn(t.app, who)).toBe(200);
      proxy.swallow();
      if (cache.stats().live) await once(cache.events, 'down');
      expect(String(downs.at(-1))).toContain('did not answer');
      expect(cache.stats()).toMatchObject({ size: 0, live: false });
      await deleteUnnoticed(handle.db, who.id);
      expect(await statusIn(t.app, who)).toBe(401);
    } finally {
      await t.close();
      await cache.close();
      await proxied.close();
      await proxy.close();
      await handle.close();
    }
  });
});

/** A TCP proxy to the Postgres of `url` that, once told to, forwards nothing more and closes nothing. */
async function blackholeProxy(url: string) {
  const target = new URL(url);
  let swallowing = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => swallowing || upstream.write(chunk));
    upstream.on('data', (chunk) => swallowing || client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as AddressInfo).port);
  return {
    url: proxied.toString(),
    swallow: () => {
      swallowing = true;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('LruMap', () => {
  it('keeps at most its size, forgetting the least recently used first', () => {
    const lru = new LruMap<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1); // a is now the most recent
    lru.set('c', 3);
    expect(lru.size).toBe(2);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe(1);
    expect(lru.get('c')).toBe(3);
    lru.set('a', 4); // an update counts as a use
    lru.set('d', 5);
    expect([lru.get('a'), lru.get('c'), lru.get('d')]).toEqual([4, undefined, 5]);
    expect(() => new LruMap(0)).toThrow();
  });
});
