import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { bundlerOptions, workflowsPath } from '../../worker/create-worker';

// Histories of the 'payment-claims' paths (scripts/record-claim-histories.ts), replayed against
// today's workflow code like the committed message paths in replay.test.ts.
const dir = join(import.meta.dirname, '..', 'fixtures', 'histories', 'payment-claims');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('RetryCycle replays its payment-claims histories', () => {
  it('has a recorded history for every claim path', () => {
    expect(files.map((f) => basename(f, '.json')).sort()).toEqual([
      'collected-then-resubmitted',
      'joined-refused-and-claimed-elsewhere',
      'new-payment-for-collected-document',
      'parallel-submits-stopping',
      'resignal-of-claimed-payment',
      'resubmit-answered-from-claim',
    ]);
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
