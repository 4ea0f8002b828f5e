import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { listenForTokenChanges } from '../db/api-tokens';
import type { PostgresListenOptions } from '../db/channel-listener';
import type { Db, DbHandle } from '../db/client';
import type { Logger } from '../log/logger';
import { LruMap } from './lru-map';
import { type Login, verifyCredentials, verifyToken } from './tokens';

// Successful token verifications, kept in memory so a request with credentials seen recently costs no
// database lookup. Revocation stays immediate on every process because the database says when to
// forget: triggers on api_tokens and users notify a channel in the committing transaction
// (db/api-tokens.ts), every process LISTENs on it and forgets everything on each notification; the
// API's revoke route also forgets at once, before it answers.
//
// A notification missed is a revoked token that keeps working, so the cache answers only while its
// subscription is known to be up (db/channel-listener.ts): before LISTEN is confirmed, and from the
// moment the connection drops (or stops answering its heartbeat) until LISTEN is in place again,
// every request goes to the database, and everything learnt before the drop is forgotten. The TTL is
// a backstop for a change the triggers do not see (e.g. made with triggers disabled).
//
// Failures are never kept: a wrong guess always costs its lookup and counts for the failed-auth limiter.
// The key is the SHA-256 of what was presented (scheme, email, token), so a hit needs the exact same
// credentials. The map compares digests, not secrets: its timing can tell at most how much of a
// guess's digest matches a stored one, which says nothing about the token (as with the database's
// index on the token's digest).

export const DEFAULT_TOKEN_CACHE_ENTRIES = 10_000;
export const DEFAULT_TOKEN_CACHE_TTL_MS = 60_000;

export interface TokenCacheOptions {
  /** How many logins are kept, least recently used forgotten first (default 10,000). */
  maxEntries?: number;
  /** How long a login is kept at most, whatever the notifications say (default 60 s). */
  ttlMs?: number;
  /** The clock, in ms (tests). */
  now?: () => number;
}

export interface TokenCacheStats {
  /** Requests answered from memory. */
  hits: number;
  /** Requests that looked their credentials up in the database. */
  lookups: number;
  /** Times everything was forgotten because a token or user changed (notified or revoked here). */
  invalidations: number;
  size: number;
  /** Whether hits are served: the subscription is up. */
  live: boolean;
}

type Events = { invalidated: [reason: string]; up: []; down: [err: unknown] };

interface Entry {
  login: Readonly<Login>;
  expiresAt: number;
}

const keyOf = (parts: readonly string[]) =>
  createHash('sha256').update(JSON.stringify(parts)).digest('base64');

export class TokenCache {
  /** `invalidated`, `up`, `down`: what tests (and logs) wait for instead of sleeping. */
  readonly events = new EventEmitter<Events>();
  readonly #entries: LruMap<string, Entry>;
  readonly #ttlMs: number;
  readonly #now: () => number;
  #live = false;
  /** Moves on every forget and every up/down: a lookup that saw it move stores nothing. */
  #generation = 0;
  #hits = 0;
  #lookups = 0;
  #invalidations = 0;
  #close: () => Promise<void> = async () => {};

  constructor(opts: TokenCacheOptions = {}) {
    this.#entries = new LruMap(opts.maxEntries ?? DEFAULT_TOKEN_CACHE_ENTRIES);
    this.#ttlMs = opts.ttlMs ?? DEFAULT_TOKEN_CACHE_TTL_MS;
    this.#now = opts.now ?? Date.now;
  }

  /** verifyCredentials (HTTP Basic), from memory while that is safe. */
  verifyCredentials(db: Db, email: string, token: string): Promise<Login | null> {
    // Lower-cased as verifyCredentials compares emails: the same logins hit as would pass.
    return this.#through(keyOf(['basic', email.toLowerCase(), token]), () =>
      verifyCredentials(db, email, token),
    );
  }

  /** verifyToken (x-api-key), from memory while that is safe. */
  verifyToken(db: Db, token: string): Promise<Login | null> {
    return this.#through(keyOf(['key', token]), () => verifyToken(db, token));
  }

  /** Forgets every login (a token or user changed); the next request of each goes to the database. */
  invalidate(reason: string): void {
    this.#forget();
    this.#invalidations += 1;
    this.events.emit('invalidated', reason);
  }

  /** The subscription is up: no change can go unnoticed from now on, so hits may be served. */
  subscriptionUp(): void {
    this.#forget();
    this.#live = true;
    this.events.emit('up');
  }

  /** The subscription is down: a change may go unnoticed, so nothing is served or kept until it is up. */
  subscriptionDown(err: unknown): void {
    this.#forget();
    this.#live = false;
    this.events.emit('down', err);
  }

  stats(): TokenCacheStats {
    return {
      hits: this.#hits,
      lookups: this.#lookups,
      invalidations: this.#invalidations,
      size: this.#entries.size,
      live: this.#live,
    };
  }

  /** Ends the subscription (openTokenCache's); the cache then serves nothing. */
  async close(): Promise<void> {
    await this.#close();
  }

  /** Called by openTokenCache only. */
  onClose(fn: () => Promise<void>): void {
    this.#close = fn;
  }

  #forget(): void {
    this.#entries.clear();
    this.#generation += 1;
  }

  async #through(key: string, lookup: () => Promise<Login | null>): Promise<Login | null> {
    const now = this.#now();
    if (this.#live) {
      const entry = this.#entries.get(key);
      if (entry && entry.expiresAt > now) {
        this.#hits += 1;
        return entry.login;
      }
      if (entry) this.#entries.delete(key);
    }
    const generation = this.#generation;
    this.#lookups += 1;
    const login = await lookup();
    // Kept only if nothing moved while the lookup ran: its answer may predate a change whose
    // notification (or the drop that may have lost it) has come in meanwhile.
    if (login && this.#live && generation === this.#generation) {
      this.#entries.set(key, { login: Object.freeze({ ...login }), expiresAt: now + this.#ttlMs });
    }
    return login;
  }
}

/**
 * A cache subscribed to the database's token changes; it serves hits once LISTEN is confirmed (awaited
 * here on the first try; a failed first try is retried in the background, the cache bypassed meanwhile).
 * Close it before the database.
 */
export async function openTokenCache(
  handle: DbHandle,
  opts: TokenCacheOptions & { logger?: Logger; listen?: PostgresListenOptions } = {},
): Promise<TokenCache> {
  const cache = new TokenCache(opts);
  let closing = false;
  const subscription = await listenForTokenChanges(
    handle,
    {
      notify: () => cache.invalidate('notified by the database'),
      up: () => {
        cache.subscriptionUp();
        opts.logger?.info('token cache on: listening for token changes');
      },
      down: (err) => {
        const was = cache.stats().live;
        cache.subscriptionDown(err);
        if (!closing && was) {
          opts.logger?.warn({ err }, 'token cache off until the token-change listener reconnects');
        } else if (!closing) {
          opts.logger?.warn({ err }, 'token cache off: not listening for token changes');
        }
      },
    },
    opts.listen,
  );
  cache.onClose(async () => {
    closing = true;
    await subscription.close();
  });
  return cache;
}
