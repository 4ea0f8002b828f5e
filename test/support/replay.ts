import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { type ReplayWorkerOptions, Worker } from '@temporalio/worker';
import { bundlerOptions, workflowsPath } from '../../worker/create-worker';

// The replay the replay tests share (test/cycles/replay.test.ts, later-replay.test.ts): committed
// histories run against today's workflow code.

/** The message paths scripts/record-histories.ts records, one history each per generation. */
export const MESSAGE_PATHS = [
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

/**
 * Replays `files` (paths under `dir`); what failed, and how many were replayed. `options`: another
 * worker than today's plain code (test/observability replays them with the tracing interceptors).
 */
export async function replayHistories(
  dir: string,
  files: string[],
  options: ReplayWorkerOptions = { workflowsPath, bundlerOptions },
) {
  const histories = files.map((f) => ({
    workflowId: f,
    history: historyFromJSON(JSON.parse(readFileSync(join(dir, f), 'utf8'))),
  }));
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(options, histories)) {
    replayed++;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  return { failures, replayed };
}
