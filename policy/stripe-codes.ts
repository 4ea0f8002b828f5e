import { HARD_DECLINE, SOFT_DECLINE, SYSTEM_ERROR } from './constants';

// Stripe's card decline codes (https://docs.stripe.com/declines/codes) and the error codes its
// PaymentIntents report when there is no decline code, each with the label the default configuration
// gives it for the gateway `stripe`. Hard: a retry off-session cannot succeed (the card is gone, its
// data is wrong, the issuer said never, or only the customer can fix it: authentication_required).
// Soft: the same card may pay later. System: Stripe or the issuer failed, nothing was decided about
// the card. The card networks' never-retry codes (never-retry.ts) stop whatever this table says.

export const STRIPE_DECLINE_LABELS: Readonly<Record<string, string>> = {
  // Only the customer can fix these: never retried off-session.
  authentication_required: HARD_DECLINE,
  mobile_device_authentication_required: HARD_DECLINE,
  // The card is gone or must not be charged again.
  lost_card: HARD_DECLINE,
  stolen_card: HARD_DECLINE,
  pickup_card: HARD_DECLINE,
  fraudulent: HARD_DECLINE,
  do_not_try_again: HARD_DECLINE,
  revocation_of_all_authorizations: HARD_DECLINE,
  revocation_of_authorization: HARD_DECLINE,
  stop_payment_order: HARD_DECLINE,
  security_violation: HARD_DECLINE,
  merchant_blacklist: HARD_DECLINE,
  new_account_information_available: HARD_DECLINE,
  invalid_account: HARD_DECLINE,
  restricted_card: HARD_DECLINE,
  // The card data is wrong or no longer valid: the same data declines again.
  expired_card: HARD_DECLINE,
  incorrect_cvc: HARD_DECLINE,
  invalid_cvc: HARD_DECLINE,
  incorrect_number: HARD_DECLINE,
  invalid_number: HARD_DECLINE,
  incorrect_zip: HARD_DECLINE,
  incorrect_pin: HARD_DECLINE,
  invalid_pin: HARD_DECLINE,
  pin_try_exceeded: HARD_DECLINE,
  offline_pin_required: HARD_DECLINE,
  online_or_offline_pin_required: HARD_DECLINE,
  invalid_expiry_month: HARD_DECLINE,
  invalid_expiry_year: HARD_DECLINE,
  // The card cannot make this kind of payment.
  card_not_supported: HARD_DECLINE,
  currency_not_supported: HARD_DECLINE,
  transaction_not_allowed: HARD_DECLINE,
  not_permitted: HARD_DECLINE,
  service_not_allowed: HARD_DECLINE,
  invalid_amount: HARD_DECLINE,
  testmode_decline: HARD_DECLINE,
  // The same card may pay later.
  insufficient_funds: SOFT_DECLINE,
  generic_decline: SOFT_DECLINE,
  card_declined: SOFT_DECLINE,
  do_not_honor: SOFT_DECLINE,
  call_issuer: SOFT_DECLINE,
  approve_with_id: SOFT_DECLINE,
  card_velocity_exceeded: SOFT_DECLINE,
  withdrawal_count_limit_exceeded: SOFT_DECLINE,
  no_action_taken: SOFT_DECLINE,
  try_again_later: SOFT_DECLINE,
  duplicate_transaction: SOFT_DECLINE,
  card_decline_rate_limit_exceeded: SOFT_DECLINE,
  // Stripe or the issuer failed; nothing was decided about the card.
  processing_error: SYSTEM_ERROR,
  issuer_not_available: SYSTEM_ERROR,
  reenter_transaction: SYSTEM_ERROR,
  rate_limit: SYSTEM_ERROR,
  lock_timeout: SYSTEM_ERROR,
  // The adapter's own results for a connector cycle whose Stripe invoice is no longer open: nothing
  // was charged; the connector's invoice event ends the cycle (collected externally or removed).
  invoice_paid: SYSTEM_ERROR,
  invoice_void: SYSTEM_ERROR,
  invoice_uncollectible: SYSTEM_ERROR,
};
