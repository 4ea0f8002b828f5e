import { DefaultLogger, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../log/logger';

const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Routes the Temporal SDK's own log lines into our JSON log, at warn and above. */
export function temporalRuntimeLogger(logger: Logger): DefaultLogger {
  const child = logger.child({ component: 'temporal-sdk' });
  return new DefaultLogger('WARN', (entry) => {
    child[levels[entry.level]]({ ...entry.meta }, entry.message);
  });
}
