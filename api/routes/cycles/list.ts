import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Db } from '../../../db/client';
import { type CycleListFilter, listCycles } from '../../../db/cycle-list';
import { cycleSummaryView } from '../../../domain/cycle-explorer-view';
import type { AppEnv } from '../../context';
import { encodeCursor } from '../../schemas/cycles';
import { listCyclesRoute } from './routes';

// The cycle explorer's list: the query's filters as db/cycle-list.ts takes them, one statement a page.

export function registerCycleListRoute(app: OpenAPIHono<AppEnv>, { db }: { db: Db }) {
  app.openapi(listCyclesRoute, async (c) => {
    const q = c.req.valid('query');
    const filter: CycleListFilter = {
      ...(q.status ? { statusGroups: q.status } : {}),
      ...(q.customer_group_id !== undefined ? { customerGroupId: q.customer_group_id } : {}),
      ...(q.account_id !== undefined ? { accountId: q.account_id } : {}),
      ...(q.invoice_id !== undefined ? { invoiceId: q.invoice_id } : {}),
      ...(q.debit_memo_id !== undefined ? { debitMemoId: q.debit_memo_id } : {}),
      ...(q.gateway_code !== undefined ? { gatewayCode: q.gateway_code } : {}),
      ...(q.next_attempt_from ? { nextAttemptFrom: q.next_attempt_from } : {}),
      ...(q.next_attempt_to ? { nextAttemptTo: q.next_attempt_to } : {}),
    };
    const { rows, next } = await listCycles(db, filter, { limit: q.limit, cursor: q.cursor });
    return c.json(
      {
        success: true as const,
        cycles: rows.map((r) => cycleSummaryView(r, r)),
        next_cursor: next ? encodeCursor(next) : null,
      },
      200,
    );
  });
}
