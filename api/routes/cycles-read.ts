import type { OpenAPIHono } from '@hono/zod-openapi';
import type { CycleClient } from '../../client/cycles';
import type { Db } from '../../db/client';
import { activeCycles, type CycleScope, cycleHistory } from '../../db/cycle-queries';
import type { ZuoraCycle } from '../../workflows/cycle-types';
import type { DocumentRef } from '../../workflows/failed-payment';
import { toZuoraCycle } from '../../workflows/zuora-view';
import type { AppEnv } from '../context';
import { viaTemporal } from '../temporal-errors';
import { mapLimit } from './map-limit';
import {
  accountCycleHistoryRoute,
  activeAccountCycleRoute,
  activeDebitMemoCycleRoute,
  activeInvoiceCycleRoute,
  debitMemoCycleHistoryRoute,
  invoiceCycleHistoryRoute,
} from './payment-routes';

// The six cycle GETs. Active cycles come from the live workflows (the `state` query), so a submit is
// visible the moment it answers; the history comes from Postgres, completed and active, oldest first.
// Both are answered as toZuoraCycle built them, so there is one mapping to Zuora's shape; the strict
// response schemas type-check these handlers and the route tests parse the answers against them.

/** How many workflows one request queries at once. */
const QUERY_CONCURRENCY = 8;

export interface CycleReadDeps {
  db: Db;
  cycles: CycleClient;
}

export function registerCycleReadRoutes(app: OpenAPIHono<AppEnv>, { db, cycles }: CycleReadDeps) {
  /** The document's live cycle, if it is active. */
  const activeOf = async (doc: DocumentRef): Promise<ZuoraCycle[]> => {
    const state = await viaTemporal(() => cycles.state(doc));
    return state && state.status === 'Cycle Incomplete' ? [state] : [];
  };

  /** The account's active cycles: found in Postgres, each answered by its workflow. */
  const activeOfAccount = async (accountId: string): Promise<ZuoraCycle[]> => {
    const refs = await activeCycles(db, { account_ids: [accountId] });
    const docs = new Map<string, DocumentRef>();
    for (const r of refs) {
      docs.set(`${r.document_type}:${r.document_id}`, { type: r.document_type, id: r.document_id });
    }
    const states = await mapLimit([...docs.values()], QUERY_CONCURRENCY, activeOf);
    return states.flat().filter((s) => s.account_id === accountId);
  };

  const history = async (scope: CycleScope) => (await cycleHistory(db, scope)).map(toZuoraCycle);

  /**
   * A cycle found by its document names it (toZuoraCycle sets the document's id from the workflow or
   * the row), but ZuoraCycle leaves both ids optional; this tells the type checker which one is there.
   */
  const naming =
    <K extends 'invoice_id' | 'debit_memo_id'>(key: K) =>
    (s: ZuoraCycle): s is ZuoraCycle & Record<K, string> =>
      s[key] !== undefined;

  app.openapi(activeInvoiceCycleRoute, async (c) => {
    const { invoice_id } = c.req.valid('param');
    const found = await activeOf({ type: 'invoice', id: invoice_id });
    return c.json({ cycles: found.filter(naming('invoice_id')) }, 200);
  });

  app.openapi(activeDebitMemoCycleRoute, async (c) => {
    const { debit_memo_id } = c.req.valid('param');
    const found = await activeOf({ type: 'debit_memo', id: debit_memo_id });
    return c.json({ cycles: found.filter(naming('debit_memo_id')) }, 200);
  });

  app.openapi(activeAccountCycleRoute, async (c) => {
    const { account_id } = c.req.valid('param');
    const found = await activeOfAccount(account_id);
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
