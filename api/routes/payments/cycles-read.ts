import type { OpenAPIHono, RouteConfig, RouteConfigToTypedResponse } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Db } from '../../../db/client';
import type { CycleScope } from '../../../db/cycle-queries';
import { zuoraCyclesJson } from '../../../db/zuora-cycle-json';
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
// Postgres builds each answer's JSON in one statement (db/zuora-cycle-json.ts) and the text is sent as
// it comes: no parse, no mapping, no stringify here. That SQL is held equal to toZuoraCycle, the
// mapping the workflow's `state` query answers with, by test/db/zuora-cycle-json.test.ts; the route
// tests parse the answers against the strict response schemas.

export interface CycleReadDeps {
  db: Db;
}

/**
 * A 200 whose body is JSON text made elsewhere. The routes declare their JSON schema (the OpenAPI
 * document comes from it), so @hono/zod-openapi types a handler's answer as the c.json of that
 * schema; a body sent as text cannot carry that type, so this is the one place that asserts it. What
 * the text holds is the contract test's to check (see above), not the type checker's.
 */
function jsonText<R extends RouteConfig>(c: Pick<Context, 'body'>, _route: R, text: string): Ok<R> {
  return c.body(text, 200, { 'content-type': 'application/json' }) as unknown as Ok<R>;
}
type Ok<R extends RouteConfig> = Extract<RouteConfigToTypedResponse<R>, { _status: 200 }>;

export function registerCycleReadRoutes(app: OpenAPIHono<AppEnv>, { db }: CycleReadDeps) {
  const active = (scope: CycleScope) => zuoraCyclesJson(db, scope, { activeOnly: true });
  const history = (scope: CycleScope) => zuoraCyclesJson(db, scope);

  app.openapi(activeInvoiceCycleRoute, async (c) => {
    const { invoice_id } = c.req.valid('param');
    const text = await active({ document: { type: 'invoice', id: invoice_id } });
    return jsonText(c, activeInvoiceCycleRoute, text);
  });

  app.openapi(activeDebitMemoCycleRoute, async (c) => {
    const { debit_memo_id } = c.req.valid('param');
    const text = await active({ document: { type: 'debit_memo', id: debit_memo_id } });
    return jsonText(c, activeDebitMemoCycleRoute, text);
  });

  app.openapi(activeAccountCycleRoute, async (c) => {
    const { account_id } = c.req.valid('param');
    return jsonText(c, activeAccountCycleRoute, await active({ accountId: account_id }));
  });

  app.openapi(invoiceCycleHistoryRoute, async (c) => {
    const { invoice_id } = c.req.valid('param');
    const text = await history({ document: { type: 'invoice', id: invoice_id } });
    return jsonText(c, invoiceCycleHistoryRoute, text);
  });

  app.openapi(debitMemoCycleHistoryRoute, async (c) => {
    const { debit_memo_id } = c.req.valid('param');
    const text = await history({ document: { type: 'debit_memo', id: debit_memo_id } });
    return jsonText(c, debitMemoCycleHistoryRoute, text);
  });

  app.openapi(accountCycleHistoryRoute, async (c) => {
    const { account_id } = c.req.valid('param');
    return jsonText(c, accountCycleHistoryRoute, await history({ accountId: account_id }));
  });
}
