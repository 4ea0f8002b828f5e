import { z } from '@hono/zod-openapi';
import { DECIMAL_PATTERN } from '../../domain/money/decimal';
import { BILLING_CYCLE_STATUSES, SMARTPAY_RETRY_STATUSES } from '../../domain/smartpay-view';
import { idempotencyKeyHeader } from '../idempotency';

// SmartPay-style billing cycles and manual retries (reference §8; J.P. Morgan Mobility Payment
// Solutions' Subscription API), field names as the vendor documents them. Fields marked "extension"
// are ours: the vendor's object has no place for a retry's outcome or our cycle's balance.

const dateTime = z.iso.datetime({ precision: 3 });
/** Money is a decimal string with the currency's decimals ("100.00", "100" for JPY): a JSON number loses cents past 2^53. */
const amount = (description: string, example: string) =>
  z
    .string()
    .regex(DECIMAL_PATTERN)
    .openapi({ description: `${description}. A decimal string with the currency's decimals`, example });
const uuid = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

export const NO_SUBSCRIPTION_DESCRIPTION =
  'The `subscription_id` sent with the failed payment that opened the billing cycle. Cycles opened without one are reached under the literal subscription id `none`.';

const pathId = (name: string, description: string, example: string) =>
  z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name, in: 'path' }, description, example });

export const subscriptionParams = z.object({
  subscriptionId: pathId(
    'subscriptionId',
    NO_SUBSCRIPTION_DESCRIPTION,
    'Subscription-4903f0f3-d718-404b-a675-167eacfabe12',
  ),
});
export const billingCycleParams = subscriptionParams.extend({
  billingCycleId: pathId(
    'billingCycleId',
    'Unique identifier of the billing cycle. Format: `BillingCycle-<UUID>`',
    'BillingCycle-44401c1b-c762-42dd-81bc-fd1fbad54af2',
  ),
});
export const manualRetryParams = billingCycleParams.extend({
  retryId: pathId(
    'retryId',
    'Unique identifier of the manual retry. Format: `Retry-<UUID>`',
    'Retry-6a05ccb8-9c58-4907-9014-8cedd51d0464',
  ),
});

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export const pageQuery = z.object({
  page: z.coerce
    .number()
    .int()
    .min(1)
    .default(1)
    .openapi({ param: { name: 'page', in: 'query' }, description: 'Page number, from 1', example: 1 }),
  pageSize: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(DEFAULT_PAGE_SIZE)
    .openapi({
      param: { name: 'pageSize', in: 'query' },
      description: `Billing cycles per page: 1 to ${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}`,
      example: DEFAULT_PAGE_SIZE,
    }),
});

const required = (what: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? `the ${what} header is required` : `the ${what} header must be a string`;

export const manualRetryHeaders = z.object({
  'content-type': z
    .string({ error: required('Content-Type') })
    .regex(/^\s*application\/json\s*(;.*)?$/i, 'must be application/json')
    .openapi({ param: { in: 'header' }, example: 'application/json' }),
  'accept-language': z
    .string({ error: required('Accept-Language') })
    .regex(/^\s*en-US\s*$/i, 'must be en-US')
    .openapi({ param: { in: 'header' }, example: 'en-US' }),
  origin: z
    .string()
    .optional()
    .openapi({ param: { in: 'header' }, description: 'Accepted, not required' }),
  'user-agent': z
    .string()
    .optional()
    .openapi({ param: { in: 'header' }, description: 'Accepted, not required' }),
  'idempotency-key': idempotencyKeyHeader,
});

export const manualRetryRequestSchema = z
  .object({
    reason: z.string().trim().min(1).max(128).openapi({
      description: 'Reason for the manual reprocessing (at most 128 characters)',
      example: 'Reprocessing a failed transaction',
    }),
  })
  .strict()
  .openapi('ManualRetryRequest');

export const manualRetrySchema = z
  .object({
    id: z
      .string()
      .regex(new RegExp(`^Retry-${uuid}$`))
      .openapi({ example: 'Retry-6a05ccb8-9c58-4907-9014-8cedd51d0464' }),
    createdAt: dateTime,
    updatedAt: dateTime,
    transactionId: z
      .string()
      .regex(new RegExp(`^Transaction-${uuid}$`))
      .openapi({
        description: 'The transaction (attempt) the retry adds to the billing cycle',
        example: 'Transaction-6a05ccb8-9c58-4907-9014-8cedd51d0465',
      }),
    reason: z.string().max(128),
    extraInfo: z.string().max(128).nullable().openapi({ description: 'Always null here' }),
    customReferences: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ description: 'Always null here: subscriptions carry no custom references in CPR' }),
    criteria: z
      .array(z.object({ name: z.string(), value: z.string() }))
      .nullable()
      .openapi({ description: 'Always null here' }),
    targetMerchantAccountReference: z
      .string()
      .max(100)
      .nullable()
      .openapi({ description: 'Always null here' }),
    billingCycleId: z.string().openapi({ description: 'Extension' }),
    status: z.enum(SMARTPAY_RETRY_STATUSES).openapi({
      description:
        'Extension. `Pending` until the charge has answered; then `Captured` (collected), `Failed` (declined) or `Error` (the gateway refused the request)',
    }),
    attemptNumber: z.number().int().openapi({ description: "Extension: its number in the cycle's attempts" }),
    amount: amount('Extension: the amount charged (the outstanding balance)', '100.00'),
    amountCollected: amount('Extension; null while pending', '100.00').nullable(),
    currency: z.string().length(3).openapi({ description: 'Extension' }),
    executedAt: dateTime.nullable().openapi({ description: 'Extension: when the charge answered' }),
    gatewayCode: z.string().nullable().openapi({ description: 'Extension', example: 'approved' }),
    gatewayMessage: z.string().nullable().openapi({ description: 'Extension' }),
  })
  .strict()
  .openapi('ManualRetry', {
    example: {
      id: 'Retry-6a05ccb8-9c58-4907-9014-8cedd51d0464',
      createdAt: '2026-05-10T15:38:01.020Z',
      updatedAt: '2026-05-10T15:38:01.420Z',
      transactionId: 'Transaction-0b5f9c1e-2f4d-4a43-9d43-59cbd1c1a2f7',
      reason: 'Reprocessing a failed transaction',
      extraInfo: null,
      customReferences: null,
      criteria: null,
      targetMerchantAccountReference: null,
      billingCycleId: 'BillingCycle-44401c1b-c762-42dd-81bc-fd1fbad54af2',
      status: 'Captured',
      attemptNumber: 4,
      amount: '100.00',
      amountCollected: '100.00',
      currency: 'USD',
      executedAt: '2026-05-10T15:38:01.400Z',
      gatewayCode: 'approved',
      gatewayMessage: 'Approved (auth code 1A2B3C)',
    },
  });

export const transactionSchema = z
  .object({
    id: z.string().openapi({ example: 'Transaction-0b5f9c1e-2f4d-4a43-9d43-59cbd1c1a2f7' }),
    attemptNumber: z.number().int(),
    executedAt: dateTime,
    amount: amount('The amount charged', '100.00'),
    amountCollected: amount('What the attempt collected', '0.00'),
    currency: z.string().length(3),
    success: z.boolean(),
    gatewayCode: z.string().openapi({ example: 'insufficient_funds' }),
    gatewayMessage: z.string(),
    source: z.string().openapi({
      description:
        '`MANUAL` for a manual retry, `PR-C<cycle>-<n>` for an automatic retry, else the failed payment run of an external failure',
    }),
    cprGenerated: z.boolean().openapi({ description: 'true for the attempts this service charged' }),
  })
  .strict()
  .openapi('BillingCycleTransaction');

export const billingCycleSchema = z
  .object({
    id: z.string().openapi({ example: 'BillingCycle-44401c1b-c762-42dd-81bc-fd1fbad54af2' }),
    createdAt: dateTime,
    updatedAt: dateTime,
    paidAt: dateTime.nullable().openapi({ description: 'When the cycle was collected; null otherwise' }),
    billingDate: z.iso.date().openapi({
      description: "The document's due date when it was sent, else the day the cycle started (UTC)",
    }),
    billingPeriodStart: z.iso.date().nullable().openapi({ description: 'Unknown to CPR: null' }),
    billingPeriodEnd: z.iso.date().nullable().openapi({ description: 'Unknown to CPR: null' }),
    status: z.enum(BILLING_CYCLE_STATUSES).openapi({
      description:
        '`Captured`: collected (by a retry or paid outside). `Failed`: stopped by a rule, attempts exhausted, expired or removed. `Error`: ended by a system error. `Retrying`: still active or paused.',
    }),
    amount: amount('The amount of the failed payment that opened the cycle', '100.00'),
    currency: z.string().length(3).openapi({ example: 'USD' }),
    shortCardNumber: z
      .string()
      .nullable()
      .openapi({ description: 'Unknown to CPR (the gateway holds the card): null' }),
    billingAgreementName: z.string().nullable().openapi({ description: 'Unknown to CPR: null' }),
    billingAgreementId: z.string().nullable().openapi({ description: 'Unknown to CPR: null' }),
    subscriptionId: z.string().nullable().openapi({ description: 'Extension' }),
    accountId: z.string().openapi({ description: 'Extension' }),
    documentType: z.enum(['invoice', 'debit_memo']).openapi({ description: 'Extension' }),
    documentId: z.string().openapi({ description: 'Extension' }),
    paymentMethodId: z.string().openapi({ description: 'Extension: the method later attempts charge' }),
    outstanding: amount('Extension: what is left to collect', '100.00'),
    amountCollected: amount('Extension: what the cycle collected', '0.00'),
    cycleStatus: z.string().openapi({
      description: 'Extension: our cycle status (e.g. `attempts_exhausted`)',
      example: 'attempts_exhausted',
    }),
    endReason: z.string().nullable().openapi({ description: 'Extension' }),
    transactions: z
      .array(transactionSchema)
      .openapi({ description: 'Every attempt of the cycle, oldest first, manual retries included' }),
  })
  .strict()
  .openapi('BillingCycle');

export const billingCyclePageSchema = z
  .object({
    page: z.number().int(),
    pageSize: z.number().int(),
    count: z.number().int().openapi({ description: 'Billing cycles in the subscription' }),
    totalPages: z.number().int(),
    data: z.array(billingCycleSchema),
  })
  .strict()
  .openapi('BillingCyclePage');

// The routes answer domain/smartpay-view.ts's views with these schemas: Hono's typed c.json fails to
// compile when a view no longer fits its schema.
