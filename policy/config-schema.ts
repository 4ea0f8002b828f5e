import { z } from 'zod';
import { ALL_REMAINING_CUSTOMERS_ID, MAX_CYCLE_DAYS } from './constants';
import { isZeroDuration, parseIsoDuration, processorStepMs } from './duration';
import { isIanaZone } from './time';

/**
 * Field-level rules live here; rules that relate fields to each other (labels referenced,
 * duplicates, the catch-all group) live in validate.ts so that `validateConfig` can report them
 * even when other parts of the document fail to parse. Every object is strict so that a typo
 * such as "intreval" is an error instead of a silently ignored key.
 */

const name = z.string().trim().min(1, 'must not be empty');

const durationString = (what: string, allowZero: boolean) =>
  z.string().superRefine((text, ctx) => {
    const parsed = parseIsoDuration(text);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message });
    else if (!allowZero && isZeroDuration(parsed.value)) {
      ctx.addIssue({ code: 'custom', message: `${what} must be longer than zero (e.g. "PT1S")` });
    }
  });

const timeZone = z.string().refine(isIanaZone, {
  error: (iss) => `${JSON.stringify(iss.input)} is not an IANA time zone (e.g. "America/New_York", "UTC")`,
});

const processorInterval = z.string().superRefine((text, ctx) => {
  const step = processorStepMs(text);
  if (!step.ok) ctx.addIssue({ code: 'custom', message: step.message });
});

const webhook = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const settingsSchema = z.strictObject({
  /** IANA zone for specific_time rules and processor boundaries. */
  time_zone: timeZone.default('UTC'),
  /** Granularity of the payment processor; PT0S runs attempts at their exact times. */
  processor_interval: processorInterval.default('PT1H'),
  /** Label for response codes no mapping matches. */
  default_label: name,
  max_cycle_days: z.number().int().min(1).max(MAX_CYCLE_DAYS).default(MAX_CYCLE_DAYS),
  /** Read by the workflow: retry once as soon as the customer updates the payment method. */
  retry_on_payment_method_update: z.boolean().default(true),
});

export const labelSchema = z.strictObject({
  name,
  description: z.string().optional(),
});

export const responseCodeSchema = z.strictObject({
  /** A gateway id, or "*" for every gateway (consulted after the gateway's own entries). */
  gateway_id: name,
  /** Matched exactly (after trimming) against the gateway's raw code. */
  code: name.optional(),
  /** Matched against the gateway's response message, trimmed, whitespace-collapsed, case-insensitive. */
  description: name.optional(),
  label: name,
});

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const filterSchema = z.discriminatedUnion('operator', [
  z.strictObject({ field: name, operator: z.enum(['eq', 'ne']), value: scalar }),
  z.strictObject({ field: name, operator: z.enum(['in', 'not_in']), value: z.array(scalar).min(1) }),
  z.strictObject({
    field: name,
    operator: z.enum(['gt', 'gte', 'lt', 'lte']),
    value: z.union([z.number(), z.string()]),
  }),
  z.strictObject({ field: name, operator: z.literal('contains'), value: scalar }),
  /** exists: false matches accounts that lack the field (the one operator a missing field can satisfy). */
  z.strictObject({ field: name, operator: z.literal('exists'), value: z.boolean().default(true) }),
]);

export const stopActionSchema = z.strictObject({
  action: z.literal('Stop'),
  webhook: webhook.optional(),
});

export const incrementalRetrySchema = z.strictObject({
  action: z.literal('Retry'),
  criteria: z.literal('incremental_time'),
  /** Calendar parts (P1D) keep the local time across DST; time parts (PT24H) are elapsed time. */
  interval: durationString('interval', false),
  webhook: webhook.optional(),
});

export const specificTimeRetrySchema = z
  .strictObject({
    action: z.literal('Retry'),
    criteria: z.literal('specific_time'),
    time: z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM on a 24-hour clock (00:00–23:59)'),
    /** 1 = Monday … 7 = Sunday. */
    day_of_week: z.number().int().min(1).max(7).optional(),
    /** 1–31; past the month's last day it means the last day. */
    day_of_month: z.number().int().min(1).max(31).optional(),
    /** Earliest retry = failure + min_delay, e.g. "P1D" for "09:00, but not the same day". */
    min_delay: durationString('min_delay', true).optional(),
    webhook: webhook.optional(),
  })
  .superRefine((rule, ctx) => {
    if (rule.day_of_week !== undefined && rule.day_of_month !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['day_of_month'],
        message: 'day_of_week and day_of_month cannot both be set (create two attempts instead)',
      });
    }
  });

export const retryActionSchema = z.discriminatedUnion('criteria', [
  incrementalRetrySchema,
  specificTimeRetrySchema,
]);
export const ruleActionSchema = z.discriminatedUnion('action', [stopActionSchema, retryActionSchema]);

/** One entry of `attempts`: the action per label ("*" for any label not listed) after that attempt fails. */
export const attemptRuleSchema = z.record(z.string(), ruleActionSchema);

export const customerGroupSchema = z.strictObject({
  id: z.number().int().positive(),
  name,
  description: z.string().optional(),
  active: z.boolean().default(true),
  /** Lower number = considered first. Required except on "All Remaining Customers", which is always last. */
  priority: z.number().int().optional(),
  /** ANDed together; the catch-all takes none. */
  filters: z.array(filterSchema).default([]),
  /** attempts[i] is applied after attempt i + 1 fails; past the end the cycle stops. */
  attempts: z.array(attemptRuleSchema).max(100).default([]),
  /** Fired when a cycle in this group stops without a rule-level webhook (exhausted, expired, never-retry). */
  final_webhook: webhook.optional(),
  /**
   * No default: a group without it keeps following settings.processor_interval, and configurations
   * stored before the field existed (pinned by running cycles) read exactly as they did.
   */
  processor_interval: processorInterval
    .optional()
    .describe("The processor interval of this group's cycles; default settings.processor_interval"),
});

export const retryConfigBaseSchema = z.strictObject({
  settings: settingsSchema,
  labels: z.array(labelSchema).min(1),
  response_codes: z.array(responseCodeSchema).default([]),
  customer_groups: z.array(customerGroupSchema),
});

export type RetryConfig = z.output<typeof retryConfigBaseSchema>;
export type RetryConfigInput = z.input<typeof retryConfigBaseSchema>;
export type Settings = RetryConfig['settings'];
export type Label = z.output<typeof labelSchema>;
export type ResponseCodeMapping = z.output<typeof responseCodeSchema>;
export type CustomerGroup = z.output<typeof customerGroupSchema>;
export type GroupFilter = z.output<typeof filterSchema>;
export type FilterOperator = GroupFilter['operator'];
export type AttemptRule = z.output<typeof attemptRuleSchema>;
export type RuleAction = z.output<typeof ruleActionSchema>;
export type RetryAction = z.output<typeof retryActionSchema>;
export type StopAction = z.output<typeof stopActionSchema>;
export type Criteria = RetryAction['criteria'];

export const isAllRemainingCustomers = (group: { id: number }) => group.id === ALL_REMAINING_CUSTOMERS_ID;
