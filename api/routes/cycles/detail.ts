import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Db } from '../../../db/client';
import { cycleDetail } from '../../../db/cycle-list';
import { cycleDetailView } from '../../../domain/cycle-explorer-view';
import type { AppEnv } from '../../context';
import { ApiError } from '../../errors';
import { getCycleRoute } from './routes';

// One cycle's page: the row, its attempts and events in one statement, and where its workflow is.

export interface CycleDetailDeps {
  db: Db;
  /** The Temporal namespace of the cycles, and the UI's base URL (no link without it). */
  temporalUi: { namespace: string; baseUrl?: string | undefined };
}

export const unknownCycle = (id: number) => new ApiError(404, `No cycle ${id}`);

export function registerCycleDetailRoute(app: OpenAPIHono<AppEnv>, { db, temporalUi }: CycleDetailDeps) {
  app.openapi(getCycleRoute, async (c) => {
    const { id } = c.req.valid('param');
    const found = await cycleDetail(db, id);
    if (!found) throw unknownCycle(id);
    return c.json({ success: true as const, cycle: cycleDetailView(found, temporalUi) }, 200);
  });
}
