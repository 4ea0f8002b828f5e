import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../api/app';
import {
  accountCycleHistorySchema,
  activeAccountCyclesSchema,
  activeDebitMemoCyclesSchema,
  activeInvoiceCyclesSchema,
  debitMemoCycleHistorySchema,
  invoiceCycleHistorySchema,
} from '../../api/schemas/zuora';
import { cycles, failedPayments } from '../../db/schema';
import type { FailedPayment } from '../../domain/failed-payment';
import { basic, testApp } from '../support/api';
import {
  eventually,
  failedPayment,
  type Harness,
  ledger,
  startHarness,
  testConfig,
} from '../support/cycle-harness';
import { type DbKind, dbKinds } from '../support/databases';
import { uniqueName } from '../support/temporal';
import { expectedFirstAttempt, UTC_MS } from '../support/zuora-shapes';

// Every CPR payment route through app.request(), with a real worker, Temporal and the database behind
// it, on Postgres and on PGlite from the same body.

const P = '/api/v1/payments';
const ENQUEUED = 'Payments with the following IDs enqueued for processing: ';
const REMOVED = 'Payments with the following IDs have been removed from the retry cycle: ';
const SUBMITTED = { success: true, message: 'Payment entered into retry process' };

type ErrorBody = { success: false; message: string; errors?: { path: string; message: string }[] };
type Cycles = { cycles: Record<string, unknown>[] };

describe.each(dbKinds)('CPR payment routes on %s', (kind: DbKind) => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    h = await startHarness({ kind, config: testConfig(4) });
    t = await testApp(kind, { db: h.db, cycles: h.cycles });
  });
  afterAll(async () => {
    await t?.close();
    await h?.close();
  });

  /** A slow cycle waits an hour between attempts unless executed. */
  const slow = (pm: string, extra: Partial<FailedPayment> = {}) =>
    failedPayment(pm, { account: { segment: 'slow' }, ...extra });
  const debitMemo = (p: FailedPayment): FailedPayment => {
    const { invoice_id, ...rest } = p;
    return { ...rest, debit_memo_id: `DM-${invoice_id}` };
  };
  const get = async (path: string) => {
    const res = await t.json('GET', `${P}/${path}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Cycles;
  };
  const submit = async (body: unknown) => {
    const res = await t.json('POST', `${P}/submit_failed_payment`, body);
    expect(await res.json()).toEqual(SUBMITTED);
    expect(res.status).toBe(200);
  };
  const put = async (path: string, init: RequestInit = {}) => {
    const res = await t.app.request(`${P}/${path}`, {
      method: 'PUT',
      ...init,
      headers: { ...basic(), ...(init.headers as Record<string, string>) },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { success: boolean; message: string };
  };
  const cycleIds = async (where: { accountId?: string; documentId?: string }) => {
    const rows = await h.db.db
      .select({ id: cycles.id })
      .from(cycles)
      .where(
        and(
          where.accountId ? eq(cycles.accountId, where.accountId) : undefined,
          where.documentId ? eq(cycles.documentId, where.documentId) : undefined,
        ),
      )
      .orderBy(asc(cycles.id));
    return rows.map((r) => r.id);
  };

  it('requires Basic auth on every route', async () => {
    const routes: [string, string][] = [
      ['GET', 'active_invoice_cycle_information/X'],
      ['GET', 'active_debit_memo_cycle_information/X'],
      ['GET', 'active_account_cycle_information/X'],
      ['GET', 'invoice_cycle_history/X'],
      ['GET', 'debit_memo_cycle_history/X'],
      ['GET', 'account_cycle_history/X'],
      ['PUT', 'execute_invoice_payment/X'],
      ['PUT', 'execute_debit_memo_payment/X'],
      ['PUT', 'execute_account_payments/X'],
      ['POST', 'execute_payments'],
      ['PUT', 'remove_invoice_from_retry_cycle/X'],
      ['PUT', 'remove_debit_memo_from_retry_cycle/X'],
      ['PUT', 'remove_account_from_retry_cycle/X'],
      ['POST', 'submit_failed_payment'],
      ['POST', 'failed_payments'],
    ];
    for (const [method, path] of routes) {
      const none = await t.app.request(`${P}/${path}`, { method });
      expect(none.status, `${method} ${path}`).toBe(401);
      expect(await none.json()).toEqual({
        success: false,
        message: 'Authentication required: HTTP Basic with your email and API token',
      });
      const bad = await t.app.request(`${P}/${path}`, { method, headers: basic(undefined, 'wrong-token') });
      expect(bad.status).toBe(401);
      expect(await bad.json()).toEqual({ success: false, message: 'Invalid credentials' });
    }
  });

  it('answers unknown ids with no cycles and empty execute/remove lists', async () => {
    const id = uniqueName('unknown');
    for (const path of [
      'active_invoice_cycle_information',
      'active_debit_memo_cycle_information',
      'active_account_cycle_information',
      'invoice_cycle_history',
      'debit_memo_cycle_history',
      'account_cycle_history',
    ]) {
      expect(await get(`${path}/${id}`)).toEqual({ cycles: [] });
    }
    for (const path of [
      'execute_invoice_payment',
      'execute_debit_memo_payment',
      'execute_account_payments',
    ]) {
      expect(await put(`${path}/${id}`)).toEqual({ success: true, message: `${ENQUEUED}[]` });
    }
    for (const path of [
      'remove_invoice_from_retry_cycle',
      'remove_debit_memo_from_retry_cycle',
      'remove_account_from_retry_cycle',
    ]) {
      expect(await put(`${path}/${id}`)).toEqual({ success: true, message: `${REMOVED}[]` });
    }
    const bulk = await t.json('POST', `${P}/execute_payments`, { invoice_ids: [id], account_ids: [id] });
    expect(await bulk.json()).toEqual({ success: true, message: `${ENQUEUED}[]` });
  });

  it('lists a submitted payment at once (read-your-writes), in Zuora shape, and once however often it is submitted', async () => {
    const payment = slow('sim.approve');
    await submit(payment);
    const active = await get(`active_invoice_cycle_information/${payment.invoice_id}`);
    expect(activeInvoiceCyclesSchema.safeParse(active).success).toBe(true);
    expect(active.cycles).toHaveLength(1);
    const [cycle] = active.cycles;
    expect(Object.keys(cycle ?? {})).toEqual([
      'account_id',
      'invoice_id',
      'payment_method_id',
      'currency',
      'status',
      'current_attempt_number',
      'next_attempt',
      'customer_group',
      'attempts',
    ]);
    expect(cycle).toMatchObject({
      account_id: payment.account_id,
      invoice_id: payment.invoice_id,
      payment_method_id: payment.payment_method_id,
      currency: 'USD',
      status: 'Cycle Incomplete',
      current_attempt_number: 1,
      customer_group: 'Slow',
      next_attempt: expect.stringMatching(UTC_MS),
    });
    expect((cycle?.attempts as unknown[] | undefined)?.[0]).toEqual(expectedFirstAttempt(payment));

    // The same payment again: 200, and still one attempt.
    await submit(payment);
    const again = await get(`active_invoice_cycle_information/${payment.invoice_id}`);
    expect(again.cycles[0]?.current_attempt_number).toBe(1);
    // The account view lists it too: the cycle row is written before the submit answers.
    const byAccount = await get(`active_account_cycle_information/${payment.account_id}`);
    expect(activeAccountCyclesSchema.safeParse(byAccount).success).toBe(true);
    expect(byAccount.cycles).toEqual(active.cycles);
    // So does the history, with the same content from the database.
    const history = await get(`invoice_cycle_history/${payment.invoice_id}`);
    expect(invoiceCycleHistorySchema.safeParse(history).success).toBe(true);
    expect(history).toEqual(active);
    await put(`remove_invoice_from_retry_cycle/${payment.invoice_id}`);
  });

  it('execute moves the next attempt forward and the attempt happens', async () => {
    const payment = slow('sim.insufficient_funds');
    await submit(payment);
    const [id] = await cycleIds({ documentId: payment.invoice_id });
    const before = (await get(`active_invoice_cycle_information/${payment.invoice_id}`)).cycles[0];
    expect(Date.parse(String(before?.next_attempt)) - Date.now()).toBeGreaterThan(50 * 60_000);

    // No body and no Content-Type: Zuora's documented call.
    expect(await put(`execute_invoice_payment/${payment.invoice_id}`)).toEqual({
      success: true,
      message: `${ENQUEUED}[${id}]`,
    });
    const after = await eventually(async () => {
      const body = await get(`active_invoice_cycle_information/${payment.invoice_id}`);
      return body.cycles[0]?.current_attempt_number === 2 ? body : undefined;
    });
    expect(activeInvoiceCyclesSchema.safeParse(after).success).toBe(true);
    const [cycle] = after.cycles as {
      next_attempt: string;
      attempts: { cpr_generated: boolean; retry_info: Record<string, string> }[];
    }[];
    expect(cycle?.attempts[0]?.retry_info.api_updated_retry_time).toMatch(/\.\d{3}(Z|[+-]\d\d:\d\d)$/);
    expect(cycle?.attempts[1]).toMatchObject({ cpr_generated: true, success: false });
    // The declined attempt 2 scheduled attempt 3 an hour on.
    expect(Date.parse(cycle?.next_attempt ?? '') - Date.now()).toBeGreaterThan(50 * 60_000);
    expect(await ledger(h.simUrl, payment.payment_method_id)).toHaveLength(1);
    await put(`remove_invoice_from_retry_cycle/${payment.invoice_id}`);
  });

  it('remove ends the cycle as Cycle Complete, which the history then shows', async () => {
    const payment = slow('sim.approve');
    await submit(payment);
    const [id] = await cycleIds({ documentId: payment.invoice_id });
    // A body, even with a JSON Content-Type, is ignored.
    expect(
      await put(`remove_invoice_from_retry_cycle/${payment.invoice_id}`, {
        body: JSON.stringify({ reason: 'ignored' }),
        headers: { 'Content-Type': 'application/json' },
      }),
    ).toEqual({ success: true, message: `${REMOVED}[${id}]` });
    const history = await eventually(async () => {
      const body = await get(`invoice_cycle_history/${payment.invoice_id}`);
      return body.cycles[0]?.status === 'Cycle Complete' ? body : undefined;
    });
    expect(invoiceCycleHistorySchema.safeParse(history).success).toBe(true);
    expect(history.cycles).toHaveLength(1);
    expect(history.cycles[0]).toMatchObject({ next_attempt: null, current_attempt_number: 1 });
    expect(await get(`active_invoice_cycle_information/${payment.invoice_id}`)).toEqual({ cycles: [] });
    expect(await ledger(h.simUrl, payment.payment_method_id)).toEqual([]);
    // Nothing is left to remove.
    expect(await put(`remove_invoice_from_retry_cycle/${payment.invoice_id}`)).toEqual({
      success: true,
      message: `${REMOVED}[]`,
    });
  });

  it('lists the history oldest first: a completed cycle, then the active one opened by a later failure', async () => {
    const first = slow('sim.approve');
    await submit(first);
    await put(`remove_invoice_from_retry_cycle/${first.invoice_id}`);
    // The next failure of the same invoice opens a new cycle (retrying if the old run is closing).
    const second = { ...first, payment_id: `${first.payment_id}-2`, failed_at: new Date().toISOString() };
    await submit(second);
    const history = await eventually(async () => {
      const body = await get(`invoice_cycle_history/${first.invoice_id}`);
      return body.cycles.length === 2 && body.cycles[0]?.status === 'Cycle Complete' ? body : undefined;
    });
    expect(invoiceCycleHistorySchema.safeParse(history).success).toBe(true);
    expect(history.cycles.map((c) => [c.status, (c.attempts as { zuora_payment_id: string }[])[0]])).toEqual([
      ['Cycle Complete', expect.objectContaining({ zuora_payment_id: first.payment_id })],
      ['Cycle Incomplete', expect.objectContaining({ zuora_payment_id: second.payment_id })],
    ]);
    expect(history.cycles[0]?.next_attempt).toBeNull();
    expect(history.cycles[1]?.next_attempt).toMatch(UTC_MS);
    const account = await get(`account_cycle_history/${first.account_id}`);
    expect(accountCycleHistorySchema.safeParse(account).success).toBe(true);
    expect(account).toEqual(history);
    const active = await get(`active_invoice_cycle_information/${first.invoice_id}`);
    expect(active.cycles).toHaveLength(1);
    expect(active.cycles[0]?.attempts).toEqual(history.cycles[1]?.attempts);
    await put(`remove_invoice_from_retry_cycle/${first.invoice_id}`);
  });

  it('covers an invoice and a debit memo of one account in the account-level routes', async () => {
    const invoice = slow('sim.insufficient_funds');
    const memo = debitMemo(slow('sim.insufficient_funds', { account_id: invoice.account_id }));
    await submit(invoice);
    await submit(memo);
    const ids = await cycleIds({ accountId: invoice.account_id });
    expect(ids).toHaveLength(2);

    const active = await get(`active_account_cycle_information/${invoice.account_id}`);
    expect(activeAccountCyclesSchema.safeParse(active).success).toBe(true);
    expect(active.cycles.map((c) => [c.invoice_id, c.debit_memo_id])).toEqual([
      [invoice.invoice_id, undefined],
      [undefined, memo.debit_memo_id],
    ]);
    const memoActive = await get(`active_debit_memo_cycle_information/${memo.debit_memo_id}`);
    expect(activeDebitMemoCyclesSchema.safeParse(memoActive).success).toBe(true);
    expect(memoActive.cycles[0]).toMatchObject({
      debit_memo_id: memo.debit_memo_id,
      status: 'Cycle Incomplete',
    });
    expect(memoActive.cycles[0]).not.toHaveProperty('invoice_id');

    // A body without Content-Type is ignored too.
    expect(await put(`execute_account_payments/${invoice.account_id}`, { body: 'whatever' })).toEqual({
      success: true,
      message: `${ENQUEUED}[${ids.join(', ')}]`,
    });
    await eventually(async () => {
      const body = await get(`active_account_cycle_information/${invoice.account_id}`);
      return body.cycles.every((c) => c.current_attempt_number === 2) && body.cycles.length === 2;
    });

    expect(await put(`execute_debit_memo_payment/${memo.debit_memo_id}`)).toEqual({
      success: true,
      message: `${ENQUEUED}[${ids[1]}]`,
    });
    expect(await put(`remove_account_from_retry_cycle/${invoice.account_id}`)).toEqual({
      success: true,
      message: `${REMOVED}[${ids.join(', ')}]`,
    });
    const history = await eventually(async () => {
      const body = await get(`account_cycle_history/${invoice.account_id}`);
      return body.cycles.every((c) => c.status === 'Cycle Complete') ? body : undefined;
    });
    expect(accountCycleHistorySchema.safeParse(history).success).toBe(true);
    expect(history.cycles.map((c) => c.invoice_id ?? c.debit_memo_id)).toEqual([
      invoice.invoice_id,
      memo.debit_memo_id,
    ]);
    const memoHistory = await get(`debit_memo_cycle_history/${memo.debit_memo_id}`);
    expect(debitMemoCycleHistorySchema.safeParse(memoHistory).success).toBe(true);
    expect(memoHistory.cycles).toEqual([history.cycles[1]]);
    expect(await get(`active_account_cycle_information/${invoice.account_id}`)).toEqual({ cycles: [] });
    expect(await put(`remove_debit_memo_from_retry_cycle/${memo.debit_memo_id}`)).toEqual({
      success: true,
      message: `${REMOVED}[]`,
    });
  });

  it('execute_payments takes accounts, invoices and debit memos together, and at least one id', async () => {
    const a = slow('sim.insufficient_funds');
    const b = debitMemo(slow('sim.insufficient_funds'));
    const c = slow('sim.insufficient_funds');
    for (const p of [a, b, c]) await submit(p);
    const ids = [
      ...(await cycleIds({ documentId: a.invoice_id })),
      ...(await cycleIds({ documentId: b.debit_memo_id })),
      ...(await cycleIds({ accountId: c.account_id })),
    ].sort((x, y) => x - y);
    const res = await t.json('POST', `${P}/execute_payments`, {
      account_ids: [c.account_id],
      invoice_ids: [a.invoice_id, 'unknown-invoice', c.invoice_id],
      debit_memo_ids: [b.debit_memo_id],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true, message: `${ENQUEUED}[${ids.join(', ')}]` });
    for (const p of [a, c]) {
      await eventually(async () => {
        const body = await get(`active_invoice_cycle_information/${p.invoice_id}`);
        return body.cycles[0]?.current_attempt_number === 2;
      });
    }

    const bad = async (body: unknown, headers: Record<string, string> = {}) => {
      const r = await t.json('POST', `${P}/execute_payments`, body, headers);
      expect(r.status).toBe(400);
      const json = (await r.json()) as ErrorBody;
      expect(json.success).toBe(false);
      return json;
    };
    expect((await bad({})).message).toMatch(/at least one id/);
    expect((await bad({ account_ids: [], invoice_ids: [], debit_memo_ids: [] })).message).toMatch(
      /at least one id/,
    );
    const none = await t.app.request(`${P}/execute_payments`, { method: 'POST', headers: basic() });
    expect(none.status).toBe(400);
    expect((await bad({ invoice_ids: Array.from({ length: 1001 }, (_, i) => `I${i}`) })).errors).toEqual([
      { path: 'invoice_ids', message: 'at most 1000 ids' },
    ]);
    expect((await bad({ invoice_ids: 'abc', account_id: ['x'] })).errors?.map((e) => e.path).sort()).toEqual([
      '(root)',
      'invoice_ids',
    ]);
    expect((await bad('{"invoice_ids": [')).message).toMatch(/Malformed JSON/);
    for (const p of [a, b, c]) {
      await put(
        p.invoice_id
          ? `remove_invoice_from_retry_cycle/${p.invoice_id}`
          : `remove_debit_memo_from_retry_cycle/${p.debit_memo_id}`,
      );
    }
  });

  it('submits a registered payment by its payment_id alone, as Zuora does', async () => {
    const payment = slow('sim.approve');
    const register = (body: unknown) => t.json('POST', `${P}/failed_payments`, body);
    const created = await register(payment);
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ success: true, payment_id: payment.payment_id });
    // Registering alone opens no cycle.
    expect(await get(`active_invoice_cycle_information/${payment.invoice_id}`)).toEqual({ cycles: [] });
    // The same content again (another key order) is fine; different content is a conflict.
    const reordered = Object.fromEntries(Object.entries(payment).reverse());
    const same = await register(reordered);
    expect(same.status).toBe(200);
    expect(await same.json()).toEqual({ success: true, payment_id: payment.payment_id });
    const changed = await register({ ...payment, amount: '99.00' });
    expect(changed.status).toBe(409);
    expect(await changed.json()).toMatchObject({
      success: false,
      message: expect.stringMatching(/different/),
    });

    await submit({ payment_id: payment.payment_id });
    const active = await get(`active_invoice_cycle_information/${payment.invoice_id}`);
    expect(active.cycles[0]).toMatchObject({
      account_id: payment.account_id,
      current_attempt_number: 1,
      status: 'Cycle Incomplete',
    });
    await put(`remove_invoice_from_retry_cycle/${payment.invoice_id}`);
  });

  it('rejects bad submits and registrations with the fields named, writing nothing', async () => {
    const post = async (path: string, body: unknown, status = 400) => {
      const res = await t.json('POST', `${P}/${path}`, body);
      expect(res.status).toBe(status);
      const json = (await res.json()) as ErrorBody;
      expect(json.success).toBe(false);
      return json;
    };
    const unknown = uniqueName('P-unknown');
    const notRegistered = await post('submit_failed_payment', { payment_id: unknown });
    expect(notRegistered.message).toMatch(new RegExp(`Payment ${unknown} is not registered`));
    expect(notRegistered.message).toMatch(/account_id, amount, currency/);
    expect(notRegistered.errors?.map((e) => e.path)).toContain('amount');

    expect((await post('submit_failed_payment', {})).errors).toEqual([
      { path: 'payment_id', message: expect.any(String) },
    ]);
    expect((await post('submit_failed_payment', '{"payment_id":')).message).toMatch(/Malformed JSON/);
    const noBody = await t.app.request(`${P}/submit_failed_payment`, { method: 'POST', headers: basic() });
    expect(noBody.status).toBe(400);

    const payment = slow('sim.approve');
    const partial = await post('submit_failed_payment', {
      payment_id: payment.payment_id,
      account_id: payment.account_id,
      invoice_id: payment.invoice_id,
      currency: 'usd',
    });
    expect(partial.errors?.map((e) => e.path).sort()).toEqual([
      'amount',
      'currency',
      'gateway_id',
      'gateway_response_code',
      'payment_method_id',
    ]);
    expect((await post('submit_failed_payment', { ...payment, colour: 'red' })).errors).toEqual([
      { path: '(root)', message: expect.stringMatching(/colour/) },
    ]);
    const both = await post('failed_payments', { ...payment, debit_memo_id: 'DM-1' });
    expect(both.errors).toEqual([
      { path: 'invoice_id', message: 'exactly one of invoice_id and debit_memo_id is required' },
    ]);
    expect((await post('failed_payments', { ...payment, amount: '0.00' })).errors?.[0]?.path).toBe('amount');

    expect(await cycleIds({ documentId: payment.invoice_id })).toEqual([]);
    expect(
      await h.db.db.select().from(failedPayments).where(eq(failedPayments.paymentId, payment.payment_id)),
    ).toEqual([]);
  });

  it('answers unknown routes, wrong methods and big bodies in the one error shape', async () => {
    const missing = await t.json('GET', `${P}/no_such_route/1`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ success: false });
    const wrong = await t.json('GET', `${P}/submit_failed_payment`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('POST');
    expect(await wrong.json()).toMatchObject({ success: false });
    const wrongPut = await t.json('POST', `${P}/execute_invoice_payment/X`);
    expect(wrongPut.status).toBe(405);
    const big = await t.json('POST', `${P}/submit_failed_payment`, {
      payment_id: 'P-big',
      gateway_response_message: 'x'.repeat(MAX_BODY_BYTES),
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ success: false });
  });

  it('documents every route in /openapi.json with Zuora operationIds and schemas', async () => {
    const doc = (await (await t.app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
      components: { schemas: Record<string, unknown> };
    };
    const expected: [string, string, string][] = [
      ['get', '/active_invoice_cycle_information/{invoice_id}', 'GET_ActiveInvoiceCycle'],
      ['get', '/active_debit_memo_cycle_information/{debit_memo_id}', 'GET_ActiveDebitMemoCycle'],
      ['get', '/active_account_cycle_information/{account_id}', 'GET_ActiveAccountCycle'],
      ['get', '/invoice_cycle_history/{invoice_id}', 'GET_InvoiceCycleHistory'],
      ['get', '/debit_memo_cycle_history/{debit_memo_id}', 'GET_DebitMemoCycleHistory'],
      ['get', '/account_cycle_history/{account_id}', 'GET_AccountCycleHistory'],
      ['put', '/execute_invoice_payment/{invoice_id}', 'PUT_ExecuteInvoicePayment'],
      ['put', '/execute_debit_memo_payment/{debit_memo_id}', 'PUT_ExecuteDebitMemoPayment'],
      ['put', '/execute_account_payments/{account_id}', 'PUT_ExecuteAccountPayments'],
      ['post', '/execute_payments', 'POST_ExecutePayments'],
      ['put', '/remove_invoice_from_retry_cycle/{invoice_id}', 'PUT_RemoveInoviceFromCycle'],
      ['put', '/remove_debit_memo_from_retry_cycle/{debit_memo_id}', 'PUT_RemoveDebitMemoFromCycle'],
      ['put', '/remove_account_from_retry_cycle/{account_id}', 'PUT_RemoveAccountFromCycle'],
      ['post', '/submit_failed_payment', 'POST_SubmitPaymentToCycle'],
      ['post', '/failed_payments', 'POST_RegisterFailedPayment'],
    ];
    for (const [method, path, operationId] of expected) {
      const op = doc.paths[`${P}${path}`]?.[method] as
        | {
            operationId: string;
            security: unknown;
            requestBody?: { content: Record<string, { schema: unknown }> };
            responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
          }
        | undefined;
      expect(op?.operationId, `${method} ${path}`).toBe(operationId);
      expect(op?.security).toEqual([{ basicAuth: [] }, { sessionCookie: [] }]);
      const ok = op?.responses['200'] ?? op?.responses['201'];
      expect(ok?.content?.['application/json']?.schema.$ref).toMatch(/^#\/components\/schemas\//);
      expect(op?.responses['401']).toBeDefined();
      if (method === 'post') expect(op?.requestBody?.content['application/json']?.schema).toBeDefined();
    }
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        'GETCycleElementAttemptResponse',
        'GETInvoiceCycleElementResponse',
        'GETDebitMemoCycleElementResponse',
        'GETAccountCycleElementResponse',
        'POSTExecutePaymentsRequest',
        'POSTSubmitPaymentToCycleRequest',
        'FailedPayment',
      ]),
    );
  });
});
