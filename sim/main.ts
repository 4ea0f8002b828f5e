/**
 * Entry point of the simulated gateway: `npm run sim`.
 * Env: SIM_PORT (default 3001), SIM_HOST (default 127.0.0.1), SIM_LATENCY_MS (default 0), SIM_LEDGER_PATH
 * (default unset: in memory; `npm start` sets it to DATA_DIR/sim-ledger.jsonl so keys survive restarts).
 * Prints one JSON log line `{"msg":"sim gateway listening","url":...}` when ready; stops on SIGTERM/SIGINT.
 */
import { pino } from 'pino';
import { parseSimEnv } from './config';
import { createSimServer } from './server';

const logger = pino({ name: 'sim', level: process.env.LOG_LEVEL ?? 'info' });
/** Fatal startup errors go to stderr (whatever LOG_LEVEL) so supervisors that only keep stderr see them. */
const fatal = pino({ name: 'sim' }, pino.destination({ dest: 2, sync: true }));

const parsed = parseSimEnv(process.env);
if (!parsed.ok) {
  fatal.error({ event: 'config_error' }, parsed.error);
  process.exit(1);
}
const { port, host, latencyMs, ledgerPath } = parsed.config;

let sim: ReturnType<typeof createSimServer>;
try {
  sim = createSimServer({ latencyMs, logger, ...(ledgerPath ? { ledgerPath } : {}) });
} catch (err) {
  // A damaged ledger must stop the gateway: starting empty would charge known keys again.
  fatal.error({ event: 'ledger_error', err: (err as Error).message }, (err as Error).message);
  process.exit(1);
}
try {
  const { url, port: actualPort } = await sim.listen(port, host);
  logger.info(
    { event: 'listening', url, port: actualPort, host, latency_ms: latencyMs },
    'sim gateway listening',
  );
} catch (err) {
  logger.error(
    { event: 'listen_error', err: (err as Error).message },
    `sim gateway could not listen on ${host}:${port}`,
  );
  process.exit(1);
}

let stopping = false;
const stop = (signal: NodeJS.Signals | 'parent_gone') => {
  if (stopping) process.exit(1); // second signal: give up waiting
  stopping = true;
  sim.close().then(
    () => {
      logger.info({ event: 'stopped', signal }, 'sim gateway stopped');
      process.exit(0);
    },
    (err: unknown) => {
      logger.error(
        { event: 'stop_error', err: (err as Error).message },
        'sim gateway failed to stop cleanly',
      );
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Started with an IPC channel (runtime/simulator.ts, as `npm start` does): the channel closes when the
// parent dies, however it died, and an orphaned simulator would keep its port.
if (process.send) process.on('disconnect', () => stopping || stop('parent_gone'));
