import { Runtime } from '@temporalio/worker';
import { pino } from 'pino';
import { temporalRuntimeLogger } from '../../runtime/temporal-logger';

// The worker's log as production routes it (runtime/temporal-logger.ts), into memory. Imported before
// test/support/temporal.ts, which installs a Runtime of its own unless one is installed: the Runtime is
// one per process, and a test file runs in its own.

export const runtimeLines: string[] = [];

Runtime.install({
  logger: temporalRuntimeLogger(
    pino({ level: 'info' }, { write: (line: string) => void runtimeLines.push(line) }),
  ),
});
