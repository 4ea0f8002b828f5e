import { existsSync, readFileSync } from 'node:fs';
import { createToken, revokeTokens } from '../auth/tokens';
import { RestClientError } from '../client/json-call';
import { createOperatorClient, type RevokeWhat } from '../client/operator';
import type { Env } from '../config/env';
import { listTokens } from '../db/api-tokens';
import type { DbHandle } from '../db/client';
import { currentConfig, ensureConfig, saveConfig } from '../db/config-versions';
import { describeHolder, type LockHolder, PgliteLockedError } from '../db/pglite-lock';
import type { Role } from '../domain/role';
import { defaultConfig, type RetryConfig, validateConfig } from '../policy';
import { devCredentialsFileOf } from './data-dir';
import { openDatabase } from './database';

// What the CLI's token and config commands act on: the data itself when nothing else holds it, or the
// running server that does (its API URL is in the lock it holds), with an operator's login. Going
// around a running server would write to a copy of the embedded database it never reads, and which
// one of them writes last on shutdown wins (the bug this replaces). With Postgres there is no owner:
// every process may write, and every server reads fresh, so the CLI goes to the data directly.

export interface TokenRow {
  id: number;
  email: string;
  prefix: string;
  role: Role;
  createdAt: string;
}

export type ImportResult =
  | { ok: true; version: number }
  | { ok: false; problems: { path: string; message: string }[] };

export interface OperatorStore {
  /** Where the commands go, for the operator: `the data in …` or `npm start (pid …)`. */
  readonly via: string;
  /** True when the commands go through a running server's API. */
  readonly remote: boolean;
  createToken(email: string, role: Role): Promise<{ id: number; token: string }>;
  listTokens(): Promise<TokenRow[]>;
  revokeTokens(what: RevokeWhat): Promise<number>;
  exportConfig(): Promise<{ version: number; config: RetryConfig }>;
  importConfig(document: unknown, by: string): Promise<ImportResult>;
  close(): Promise<void>;
}

type Credentials = { email: string; token: string; source: string };

/** The CLI's login for a running server: CPR_EMAIL/CPR_TOKEN, else the bootstrap login, else the dev file. */
export function operatorCredentials(
  env: Pick<Env, 'CPR_EMAIL' | 'CPR_TOKEN' | 'CPR_BOOTSTRAP_USER' | 'CPR_BOOTSTRAP_TOKEN' | 'DATA_DIR'>,
): Credentials | null {
  if (env.CPR_EMAIL && env.CPR_TOKEN)
    return { email: env.CPR_EMAIL, token: env.CPR_TOKEN, source: 'CPR_EMAIL' };
  if (env.CPR_BOOTSTRAP_USER && env.CPR_BOOTSTRAP_TOKEN) {
    return { email: env.CPR_BOOTSTRAP_USER, token: env.CPR_BOOTSTRAP_TOKEN, source: 'CPR_BOOTSTRAP_USER' };
  }
  const file = devCredentialsFileOf(env);
  if (!existsSync(file)) return null;
  const creds = JSON.parse(readFileSync(file, 'utf8')) as { email?: unknown; token?: unknown };
  if (typeof creds.email !== 'string' || typeof creds.token !== 'string') return null;
  return { email: creds.email, token: creds.token, source: file };
}

export async function openOperatorStore(env: Env): Promise<OperatorStore> {
  try {
    return directStore(await openDatabase(env), env.DATABASE_URL ? 'Postgres (DATABASE_URL)' : env.DATA_DIR);
  } catch (err) {
    if (!(err instanceof PgliteLockedError)) throw err;
    const { holder } = err;
    if (!holder.api) {
      throw new Error(
        `${err.message}. It has no API to go through yet (still starting?): try again in a moment`,
      );
    }
    const creds = operatorCredentials(env);
    if (!creds) {
      throw new Error(
        `the data is held by ${describeHolder(holder)}; to go through its API, set CPR_EMAIL and CPR_TOKEN to an operator's login`,
      );
    }
    return remoteStore(holder as LockHolder & { api: string }, creds);
  }
}

function directStore(handle: DbHandle, where: string): OperatorStore {
  const { db } = handle;
  return {
    via: `the data in ${where}`,
    remote: false,
    createToken: (email, role) => createToken(db, email, role),
    listTokens: async () =>
      (await listTokens(db)).map((t) => ({ ...t, createdAt: t.createdAt.toISOString() })),
    revokeTokens: (what) => revokeTokens(db, what),
    exportConfig: () => ensureConfig(db, defaultConfig),
    async importConfig(document, by) {
      const current = await currentConfig<RetryConfig>(db);
      const result = validateConfig(document, current ? { previous: current.config } : {});
      if (!result.ok) {
        return {
          ok: false,
          problems: result.errors.map((e) => ({ path: e.path || '(root)', message: e.message })),
        };
      }
      return { ok: true, version: (await saveConfig(db, result.config, by)).version };
    },
    close: () => handle.close(),
  };
}

function remoteStore(holder: LockHolder & { api: string }, creds: Credentials): OperatorStore {
  const client = createOperatorClient({ baseUrl: holder.api, email: creds.email, token: creds.token });
  const who = describeHolder(holder);
  /** The API's answer, with the two failures an operator can act on explained. */
  const explained = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof RestClientError && err.status === 401) {
        throw new Error(
          `${who} refused the login ${creds.email} (from ${creds.source}): revoked or wrong? Set CPR_EMAIL and CPR_TOKEN to an operator's login`,
        );
      }
      if (err instanceof RestClientError && err.status === 403) {
        throw new Error(
          `${who} refused the login ${creds.email} (from ${creds.source}): ${typeof err.body === 'object' ? err.body.message : 'forbidden'}. Set CPR_EMAIL and CPR_TOKEN to an operator's login`,
        );
      }
      if (err instanceof TypeError) {
        // fetch's network failure: the server is stopping, or the lock names an address we cannot reach.
        const cause = (err as { cause?: { message?: string } }).cause?.message ?? err.message;
        throw new Error(`could not reach ${who}: ${cause}`);
      }
      throw err;
    }
  };
  return {
    via: who,
    remote: true,
    createToken: (email, role) => explained(() => client.createToken(email, role)),
    listTokens: () =>
      explained(async () =>
        (await client.listTokens()).map((t) => ({
          id: t.id,
          email: t.email,
          prefix: t.prefix,
          role: t.role,
          createdAt: t.created_at,
        })),
      ),
    revokeTokens: (what) => explained(() => client.revokeTokens(what)),
    exportConfig: () => explained(() => client.currentConfig<RetryConfig>()),
    importConfig: (document) =>
      explained(async () => {
        // Conditional on the version we saw, so a change stored meanwhile is reported, not overwritten.
        const current = await client.currentConfig();
        try {
          return { ok: true, version: (await client.putConfig(document, current.version)).version };
        } catch (err) {
          if (err instanceof RestClientError && err.status === 400 && typeof err.body === 'object') {
            return {
              ok: false,
              problems: err.body.errors ?? [{ path: '(root)', message: err.body.message }],
            };
          }
          if (err instanceof RestClientError && typeof err.body === 'object')
            throw new Error(err.body.message);
          throw err;
        }
      }),
    close: async () => {},
  };
}
