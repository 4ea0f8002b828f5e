import { z } from '@hono/zod-openapi';
import {
  accountCycleHistoryExample,
  activeInvoiceCyclesExample,
  executeExample,
  executePaymentsExample,
  executePaymentsRequestExample,
  invoiceCycleHistoryExample,
  removeExample,
  submitExample,
  submitRequestExample,
} from './zuora-examples';

// Zuora's CPR shapes, field for field (reference §3.1-3.4). Response schemas are strict: a field we
// added by mistake fails the seed-example and response tests instead of reaching a client.

/** ISO-8601 UTC with milliseconds, as every Zuora example shows `next_attempt` and `time_of_execution`. */
const utcMillis = z.iso.datetime({ precision: 3 });
/** ISO-8601 with milliseconds in the CPR time zone's offset (`-09:00`), as `retry_info.next` is shown. */
const localMillis = z.iso.datetime({ precision: 3, offset: true });

export const zuoraAttemptSchema = z
  .object({
    attempt_number: z.number().int().min(1),
    zuora_payment_id: z.string(),
    time_of_execution: utcMillis,
    source: z
      .string()
      .openapi({ description: 'The number of the failed payment run', example: 'PR-00000371' }),
    cpr_generated: z.boolean(),
    success: z.boolean(),
    amount_collected: z
      .string()
      .regex(/^\d+\.\d+$/, 'a decimal string such as "0.0"')
      .openapi({ example: '0.0' }),
    action_info: z.object({ action: z.enum(['Retry', 'Stop']) }).strict(),
    retry_info: z
      .object({
        next: localMillis.optional(),
        criteria: z.string().optional().openapi({ example: 'incremental_time' }),
        api_updated_retry_time: localMillis.optional(),
      })
      .strict()
      .openapi({ description: '`{}` when the action is Stop' }),
    mapping_info: z
      .object({
        label: z.string().openapi({ example: 'Soft Decline' }),
        level: z.enum(['code', 'description']),
        customer_group_id: z.number().int(),
      })
      .strict(),
    gateway_info: z.object({ id: z.string(), code: z.string(), response: z.string() }).strict(),
  })
  .strict()
  .openapi('GETCycleElementAttemptResponse', { description: 'Retry attempt object' });

const accountId = { account_id: z.string() };
const cycleFields = {
  payment_method_id: z.string(),
  currency: z.string(),
  status: z.enum(['Cycle Incomplete', 'Cycle Complete']),
  current_attempt_number: z.number().int().min(0),
  next_attempt: utcMillis.nullable().openapi({ description: 'UTC; null when the cycle is not active' }),
  customer_group: z.string().openapi({ description: 'Name of the customer group' }),
  attempts: z.array(zuoraAttemptSchema).openapi({ description: 'Oldest first' }),
};

export const invoiceCycleSchema = z
  .object({ ...accountId, invoice_id: z.string(), ...cycleFields })
  .strict()
  .openapi('GETInvoiceCycleElementResponse', { description: 'Retry cycle object of an invoice' });

export const debitMemoCycleSchema = z
  .object({ ...accountId, debit_memo_id: z.string(), ...cycleFields })
  .strict()
  .openapi('GETDebitMemoCycleElementResponse', { description: 'Retry cycle object of a debit memo' });

export const accountCycleSchema = z
  .object({
    ...accountId,
    invoice_id: z.string().optional(),
    debit_memo_id: z.string().optional(),
    ...cycleFields,
  })
  .strict()
  .refine((c) => (c.invoice_id === undefined) !== (c.debit_memo_id === undefined), {
    message: 'a cycle names exactly one of invoice_id and debit_memo_id',
  })
  .openapi('GETAccountCycleElementResponse', {
    description: 'Retry cycle object of an account: each carries its invoice_id or its debit_memo_id',
  });

const exampleDebitMemoId = '2c92c0fa7853052701785a38f3bb267f';
/** No debit memo example is published; seed 002's invoice example with a debit memo instead. */
export const activeDebitMemoCyclesExample = {
  cycles: activeInvoiceCyclesExample.cycles.map(({ invoice_id: _, ...c }) => ({
    ...c,
    debit_memo_id: exampleDebitMemoId,
  })),
};
const debitMemoHistoryExample = {
  cycles: invoiceCycleHistoryExample.cycles.map(({ invoice_id: _, ...c }) => ({
    ...c,
    debit_memo_id: exampleDebitMemoId,
  })),
};

const cycles = <T extends z.ZodType>(element: T, name: string, description: string, example: unknown) =>
  z
    .object({ cycles: z.array(element).openapi({ description }) })
    .strict()
    .openapi(name, { example });

export const activeInvoiceCyclesSchema = cycles(
  invoiceCycleSchema,
  'GETActiveInvoiceCycleResponse',
  'The active retry cycles (not completed) of the invoice',
  activeInvoiceCyclesExample,
);
export const activeDebitMemoCyclesSchema = cycles(
  debitMemoCycleSchema,
  'GETActiveDebitMemoCycleResponse',
  'The active retry cycles (not completed) of the debit memo',
  activeDebitMemoCyclesExample,
);
export const activeAccountCyclesSchema = cycles(
  accountCycleSchema,
  'GETActiveAccountCycleResponse',
  "The active retry cycles (not completed) of the account's invoices and debit memos",
  { cycles: accountCycleHistoryExample.cycles.filter((c) => c.status === 'Cycle Incomplete') },
);
export const invoiceCycleHistorySchema = cycles(
  invoiceCycleSchema,
  'GETInvoiceCycleHistoryResponse',
  'Every retry cycle of the invoice, completed and active, oldest first',
  invoiceCycleHistoryExample,
);
export const debitMemoCycleHistorySchema = cycles(
  debitMemoCycleSchema,
  'GETDebitMemoCycleHistoryResponse',
  'Every retry cycle of the debit memo, completed and active, oldest first',
  debitMemoHistoryExample,
);
export const accountCycleHistorySchema = cycles(
  accountCycleSchema,
  'GETAccountCycleHistoryResponse',
  "Every retry cycle of the account's invoices and debit memos, completed and active, oldest first",
  accountCycleHistoryExample,
);

const resultSchema = (name: string, example: { success: boolean; message: string }) =>
  z
    .object({
      success: z.boolean().openapi({ description: 'Whether the operation is successful' }),
      message: z.string(),
    })
    .strict()
    .openapi(name, { example });

export const executeResponseSchema = resultSchema('ExecutePaymentsResponse', executeExample);
export const executePaymentsResponseSchema = resultSchema(
  'POSTExecutePaymentsResponse',
  executePaymentsExample,
);
export const removeResponseSchema = resultSchema('RemoveFromCycleResponse', removeExample);
export const submitWarningSchema = z
  .object({
    code: z.literal('document_already_collected'),
    message: z.string(),
    previous_cycle_id: z.number().int(),
    previous_billing_cycle_id: z.string(),
    cycle_id: z.number().int(),
    billing_cycle_id: z.string(),
  })
  .strict()
  .openapi('SubmitPaymentToCycleWarning', {
    description:
      "Ours: the payment (a new payment_id) opened a new cycle although the document's last cycle had collected it in full",
  });
export const submitResponseSchema = z
  .object({
    success: z.boolean().openapi({ description: 'Whether the operation is successful' }),
    message: z.string(),
    warning: submitWarningSchema.optional(),
  })
  .strict()
  .openapi('SubmitPaymentToCycleResponse', { example: submitExample });

/** Zuora prints our numeric cycle ids: `[290, 291]`. */
export const executeMessage = (ids: readonly number[]) =>
  `Payments with the following IDs enqueued for processing: [${ids.join(', ')}]`;
export const removeMessage = (ids: readonly number[]) =>
  `Payments with the following IDs have been removed from the retry cycle: [${ids.join(', ')}]`;
export const SUBMIT_MESSAGE = 'Payment entered into retry process';

export const MAX_BULK_IDS = 1000;
const idList = (what: string) =>
  z
    .array(z.string().trim().min(1).max(200))
    .max(MAX_BULK_IDS, `at most ${MAX_BULK_IDS} ids`)
    .optional()
    .openapi({ description: `IDs of ${what} (at most ${MAX_BULK_IDS})` });

export const executePaymentsRequestSchema = z
  .object({
    account_ids: idList('accounts'),
    invoice_ids: idList('invoices'),
    debit_memo_ids: idList('debit memos'),
  })
  .strict()
  .refine((b) => Boolean(b.account_ids?.length || b.invoice_ids?.length || b.debit_memo_ids?.length), {
    message: 'name at least one id in account_ids, invoice_ids or debit_memo_ids',
  })
  .openapi('POSTExecutePaymentsRequest', { example: executePaymentsRequestExample });
export type ExecutePaymentsRequest = z.infer<typeof executePaymentsRequestSchema>;

export { submitRequestExample };
