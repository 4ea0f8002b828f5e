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
