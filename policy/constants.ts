/** The catch-all group's id never changes, so cycles and metrics can refer to it across config versions. */
export const ALL_REMAINING_CUSTOMERS_ID = 1;
export const ALL_REMAINING_CUSTOMERS_NAME = 'All Remaining Customers';

export const HARD_DECLINE = 'Hard Decline';
export const SOFT_DECLINE = 'Soft Decline';
export const SYSTEM_ERROR = 'System Error';
/** Zuora ships these three and does not let them be deleted; the never-retry guardrail relies on Hard Decline. */
export const BUILT_IN_LABELS = [HARD_DECLINE, SOFT_DECLINE, SYSTEM_ERROR] as const;

/** In `response_codes[].gateway_id` it means any gateway; as a key of an attempt entry it means any label. */
export const WILDCARD = '*';

/** Visa's 2026 rule (20 reattempts per 30 days); Mastercard's 35-in-30 is looser, so this one binds. */
export const METHOD_ATTEMPT_LIMIT = 20;
export const METHOD_ATTEMPT_WINDOW_DAYS = 30;

/** Zuora's longest retry window (Smart Retry); also the schema maximum for `settings.max_cycle_days`. */
export const MAX_CYCLE_DAYS = 90;

export const DAY_MS = 86_400_000;
