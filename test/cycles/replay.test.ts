import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { bundlerOptions, workflowsPath } from '../../worker/create-worker';

// Histories recorded from real runs of every message path (npm run histories:record). Replaying them
// against today's workflow code proves running cycles survive a deploy: a non-deterministic change
// fails here.
const dir = join(import.meta.dirname, '..', 'fixtures', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('RetryCycle replays its recorded histories', () => {
  it('has a recorded history for every message path', () => {
    expect(files.map((f) => f.replace('.json', '')).sort()).toEqual(
      [
        'attempts-exhausted',
        'collected-on-attempt-3',
        'execute-now',
        'external-payments',
        'hard-decline',
        'pause-resume',
        'payment-method-updated',
        'remove',
        'submits-onto-active-cycle',
      ].sort(),
    );
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
