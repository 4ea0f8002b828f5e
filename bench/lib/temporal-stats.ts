// What Temporal did for a sample of workflows, from their histories: how many workflow tasks,
// activities and events each took, and how long tasks waited between being scheduled and being
// picked up by the worker (schedule-to-start: the server's and the worker's queueing).
import type { Client } from '@temporalio/client';
import { percentile, pool, round } from './stack';

const WORKFLOW_TASK_SCHEDULED = 5;
const WORKFLOW_TASK_STARTED = 6;
const WORKFLOW_TASK_COMPLETED = 7;
const ACTIVITY_TASK_SCHEDULED = 10;
const ACTIVITY_TASK_STARTED = 11;
const ACTIVITY_TASK_COMPLETED = 12;

export interface HistoryStats {
  sampled: number;
  events_per_workflow: number;
  workflow_tasks_per_workflow: number;
  activities_per_workflow: number;
  /** Workflow task: scheduled → started (picked up by a worker poll). */
  wft_schedule_to_start_p50_ms: number;
  wft_schedule_to_start_p99_ms: number;
  /** Workflow task: started → completed (the worker ran the workflow code and answered). */
  wft_start_to_close_p50_ms: number;
  /** Activity: scheduled → started. */
  activity_schedule_to_start_p50_ms: number;
  activity_schedule_to_start_p99_ms: number;
  /** Activity: started → completed (the activity itself). */
  activity_start_to_close_p50_ms: number;
}

const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  Number(t?.seconds ?? 0) * 1000 + Math.round((t?.nanos ?? 0) / 1e6);

export async function historyStats(client: Client, workflowIds: string[]): Promise<HistoryStats> {
  const wftWait: number[] = [];
  const wftRun: number[] = [];
  const actWait: number[] = [];
  const actRun: number[] = [];
  let events = 0;
  let wfts = 0;
  let activities = 0;
  await pool(workflowIds.length, 10, async (i) => {
    const id = workflowIds[i];
    if (!id) return;
    const history = await client.workflow.getHandle(id).fetchHistory();
    const at = new Map<number, number>();
    for (const e of history.events ?? []) {
      const eventId = Number(e.eventId);
      const t = ms(e.eventTime);
      at.set(eventId, t);
      events++;
      switch (e.eventType) {
        case WORKFLOW_TASK_STARTED: {
          const s = at.get(Number(e.workflowTaskStartedEventAttributes?.scheduledEventId));
          if (s !== undefined) wftWait.push(t - s);
          break;
        }
        case WORKFLOW_TASK_COMPLETED: {
          wfts++;
          const s = at.get(Number(e.workflowTaskCompletedEventAttributes?.startedEventId));
          if (s !== undefined) wftRun.push(t - s);
          break;
        }
        case ACTIVITY_TASK_SCHEDULED:
          activities++;
          break;
        case ACTIVITY_TASK_STARTED: {
          const s = at.get(Number(e.activityTaskStartedEventAttributes?.scheduledEventId));
          if (s !== undefined) actWait.push(t - s);
          break;
        }
        case ACTIVITY_TASK_COMPLETED: {
          const s = at.get(Number(e.activityTaskCompletedEventAttributes?.startedEventId));
          if (s !== undefined) actRun.push(t - s);
          break;
        }
        case WORKFLOW_TASK_SCHEDULED:
          break;
      }
    }
  });
  const n = Math.max(1, workflowIds.length);
  const p = (xs: number[], q: number) =>
    round(
      percentile(
        [...xs].sort((a, b) => a - b),
        q,
      ),
    );
  return {
    sampled: workflowIds.length,
    events_per_workflow: round(events / n),
    workflow_tasks_per_workflow: round(wfts / n),
    activities_per_workflow: round(activities / n),
    wft_schedule_to_start_p50_ms: p(wftWait, 50),
    wft_schedule_to_start_p99_ms: p(wftWait, 99),
    wft_start_to_close_p50_ms: p(wftRun, 50),
    activity_schedule_to_start_p50_ms: p(actWait, 50),
    activity_schedule_to_start_p99_ms: p(actWait, 99),
    activity_start_to_close_p50_ms: p(actRun, 50),
  };
}

/** Up to `k` evenly spread indexes of [0, n). */
export function sampleIndexes(n: number, k: number): number[] {
  const step = Math.max(1, Math.floor(n / k));
  const out: number[] = [];
  for (let i = 0; i < n && out.length < k; i += step) out.push(i);
  return out;
}
