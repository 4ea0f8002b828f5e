import type { OpenAPIHono } from '@hono/zod-openapi';
import type { CycleClient } from '../../../client/cycles';
import type { Db } from '../../../db/client';
import type { AppEnv } from '../../context';
import { registerCycleReadRoutes } from './cycles-read';
import { registerCycleWriteRoutes } from './cycles-write';
import { registerSubmitRoutes } from './submit';

// Zuora's CPR payment routes under /api/v1/payments (reference §2, rows 1-14), plus the registration
// of failed payments that lets Zuora's one-field submit body work.

export interface PaymentRouteDeps {
  db: Db;
  cycles: CycleClient;
  /** The configured gateway ids; a failed payment for any other is refused. */
  gatewayIds: readonly string[];
  /** Pauses between submits when the cycle ended just as the payment arrived. */
  submitRetryDelaysMs?: readonly number[];
}

export function registerPaymentRoutes(app: OpenAPIHono<AppEnv>, deps: PaymentRouteDeps) {
  registerCycleReadRoutes(app, deps);
  registerCycleWriteRoutes(app, deps);
  registerSubmitRoutes(app, {
    db: deps.db,
    cycles: deps.cycles,
    gatewayIds: deps.gatewayIds,
    ...(deps.submitRetryDelaysMs ? { retryDelaysMs: deps.submitRetryDelaysMs } : {}),
  });
}
