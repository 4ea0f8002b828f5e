import type { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';

// LISTEN on one channel, with what a cache built on it needs to stay correct: the moments from which no
// notification can be missed (up) and the moments from which one may be (down). A notification that
// arrives while the subscription is down is lost for good, so a consumer must drop whatever the
// notifications protect on down and trust nothing new until the next up.
//
// Postgres: a connection of its own (postgres.js's sql.listen re-subscribes after a drop but says
// nothing while it is gone, so it cannot tell a consumer when to stop trusting). A dropped connection
// is down at once and reconnected after `retryDelay`; a connection that silently stops answering (a
// half-open TCP connection after a network partition, where no close ever arrives) is found by a
// heartbeat: a query that has not answered by the next beat counts as a drop.
// PGlite: the process's one session; notifications are parsed from the answers of its own queries,
// so the subscription stays up until it is closed.

export interface ChannelHandlers {
  /** A notification arrived on the channel (its payload). */
  notify(payload: string): void;
  /** LISTEN is in place (first time, and after each reconnect): from now on no notification is missed. */
  up(): void;
  /** The subscription is gone or failing: notifications may be missed until the next up(). */
  down(err: unknown): void;
}

export interface ChannelSubscription {
  /** Ends the subscription (down() is called once more); idempotent. */
  close(): Promise<void>;
}

export interface PostgresListenOptions {
  /**
   * How often the listening connection must prove it answers: a beat still unanswered at the next one
   * is a drop. Default 10 s.
   */
  heartbeatMs?: number;
  /** Waits before reconnect attempt `attempt` (1, 2, …); default 100 ms doubling to 5 s. */
  retryDelay?: (attempt: number) => Promise<void>;
}

/** How the listening connection shows in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'payment-retry listener';

const CHANNEL_NAME = /^[a-z_][a-z0-9_]*$/;

function checkChannel(channel: string): void {
  // Interpolated into LISTEN as an identifier: only plain lower-case names, which both drivers fold alike.
  if (!CHANNEL_NAME.test(channel)) throw new Error(`not a plain channel name: ${channel}`);
}

const defaultRetryDelay = (attempt: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** (attempt - 1))).unref());

/** Resolves once the first attempt is up or down; later attempts run in the background until close(). */
export async function listenPostgres(
  url: string,
  channel: string,
  handlers: ChannelHandlers,
  opts: PostgresListenOptions = {},
): Promise<ChannelSubscription> {
  checkChannel(channel);
  const heartbeatMs = opts.heartbeatMs ?? 10_000;
  const retryDelay = opts.retryDelay ?? defaultRetryDelay;
  let closed = false;
  /** The connection of the subscription that is up or being set up; any other is being dropped. */
  let current: postgres.Sql | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let attempt = 0;

  /** Called for every sign that `sql` is unusable; only the first one for the current connection acts. */
  const drop = (sql: postgres.Sql, err: unknown) => {
    if (sql !== current) return;
    current = undefined;
    clearInterval(heartbeat);
    handlers.down(err);
    void sql.end({ timeout: 0 }).catch(() => {});
    if (!closed) {
      retryDelay(++attempt)
        .then(() => (closed ? undefined : open()))
        .catch((e: unknown) => handlers.down(e));
    }
  };

  const beat = (sql: postgres.Sql) => {
    let waiting = false;
    heartbeat = setInterval(() => {
      if (waiting)
        return drop(sql, new Error(`the ${channel} listener did not answer within ${heartbeatMs} ms`));
      waiting = true;
      sql`select 1`.then(
        () => {
          waiting = false;
        },
        (err: unknown) => drop(sql, err),
      );
    }, heartbeatMs);
    heartbeat.unref();
  };

  const open = async (): Promise<void> => {
    // postgres.js takes onnotify (its own listen() is built on it), but its types do not declare it.
    const options: postgres.Options<Record<string, never>> & {
      onnotify(name: string, payload: string): void;
    } = {
      max: 1,
      // Never closed on purpose while up: each close is a drop, and every drop empties the cache.
      max_lifetime: null,
      fetch_types: false,
      connect_timeout: 10,
      connection: { application_name: LISTENER_APPLICATION_NAME },
      onnotice: () => {},
      onnotify: (name, payload) => {
        if (name === channel && sql === current) handlers.notify(payload);
      },
      onclose: () => drop(sql, new Error(`the ${channel} listener's connection closed`)),
    };
    const sql: postgres.Sql = postgres(url, options);
    current = sql;
    try {
      await sql.unsafe(`listen ${channel}`);
    } catch (err) {
      drop(sql, err);
      return;
    }
    if (sql !== current) return; // dropped (or closed) while LISTEN was on its way
    attempt = 0;
    beat(sql);
    handlers.up();
  };

  await open();
  return {
    async close() {
      if (closed) return;
      closed = true;
      const sql = current;
      current = undefined;
      clearInterval(heartbeat);
      handlers.down(new Error(`the ${channel} listener was closed`));
      await sql?.end({ timeout: 1 });
    },
  };
}

export async function listenPglite(
  client: PGlite,
  channel: string,
  handlers: ChannelHandlers,
): Promise<ChannelSubscription> {
  checkChannel(channel);
  let unlisten: (() => Promise<void>) | undefined;
  try {
    unlisten = await client.listen(channel, (payload) => handlers.notify(payload));
    handlers.up();
  } catch (err) {
    // In-process, a failed LISTEN will not succeed later: stay down (the consumer does without).
    handlers.down(err);
  }
  let closed = false;
  return {
    async close() {
      if (closed) return;
      closed = true;
      handlers.down(new Error(`the ${channel} listener was closed`));
      // The database may be closed already (then there is nothing left to listen to).
      await unlisten?.().catch(() => {});
    },
  };
}
