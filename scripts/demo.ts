// `npm run demo` (with `npm start` running): adds the "Demo (short waits)" customer group once, submits a
// handful of failed payments with different simulator scripts, and waits (up to 90 s) for the money to
// come back, printing progress, so the UI, the endpoints and the metrics have something to show. The
// group sets its own processor_interval (PT0S), so this works under any settings.processor_interval.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnvOrExit } from '../config/env';
import { runDemo } from './demo-flow';

const env = loadEnvOrExit();
const credsFile = join(env.DATA_DIR, 'dev-credentials.json');
const creds =
  env.CPR_BOOTSTRAP_USER && env.CPR_BOOTSTRAP_TOKEN
    ? { email: env.CPR_BOOTSTRAP_USER, token: env.CPR_BOOTSTRAP_TOKEN }
    : existsSync(credsFile)
      ? (JSON.parse(readFileSync(credsFile, 'utf8')) as { email: string; token: string })
      : undefined;
if (!creds) {
  process.stderr.write(
    `no credentials: start the system first (npm start) or set CPR_BOOTSTRAP_USER/TOKEN\n`,
  );
  process.exit(1);
}
const baseUrl = `http://${env.HOST === '0.0.0.0' ? '127.0.0.1' : env.HOST}:${env.PORT}`;
const api = { baseUrl, email: creds.email, token: creds.token };
const summary = await runDemo({ api });
process.stdout.write(
  `\nactive:  curl -u '${creds.email}:…' ${baseUrl}/api/v1/payments/active_account_cycle_information/${summary.accountId}\n` +
    `history: curl -u '${creds.email}:…' ${baseUrl}/api/v1/payments/account_cycle_history/${summary.accountId}\n`,
);
