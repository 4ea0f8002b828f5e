import type { OpenAPIHono } from '@hono/zod-openapi';
import type { CycleClient } from '../../../client/cycles';
import type { Db } from '../../../db/client';
import { type ActiveCycleRef, activeCycles, type CycleSelection } from '../../../db/cycle-queries';
import type { ActionResult } from '../../../domain/action-result';
import { cycleLogFields } from '../../../domain/cycle-log-fields';
import { cycleWorkflowId, type DocumentRef } from '../../../domain/failed-payment';
import type { Logger } from '../../../log/logger';
import type { AppEnv } from '../../context';
import { ApiError } from '../../errors';
import { mapLimit } from '../../map-limit';
import { executeMessage, removeMessage } from '../../schemas/zuora';
import { viaTemporal } from '../../temporal-errors';
import {
  executeAccountPaymentsRoute,
  executeDebitMemoPaymentRoute,
  executeInvoicePaymentRoute,
  executePaymentsRoute,
  removeAccountRoute,
  removeDebitMemoRoute,
  removeInvoiceRoute,
} from './routes';

// Execute and remove: find the active cycles in Postgres, send each document's workflow the Update
// once, and answer with the numeric ids of the cycles the action took effect on (Zuora's "[290, 291]").
// Cycles the action did not take effect on (an execute the charge gate refused, a remove that found a
// charge at the gateway) are named after the list with why, so the list never claims what did not happen.

const SIGNAL_CONCURRENCY = 8;

export interface CycleWriteDeps {
  db: Db;
  cycles: CycleClient;
}

type Action = 'execute' | 'remove';

export function registerCycleWriteRoutes(app: OpenAPIHono<AppEnv>, { db, cycles }: CycleWriteDeps) {
  const act = async (
    action: Action,
    selection: CycleSelection,
    { user, log }: { user: string; log: Logger },
    via: string,
  ) => {
    const refs = await activeCycles(db, selection);
    const byDoc = new Map<string, { doc: DocumentRef; refs: ActiveCycleRef[] }>();
    for (const r of refs) {
      const key = `${r.document_type}:${r.document_id}`;
      const entry = byDoc.get(key);
      if (entry) entry.refs.push(r);
      else byDoc.set(key, { doc: { type: r.document_type, id: r.document_id }, refs: [r] });
    }
    const done = await mapLimit([...byDoc.values()], SIGNAL_CONCURRENCY, async ({ doc, refs }) => {
      const result = await viaTemporal(() =>
        action === 'execute'
          ? cycles.confirmed.execute(doc, user)
          : cycles.confirmed.remove(doc, user, `api: ${via}`),
      );
      // One line per document, with the cycle that answered (or the one that was listed).
      log.info(
        {
          ...cycleLogFields({
            workflow_id: cycleWorkflowId(doc),
            cycle_id: result?.cycle_id ?? refs[0]?.id,
            document: doc,
          }),
          action,
          outcome: result?.outcome ?? 'closed',
          applied: result?.applied ?? false,
        },
        `cycle ${action} requested`,
      );
      return { refs, result };
    });
    const ids = [...new Set(done.flatMap((d) => (d.result?.applied ? d.refs.map((r) => r.id) : [])))].sort(
      (a, b) => a - b,
    );
    const listed = action === 'execute' ? executeMessage(ids) : removeMessage(ids);
    const notes = done
      .filter(
        (d): d is { refs: ActiveCycleRef[]; result: ActionResult } => d.result !== null && !d.result.applied,
      )
      .flatMap(({ refs, result }) => refs.map((r) => ({ id: r.id, result })))
      .sort((a, b) => a.id - b.id)
      .map(
        ({ id, result }) =>
          `${id}: ${result.outcome}${result.rule ? ` (${result.rule})` : ''}, ${result.message}`,
      );
    return {
      success: true,
      message: notes.length
        ? `${listed}. Not ${action === 'execute' ? 'executed' : 'removed'}: ${notes.join('; ')}`
        : listed,
    };
  };

  app.openapi(executeInvoicePaymentRoute, async (c) => {
    const { invoice_id } = c.req.valid('param');
    return c.json(
      await act(
        'execute',
        { invoice_ids: [invoice_id] },
        { user: c.get('user'), log: c.get('log') },
        'execute_invoice_payment',
      ),
      200,
    );
  });
  app.openapi(executeDebitMemoPaymentRoute, async (c) => {
    const { debit_memo_id } = c.req.valid('param');
    return c.json(
      await act(
        'execute',
        { debit_memo_ids: [debit_memo_id] },
        { user: c.get('user'), log: c.get('log') },
        'execute_debit_memo_payment',
      ),
      200,
    );
  });
  app.openapi(executeAccountPaymentsRoute, async (c) => {
    const { account_id } = c.req.valid('param');
    return c.json(
      await act(
        'execute',
        { account_ids: [account_id] },
        { user: c.get('user'), log: c.get('log') },
        'execute_account_payments',
      ),
      200,
    );
  });
  app.openapi(executePaymentsRoute, async (c) => {
    const body = c.req.valid('json');
    const selection = {
      account_ids: body.account_ids ?? [],
      invoice_ids: body.invoice_ids ?? [],
      debit_memo_ids: body.debit_memo_ids ?? [],
    };
    if (selection.account_ids.length + selection.invoice_ids.length + selection.debit_memo_ids.length === 0) {
      // The schema says so too; this guards a body the validator never saw.
      throw new ApiError(400, 'Name at least one id in account_ids, invoice_ids or debit_memo_ids');
    }
    return c.json(
      await act('execute', selection, { user: c.get('user'), log: c.get('log') }, 'execute_payments'),
      200,
    );
  });

  app.openapi(removeInvoiceRoute, async (c) => {
    const { invoice_id } = c.req.valid('param');
    return c.json(
      await act(
        'remove',
        { invoice_ids: [invoice_id] },
        { user: c.get('user'), log: c.get('log') },
        'remove_invoice_from_retry_cycle',
      ),
      200,
    );
  });
  app.openapi(removeDebitMemoRoute, async (c) => {
    const { debit_memo_id } = c.req.valid('param');
    return c.json(
      await act(
        'remove',
        { debit_memo_ids: [debit_memo_id] },
        { user: c.get('user'), log: c.get('log') },
        'remove_debit_memo_from_retry_cycle',
      ),
      200,
    );
  });
  app.openapi(removeAccountRoute, async (c) => {
    const { account_id } = c.req.valid('param');
    return c.json(
      await act(
        'remove',
        { account_ids: [account_id] },
        { user: c.get('user'), log: c.get('log') },
        'remove_account_from_retry_cycle',
      ),
      200,
    );
  });
}
