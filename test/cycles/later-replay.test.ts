import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { bundlerOptions, workflowsPath } from '../../worker/create-worker';

// Histories recorded by later code generations, replayed against today's workflow code like the
// committed message paths in replay.test.ts (which stays as it is):
// - payment-claims/: the claim paths, recorded by `scripts/record-claim-histories.ts` when the
//   'payment-claims' patch landed;
// - since-charge-gate/: every message path and claim path again with the 'charge-gate' and
//   'iso-amounts' patches in them (`npm run histories:record -- --out since-charge-gate`, and the same
//   for the claim recorder), so the gated charge, execute/remove Updates' transitions and the stricter
//   amount checks are held to determinism too.
const MESSAGE_PATHS = [
  'attempts-exhausted',
  'collected-on-attempt-3',
  'execute-now',
  'external-payments',
  'hard-decline',
  'pause-resume',
  'payment-method-updated',
  'remove',
  'submits-onto-active-cycle',
];
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
    const histories = files.map((f) => ({
      workflowId: f,
      history: historyFromJSON(JSON.parse(readFileSync(join(dir, f), 'utf8'))),
    }));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowsPath, bundlerOptions }, histories)) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(files.length);
  });
});
