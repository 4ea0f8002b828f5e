import { join, resolve } from 'node:path';
import type { Env } from '../config/env';

// What lives under DATA_DIR, named once: `npm start`, the CLI and the database opener all agree on it.

/** The embedded database's directory (its lock is `<dir>.lock`, see db/pglite-lock.ts). */
export const pgliteDirOf = (env: Pick<Env, 'DATA_DIR'>) => resolve(join(env.DATA_DIR, 'pglite'));

/** The development login `npm start` generates when no CPR_BOOTSTRAP_* is set. */
export const devCredentialsFileOf = (env: Pick<Env, 'DATA_DIR'>) =>
  resolve(join(env.DATA_DIR, 'dev-credentials.json'));
