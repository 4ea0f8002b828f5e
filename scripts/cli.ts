// `npm run cli -- token create <email>` prints a new API token once; `token revoke <id|token|email>`
// removes tokens; `token list` shows them (never the secret); `config export|import` moves the retry
// configuration to and from a file. Uses DATABASE_URL or the local PGlite.
import { readFileSync, writeFileSync } from 'node:fs';
import { createToken, listTokens, revokeTokens } from '../auth/tokens';
import { loadEnvOrExit } from '../config/env';
import type { Db } from '../db/client';
import { currentConfig, ensureConfig, saveConfig } from '../db/config-versions';
import { defaultConfig, type RetryConfig, validateConfig } from '../policy';
import { openDatabase } from '../runtime/database';

const usage = `usage:
  npm run cli -- token create <email>
  npm run cli -- token revoke <token-id | token | email>
  npm run cli -- token list
  npm run cli -- config export [file]      (the current retry configuration; stdout without a file)
  npm run cli -- config import <file>      (validate and store as a new version)`;

async function main(args: string[]): Promise<number> {
  const [noun, verb, arg] = args;
  if ((noun !== 'token' && noun !== 'config') || !verb) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const env = loadEnvOrExit();
  const database = await openDatabase(env);
  try {
    if (noun === 'config') return await configCommand(database.db, verb, arg);
    if (verb === 'create' && arg && /^[^\s@]+@[^\s@]+$/.test(arg)) {
      const { token, id } = await createToken(database.db, arg);
      process.stdout.write(`token ${id} for ${arg} (shown only now; store it safely):\n${token}\n`);
      return 0;
    }
    if (verb === 'revoke' && arg) {
      const what = /^\d+$/.test(arg)
        ? { id: Number(arg) }
        : arg.includes('@')
          ? { email: arg }
          : { token: arg };
      const n = await revokeTokens(database.db, what);
      process.stdout.write(`revoked ${n} token(s)\n`);
      return n > 0 ? 0 : 1;
    }
    if (verb === 'list') {
      for (const t of await listTokens(database.db)) {
        process.stdout.write(`${t.id}\t${t.email}\t${t.prefix}…\t${t.createdAt.toISOString()}\n`);
      }
      return 0;
    }
    process.stderr.write(`${usage}\n`);
    return 2;
  } finally {
    await database.close();
  }
}

async function configCommand(db: Db, verb: string, file: string | undefined): Promise<number> {
  if (verb === 'export') {
    const stored = await ensureConfig(db, defaultConfig);
    const text = `${JSON.stringify(stored.config, null, 2)}\n`;
    if (file) {
      writeFileSync(file, text);
      process.stderr.write(`version ${stored.version} written to ${file}\n`);
    } else process.stdout.write(text);
    return 0;
  }
  if (verb === 'import' && file) {
    const current = await currentConfig<RetryConfig>(db);
    const result = validateConfig(
      JSON.parse(readFileSync(file, 'utf8')),
      current ? { previous: current.config } : {},
    );
    if (!result.ok) {
      for (const e of result.errors) process.stderr.write(`${e.path || '(root)'}: ${e.message}\n`);
      return 1;
    }
    const stored = await saveConfig(db, result.config, `cli:${process.env.USER ?? 'unknown'}`);
    process.stdout.write(`stored as version ${stored.version}\n`);
    return 0;
  }
  process.stderr.write(`${usage}\n`);
  return 2;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
