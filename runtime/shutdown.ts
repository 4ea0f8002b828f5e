import type { Logger } from '../log/logger';

/**
 * Runs the steps in order on SIGINT/SIGTERM; a hard deadline makes sure the process (and so its
 * children, which the steps stop) never outlives the promise of stopping within 10 s.
 */
export function onShutdown(
  logger: Logger,
  steps: { name: string; run: () => Promise<unknown> }[],
  deadlineMs = 9000,
) {
  let stopping = false;
  const handler = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, deadlineMs);
    timer.unref();
    let failed = false;
    for (const step of steps) {
      try {
        await step.run();
      } catch (err) {
        failed = true;
        logger.error({ err, step: step.name }, 'shutdown step failed');
      }
    }
    logger.info('stopped');
    process.exit(failed ? 1 : 0);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
