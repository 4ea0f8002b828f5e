import type { OpenAPIHono } from '@hono/zod-openapi';
import type { CycleClient } from '../../../client/cycles';
import type { ManualRetryClient } from '../../../client/manual-retries';
import type { Db } from '../../../db/client';
import { cycleTarget } from '../../../db/cycle-list';
import type { ActionResult, CycleAction } from '../../../domain/action-result';
import type { CycleStatus } from '../../../domain/cycle-status';
import { isFinal } from '../../../domain/cycle-status';
import type { Logger } from '../../../log/logger';
import type { AppEnv } from '../../context';
import { cycleRowLogFields } from '../../cycle-log';
import { ApiError } from '../../errors';
import { requestManualRetry } from '../../manual-retry-request';
import { viaTemporal } from '../../temporal-errors';
import { unknownCycle } from './detail';
import {
  createCycleManualRetryRoute,
  executeCycleRoute,
  pauseCycleRoute,
  removeCycleRoute,
  resumeCycleRoute,
} from './routes';

// The actions on one cycle by its id. A cycle's workflow is its document's (`cpr-invoice-<id>`), which
// runs the document's NEXT cycle once this one has ended: so an ended cycle is answered 409 from its
// row without sending anything, and an answer about another cycle (this one ended in between) is a
// 409 too, saying what that cycle answered. Otherwise the answer is the confirmed Update's, as is.

export interface CycleActionDeps {
  db: Db;
  cycles: CycleClient;
}

const MANUAL_RETRY_ROUTE = 'POST /api/v1/cycles/{id}/manual_retries';

const ended = (id: number, status: string) =>
  new ApiError(409, `Cycle ${id} has already ended (${status}); there is nothing to act on`);

export function registerCycleActionRoutes(app: OpenAPIHono<AppEnv>, { db, cycles }: CycleActionDeps) {
  const act = async (
    log: Logger,
    id: number,
    action: CycleAction,
    send: (doc: { type: 'invoice' | 'debit_memo'; id: string }) => Promise<ActionResult | null>,
  ): Promise<ActionResult> => {
    const target = await cycleTarget(db, id);
    if (!target) throw unknownCycle(id);
    if (isFinal(target.status as CycleStatus)) throw ended(id, target.status);
    const result = await viaTemporal(() => send({ type: target.documentType, id: target.documentId }));
    log.info(
      {
        ...cycleRowLogFields({ ...target, id }),
        action,
        outcome: result?.outcome ?? 'closed',
        applied: result?.applied ?? false,
      },
      `cycle ${action} requested`,
    );
    // The run closed before the Update arrived: the cycle ended as it was asked.
    if (result === null) throw ended(id, 'its workflow has closed');
    if (result.cycle_id !== null && result.cycle_id !== id) {
      throw new ApiError(
        409,
        `Cycle ${id} has already ended; its document's workflow now runs cycle ${result.cycle_id}, which answered the ${action}: ${result.outcome}, ${result.message}`,
      );
    }
    return result;
  };

  app.openapi(executeCycleRoute, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(
      await act(c.get('log'), id, 'execute', (doc) => cycles.confirmed.execute(doc, c.get('user'))),
      200,
    );
  });
  app.openapi(pauseCycleRoute, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(
      await act(c.get('log'), id, 'pause', (doc) => cycles.confirmed.pause(doc, c.get('user'))),
      200,
    );
  });
  app.openapi(resumeCycleRoute, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(
      await act(c.get('log'), id, 'resume', (doc) => cycles.confirmed.resume(doc, c.get('user'))),
      200,
    );
  });
  app.openapi(removeCycleRoute, async (c) => {
    const { id } = c.req.valid('param');
    // The body is optional: none (or an empty one) removes without a reason.
    const reason = c.req.valid('json')?.reason ?? 'api: cycle explorer';
    return c.json(
      await act(c.get('log'), id, 'remove', (doc) => cycles.confirmed.remove(doc, c.get('user'), reason)),
      200,
    );
  });
}

export function registerCycleManualRetryRoute(
  app: OpenAPIHono<AppEnv>,
  { db, manualRetries }: { db: Db; manualRetries: ManualRetryClient },
) {
  app.openapi(createCycleManualRetryRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    const requestKey = c.req.valid('header')['idempotency-key'];
    const answer = await requestManualRetry(
      { db, manualRetries, log: c.get('log') },
      {
        target: { cycleId: id },
        reason,
        requestedBy: c.get('user'),
        requestKey,
        route: MANUAL_RETRY_ROUTE,
        fingerprint: { id, reason },
        notFound: () => unknownCycle(id),
      },
    );
    if (answer.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(answer.body, answer.status);
  });
}
