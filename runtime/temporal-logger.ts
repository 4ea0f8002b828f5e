import { DefaultLogger, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../log/logger';

const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

// Lines our own code logs through the SDK: workflow code's `log` and an activity's `Context.log`.
const ours = new Set(['workflow', 'activity']);

/**
 * Routes the Temporal SDK's log lines into our JSON log: our workflows' and activities' lines (a cycle's
 * story: opened, charged, ended) from info up, as the logger's level allows; the SDK's own lines (worker
 * state changes, Core) at warn and above only.
 */
export function temporalRuntimeLogger(logger: Logger): DefaultLogger {
  const child = logger.child({ component: 'temporal-sdk' });
  return new DefaultLogger('INFO', (entry) => {
    if (entry.level === 'INFO' && !ours.has(String(entry.meta?.sdkComponent))) return;
    child[levels[entry.level]]({ ...entry.meta }, entry.message);
  });
}
