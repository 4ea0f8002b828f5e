// `npm run demo` (with `npm start` running): submits a handful of failed payments with different
// simulator scripts, so the UI, the active and history endpoints and the metrics have something to show.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRestClient } from '../client/rest';
import { loadEnvOrExit } from '../config/env';

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
const api = createRestClient({ baseUrl, email: creds.email, token: creds.token });

const run = Date.now().toString(36);
const scripts: [string, string, string][] = [
  ['sim.insufficient_funds.approve', 'insufficient_funds', 'collected on attempt 3'],
  ['sim.do_not_honor.insufficient_funds.approve', 'do_not_honor', 'collected on attempt 4'],
  ['sim.insufficient_funds', 'insufficient_funds', 'keeps failing until the rules stop'],
  ['sim.approve', 'lost_card', 'hard decline: stops at once'],
  ['sim.timeout.approve', 'processing_error', 'a gateway timeout, retried with the same key'],
];
for (const [i, [method, code, story]] of scripts.entries()) {
  const invoice = `DEMO-${run}-${i + 1}`;
  await api.submitFailedPayment({
    payment_id: `P-${invoice}`,
    account_id: `A-DEMO-${run}`,
    invoice_id: invoice,
    amount: `${(i + 1) * 25}.00`,
    currency: 'USD',
    payment_method_id: `${method}#${invoice}`,
    gateway_id: 'sim',
    gateway_response_code: code,
    gateway_response_message: code.replaceAll('_', ' '),
  });
  process.stdout.write(`submitted ${invoice}: ${story}\n`);
}
process.stdout.write(
  `\nactive:  curl -u '${creds.email}:…' ${baseUrl}/api/v1/payments/active_account_cycle_information/A-DEMO-${run}\n` +
    `history: curl -u '${creds.email}:…' ${baseUrl}/api/v1/payments/account_cycle_history/A-DEMO-${run}\n` +
    'With the default rules, retries are hours to days apart: use execute_account_payments to pull them forward.\n',
);
