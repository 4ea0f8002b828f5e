/**
 * In-memory ledger of the simulated gateway.
 *
 * - `charges`: every request that the gateway actually processed against the card (approved or declined,
 *   including `lost_response` charges whose answer was dropped). Money moved only where `status === 'approved'`.
 *   Each idempotency key appears at most once: this is what tests use to prove there was no double charge.
 * - `byKey`: the result bound to an idempotency key; a request with a bound key is a replay.
 * - per payment method request counters that drive the scripted outcome sequences.
 */

export type SimChargeStatus = 'approved' | 'declined';

export interface SimChargeRecord {
  idempotency_key: string;
  payment_method_id: string;
  /** Decimal string exactly as requested, e.g. "100.00". */
  amount: string;
  currency: string;
  status: SimChargeStatus;
  code: string;
  message: string;
  gateway_payment_id: string;
  amount_collected: string;
  auth_code: string | null;
  metadata: Record<string, unknown> | null;
  /** True when the answer of this charge was deliberately dropped (`lost_response`). */
  response_lost: boolean;
  /** ISO-8601 time of the charge. */
  at: string;
}

export interface SimLedgerFilter {
  idempotency_key?: string | undefined;
  payment_method_id?: string | undefined;
}

export class SimLedger {
  private readonly charges: SimChargeRecord[] = [];
  private readonly byKey = new Map<string, SimChargeRecord>();
  private readonly requestsByMethod = new Map<string, number>();
  private requests = 0;

  /** Counts a new (non-replayed) charge request for a payment method and returns its 1-based rank. */
  nextRequest(paymentMethodId: string): number {
    this.requests += 1;
    const n = (this.requestsByMethod.get(paymentMethodId) ?? 0) + 1;
    this.requestsByMethod.set(paymentMethodId, n);
    return n;
  }

  /** Records a charge and binds it to its idempotency key. Throws if the key is already bound. */
  record(charge: SimChargeRecord): SimChargeRecord {
    if (this.byKey.has(charge.idempotency_key)) {
      throw new Error(`sim ledger: idempotency key ${charge.idempotency_key} is already bound`);
    }
    const stored = Object.freeze({ ...charge });
    this.charges.push(stored);
    this.byKey.set(stored.idempotency_key, stored);
    return stored;
  }

  get(idempotencyKey: string): SimChargeRecord | undefined {
    return this.byKey.get(idempotencyKey);
  }

  list(filter: SimLedgerFilter = {}): SimChargeRecord[] {
    return this.charges.filter(
      (c) =>
        (filter.idempotency_key === undefined || c.idempotency_key === filter.idempotency_key) &&
        (filter.payment_method_id === undefined || c.payment_method_id === filter.payment_method_id),
    );
  }

  /** Number of recorded charges (approved + declined). */
  get chargeCount(): number {
    return this.charges.length;
  }

  /** Number of charge requests that were not replays (each consumed one step of a script). */
  get requestCount(): number {
    return this.requests;
  }

  /** Number of charge requests seen so far for a payment method id (replays excluded). */
  requestsFor(paymentMethodId: string): number {
    return this.requestsByMethod.get(paymentMethodId) ?? 0;
  }

  reset(): void {
    this.charges.length = 0;
    this.byKey.clear();
    this.requestsByMethod.clear();
    this.requests = 0;
  }
}
