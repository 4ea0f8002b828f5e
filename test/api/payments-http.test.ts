import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accountCycleHistorySchema,
  activeAccountCyclesSchema,
  activeDebitMemoCyclesSchema,
  activeInvoiceCyclesSchema,
} from '../../api/schemas/zuora';
import { createRestClient, type RestClient, RestClientError } from '../../client/rest';
import { TEST_TOKEN, TEST_USER, testApp } from '../support/api';
import { eventually, failedPayment, type Harness, startHarness } from '../support/cycle-harness';
import { type DbKind, dbKinds } from '../support/databases';

// End to end through a real HTTP listener, with the typed REST client other services use.

describe.each(dbKinds)('CPR payment routes over HTTP with the REST client on %s', (kind: DbKind) => {
  let h: Harness;
  let server: ServerType;
  let api: RestClient;
  let baseUrl: string;
  beforeAll(async () => {
    h = await startHarness({ kind });
    const t = await testApp(kind, { db: h.db, cycles: h.cycles });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    api = createRestClient({ baseUrl, email: TEST_USER, token: TEST_TOKEN });
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await h?.close();
  });

  it('registers, submits, lists, executes and removes cycles, with typed bodies', async () => {
    const invoice = failedPayment('sim.insufficient_funds', { account: { segment: 'slow' } });
    const { invoice_id, ...rest } = failedPayment('sim.insufficient_funds', {
      account: { segment: 'slow' },
      account_id: invoice.account_id,
    });
    const memo = { ...rest, debit_memo_id: `DM-${invoice_id}` };

    expect(await api.registerFailedPayment(invoice)).toEqual({
      success: true,
      payment_id: invoice.payment_id,
    });
    expect(await api.submitFailedPayment({ payment_id: invoice.payment_id })).toEqual({
      success: true,
      message: 'Payment entered into retry process',
    });
    await api.submitFailedPayment(memo);

    const active = await api.activeInvoiceCycles(invoice.invoice_id ?? '');
    expect(activeInvoiceCyclesSchema.parse(active).cycles[0]?.invoice_id).toBe(invoice.invoice_id);
    const memoActive = await api.activeDebitMemoCycles(memo.debit_memo_id);
    expect(activeDebitMemoCyclesSchema.parse(memoActive).cycles[0]?.debit_memo_id).toBe(memo.debit_memo_id);
    const account = await api.activeAccountCycles(invoice.account_id);
    expect(activeAccountCyclesSchema.parse(account).cycles).toHaveLength(2);

    const executed = await api.executePayments({ invoice_ids: [invoice.invoice_id ?? ''] });
    expect(executed.message).toMatch(/^Payments with the following IDs enqueued for processing: \[\d+\]$/);
    await eventually(async () => {
      const body = await api.activeInvoiceCycles(invoice.invoice_id ?? '');
      return body.cycles[0]?.current_attempt_number === 2;
    });
    expect((await api.executeDebitMemoPayment(memo.debit_memo_id)).success).toBe(true);
    expect((await api.executeAccountPayments(invoice.account_id)).message).toMatch(/\[\d+, \d+\]$/);
    expect((await api.removeDebitMemoFromRetryCycle(memo.debit_memo_id)).message).toMatch(
      /^Payments with the following IDs have been removed from the retry cycle: \[\d+\]$/,
    );
    expect((await api.removeInvoiceFromRetryCycle(invoice.invoice_id ?? '')).success).toBe(true);
    expect((await api.removeAccountFromRetryCycle(invoice.account_id)).success).toBe(true);

    const history = await eventually(async () => {
      const body = await api.accountCycleHistory(invoice.account_id);
      return body.cycles.every((c) => c.status === 'Cycle Complete') ? body : undefined;
    });
    expect(accountCycleHistorySchema.parse(history).cycles.map((c) => c.next_attempt)).toEqual([null, null]);
    expect((await api.invoiceCycleHistory(invoice.invoice_id ?? '')).cycles).toHaveLength(1);
    expect((await api.debitMemoCycleHistory(memo.debit_memo_id)).cycles).toHaveLength(1);
  });

  it('throws a typed error with the status and the error body', async () => {
    const error = await api.submitFailedPayment({ payment_id: 'P-never-registered' }).catch((e) => e);
    expect(error).toBeInstanceOf(RestClientError);
    expect(error).toMatchObject({
      status: 400,
      operation: 'POST_SubmitPaymentToCycle',
      body: { success: false, message: expect.stringMatching(/is not registered/) },
    });
    const wrong = createRestClient({ baseUrl, email: TEST_USER, token: 'nope' });
    await expect(wrong.activeAccountCycles('A')).rejects.toMatchObject({
      status: 401,
      body: { success: false, message: 'Invalid credentials' },
    });
    // Ids are sent as one path segment.
    expect(await api.accountCycleHistory('a/b c?d')).toEqual({ cycles: [] });
  });
});
