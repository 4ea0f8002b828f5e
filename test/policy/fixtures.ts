import { type RetryConfig, validateConfig } from '../../policy';

/** The example document from the issue, as a user would send it. */
export function issueExample(): Record<string, unknown> {
  return {
    settings: {
      time_zone: 'America/New_York',
      processor_interval: 'PT1H',
      default_label: 'Soft Decline',
      max_cycle_days: 90,
      retry_on_payment_method_update: true,
    },
    labels: [
      { name: 'Hard Decline' },
      { name: 'Soft Decline' },
      { name: 'System Error' },
      { name: 'Medium Decline', description: 'retried less often' },
    ],
    response_codes: [
      { gateway_id: 'sim', code: 'insufficient_funds', label: 'Soft Decline' },
      { gateway_id: '*', code: 'lost_card', label: 'Hard Decline' },
      { gateway_id: 'sim', description: 'Do not honor', label: 'Soft Decline' },
      { gateway_id: 'sim', code: 'velocity', label: 'Medium Decline' },
    ],
    customer_groups: [
      {
        id: 2,
        name: 'High value',
        active: true,
        priority: 1,
        filters: [
          { field: 'country', operator: 'in', value: ['US', 'CA'] },
          { field: 'balance', operator: 'gte', value: 500 },
        ],
        attempts: [
          {
            'Soft Decline': { action: 'Retry', criteria: 'incremental_time', interval: 'PT24H' },
            'System Error': { action: 'Retry', criteria: 'incremental_time', interval: 'PT1H' },
            'Hard Decline': { action: 'Stop' },
          },
          { '*': { action: 'Retry', criteria: 'specific_time', time: '09:00', day_of_month: 1 } },
          { '*': { action: 'Stop', webhook: 'https://billing.example.com/hooks/cpr-final' } },
        ],
      },
      { id: 1, name: 'All Remaining Customers', active: true, attempts: [] },
    ],
  };
}

export function parse(doc: unknown): RetryConfig {
  const result = validateConfig(doc);
  if (!result.ok) throw new Error(`invalid test config: ${JSON.stringify(result.errors, null, 2)}`);
  return result.config;
}

/** A valid config whose catch-all applies `attempts`; settings may be overridden. */
export function configWith(
  attempts: unknown[],
  settings: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): RetryConfig {
  const doc = issueExample();
  return parse({
    ...doc,
    settings: { ...(doc.settings as object), ...settings },
    customer_groups: [{ id: 1, name: 'All Remaining Customers', attempts }],
    ...extra,
  });
}

export const NEW_YORK_ZONES = ['America/New_York'];
export const ZONES = [
  'UTC',
  'America/New_York',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'America/Santiago',
  'America/Havana',
  'Europe/London',
  'Europe/Berlin',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Pacific/Apia',
];
