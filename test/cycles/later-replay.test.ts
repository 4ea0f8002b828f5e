import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MESSAGE_PATHS, replayHistories } from '../support/replay';

// Histories recorded by later code generations, replayed against today's workflow code like the
// committed message paths in replay.test.ts (which stays as it is):
// - payment-claims/: the claim paths, recorded by `scripts/record-claim-histories.ts` when the
//   'payment-claims' patch landed;
// - since-charge-gate/: every message path and claim path again with the 'charge-gate' and
//   'iso-amounts' patches in them (`npm run histories:record -- --out since-charge-gate`, and the same
//   for the claim recorder), so the gated charge, execute/remove Updates' transitions and the stricter
//   amount checks are held to determinism too.
const CLAIM_PATHS = [
  'collected-then-resubmitted',
  'joined-refused-and-claimed-elsewhere',
  'new-payment-for-collected-document',
  'parallel-submits-stopping',
  'resignal-of-claimed-payment',
  'resubmit-answered-from-claim',
];

describe.each([
  { folder: 'payment-claims', paths: CLAIM_PATHS },
  { folder: 'since-charge-gate', paths: [...MESSAGE_PATHS, ...CLAIM_PATHS] },
])('RetryCycle replays its $folder histories', ({ folder, paths }) => {
  const dir = join(import.meta.dirname, '..', 'fixtures', 'histories', folder);
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it('has a recorded history for every path', () => {
    expect(files.map((f) => basename(f, '.json')).sort()).toEqual([...paths].sort());
  });

  it('replays every one of them deterministically', async () => {
    const { failures, replayed } = await replayHistories(dir, files);
    expect(failures).toEqual([]);
    expect(replayed).toBe(files.length);
  });
});
