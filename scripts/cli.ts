// `npm run cli -- token create <email>` prints a new API token once; `token revoke <id|token|email>`
// removes tokens; `token list` shows them (never the secret). Uses DATABASE_URL or the local PGlite.
import { createToken, listTokens, revokeTokens } from '../auth/tokens';
import { loadEnvOrExit } from '../config/env';
import { openDatabase } from '../runtime/database';

const usage = `usage:
  npm run cli -- token create <email>
  npm run cli -- token revoke <token-id | token | email>
  npm run cli -- token list`;

async function main(args: string[]): Promise<number> {
  const [noun, verb, arg] = args;
  if (noun !== 'token' || !verb) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const env = loadEnvOrExit();
  const database = await openDatabase(env);
  try {
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

process.exitCode = await main(process.argv.slice(2));
