// Why a cycle refuses a message: the `type` of the ApplicationFailure its Update handler or validator
// throws, and what the API answers by (api/temporal-errors.ts), so no layer reads the other's wording.
// The names are part of the message contract: CycleEnded, PaymentIdConflict and InvalidFailedPayment
// are also in committed workflow histories (as Update and run failures), so they never change.

export const CycleFailure = {
  /** The payload is not a failed payment (schema), or the run was started with one. */
  InvalidFailedPayment: 'InvalidFailedPayment',
  /** The payment is for another invoice or debit memo than this cycle's. */
  WrongDocument: 'WrongDocument',
  /** The payment may not join the active cycle (another currency or account). */
  PaymentNotMember: 'PaymentNotMember',
  /** The cycle has ended (or ended before the payment was recorded): a new submit opens a new one. */
  CycleEnded: 'CycleEnded',
  /** This run opened no cycle: its opening payment was already claimed by another cycle. */
  CycleNotOpened: 'CycleNotOpened',
  /** The payment_id is already claimed with other details. */
  PaymentIdConflict: 'PaymentIdConflict',
  /** An action Update's payload (requested_by, reason) is malformed or unstorable. */
  InvalidActionRequest: 'InvalidActionRequest',
} as const;

export type CycleFailureType = (typeof CycleFailure)[keyof typeof CycleFailure];

const TYPES = new Set<string>(Object.values(CycleFailure));

export function isCycleFailureType(type: string | null | undefined): type is CycleFailureType {
  return type !== null && type !== undefined && TYPES.has(type);
}
