// The cycle's statuses: the CycleStatus search attribute, the cycle row's status column and `details`.

export const ACTIVE_STATUSES = ['in_retry', 'paused'] as const;
export const FINAL_STATUSES = [
  'collected',
  'collected_external',
  'stopped_by_rule',
  'attempts_exhausted',
  'removed',
  'expired',
  'error',
] as const;
export type ActiveStatus = (typeof ACTIVE_STATUSES)[number];
export type FinalStatus = (typeof FINAL_STATUSES)[number];
export type CycleStatus = ActiveStatus | FinalStatus;

export type ZuoraStatus = 'Cycle Incomplete' | 'Cycle Complete';

export function zuoraStatus(status: CycleStatus): ZuoraStatus {
  return (ACTIVE_STATUSES as readonly string[]).includes(status) ? 'Cycle Incomplete' : 'Cycle Complete';
}

export function isFinal(status: CycleStatus): status is FinalStatus {
  return (FINAL_STATUSES as readonly string[]).includes(status);
}

/**
 * The operator console's filter words (the cycle explorer, `GET /api/v1/cycles?status=`), each the
 * statuses it stands for; every status is in exactly one group.
 */
export const STATUS_GROUPS = {
  retrying: ['in_retry'],
  paused: ['paused'],
  collected: ['collected', 'collected_external'],
  stopped: ['stopped_by_rule', 'attempts_exhausted', 'expired'],
  removed: ['removed'],
  error: ['error'],
} as const satisfies Record<string, readonly CycleStatus[]>;

export type StatusGroup = keyof typeof STATUS_GROUPS;
export const STATUS_GROUP_NAMES = Object.keys(STATUS_GROUPS) as StatusGroup[];

const GROUP_OF: Record<CycleStatus, StatusGroup> = Object.fromEntries(
  STATUS_GROUP_NAMES.flatMap((group) => STATUS_GROUPS[group].map((status) => [status, group])),
) as Record<CycleStatus, StatusGroup>;

/** The filter word a status belongs to; an unknown status (never written) reads as `error`. */
export function statusGroupOf(status: string): StatusGroup {
  return GROUP_OF[status as CycleStatus] ?? 'error';
}
