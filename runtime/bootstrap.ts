import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { sql } from 'drizzle-orm';
import { ensureToken, generateToken, tokenExists } from '../auth/tokens';
import type { Env } from '../config/env';
import { anyUserExists } from '../db/api-tokens';
import type { Db } from '../db/client';
import { currentConfig, ensureConfig } from '../db/config-versions';
import { users } from '../db/schema';
import { defaultConfig } from '../policy';

export interface Credentials {
  email: string;
  token: string;
  source: 'env' | 'dev-file';
}

export const DEV_EMAIL = 'dev@localhost';

/** Stores the shipped default configuration (first start only) and the bootstrap user. */
export async function bootstrapStore(
  db: Db,
  env: Pick<Env, 'CPR_BOOTSTRAP_USER' | 'CPR_BOOTSTRAP_TOKEN'>,
  devCredentialsFile?: string,
): Promise<Credentials | null> {
  await ensureConfig(db, defaultConfig);
  if (env.CPR_BOOTSTRAP_USER && env.CPR_BOOTSTRAP_TOKEN) {
    await ensureToken(db, env.CPR_BOOTSTRAP_USER, env.CPR_BOOTSTRAP_TOKEN);
    return { email: env.CPR_BOOTSTRAP_USER, token: env.CPR_BOOTSTRAP_TOKEN, source: 'env' };
  }
  if (!devCredentialsFile) return null;
  // npm start without bootstrap variables: one development login, kept across restarts.
  let creds: { email: string; token: string } | undefined;
  if (existsSync(devCredentialsFile)) {
    creds = JSON.parse(readFileSync(devCredentialsFile, 'utf8')) as { email: string; token: string };
    // A revoked dev login stays revoked: the file restores it only into a new store (no user yet: a new
    // database beside an old file). A store that has users but not this token had it revoked (revoking
    // keeps the user), and gets a new dev login instead.
    if (!(await tokenExists(db, creds.token)) && (await anyUserExists(db))) creds = undefined;
  }
  if (!creds) {
    creds = { email: DEV_EMAIL, token: generateToken() };
    mkdirSync(dirname(devCredentialsFile), { recursive: true });
    writeFileSync(devCredentialsFile, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  }
  await ensureToken(db, creds.email, creds.token);
  return { ...creds, source: 'dev-file' };
}

/** Readiness: migrated, a configuration stored, and someone able to log in. */
export async function checkStore(db: Db): Promise<void> {
  if (!(await currentConfig(db))) throw new Error('no retry configuration stored yet');
  const [row] = await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(users);
  if (!row || row.n === 0)
    throw new Error('no API user stored yet (set CPR_BOOTSTRAP_USER/CPR_BOOTSTRAP_TOKEN)');
}
