// The exact counts and sums every metric is derived from. Two sources produce them: scratch.ts from the
// history tables (the definition) and rollups.ts from the trigger-maintained rollups (the fast path).
// Tests compare the two field for field.

/** CPR attempts (cpr_generated) and the successful ones. */
export interface AttemptSums {
  attempts: bigint;
  successes: bigint;
}

/**
 * Documents (document_type, document_id) that entered a cycle, those with a successful CPR attempt,
 * and over the latter, for each document's first successful CPR attempt: the microseconds from
 * attempt 1 of its cycle to it, and its attempt number.
 */
export interface DocumentSums {
  entered: bigint;
  collected: bigint;
  daysUs: bigint;
  attemptNumbers: bigint;
}

/** "Then" = data with a timestamp at or before the cutoff (now − 30 days). */
export interface BaselineSums {
  attempts: AttemptSums;
  attemptsThen: AttemptSums;
  documents: DocumentSums;
  documentsThen: DocumentSums;
}

/** amount_collected of successful CPR attempts: in all, and at or before the cutoff. Decimal strings. */
export interface CurrencySums {
  currency: string;
  total: string;
  upToCutoff: string;
}

export interface GroupSums {
  groupId: number;
  attempts: AttemptSums;
  documents: DocumentSums;
  documentsThen: DocumentSums;
}

/** One of the 6 months before the current one, in the configured zone, newest first. */
export interface MonthWindow {
  /** "2026-10-01": the local month's first day. */
  month: string;
  /** "10_26". */
  label: string;
}

/** Documents of a group whose cycle ended in a month, and those with a successful CPR attempt there. */
export interface MonthSums {
  groupId: number;
  month: string;
  documents: bigint;
  collected: bigint;
}

export interface MetricsSource {
  baseline(cutoff: Date): Promise<BaselineSums>;
  currencies(cutoff: Date): Promise<CurrencySums[]>;
  groups(cutoff: Date): Promise<GroupSums[]>;
  months(now: Date, timeZone: string): Promise<{ window: MonthWindow[]; sums: MonthSums[] }>;
}

export const noAttempts = (): AttemptSums => ({ attempts: 0n, successes: 0n });
export const noDocuments = (): DocumentSums => ({
  entered: 0n,
  collected: 0n,
  daysUs: 0n,
  attemptNumbers: 0n,
});

/** Rows come back as text (both drivers agree on text); null counts as 0. */
export const big = (v: string | null | undefined): bigint => (v === null || v === undefined ? 0n : BigInt(v));

export interface DocumentRow {
  entered: string | null;
  collected: string | null;
  days_us: string | null;
  attempt_numbers: string | null;
}

export const documentSums = (r: DocumentRow | undefined): DocumentSums => ({
  entered: big(r?.entered),
  collected: big(r?.collected),
  daysUs: big(r?.days_us),
  attemptNumbers: big(r?.attempt_numbers),
});
