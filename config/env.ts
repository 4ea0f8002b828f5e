import { z } from 'zod';

// Every environment variable the processes read, parsed once at start-up. The README's table is
// generated from the same descriptions, so the docs cannot drift from the code.
const port = z.coerce.number().int().min(0).max(65535, { error: 'a port number from 0 to 65535' });
const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const apiToken = z
  .string()
  .regex(/^[\x21-\x7e]{32,200}$/, '32 to 200 printable ASCII characters without spaces');

const sessionTtl = 'whole minutes from 1 to 525600 (a year)';

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  DATA_DIR: z.string().min(1).default('.data'),
  DATABASE_URL: optionalString.pipe(
    z.url({ protocol: /^postgres(ql)?$/, error: 'a postgres:// or postgresql:// URL' }).optional(),
  ),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  TEMPORAL_ADDRESS: optionalString.pipe(
    z
      .string()
      .regex(/^[^\s:]+:\d{1,5}$/, 'host:port')
      .optional(),
  ),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('payment-retry'),
  TEMPORAL_CLI: optionalString,
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_UI_URL: optionalString.pipe(
    z.url({ protocol: /^https?$/, error: 'an http(s):// URL' }).optional(),
  ),
  WORKFLOW_BUNDLE: optionalString,
  WORKFLOW_THREAD_TUNING: z.enum(['on', 'off']).default('on'),
  SIM_URL: optionalString.pipe(z.url({ protocol: /^https?$/, error: 'an http(s):// URL' }).optional()),
  SIM_PORT: port.default(3001),
  SIM_LATENCY_MS: z.coerce.number().int().min(0).max(600_000).default(0),
  GATEWAY_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  HTTP_GATEWAYS: optionalString.pipe(
    z
      .string()
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'JSON' });
          return z.NEVER;
        }
      })
      .pipe(
        z.record(
          z.string().min(1),
          z.object({
            baseUrl: z.url({ protocol: /^https?$/ }),
            token: z.string().optional(),
            timeoutMs: z.number().int().min(100).max(600_000).default(10_000),
          }),
          { error: 'JSON such as {"acme":{"baseUrl":"https://pay.internal","token":"…"}}' },
        ),
      )
      .optional(),
  ),
  WEBHOOK_URL: optionalString.pipe(z.url({ protocol: /^https?$/, error: 'an http(s):// URL' }).optional()),
  WEBHOOK_SECRET: optionalString.pipe(z.string().min(16, 'at least 16 characters').optional()),
  CPR_BOOTSTRAP_USER: optionalString.pipe(z.email({ error: 'an email address' }).optional()),
  CPR_BOOTSTRAP_TOKEN: optionalString.pipe(apiToken.optional()),
  // The CLI's login when it goes through a running server; emails as the CLI takes them (dev@localhost).
  CPR_EMAIL: optionalString.pipe(
    z
      .string()
      .regex(/^[^\s@]+@[^\s@]+$/, 'an email address')
      .optional(),
  ),
  CPR_TOKEN: optionalString.pipe(apiToken.optional()),
  STRIPE_SECRET_KEY: optionalString.pipe(
    z
      .string()
      .regex(/^(sk|rk)_(test|live)_\S+$/, { error: 'a Stripe secret or restricted key (sk_… or rk_…)' })
      .optional(),
  ),
  STRIPE_WEBHOOK_SECRET: optionalString.pipe(
    z
      .string()
      .regex(/^whsec_\S+$/, { error: "a webhook endpoint's signing secret (whsec_…)" })
      .optional(),
  ),
  STRIPE_API_BASE: optionalString.pipe(
    z.url({ protocol: /^https?$/, error: 'an http(s):// URL' }).default('https://api.stripe.com'),
  ),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  METRICS_PORT: port.default(9464),
  TEMPORAL_METRICS_PORT: port.default(9465),
  SESSION_TTL_MINUTES: z.coerce
    .number({ error: sessionTtl })
    .int({ error: sessionTtl })
    .min(1, { error: sessionTtl })
    .max(525_600, { error: sessionTtl })
    .default(480),
  // OpenTelemetry's standard names (runtime/tracing.ts): an endpoint turns tracing on.
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.pipe(
    z.url({ protocol: /^https?$/, error: 'an http(s):// URL' }).optional(),
  ),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalString.pipe(
    z.url({ protocol: /^https?$/, error: 'an http(s):// URL' }).optional(),
  ),
  OTEL_SERVICE_NAME: optionalString,
});

export type Env = z.infer<typeof envSchema>;

export const envDescriptions: Record<keyof Env, string> = {
  NODE_ENV: '`development`, `production` or `test`',
  LOG_LEVEL: 'pino log level',
  HOST: 'interface the API binds to',
  PORT: 'API port',
  DATA_DIR:
    "where `npm start` keeps PGlite, the dev Temporal SQLite file, the simulated gateway's ledger and dev credentials",
  DATABASE_URL: 'Postgres URL; unset means embedded PGlite under `DATA_DIR/pglite`',
  DATABASE_POOL_SIZE: 'postgres-js pool size per process',
  TEMPORAL_ADDRESS: 'existing Temporal frontend `host:port`; unset means `npm start` runs a dev server',
  TEMPORAL_NAMESPACE: 'Temporal namespace of the cycles',
  TEMPORAL_TASK_QUEUE: 'task queue the worker polls; other services signal cycles through it',
  TEMPORAL_CLI: 'path to a `temporal` binary to use instead of resolving one',
  TEMPORAL_DEV_PORT: 'frontend port of the dev server started by `npm start`',
  TEMPORAL_UI_PORT: 'Web UI port of the dev server started by `npm start`',
  TEMPORAL_UI_URL:
    "base URL of the Temporal Web UI (e.g. `http://temporal-ui:8080`), for the cycle explorer's links to a cycle's workflow; unset means the dev server's UI under `npm start`, else no link",
  WORKFLOW_BUNDLE: 'prebuilt workflow bundle (`npm run build:workflows`); unset means bundle at start',
  WORKFLOW_THREAD_TUNING:
    "`off`: the SDK's own per-call vm watchdog and promise hook (the stack-trace query works; a stuck workflow fails only its task), at the worker CPU docs/BENCHMARKS.md measures",
  SIM_URL: 'URL of a running simulated gateway; unset means `npm start` starts one',
  SIM_PORT: 'port of the simulated gateway',
  SIM_LATENCY_MS: 'latency the simulated gateway adds to each charge',
  GATEWAY_TIMEOUT_MS: 'how long one gateway call may take before the activity gives up and retries',
  HTTP_GATEWAYS:
    'generic HTTP gateways as JSON: `{"<gateway_id>":{"baseUrl":"https://…","token":"…","timeoutMs":10000}}`',
  WEBHOOK_URL:
    'receiver of lifecycle events (`cycle.started`, `attempt.failed`, `cycle.completed`); unset sends none',
  WEBHOOK_SECRET: 'HMAC-SHA256 key for the `X-CPR-Signature` header of every webhook',
  CPR_BOOTSTRAP_USER: 'email of a user created or updated at start-up',
  CPR_BOOTSTRAP_TOKEN: "that user's API token",
  CPR_EMAIL:
    'login of `npm run cli` when it goes through a running `npm start`; unset means the bootstrap user, else `DATA_DIR/dev-credentials.json`',
  CPR_TOKEN: "that login's API token",
  STRIPE_SECRET_KEY:
    'Stripe secret (or restricted) key; set, it enables the gateway id `stripe` (charges through PaymentIntents, or the invoice itself for cycles the Stripe connector opened)',
  STRIPE_WEBHOOK_SECRET:
    'signing secret of the Stripe webhook endpoint; set (with `STRIPE_SECRET_KEY`), it enables the Billing connector at `POST /connectors/stripe/webhook`',
  STRIPE_API_BASE:
    "where the Stripe SDK sends its requests (e.g. a `stripe-mock` or a test server); Stripe's own API by default",
  METRICS_HOST: 'interface the Prometheus `/metrics` endpoint binds to (its own server, not the API port)',
  METRICS_PORT:
    'port of `/metrics`, one per process (a second worker on the same host needs another); the API and `npm start` expose the store-derived `cpr_*` counts, a worker its engine metrics',
  TEMPORAL_METRICS_PORT:
    "port of the Temporal SDK's own Prometheus exporter in a worker process (bound to 127.0.0.1; `/metrics` appends its scrape, `temporal_`-prefixed)",
  SESSION_TTL_MINUTES:
    'how long an operator console sign-in lasts, in minutes; the session ends earlier at sign-out or when its token is revoked',
  OTEL_EXPORTER_OTLP_ENDPOINT:
    'OpenTelemetry collector base URL, OTLP over HTTP (e.g. `http://otel-collector:4318`); set, it turns tracing on and spans go to `<url>/v1/traces`; unset (with the next), no tracing and no cost. The other standard `OTEL_EXPORTER_OTLP_*` variables (headers, timeout) and `OTEL_TRACES_SAMPLER` are read by the SDK',
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT:
    'full OTLP/HTTP traces URL (e.g. `http://otel-collector:4318/v1/traces`), used as it is instead of the base endpoint; set, it turns tracing on too',
  OTEL_SERVICE_NAME:
    'service name on the spans; unset: `payment-retry` (`npm start`), `payment-retry-api` (`npm run api`), `payment-retry-worker` (`npm run worker`)',
};

export class EnvError extends Error {}

/** Parses the environment; a bad value names the variable and the expected form. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const result = envSchema.safeParse(source);
  if (result.success) {
    if ((result.data.CPR_BOOTSTRAP_USER === undefined) !== (result.data.CPR_BOOTSTRAP_TOKEN === undefined)) {
      throw new EnvError('CPR_BOOTSTRAP_USER and CPR_BOOTSTRAP_TOKEN must be set together');
    }
    if (result.data.STRIPE_WEBHOOK_SECRET !== undefined && result.data.STRIPE_SECRET_KEY === undefined) {
      // The connector reads each invoice from Stripe before it acts, and its cycles charge through Stripe.
      throw new EnvError('STRIPE_WEBHOOK_SECRET needs STRIPE_SECRET_KEY as well');
    }
    if ((result.data.CPR_EMAIL === undefined) !== (result.data.CPR_TOKEN === undefined)) {
      throw new EnvError('CPR_EMAIL and CPR_TOKEN must be set together');
    }
    return result.data;
  }
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '');
    const got = source[name];
    const shown = [
      'CPR_BOOTSTRAP_TOKEN',
      'CPR_TOKEN',
      'DATABASE_URL',
      'STRIPE_SECRET_KEY',
      'STRIPE_WEBHOOK_SECRET',
    ].includes(name)
      ? '(hidden)'
      : JSON.stringify(got);
    return `${name}=${shown}: expected ${issue.message}`;
  });
  throw new EnvError(`invalid environment:\n  ${lines.join('\n  ')}`);
}

/** For entry points: print the problem and exit instead of throwing a stack trace. */
export function loadEnvOrExit(): Env {
  try {
    return loadEnv();
  } catch (err) {
    if (err instanceof EnvError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
