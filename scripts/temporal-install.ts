// `npm run temporal:install`: resolve (and if needed install) the Temporal CLI and test server, as CI does.
import { resolveTemporal, resolveTestServer } from '../temporal/resolve-binary';

const source = resolveTemporal({ cli: process.env.TEMPORAL_CLI });
if (source.kind === 'binary') process.stdout.write(`temporal CLI: ${source.path} (${source.from})\n`);
process.stdout.write(`temporal test server: ${resolveTestServer()}\n`);
