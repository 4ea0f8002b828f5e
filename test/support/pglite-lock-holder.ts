// A process that takes a PGlite directory's lock, for the lock tests: `node --import tsx
// pglite-lock-holder.ts <dir> [go-file]`. With a go-file it waits for that file to appear first, so
// several holders can race. It prints `won <pid>` or `held <holder pid>` and then stays alive (holding
// the lock if it won) until it is killed, so a winner stays a live holder while the others look.
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { lockPgliteDir, PgliteLockedError } from '../../db/pglite-lock';

const [dir, goFile] = process.argv.slice(2) as [string, string | undefined];
process.stdout.write('ready\n');
while (goFile && !existsSync(goFile)) await sleep(5);
try {
  await lockPgliteDir(dir);
  process.stdout.write(`won ${process.pid}\n`);
} catch (err) {
  if (!(err instanceof PgliteLockedError)) throw err;
  process.stdout.write(`held ${err.holder.pid}\n`);
}
setInterval(() => {}, 60_000);
