import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitFailedPaymentRequestSchema } from '../../api/schemas/failed-payments';
import {
  accountCycleHistorySchema,
  activeAccountCyclesSchema,
  activeDebitMemoCyclesSchema,
  activeInvoiceCyclesSchema,
  debitMemoCycleHistorySchema,
  executePaymentsRequestSchema,
  executePaymentsResponseSchema,
  executeResponseSchema,
  invoiceCycleHistorySchema,
  removeResponseSchema,
  submitResponseSchema,
} from '../../api/schemas/zuora';
import type { CycleClient } from '../../client/cycles';
import { testApp } from '../support/api';

// Zuora's published examples (seeds 002-004, reference §3.2-3.4), kept in api/examples, must validate
// against our strict response schemas, and the OpenAPI document must show them.

const dir = join(import.meta.dirname, '../../api/examples');
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));

const cases: [string, z.ZodType][] = [
  ['active_invoice_cycle_information', activeInvoiceCyclesSchema],
  ['invoice_cycle_history', invoiceCycleHistorySchema],
  ['account_cycle_history', accountCycleHistorySchema],
  ['execute_invoice_payment', executeResponseSchema],
  ['execute_payments', executePaymentsResponseSchema],
  ['execute_payments_request', executePaymentsRequestSchema],
  ['remove_invoice_from_retry_cycle', removeResponseSchema],
  ['submit_failed_payment', submitResponseSchema],
  ['submit_failed_payment_request', submitFailedPaymentRequestSchema],
];

describe("Zuora's examples", () => {
  it.each(cases)('%s validates against its schema', (name, schema) => {
    const result = schema.safeParse(fixture(name));
    expect(result.success ? [] : result.error.issues).toEqual([]);
  });

  it('fit the account variant too, and the debit memo variant with the id swapped', () => {
    const history = fixture('account_cycle_history') as { cycles: { status: string }[] };
    expect(
      activeAccountCyclesSchema.safeParse({
        cycles: history.cycles.filter((c) => c.status === 'Cycle Incomplete'),
      }).success,
    ).toBe(true);
    const invoices = fixture('invoice_cycle_history') as { cycles: { invoice_id?: string }[] };
    const memos = invoices.cycles.map(({ invoice_id, ...c }) => ({ ...c, debit_memo_id: invoice_id }));
    expect(debitMemoCycleHistorySchema.safeParse({ cycles: memos }).success).toBe(true);
    expect(activeDebitMemoCyclesSchema.safeParse({ cycles: memos }).success).toBe(true);
  });

  it('are strict: an extra or missing field, a bad timestamp or a wrong variant fails', () => {
    const base = fixture('active_invoice_cycle_information') as {
      cycles: (Record<string, unknown> & { attempts: Record<string, unknown>[] })[];
    };
    const cycle = base.cycles[0];
    const attempt = cycle?.attempts[0];
    if (!cycle || !attempt) throw new Error('fixture has no cycle');
    const variants = [
      { ...cycle, cycle_id: 1 },
      { ...cycle, debit_memo_id: 'x' },
      { ...cycle, next_attempt: '2021-04-01T19:27:34Z' },
      { ...cycle, status: 'Completed' },
      { ...cycle, attempts: [{ ...attempt, amount: '1.00' }] },
      { ...cycle, attempts: [{ ...attempt, retry_info: { next: 'tomorrow' } }] },
      { ...cycle, attempts: [{ ...attempt, amount_collected: 0 }] },
      Object.fromEntries(Object.entries(cycle).filter(([k]) => k !== 'customer_group')),
    ];
    for (const v of variants) {
      expect(activeInvoiceCyclesSchema.safeParse({ cycles: [v] }).success, JSON.stringify(v)).toBe(false);
    }
    const { invoice_id: _, ...neither } = cycle;
    expect(activeAccountCyclesSchema.safeParse({ cycles: [neither] }).success).toBe(false);
    expect(activeAccountCyclesSchema.safeParse({ cycles: [{ ...cycle, debit_memo_id: 'x' }] }).success).toBe(
      false,
    );
  });

  describe('in /openapi.json', () => {
    let t: Awaited<ReturnType<typeof testApp>>;
    beforeAll(async () => {
      // PGlite only: the document is generated from the route schemas; no route reads the database.
      t = await testApp('pglite', { cycles: {} as CycleClient });
    });
    afterAll(async () => {
      await t.close();
    });

    it('are the examples of the response and request schemas', async () => {
      const doc = (await (await t.app.request('/openapi.json')).json()) as {
        components: { schemas: Record<string, { example?: unknown }> };
      };
      const example = (name: string) => doc.components.schemas[name]?.example;
      expect(example('GETActiveInvoiceCycleResponse')).toEqual(fixture('active_invoice_cycle_information'));
      expect(example('GETInvoiceCycleHistoryResponse')).toEqual(fixture('invoice_cycle_history'));
      expect(example('GETAccountCycleHistoryResponse')).toEqual(fixture('account_cycle_history'));
      expect(example('ExecutePaymentsResponse')).toEqual(fixture('execute_invoice_payment'));
      expect(example('POSTExecutePaymentsResponse')).toEqual(fixture('execute_payments'));
      expect(example('POSTExecutePaymentsRequest')).toEqual(fixture('execute_payments_request'));
      expect(example('RemoveFromCycleResponse')).toEqual(fixture('remove_invoice_from_retry_cycle'));
      expect(example('SubmitPaymentToCycleResponse')).toEqual(fixture('submit_failed_payment'));
      expect(example('POSTSubmitPaymentToCycleRequest')).toEqual(fixture('submit_failed_payment_request'));
    });
  });
});
