/**
 * Ledger of the simulated gateway: in memory, and with a file (sim/ledger-file.ts) also on disk, so that
 * keys, charges and script counters survive a restart (`npm start` keeps it under `DATA_DIR`).
 *
 * - `charges`: every request that the gateway actually processed against the card (approved or declined,
 *   including `lost_response` charges whose answer was dropped). Money moved only where `status === 'approved'`.
 *   Each idempotency key appears at most once: this is what tests use to prove there was no double charge.
 * - `byKey`: the result bound to an idempotency key; a request with a bound key is a replay.
 * - per payment method request counters that drive the scripted outcome sequences.
 *
 * Every change is written to the file (and fsynced) before memory changes, so what the server answers from
 * memory is always on disk; a failed write throws and changes nothing.
 */
import { type LedgerEntry, LedgerFile } from './ledger-file';

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

  /** Without a file the ledger lives in memory only (tests that create a simulator of their own). */
  constructor(private readonly file?: LedgerFile) {}

  /** A ledger kept in the file at `path`, loaded with everything recorded there before. */
  static open(path: string): { ledger: SimLedger; tornBytes: number } {
    const { file, entries, tornBytes } = LedgerFile.open(path);
    const ledger = new SimLedger(file);
    try {
      for (const entry of entries) ledger.apply(entry);
    } catch (err) {
      file.close();
      throw err;
    }
    return { ledger, tornBytes };
  }

  /** The 1-based rank the next (non-replayed) charge request of a payment method will have. */
  nextRank(paymentMethodId: string): number {
    return this.requestsFor(paymentMethodId) + 1;
  }

  /** Counts a request that charged nothing (`timeout`, `error500`) but consumed a step of its script. */
  countRequest(paymentMethodId: string): void {
    this.commit({ kind: 'request', payment_method_id: paymentMethodId });
  }

  /**
   * Records a charge, binds it to its idempotency key and counts it as a request of its payment method
   * (one record, so a charge never exists without the script step it took). Throws if the key is bound.
   */
  record(charge: SimChargeRecord): SimChargeRecord {
    if (this.byKey.has(charge.idempotency_key)) {
      throw new Error(`sim ledger: idempotency key ${charge.idempotency_key} is already bound`);
    }
    const stored = Object.freeze({ ...charge });
    this.commit({ kind: 'charge', charge: stored });
    return stored;
  }

  private commit(entry: LedgerEntry): void {
    this.file?.append(entry);
    this.apply(entry);
  }

  private apply(entry: LedgerEntry): void {
    const paymentMethodId =
      entry.kind === 'charge' ? entry.charge.payment_method_id : entry.payment_method_id;
    if (entry.kind === 'charge') {
      if (this.byKey.has(entry.charge.idempotency_key)) {
        throw new Error(`sim ledger: idempotency key ${entry.charge.idempotency_key} is recorded twice`);
      }
      const stored = Object.freeze({ ...entry.charge });
      this.charges.push(stored);
      this.byKey.set(stored.idempotency_key, stored);
    }
    this.requests += 1;
    this.requestsByMethod.set(paymentMethodId, this.requestsFor(paymentMethodId) + 1);
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
    this.file?.clear();
    this.charges.length = 0;
    this.byKey.clear();
    this.requestsByMethod.clear();
    this.requests = 0;
  }

  /** Closes the file, if any; the ledger must not be written afterwards. */
  close(): void {
    this.file?.close();
  }
}
