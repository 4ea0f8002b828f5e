import { z } from '@hono/zod-openapi';

// The four metrics answers (reference §3.5), strict like the other Zuora shapes. Rates, amounts and
// averages are strings with exactly two decimals, as Zuora's examples show them; every scalar is null
// while there is no data.

const twoDecimals = /^-?\d+\.\d{2}$/;
const rate = (example: string, description: string) =>
  z.string().regex(twoDecimals).nullable().openapi({ example, description });
const trendSchema = z
  .enum(['up', 'down', 'neutral'])
  .nullable()
  .openapi({ description: 'Now against 30 days ago; null when the metric is null', example: 'up' });

export const baselineMetricsSchema = z
  .object({
    retry_success_rate: rate('11.90', 'Percent of CPR attempts that succeeded, all time'),
    retry_success_rate_trend: trendSchema,
    document_success_rate: rate(
      '13.54',
      'Percent of documents that entered a cycle and were collected by a CPR attempt, all time',
    ),
    document_success_rate_trend: trendSchema,
    average_days_outstanding: rate(
      '4.76',
      'Mean days from attempt 1 of the collecting cycle to the collecting CPR attempt',
    ),
    average_days_outstanding_trend: trendSchema,
    success: z.literal(true),
  })
  .strict()
  .openapi('GETBaselineMetricsResponse');

const amountSchema = z
  .object({
    total_amount: z.string().regex(twoDecimals).openapi({ example: '123954.10' }),
    last_30_days: z.string().regex(twoDecimals).openapi({ example: '5132.87' }),
  })
  .strict();

export const amountRecoveredSchema = z
  .object({
    currency: z.record(z.string(), amountSchema).openapi({
      description: 'Keyed by ISO currency code; `{}` when there is no data',
      example: {
        USD: { total_amount: '77515.21', last_30_days: '1100.01' },
        CAD: { total_amount: '123954.10', last_30_days: '5132.87' },
      },
    }),
    success: z.literal(true),
  })
  .strict()
  .openapi('GETAmountRecoveredResponse');

export const groupOverTimeSchema = z
  .object({
    customer_groups: z
      .record(z.string(), z.record(z.string(), z.string().regex(twoDecimals).nullable()))
      .openapi({
        description:
          'Keyed by customer group id; each value is keyed by month "MM_YY" (6 full months, newest first)',
        example: {
          '1': {
            '05_21': '17.53',
            '04_21': '13.21',
            '03_21': '14.92',
            '02_21': null,
            '01_21': '34.25',
            '12_20': '12.30',
          },
        },
      }),
    success: z.literal(true),
  })
  .strict()
  .openapi('GETDocumentSuccessRateByCustomerGroupResponse');

export const groupMetricsSchema = z
  .object({
    id: z.number().int().openapi({ example: 1 }),
    name: z.string().openapi({ example: 'All Remaining Customers' }),
    smart_retry: z.boolean().openapi({ description: 'Always false: Smart Retry is not offered' }),
    document_success_rate: rate('17.17', "Document success rate of the group's cycles, all time"),
    document_success_rate_trend: trendSchema,
    retry_success_rate: rate('21.76', "Retry success rate of the group's CPR attempts, all time"),
    average_attempts: rate(
      '4.11',
      'Mean attempt number of the collecting CPR attempt over the documents the group collected',
    ),
  })
  .strict()
  .openapi('Customer_Groups');

export const customerGroupMetricsSchema = z
  .object({
    customer_groups: z.array(groupMetricsSchema),
    success: z.literal(true),
  })
  .strict()
  .openapi('GETCustomerGroupMetricsResponse');
