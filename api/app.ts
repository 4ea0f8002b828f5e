import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { requestId } from 'hono/request-id';
import type { Histogram } from 'prom-client';
import type Stripe from 'stripe';
import type { TokenCache } from '../auth/token-cache';
import type { CycleClient } from '../client/cycles';
import type { ManualRetryClient } from '../client/manual-retries';
import type { Db } from '../db/client';
import { isDatabaseUnavailable } from '../db/unavailable';
import type { Logger } from '../log/logger';
import { apiKeyAuth, basicAuth } from './auth';
import { registerStripeConnector } from './connectors/stripe';
import { STRIPE_WEBHOOK_MAX_BYTES, STRIPE_WEBHOOK_PATH } from './connectors/stripe/routes';
import { type ConsoleAssets, registerConsole } from './console';
import type { AppEnv } from './context';
import { registerDocs } from './docs';
import { ApiError, errorJson, zodErrorItems } from './errors';
import { createFailedAuthLimiter, type FailedAuthLimiter } from './failed-auth-limiter';
import { httpMetrics } from './http-metrics';
import { jsonDepthLimit } from './json-depth';
import type { Readiness } from './readiness';
import { viewerReadsOnly } from './roles';
import { registerBillingCycleRoutes } from './routes/billing-cycles';
import { registerConfigRoutes } from './routes/config';
import { registerCycleExplorerRoutes } from './routes/cycles';
import { registerHealthRoutes } from './routes/health';
import { registerMetricRoutes } from './routes/metrics';
import { registerPaymentRoutes } from './routes/payments';
import { registerRecoveryMetricRoutes } from './routes/recovery-metrics';
import { DEFAULT_SESSION_TTL_MINUTES, registerSessionRoutes } from './routes/session';
import { registerTokenRoutes } from './routes/tokens';
import { storableInput } from './storable-input';
import { closeOnUnreadBody } from './unread-body';

export interface AppDeps {
  db: Db;
  logger: Logger;
  readiness: Readiness;
  limiter?: FailedAuthLimiter;
  /**
   * Verified logins kept in memory, forgotten on every token change the database notifies
   * (auth/token-cache.ts, openTokenCache); without it every request looks its token up.
   */
  tokenCache?: TokenCache | undefined;
  version?: string;
  /** Temporal behind the CPR payment routes; without it they are not served. */
  cycles?: CycleClient;
  /**
   * The gateway ids the workers charge through (runtime/gateways.ts); a failed payment naming any other
   * is refused (400) at submit and registration. Default: none, so every such payment is refused.
   */
  gatewayIds?: readonly string[];
  /** Temporal behind the SmartPay-style /subscriptions routes (manual retries); without it they are not served. */
  manualRetries?: ManualRetryClient;
  /** The operator console's bundle (runtime/console-assets.ts), served at /console; without it, not served. */
  console?: ConsoleAssets;
  /** How long a console session lasts (SESSION_TTL_MINUTES); default 480. */
  sessionTtlMinutes?: number;
  /**
   * Where the cycles' workflows are shown, for the cycle explorer's links: the namespace (default
   * `default`) and the Temporal UI's base URL (TEMPORAL_UI_URL, or the dev server's UI under
   * `npm start`); without a base URL a cycle's page has no link.
   */
  temporalUi?: { namespace?: string; baseUrl?: string | undefined };
  /**
   * The Stripe Billing connector (STRIPE_WEBHOOK_SECRET): its webhook at POST /connectors/stripe/webhook
   * and its counts; served only with `cycles` as well.
   */
  stripe?: { client: Stripe; webhookSecret: string };
  /** A server span per request (api/http-tracing.ts), only when tracing is on (runtime/tracing.ts). */
  httpTracing?: MiddlewareHandler | undefined;
  /** http_request_duration_seconds (runtime/metrics/http.ts); without it requests are not measured. */
  requestDuration?: Histogram<'method' | 'route' | 'status'>;
}

export const MAX_BODY_BYTES = 1024 * 1024;

export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({
    // Schema failures become our one error shape, listing every problem with its path.
    defaultHook: (result, c) => {
      if (!result.success) {
        const items = zodErrorItems(result.error.issues, result.target === 'json' ? [] : [result.target]);
        return errorJson(
          c,
          400,
          `Invalid request: ${items.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
          items,
        );
      }
    },
  });
  const limiter = deps.limiter ?? createFailedAuthLimiter({ max: 20, windowMs: 60_000 });

  // First, so the span covers every other middleware and is the context the handlers call Temporal in.
  if (deps.httpTracing) app.use(deps.httpTracing);
  if (deps.requestDuration) app.use(httpMetrics(deps.requestDuration));
  app.use(closeOnUnreadBody());
  app.use(requestId());
  app.use(async (c, next) => {
    const log = deps.logger.child({ reqId: c.get('requestId') });
    c.set('log', log);
    const started = performance.now();
    await next();
    log.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: +(performance.now() - started).toFixed(1),
      },
      'request',
    );
  });
  if (deps.stripe) {
    // Tighter than the API's: the webhook is open to anyone until its signature is checked.
    app.use(
      STRIPE_WEBHOOK_PATH,
      bodyLimit({
        maxSize: STRIPE_WEBHOOK_MAX_BYTES,
        onError: (c) => errorJson(c, 413, `Request body is larger than ${STRIPE_WEBHOOK_MAX_BYTES} bytes`),
      }),
    );
  }
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => errorJson(c, 413, `Request body is larger than ${MAX_BODY_BYTES} bytes`),
    }),
  );
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) => {
        c.header('Allow', methods.join(', '));
        return errorJson(
          c,
          405,
          `Method ${c.req.method} is not allowed here; allowed: ${methods.join(', ')}`,
        );
      },
    }),
  );

  // Both measure the body before any route parses it: nesting first, on the raw text.
  app.use(jsonDepthLimit());
  app.use(storableInput());

  app.openAPIRegistry.registerComponent('securitySchemes', 'basicAuth', {
    type: 'http',
    scheme: 'basic',
    description: 'User = your email, password = your API token (`npm run cli -- token create <email>`).',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'x-api-key',
  });

  registerHealthRoutes(app, deps.readiness);
  // Before the auth middleware: signing in needs no login, and these routes check what they need.
  registerSessionRoutes(app, {
    db: deps.db,
    limiter,
    ttlMinutes: deps.sessionTtlMinutes ?? DEFAULT_SESSION_TTL_MINUTES,
  });
  const auth = { db: deps.db, limiter, tokenCache: deps.tokenCache };
  app.use('/api/*', basicAuth(auth));
  app.use('/api/*', viewerReadsOnly());
  registerConfigRoutes(app, { db: deps.db });
  registerMetricRoutes(app, { db: deps.db });
  registerRecoveryMetricRoutes(app, { db: deps.db });
  registerTokenRoutes(app, { db: deps.db, tokenCache: deps.tokenCache });
  if (deps.cycles) {
    registerPaymentRoutes(app, { db: deps.db, cycles: deps.cycles, gatewayIds: deps.gatewayIds ?? [] });
    registerCycleExplorerRoutes(app, {
      db: deps.db,
      cycles: deps.cycles,
      manualRetries: deps.manualRetries,
      temporalUi: { namespace: deps.temporalUi?.namespace ?? 'default', baseUrl: deps.temporalUi?.baseUrl },
    });
    if (deps.stripe) {
      // Its webhook is outside /api: Stripe's signature is its authentication, not our tokens.
      registerStripeConnector(app, {
        db: deps.db,
        cycles: deps.cycles,
        gatewayIds: deps.gatewayIds ?? [],
        stripe: deps.stripe.client,
        webhookSecret: deps.stripe.webhookSecret,
      });
    }
  }
  if (deps.manualRetries) {
    app.use('/subscriptions/*', apiKeyAuth(auth));
    app.use('/subscriptions/*', viewerReadsOnly());
    registerBillingCycleRoutes(app, { db: deps.db, manualRetries: deps.manualRetries });
  }

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'payment-retry',
      version: deps.version ?? '0.1.0',
      description:
        "Self-hosted Configurable Payment Retry: Zuora's CPR REST API, SmartPay-style manual retries, and the retry configuration.",
    },
  });
  registerDocs(app);

  if (deps.console) registerConsole(app, deps.console);

  app.notFound((c) => errorJson(c, 404, `No route for ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => {
    if (err instanceof ApiError) {
      for (const [name, value] of Object.entries(err.headers ?? {})) c.header(name, value);
      return errorJson(c, err.status, err.message, err.errors);
    }
    if (err instanceof HTTPException) {
      // Hono's own 4xx, e.g. "Malformed JSON in request body".
      return errorJson(c, err.status, err.message || 'Bad request');
    }
    const log = c.get('log') ?? deps.logger;
    if (isDatabaseUnavailable(err)) {
      log.warn({ err }, 'database unavailable');
      c.header('Retry-After', '5');
      return errorJson(c, 503, 'The database is unavailable; try again shortly');
    }
    log.error({ err }, 'unhandled error');
    return errorJson(c, 500, `Internal error; quote request id ${c.get('requestId')} when reporting it`);
  });
  return app;
}

export type App = ReturnType<typeof createApp>;
