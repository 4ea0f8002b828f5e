import type { OpenAPIHono } from '@hono/zod-openapi';
import type { CycleClient } from '../../../client/cycles';
import type { ManualRetryClient } from '../../../client/manual-retries';
import type { Db } from '../../../db/client';
import type { AppEnv } from '../../context';
import { registerCycleActionRoutes, registerCycleManualRetryRoute } from './actions';
import { registerCycleDetailRoute } from './detail';
import { registerCycleListRoute } from './list';

// The cycle explorer under /api/v1/cycles (issue 15): list, detail, actions; the manual retry only
// when the app can start ManualRetry workflows.

export interface CycleExplorerDeps {
  db: Db;
  cycles: CycleClient;
  manualRetries?: ManualRetryClient | undefined;
  temporalUi: { namespace: string; baseUrl?: string | undefined };
}

export function registerCycleExplorerRoutes(app: OpenAPIHono<AppEnv>, deps: CycleExplorerDeps) {
  registerCycleListRoute(app, deps);
  registerCycleDetailRoute(app, deps);
  registerCycleActionRoutes(app, deps);
  if (deps.manualRetries) {
    registerCycleManualRetryRoute(app, { db: deps.db, manualRetries: deps.manualRetries });
  }
}
