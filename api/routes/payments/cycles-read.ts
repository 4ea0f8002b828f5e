import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Db } from '../../../db/client';
import { type CycleScope, cycleHistory } from '../../../db/cycle-queries';
import type { ZuoraCycle } from '../../../domain/zuora-view';
import { toZuoraCycle } from '../../../domain/zuora-view';
import type { AppEnv } from '../../context';
import {
  accountCycleHistoryRoute,
  activeAccountCycleRoute,
  activeDebitMemoCycleRoute,
  activeInvoiceCycleRoute,
  debitMemoCycleHistoryRoute,
  invoiceCycleHistoryRoute,
} from './routes';

// The six cycle GETs, all read from Postgres: the workflow stores the cycle row and the attempt before
// a submit answers, and records every later change (attempts, messages such as execute or remove) in
// the same workflow task that makes it, so these views are as fresh as a query to the workflow would be
// (a query is also answered only after the workflow task that handles a message) and need neither
// Temporal nor a worker: they keep answering while either is down. Active = in_retry or paused.
// Answers are built by toZuoraCycle, the one mapping to Zuora's shape; the strict response schemas
// type-check these handlers and the route tests parse the answers against them.

export interface CycleReadDeps {
  db: Db;
}

export function registerCycleReadRoutes(app: OpenAPIHono<AppEnv>, { db }: CycleReadDeps) {
  const active = async (scope: CycleScope) =>
    (await cycleHistory(db, scope, { activeOnly: true })).map(toZuoraCycle);
  const history = async (scope: CycleScope) => (await cycleHistory(db, scope)).map(toZuoraCycle);

  /**
   * A cycle found by its document names it (toZuoraCycle sets the document's id from the row), but
   * ZuoraCycle leaves both ids optional; this tells the type checker which one is there.
   */
  const naming =
    <K extends 'invoice_id' | 'debit_memo_id'>(key: K) =>
    (s: ZuoraCycle): s is ZuoraCycle & Record<K, string> =>
      s[key] !== undefined;

  app.openapi(activeInvoiceCycleRoute, async (c) => {
    const { invoice_id } = c.req.valid('param');
    const found = await active({ document: { type: 'invoice', id: invoice_id } });
    return c.json({ cycles: found.filter(naming('invoice_id')) }, 200);
  });

  app.openapi(activeDebitMemoCycleRoute, async (c) => {
    const { debit_memo_id } = c.req.valid('param');
    const found = await active({ document: { type: 'debit_memo', id: debit_memo_id } });
    return c.json({ cycles: found.filter(naming('debit_memo_id')) }, 200);
  });

  app.openapi(activeAccountCycleRoute, async (c) => {
    const { account_id } = c.req.valid('param');
    const found = await active({ accountId: account_id });
    return c.json({ cycles: found }, 200);
  });

  app.openapi(invoiceCycleHistoryRoute, async (c) => {
    const { invoice_id } = c.req.valid('param');
    const found = await history({ document: { type: 'invoice', id: invoice_id } });
    return c.json({ cycles: found.filter(naming('invoice_id')) }, 200);
  });

  app.openapi(debitMemoCycleHistoryRoute, async (c) => {
    const { debit_memo_id } = c.req.valid('param');
    const found = await history({ document: { type: 'debit_memo', id: debit_memo_id } });
    return c.json({ cycles: found.filter(naming('debit_memo_id')) }, 200);
  });

  app.openapi(accountCycleHistoryRoute, async (c) => {
    const { account_id } = c.req.valid('param');
    const found = await history({ accountId: account_id });
    return c.json({ cycles: found }, 200);
  });
}
