import { CHARGE_GATE_PATCH } from './charge-gate';

// Every behaviour of a cycle's code that a patch decides, decided in one place from one question,
// `has(patch)`. RetryCycle asks patched(), so each of its runs keeps the path it began on (and every new
// run records a marker and a TemporalChangeVersion upsert per patch). RetryCycleV2 takes the patches it
// was made with as given, so it runs their newest path and records none of them
// (workflows/retry-cycle.ts). A new patched behaviour is one more line in `runFlags`: both types then
// ask patched() for it, since RetryCycleV2's running cycles must replay too; naming it in
// RETRY_CYCLE_V2_PATCHES instead is only safe while no RetryCycleV2 without it may be running.

export type HasPatch = (patchId: string) => boolean;

const LOCAL_STORE_PATCH = 'local-store';
const PAYMENT_CLAIMS_PATCH = 'payment-claims';
const ISO_AMOUNTS_PATCH = 'iso-amounts';

/** What a run decides by its patches, in the order RetryCycle has always evaluated them. */
export function runFlags(has: HasPatch) {
  const local = has(LOCAL_STORE_PATCH);
  return {
    /** Since 'local-store': writes through local activities, and the cycle opens in one call. */
    local,
    /** Since 'payment-claims': a payment enters a cycle once, ever (claims in Postgres). */
    claims: local && has(PAYMENT_CLAIMS_PATCH),
    /**
     * Since 'iso-amounts': amounts (the opening payment's and external payments') are checked against
     * their currency's minor units (domain/money/currency.ts). A run that began before it replays with
     * the checks it ran with, so a cycle already open with such an amount keeps replaying.
     */
    isoAmounts: has(ISO_AMOUNTS_PATCH),
    /**
     * Since 'charge-gate': the gate in front of every charge, and remove as a stop. Asked where it is
     * needed (first at the first charge, or at an executeNow Signal before it), not at the start: that
     * is where RetryCycle's histories hold its marker.
     */
    chargeGate: () => has(CHARGE_GATE_PATCH),
  };
}

export type RunFlags = ReturnType<typeof runFlags>;

/** The patches every RetryCycleV2 run has taken, without a marker: all RetryCycle had when V2 began. */
export const RETRY_CYCLE_V2_PATCHES: ReadonlySet<string> = new Set([
  LOCAL_STORE_PATCH,
  PAYMENT_CLAIMS_PATCH,
  ISO_AMOUNTS_PATCH,
  CHARGE_GATE_PATCH,
]);

/** RetryCycleV2's answer: its own patches as taken, any later one asked of `patched`. */
export const retryCycleV2Has =
  (patched: HasPatch): HasPatch =>
  (patchId) =>
    RETRY_CYCLE_V2_PATCHES.has(patchId) || patched(patchId);

/** Every patched behaviour on: the newest code path (what CycleState's unit tests run). */
export const newestFlags = (): RunFlags => runFlags(() => true);
