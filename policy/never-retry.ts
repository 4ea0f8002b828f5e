/**
 * Codes the card networks forbid retrying. They are checked on the gateway's raw code before and
 * regardless of the configured mapping, so no configuration can schedule a retry for them.
 *
 * Bare numeric codes are ambiguous across schemes. The policy reads the response-code field as an
 * ISO-8583 / Visa response code: the Visa category 1 codes below mean the same hard condition
 * (pick up, lost, stolen, closed, invalid account, ...) on Mastercard and most ISO processors, so
 * they stop whatever the network. Mastercard Merchant Advice Codes 03/21/99 are only recognised
 * when they arrive as an advice code (or spelled "MAC03"): a bare "03" or "21" in the response-code
 * field is ISO "invalid merchant" / "no action taken", not an advice code.
 */

export const VISA_CATEGORY_1: Readonly<Record<string, string>> = {
  '04': 'pick up card',
  '07': 'pick up card, special conditions',
  '12': 'invalid transaction',
  '14': 'invalid account number',
  '15': 'no such issuer',
  '41': 'lost card',
  '43': 'stolen card',
  '46': 'closed account',
  '57': 'transaction not permitted to cardholder',
  R0: 'stop payment order',
  R1: 'revocation of authorization',
  R3: 'revocation of all authorizations',
};

/** Expired card: retrying the same card data can never succeed (Mastercard forbids it outright). */
export const ISO_CARD_STATUS: Readonly<Record<string, string>> = { '54': 'expired card' };

export const MASTERCARD_NEVER_RETRY_ADVICE: Readonly<Record<string, string>> = {
  '03': 'do not try again',
  '21': 'payment cancellation (stop recurring)',
  '99': 'do not try again',
};

/** Gateway-neutral (Stripe-style) names, compared lower-cased with spaces and hyphens as underscores. */
export const NEVER_RETRY_NAMES: readonly string[] = [
  'lost_card',
  'stolen_card',
  'pickup_card',
  'pick_up_card',
  'invalid_account',
  'closed_account',
  'no_such_issuer',
  'incorrect_number',
  'invalid_number',
  'revocation_of_authorization',
  'revocation_of_all_authorizations',
  'stop_payment_order',
  'do_not_try_again',
  'fraudulent',
  'card_not_supported',
  'currency_not_supported',
  'transaction_not_allowed',
  // Need new card data; a retry with the same data is a guaranteed decline.
  'expired_card',
  'incorrect_cvc',
];

const NAME_SET = new Set(NEVER_RETRY_NAMES);

export interface NeverRetryMatch {
  /** Which rule matched, for audit trails and the preview endpoint. */
  reason: string;
}

function normaliseName(code: string): string {
  return code
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

export function classifyNeverRetry(code: string | undefined, adviceCode?: string): NeverRetryMatch | null {
  if (adviceCode !== undefined) {
    const mac = adviceCode.trim().replace(/^MAC[\s_-]?/i, '');
    const meaning = MASTERCARD_NEVER_RETRY_ADVICE[mac];
    if (meaning) return { reason: `Mastercard advice code ${mac} (${meaning})` };
  }
  if (code === undefined) return null;
  const upper = code.trim().toUpperCase();
  const visa = VISA_CATEGORY_1[upper];
  if (visa) return { reason: `Visa category 1 code ${upper} (${visa})` };
  const status = ISO_CARD_STATUS[upper];
  if (status) return { reason: `ISO card status ${upper} (${status})` };
  const prefixedMac = /^MAC[\s_-]?(\d{2})$/.exec(upper);
  if (prefixedMac?.[1]) {
    const meaning = MASTERCARD_NEVER_RETRY_ADVICE[prefixedMac[1]];
    if (meaning) return { reason: `Mastercard advice code ${prefixedMac[1]} (${meaning})` };
  }
  const name = normaliseName(code);
  if (NAME_SET.has(name)) return { reason: `never-retry code ${name}` };
  return null;
}
