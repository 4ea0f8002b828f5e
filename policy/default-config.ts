import type { AttemptRule, ResponseCodeMapping, RetryConfig } from './config-schema';
import {
  ALL_REMAINING_CUSTOMERS_ID,
  ALL_REMAINING_CUSTOMERS_NAME,
  HARD_DECLINE,
  SOFT_DECLINE,
  SYSTEM_ERROR,
  WILDCARD,
} from './constants';
import { ISO_CARD_STATUS, NEVER_RETRY_NAMES, VISA_CATEGORY_1 } from './never-retry';
import { STRIPE_DECLINE_LABELS } from './stripe-codes';

const map = (gateway_id: string, label: string, codes: readonly string[]): ResponseCodeMapping[] =>
  codes.map((code) => ({ gateway_id, code, label }));

/** The payment simulator's codes (gateway "sim"). */
const SIM_CODES: ResponseCodeMapping[] = [
  ...map('sim', SOFT_DECLINE, [
    'insufficient_funds',
    'do_not_honor',
    'card_declined',
    'generic_decline',
    'try_again_later',
    'card_velocity_exceeded',
    'withdrawal_count_limit_exceeded',
  ]),
  ...map('sim', HARD_DECLINE, [
    'lost_card',
    'stolen_card',
    'expired_card',
    'pickup_card',
    'fraudulent',
    'incorrect_number',
    'invalid_account',
    'do_not_try_again',
  ]),
  ...map('sim', SYSTEM_ERROR, [
    'processing_error',
    'timeout',
    'error500',
    'issuer_not_available',
    'rate_limit',
  ]),
];

/** Stripe's decline and error codes (gateway "stripe"; policy/stripe-codes.ts says why each label). */
const STRIPE_CODES: ResponseCodeMapping[] = Object.entries(STRIPE_DECLINE_LABELS).map(([code, label]) => ({
  gateway_id: 'stripe',
  code,
  label,
}));

/** Stripe decline codes and ISO-8583 response codes, for any gateway that reports them. */
const ANY_GATEWAY_CODES: ResponseCodeMapping[] = [
  ...map(WILDCARD, HARD_DECLINE, [
    ...NEVER_RETRY_NAMES,
    ...Object.keys(VISA_CATEGORY_1),
    ...Object.keys(ISO_CARD_STATUS),
    // Not forbidden by the networks, but a retry without the customer cannot fix them.
    'authentication_required',
    'invalid_cvc',
    'invalid_expiry_month',
    'invalid_expiry_year',
    'incorrect_zip',
    'incorrect_pin',
    'invalid_pin',
    'offline_pin_required',
    'online_or_offline_pin_required',
    'pin_try_exceeded',
    'invalid_amount',
    'merchant_blacklist',
    'new_account_information_available',
    'not_permitted',
    'restricted_card',
    'security_violation',
    'service_not_allowed',
    'testmode_decline',
  ]),
  ...map(WILDCARD, SOFT_DECLINE, [
    'insufficient_funds',
    'do_not_honor',
    'generic_decline',
    'card_declined',
    'call_issuer',
    'approve_with_id',
    'card_velocity_exceeded',
    'withdrawal_count_limit_exceeded',
    'no_action_taken',
    'try_again_later',
    'duplicate_transaction',
    '05', // do not honor
    '51', // insufficient funds
    '61', // exceeds withdrawal amount limit
    '65', // exceeds withdrawal frequency limit
  ]),
  ...map(WILDCARD, SYSTEM_ERROR, [
    'processing_error',
    'issuer_not_available',
    'reenter_transaction',
    'rate_limit',
    'timeout',
    '19', // re-enter transaction
    '91', // issuer or switch inoperative
    '96', // system malfunction
  ]),
];

const soft = (interval: string) => ({ action: 'Retry', criteria: 'incremental_time', interval }) as const;
const stop = { action: 'Stop' } as const;

/**
 * Eight attempts over fourteen days for soft declines (days 1, 2, 4, 6, 8, 11, 14), the common
 * practice of recovery tools; system errors are transient, so the first retries come within hours.
 */
const DEFAULT_ATTEMPTS: AttemptRule[] = [
  ['P1D', 'PT1H'],
  ['P1D', 'PT4H'],
  ['P2D', 'PT12H'],
  ['P2D', 'P1D'],
  ['P2D', 'P2D'],
  ['P3D', 'P2D'],
  ['P3D', 'P3D'],
].map(([softInterval, systemInterval]) => ({
  [SOFT_DECLINE]: soft(softInterval as string),
  [SYSTEM_ERROR]: soft(systemInterval as string),
  [HARD_DECLINE]: stop,
}));

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Frozen: it is shared by every importer, and a stray mutation would change everyone's policy. */
export const defaultConfig: RetryConfig = deepFreeze({
  settings: {
    time_zone: 'UTC',
    processor_interval: 'PT1H',
    default_label: SOFT_DECLINE,
    max_cycle_days: 90,
    retry_on_payment_method_update: true,
  },
  labels: [
    { name: HARD_DECLINE, description: 'The issuer will not approve; never retried' },
    { name: SOFT_DECLINE, description: 'May succeed later (funds, limits, generic declines)' },
    { name: SYSTEM_ERROR, description: 'Gateway or issuer outage; retried within hours' },
  ],
  response_codes: [...SIM_CODES, ...STRIPE_CODES, ...ANY_GATEWAY_CODES],
  customer_groups: [
    {
      id: ALL_REMAINING_CUSTOMERS_ID,
      name: ALL_REMAINING_CUSTOMERS_NAME,
      active: true,
      filters: [],
      attempts: DEFAULT_ATTEMPTS,
    },
  ],
});
