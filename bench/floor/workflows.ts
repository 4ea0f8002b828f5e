// The Temporal floor: the least a cycle-shaped workflow can cost on this server. It sleeps PT1S, then
// calls three activities that do nothing, and returns when each ran (the activity's own clock).
import { proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';

export interface FloorActivities {
  noop(): Promise<number>;
}

const { noop } = proxyActivities<FloorActivities>({ startToCloseTimeout: '30s' });

export interface FloorResult {
  /** Workflow start (server time), ms since the epoch. */
  started: number;
  /** When each of the three activities ran, ms since the epoch. */
  activities: number[];
}

export async function FloorWorkflow(): Promise<FloorResult> {
  const started = workflowInfo().startTime.getTime();
  await sleep('1s');
  const activities: number[] = [];
  for (let i = 0; i < 3; i++) activities.push(await noop());
  return { started, activities };
}
