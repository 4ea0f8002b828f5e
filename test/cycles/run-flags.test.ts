import { describe, expect, it } from 'vitest';
import { CHARGE_GATE_PATCH } from '../../workflows/charge-gate';
import { newestFlags, RETRY_CYCLE_V2_PATCHES, retryCycleV2Has, runFlags } from '../../workflows/run-flags';

// How each cycle type decides its patched behaviours (workflows/run-flags.ts). RetryCycle's patched()
// calls are part of its histories: which ones it makes, in which order and when, must not change.
// RetryCycleV2 must make none for the patches it was made with.

/** A stand-in for patched(): answers `present` and records every patch it was asked about. */
function asker(present: (patchId: string) => boolean = () => true) {
  const asked: string[] = [];
  return {
    asked,
    has: (patchId: string) => {
      asked.push(patchId);
      return present(patchId);
    },
  };
}

describe('run flags', () => {
  it("RetryCycle asks for its start patches in the order it always has, and the charge gate's only when needed", () => {
    const a = asker();
    const flags = runFlags(a.has);
    expect(a.asked).toEqual(['local-store', 'payment-claims', 'iso-amounts']);
    expect(flags.chargeGate()).toBe(true);
    expect(a.asked.at(-1)).toBe(CHARGE_GATE_PATCH);
  });

  it("a run from before 'local-store' never asks for 'payment-claims'", () => {
    const a = asker((p) => p !== 'local-store');
    expect(runFlags(a.has)).toMatchObject({ local: false, claims: false, isoAmounts: true });
    expect(a.asked).toEqual(['local-store', 'iso-amounts']);
  });

  it('RetryCycleV2 asks for none of its own patches, and takes their newest path', () => {
    const a = asker(() => false);
    const flags = runFlags(retryCycleV2Has(a.has));
    const { chargeGate, ...decided } = flags;
    const { chargeGate: newestGate, ...newest } = newestFlags();
    expect(decided).toEqual(newest);
    expect([chargeGate(), newestGate()]).toEqual([true, true]);
    expect(a.asked).toEqual([]);
    expect([...RETRY_CYCLE_V2_PATCHES].sort()).toEqual(
      ['charge-gate', 'iso-amounts', 'local-store', 'payment-claims'].sort(),
    );
  });

  it('RetryCycleV2 asks patched() for a patch added after it, so its running cycles replay', () => {
    const a = asker(() => false);
    expect(retryCycleV2Has(a.has)('a-later-patch')).toBe(false);
    expect(a.asked).toEqual(['a-later-patch']);
  });
});
