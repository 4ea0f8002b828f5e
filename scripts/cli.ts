// `npm run cli -- token create <email> [--role viewer|operator]` prints a new API token once; `token revoke <id|token|email>`
// removes tokens; `token list` shows them (never the secret); `config export|import` moves the retry
// configuration to and from a file. With DATABASE_URL it works on Postgres; else on the local PGlite
// when nothing holds it, or through the API of the `npm start` that does (runtime/operator-store.ts),
// so what it does takes effect in that server at once.
import { readFileSync, writeFileSync } from 'node:fs';
import { loadEnvOrExit } from '../config/env';
import { ROLES, type Role, roleSchema } from '../domain/role';
import { type OperatorStore, openOperatorStore } from '../runtime/operator-store';

const usage = `usage:
  npm run cli -- token create <email> [--role viewer|operator]   (default operator; a viewer only reads)
  npm run cli -- token revoke <token-id | token | email>
  npm run cli -- token list
  npm run cli -- config export [file]      (the current retry configuration; stdout without a file)
  npm run cli -- config import <file>      (validate and store as a new version)
With \`npm start\` running on the same DATA_DIR, the commands go through its API, logged in as
CPR_EMAIL/CPR_TOKEN, else the CPR_BOOTSTRAP_* login, else DATA_DIR/dev-credentials.json.`;

type Command = (store: OperatorStore) => Promise<number>;

class UsageError extends Error {}

/** `--role viewer`, `--role=viewer`, anywhere in the arguments: the role and the other arguments. */
function takeRole(args: string[]): { role: Role | undefined; rest: string[] } {
  const rest: string[] = [];
  let given: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--role') {
      given = args[++i] ?? '';
    } else if (a.startsWith('--role=')) given = a.slice('--role='.length);
    else rest.push(a);
  }
  if (given === undefined) return { role: undefined, rest };
  const role = roleSchema.safeParse(given);
  if (!role.success) {
    throw new UsageError(
      `--role must be one of ${ROLES.join(', ')}${given ? ` (got ${JSON.stringify(given)})` : ''}`,
    );
  }
  return { role: role.data, rest };
}

/** The command for the arguments, or null for a usage error; nothing is opened before it is known. */
function parse(all: string[]): Command | null {
  const { role, rest: args } = takeRole(all);
  const [noun, verb, arg, extra] = args;
  if (role !== undefined && !(noun === 'token' && verb === 'create')) {
    throw new UsageError('--role goes with token create only');
  }
  if (noun === 'token' && verb === 'create' && arg && !extra && /^[^\s@]+@[^\s@]+$/.test(arg)) {
    const as = role ?? 'operator';
    return async (store) => {
      const { token, id } = await store.createToken(arg, as);
      process.stdout.write(`token ${id} for ${arg} as ${as} (shown only now; store it safely):\n${token}\n`);
      return 0;
    };
  }
  if (noun === 'token' && verb === 'revoke' && arg) {
    const what = /^\d+$/.test(arg)
      ? { id: Number(arg) }
      : arg.includes('@')
        ? { email: arg }
        : { token: arg };
    return async (store) => {
      const n = await store.revokeTokens(what);
      process.stdout.write(`revoked ${n} token(s)\n`);
      return n > 0 ? 0 : 1;
    };
  }
  if (noun === 'token' && verb === 'list' && !arg) {
    return async (store) => {
      for (const t of await store.listTokens()) {
        process.stdout.write(`${t.id}\t${t.email}\t${t.role}\t${t.prefix}…\t${t.createdAt}\n`);
      }
      return 0;
    };
  }
  if (noun === 'config' && verb === 'export') {
    return async (store) => {
      const stored = await store.exportConfig();
      const text = `${JSON.stringify(stored.config, null, 2)}\n`;
      if (arg) {
        writeFileSync(arg, text);
        process.stderr.write(`version ${stored.version} written to ${arg}\n`);
      } else process.stdout.write(text);
      return 0;
    };
  }
  if (noun === 'config' && verb === 'import' && arg) {
    // Read before the store is opened: a missing or broken file touches nothing.
    const document: unknown = JSON.parse(readFileSync(arg, 'utf8'));
    return async (store) => {
      const result = await store.importConfig(document, `cli:${process.env.USER ?? 'unknown'}`);
      if (!result.ok) {
        for (const e of result.problems) process.stderr.write(`${e.path}: ${e.message}\n`);
        return 1;
      }
      process.stdout.write(`stored as version ${result.version}\n`);
      return 0;
    };
  }
  return null;
}

async function main(args: string[]): Promise<number> {
  let command: Command | null;
  try {
    command = parse(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`error: ${err.message}\n${usage}\n`);
    return 2;
  }
  if (!command) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const store = await openOperatorStore(loadEnvOrExit());
  if (store.remote) process.stderr.write(`(through ${store.via})\n`);
  try {
    return await command(store);
  } finally {
    await store.close();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
