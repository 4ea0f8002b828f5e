import { z } from '@hono/zod-openapi';

// The operator console's recovery answers (issue 15): per decline code, per label, and the active
// cycles ending soonest. Strict like the four Zuora metrics shapes; rates and amounts are two-decimal
// strings as there.

const twoDecimals = /^-?\d+\.\d{2}$/;

const recoveryFields = {
  attempts: z
    .number()
    .int()
    .openapi({ description: 'CPR attempts that retried such a failure', example: 42 }),
  successful: z.number().int().openapi({ description: 'Of those, the successful ones', example: 9 }),
  success_rate: z
    .string()
    .regex(twoDecimals)
    .openapi({ description: '100 × successful / attempts, 2 decimals', example: '21.43' }),
  amount_recovered: z.record(z.string(), z.string().regex(twoDecimals)).openapi({
    description:
      'amount_collected of the successful ones, keyed by currency; only currencies with something recovered',
    example: { USD: '1234.50' },
  }),
};

export const declineCodeRowSchema = z
  .object({
    gateway_code: z.string().openapi({ example: 'insufficient_funds' }),
    label: z.string().openapi({ example: 'Soft Decline' }),
    ...recoveryFields,
  })
  .strict()
  .openapi('RecoveryByDeclineCodeRow');

export const labelRowSchema = z
  .object({ label: z.string().openapi({ example: 'Soft Decline' }), ...recoveryFields })
  .strict()
  .openapi('RecoveryByLabelRow');

export const recoveryByDeclineCodeSchema = z
  .object({ success: z.literal(true), rows: z.array(declineCodeRowSchema) })
  .strict()
  .openapi('GETRecoveryByDeclineCodeResponse');

export const recoveryByLabelSchema = z
  .object({ success: z.literal(true), rows: z.array(labelRowSchema) })
  .strict()
  .openapi('GETRecoveryByLabelResponse');

export const sinceQuerySchema = z.object({
  since: z.iso.datetime({ offset: true }).optional().openapi({
    description: 'Count attempts executed at or after this instant (ISO-8601); default: all time',
    example: '2026-12-01T00:00:00Z',
  }),
});

const intParam = (name: string, min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,4}$/, `${name}: an integer from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((v) => v ?? fallback)
    .openapi({ param: { name, in: 'query' }, example: String(fallback) });

export const endingSoonQuerySchema = z.object({
  within_days: intParam('within_days', 1, 90, 7),
  limit: intParam('limit', 1, 100, 20),
});

export const endingCycleSchema = z
  .object({
    id: z.number().int().openapi({ example: 291 }),
    billing_cycle_id: z.string().openapi({ example: 'BillingCycle-6f1c…' }),
    document_type: z.enum(['invoice', 'debit_memo']),
    document_id: z.string().openapi({ example: 'INV-1' }),
    account_id: z.string().openapi({ example: 'A-1' }),
    customer_group_name: z.string().openapi({ example: 'All Remaining Customers' }),
    amount: z.string().openapi({ example: '100.00' }),
    outstanding: z.string().openapi({ example: '100.00' }),
    currency: z.string().openapi({ example: 'USD' }),
    status: z.enum(['in_retry', 'paused']),
    next_attempt_at: z
      .string()
      .nullable()
      .openapi({ description: 'UTC, ISO-8601; null while none is scheduled' }),
    ends_at: z.string().openapi({
      description: 'started_at + max_cycle_days × 24 h of the pinned configuration version (UTC, ISO-8601)',
      example: '2026-12-05T10:00:00.000Z',
    }),
    attempt_count: z
      .number()
      .int()
      .openapi({ description: 'Attempts stored, the failed payment included', example: 3 }),
  })
  .strict()
  .openapi('CycleEndingSoon');

export const cyclesEndingSoonSchema = z
  .object({ success: z.literal(true), cycles: z.array(endingCycleSchema) })
  .strict()
  .openapi('GETCyclesEndingSoonResponse');
