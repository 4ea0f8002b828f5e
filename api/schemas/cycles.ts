import { z } from '@hono/zod-openapi';
import {
  ACTIVE_STATUSES,
  FINAL_STATUSES,
  STATUS_GROUP_NAMES,
  type StatusGroup,
} from '../../domain/cycle-status';
import { DECIMAL_PATTERN } from '../../domain/money/decimal';

// The cycle explorer's shapes (issue 15): the list's query and page, a cycle's page with its timeline,
// and the answers of the actions on one cycle. Response schemas are strict, as the Zuora ones are:
// the typed c.json fails to compile when domain/cycle-explorer-view.ts no longer fits them.

const dateTime = z.iso.datetime({ precision: 3 });
const amount = (description: string) =>
  z
    .string()
    .regex(DECIMAL_PATTERN)
    .openapi({
      description: `${description}: a decimal string with the currency's decimals`,
      example: '100.00',
    });
const STATUSES = [...ACTIVE_STATUSES, ...FINAL_STATUSES] as const;

export const MAX_CYCLE_PAGE = 100;
export const DEFAULT_CYCLE_PAGE = 25;

const queryParam = (name: string, description: string, example?: string) => ({
  param: { name, in: 'query' as const },
  description,
  ...(example === undefined ? {} : { example }),
});

// ---- The cursor: opaque to callers, base64url of the last row's (started_at in µs, id) ------------

const cursorPayload = z.object({ s: z.string().regex(/^-?\d{1,20}$/), i: z.number().int().min(1) }).strict();

export function encodeCursor(c: { startedUs: string; id: number }): string {
  return Buffer.from(JSON.stringify({ s: c.startedUs, i: c.id })).toString('base64url');
}

function decodeCursor(text: string): { startedUs: string; id: number } | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  try {
    const parsed = cursorPayload.safeParse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    return parsed.success ? { startedUs: parsed.data.s, id: parsed.data.i } : undefined;
  } catch {
    return undefined;
  }
}

const idText = (name: string, description: string, example: string) =>
  z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi(queryParam(name, description, example));

export const cycleListQuery = z.object({
  status: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((value, ctx): StatusGroup[] | undefined => {
      if (value === undefined) return undefined;
      const words = (Array.isArray(value) ? value : [value])
        .flatMap((v) => v.split(','))
        .map((w) => w.trim())
        .filter((w) => w !== '');
      const unknown = words.filter((w) => !(STATUS_GROUP_NAMES as string[]).includes(w));
      if (unknown.length > 0 || words.length === 0) {
        ctx.addIssue({
          code: 'custom',
          message: `${unknown.length ? `unknown status ${unknown.map((w) => JSON.stringify(w)).join(', ')}: ` : ''}one or more of ${STATUS_GROUP_NAMES.join(', ')}`,
        });
        return z.NEVER;
      }
      return [...new Set(words)] as StatusGroup[];
    })
    .openapi({
      ...queryParam(
        'status',
        `Status groups: ${STATUS_GROUP_NAMES.join(', ')} (retrying = in_retry; collected = collected, collected_external; stopped = stopped_by_rule, attempts_exhausted, expired). Repeat the parameter or separate with commas; a cycle in any of them matches.`,
        'retrying,paused',
      ),
      type: 'string',
    }),
  customer_group_id: z
    .string()
    .regex(/^\d{1,9}$/, 'a customer group id (a whole number)')
    .transform(Number)
    .optional()
    .openapi({
      ...queryParam('customer_group_id', 'The customer group id of the cycle', '1'),
      type: 'string',
    }),
  account_id: idText('account_id', 'The account of the cycle', 'A00000001'),
  invoice_id: idText('invoice_id', 'The invoice of the cycle', '2c92c0f8778bf8cd017798168cb50e0b'),
  debit_memo_id: idText('debit_memo_id', 'The debit memo of the cycle', '2c92c0fa7853052701785a38f3bb267f'),
  gateway_code: idText(
    'gateway_code',
    'Cycles having at least one attempt that answered this gateway code',
    'insufficient_funds',
  ),
  next_attempt_from: z.iso
    .datetime({ offset: true })
    .transform((v) => new Date(v))
    .optional()
    .openapi({
      ...queryParam(
        'next_attempt_from',
        'Only cycles whose next attempt is at or after this instant (ISO-8601); a cycle with no next attempt never matches',
        '2026-11-22T00:00:00Z',
      ),
      type: 'string',
    }),
  next_attempt_to: z.iso
    .datetime({ offset: true })
    .transform((v) => new Date(v))
    .optional()
    .openapi({
      ...queryParam(
        'next_attempt_to',
        'Only cycles whose next attempt is before this instant (ISO-8601, exclusive)',
        '2026-11-23T00:00:00Z',
      ),
      type: 'string',
    }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_CYCLE_PAGE)
    .default(DEFAULT_CYCLE_PAGE)
    .openapi(queryParam('limit', `Cycles per page: 1 to ${MAX_CYCLE_PAGE}, default ${DEFAULT_CYCLE_PAGE}`)),
  cursor: z
    .string()
    .max(200)
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      const decoded = decodeCursor(value);
      if (!decoded) {
        ctx.addIssue({
          code: 'custom',
          message: 'not a cursor this API answered (use next_cursor as given)',
        });
        return z.NEVER;
      }
      return decoded;
    })
    .openapi({
      ...queryParam('cursor', 'The `next_cursor` of the previous page, as given; omit for the first page'),
      type: 'string',
    }),
});

export const cycleIdParams = z.object({
  id: z
    .string()
    .regex(/^[1-9]\d{0,15}$/, 'a cycle id (a positive whole number)')
    .transform(Number)
    .openapi({
      param: { name: 'id', in: 'path' },
      description: 'The numeric cycle id',
      example: '290',
      type: 'string',
    }),
});

export const cycleSummarySchema = z
  .object({
    id: z.number().int().openapi({ example: 290 }),
    billing_cycle_id: z.string().openapi({ example: 'BillingCycle-44401c1b-c762-42dd-81bc-fd1fbad54af2' }),
    workflow_id: z.string().openapi({ example: 'cpr-invoice-2c92c0f8778bf8cd017798168cb50e0b' }),
    document_type: z.enum(['invoice', 'debit_memo']),
    document_id: z.string(),
    account_id: z.string(),
    subscription_id: z.string().nullable(),
    customer_group_id: z.number().int(),
    customer_group_name: z.string(),
    status: z.enum(STATUSES),
    status_group: z.enum(STATUS_GROUP_NAMES as [StatusGroup, ...StatusGroup[]]),
    amount: amount('The amount of the failed payment that opened the cycle'),
    outstanding: amount('What is left to collect'),
    amount_collected: amount('What the cycle collected'),
    currency: z.string().length(3).openapi({ example: 'USD' }),
    attempt_count: z.number().int(),
    last_gateway_code: z.string().nullable().openapi({ example: 'insufficient_funds' }),
    last_label: z.string().nullable().openapi({ example: 'Soft Decline' }),
    next_attempt_at: dateTime.nullable(),
    started_at: dateTime,
    ended_at: dateTime.nullable(),
    config_version: z.number().int().openapi({ description: 'The configuration version the cycle pinned' }),
  })
  .strict()
  .openapi('CycleSummary');

export const cyclePageSchema = z
  .object({
    success: z.literal(true),
    cycles: z.array(cycleSummarySchema),
    next_cursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next page; null on the last page' }),
  })
  .strict()
  .openapi('CyclePage');

const timelineAttemptSchema = z
  .object({
    attempt_number: z.number().int(),
    time_of_execution: dateTime,
    source: z.string(),
    cpr_generated: z.boolean(),
    success: z.boolean(),
    amount: amount('The amount charged'),
    amount_collected: amount('What the attempt collected'),
    currency: z.string().length(3),
    gateway_code: z.string().openapi({ description: 'The decline code', example: 'insufficient_funds' }),
    gateway_response: z.string().openapi({ description: "The gateway's message" }),
    label: z.string().openapi({ description: 'The response-code label the policy mapped the code to' }),
    level: z.enum(['code', 'description']),
    action: z.enum(['Retry', 'Stop']).nullable(),
    retry_next: z
      .string()
      .nullable()
      .openapi({ description: "The next attempt, in the configured zone's offset" }),
    retry_next_at: dateTime.nullable(),
    retry_criteria: z.string().nullable().openapi({ description: 'The rule that decided' }),
    api_updated_retry_time: z
      .string()
      .nullable()
      .openapi({ description: 'When an execute moved the next attempt' }),
    gateway_payment_id: z.string().nullable(),
    payment_method_id: z.string(),
  })
  .strict()
  .openapi('CycleTimelineAttempt');

const timelineEventSchema = z
  .object({
    seq: z.number().int(),
    at: dateTime,
    status: z.string().openapi({ description: "The cycle's status when the event was recorded" }),
    reason: z.string().openapi({ example: 'paused' }),
    detail: z
      .unknown()
      .openapi({ description: 'What the event carries (e.g. the rule of a refused execute)' }),
  })
  .strict()
  .openapi('CycleTimelineEvent');

export const cycleDetailSchema = z
  .object({
    success: z.literal(true),
    cycle: cycleSummarySchema
      .extend({
        payment_id: z.string(),
        payment_method_id: z.string(),
        gateway_id: z.string(),
        end_reason: z.string().nullable(),
        due_date: z.string().nullable(),
        attempts: z.array(timelineAttemptSchema),
        events: z.array(timelineEventSchema),
        workflow: z
          .object({
            id: z.string(),
            run_id: z.string().openapi({ description: 'The run that opened the cycle' }),
            namespace: z.string(),
            ui_url: z.string().nullable().openapi({
              description: "The run's history in the Temporal UI; null when TEMPORAL_UI_URL is unset",
            }),
          })
          .strict(),
      })
      .strict()
      .openapi('CycleDetail'),
  })
  .strict()
  .openapi('CycleDetailAnswer');

export const actionResultSchema = z
  .object({
    action: z.enum(['execute', 'remove', 'pause', 'resume']),
    outcome: z.enum([
      'executed',
      'refused',
      'in_progress',
      'removed',
      'not_removed',
      'pending',
      'paused',
      'resumed',
      'unchanged',
      'not_active',
    ]),
    applied: z.boolean().openapi({ description: 'Whether the action took effect' }),
    cycle_id: z.number().int().nullable(),
    status: z.enum(STATUSES),
    next_attempt: z.string().nullable(),
    message: z.string(),
    rule: z
      .enum(['never_retry', 'method_attempt_limit', 'max_cycle_days'])
      .optional()
      .openapi({ description: 'For a refused execute: the network rule that refused it' }),
  })
  .strict()
  .openapi('CycleActionResult');

export const removeRequestSchema = z
  .object({ reason: z.string().trim().min(1).max(500).optional() })
  .strict()
  .openapi('CycleRemoveRequest');
