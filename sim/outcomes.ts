/**
 * Scripted outcomes of the simulated gateway.
 *
 * A payment method id `sim.<outcome>.<outcome>...[#anything]` answers its n-th distinct charge request with the
 * n-th outcome; the last outcome repeats forever. The optional `#suffix` only makes the id unique (sequences are
 * counted per whole id, suffix included). Any id that is not a well-formed script approves every time.
 *
 * Outcome words (case-insensitive, normalised to lower case):
 * - `approve`       — charge approved
 * - `timeout`       — no answer and no charge (the request is held open)
 * - `error500`      — HTTP 500 and no charge
 * - `lost_response` — the charge is made and recorded, then the connection is dropped without an answer
 * - any other word  — a decline with that word as its code (e.g. `insufficient_funds`, `do_not_honor`)
 *
 * A word is `[a-z0-9_-]+`. A script with an empty or malformed word (e.g. `sim.`, `sim..approve`,
 * `sim.in sufficient`) is not a script: such an id approves, like any other id.
 */

export type SimOutcome =
  | { readonly kind: 'approve' }
  | { readonly kind: 'decline'; readonly code: string }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'error500' }
  | { readonly kind: 'lost_response' };

export const SIM_PREFIX = 'sim.';
const WORD = /^[a-z0-9_-]+$/;
const APPROVE: SimOutcome = Object.freeze({ kind: 'approve' });

/** Parses one outcome word. Returns null when the word is not well-formed. */
export function parseOutcome(word: string): SimOutcome | null {
  const w = word.toLowerCase();
  if (!WORD.test(w)) return null;
  switch (w) {
    case 'approve':
      return APPROVE;
    case 'timeout':
    case 'error500':
    case 'lost_response':
      return { kind: w };
    default:
      return { kind: 'decline', code: w };
  }
}

/** The script of a payment method id, or null when the id is not a (well-formed) `sim.` script. */
export function parseScript(paymentMethodId: string): SimOutcome[] | null {
  if (!paymentMethodId.startsWith(SIM_PREFIX)) return null;
  const hash = paymentMethodId.indexOf('#');
  const body = paymentMethodId.slice(SIM_PREFIX.length, hash === -1 ? undefined : hash);
  const outcomes: SimOutcome[] = [];
  for (const word of body.split('.')) {
    const outcome = parseOutcome(word);
    if (!outcome) return null;
    outcomes.push(outcome);
  }
  return outcomes;
}

/** The outcome of the n-th (1-based) distinct charge request for a payment method id. */
export function outcomeFor(paymentMethodId: string, n: number): SimOutcome {
  const script = parseScript(paymentMethodId);
  if (!script) return APPROVE;
  const index = Math.min(Math.max(Math.trunc(n), 1), script.length) - 1;
  return script[index] ?? APPROVE;
}

/** Renders an outcome back to its word (inverse of parseOutcome for well-formed words). */
export function outcomeWord(outcome: SimOutcome): string {
  return outcome.kind === 'decline' ? outcome.code : outcome.kind;
}

const DECLINE_MESSAGES: Readonly<Record<string, string>> = {
  insufficient_funds: 'Your card has insufficient funds.',
  do_not_honor: 'Do not honor',
  lost_card: 'Your card has been declined: it was reported lost.',
  stolen_card: 'Your card has been declined: it was reported stolen.',
  expired_card: 'Your card has expired.',
  processing_error: 'An error occurred while processing your card. Try again in a little bit.',
  card_declined: 'Your card was declined.',
  generic_decline: 'Your card was declined.',
  try_again_later: 'The card was declined for an unknown reason. Try again later.',
  incorrect_cvc: "Your card's security code is incorrect.",
  incorrect_number: 'Your card number is incorrect.',
  invalid_account: 'The card, or the account it is connected to, is invalid.',
  card_velocity_exceeded: 'Your card has exceeded its balance, credit limit or transaction amount limit.',
  fraudulent: 'Your card was declined.',
  pickup_card: 'Your card cannot be used to make this payment (pick up card).',
  restricted_card: 'Your card cannot be used to make this payment (restricted card).',
  transaction_not_allowed: 'Your card does not support this type of purchase.',
  currency_not_supported: 'Your card does not support this currency.',
  authentication_required: 'Your card was declined: this transaction requires authentication.',
};

/** A realistic human message for a decline code. */
export function declineMessage(code: string): string {
  return DECLINE_MESSAGES[code] ?? `Your card was declined (${code}).`;
}
