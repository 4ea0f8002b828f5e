// What both history recorders share (scripts/record-histories.ts, scripts/record-claim-histories.ts): a
// throwaway dev Temporal server, a simulator, an in-memory PGlite with second-scale rules, a worker on
// its own task queue, the typed client, and a failed-payment factory numbering documents from 1.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { pino } from 'pino';
import { createActivities } from '../activities';
import { createGatewayRegistry } from '../activities/gateway/registry';
import { createCycleClient } from '../client/cycles';
import { createDb } from '../db/client';
import { ensureConfig } from '../db/config-versions';
import { migrateDb } from '../db/migrate';
import type { FailedPayment } from '../domain/failed-payment';
import { createSimServer } from '../sim/server';
import { connectClient, connectWorkerConnection } from '../temporal/connection';
import { startDevServer } from '../temporal/dev-server';
import { projectRoot, resolveTemporal } from '../temporal/resolve-binary';
import { testConfig } from '../test/support/test-config';
import { createWorker } from '../worker/create-worker';

/**
 * The folder under test/fixtures/histories to record into: `--out <folder>` on the command line, else the
 * script's own. Today's code is recorded into a folder of its own (e.g. `--out since-charge-gate`) so that
 * the committed histories of earlier code stay as they are and every generation keeps being replayed.
 * The recorders start cycles through the client, so they record the type new cycles start as
 * (RetryCycleV2: `--out retry-cycle-v2`); RetryCycle's folders were recorded before it.
 */
export function outFolder(fallback: string[]): string[] {
  const at = process.argv.indexOf('--out');
  const named = at >= 0 ? process.argv[at + 1] : undefined;
  return named ? named.split('/') : fallback;
}

/** Starts everything a recording needs; `out` is a folder under test/fixtures/histories. */
export async function startRecorder(opts: { taskQueue: string; out: string[] }) {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const out = join(projectRoot, 'test', 'fixtures', 'histories', ...opts.out);
  mkdirSync(out, { recursive: true });
  const source = resolveTemporal({ cli: process.env.TEMPORAL_CLI });
  if (source.kind !== 'binary') throw new Error('unreachable');
  const server = await startDevServer({ binary: source.path });
  const sim = createSimServer({});
  const { url: simUrl } = await sim.listen(0);
  const db = await createDb({ kind: 'pglite' });
  await migrateDb(db);
  await ensureConfig(db.db, testConfig(3));
  const target = { address: server.address, namespace: 'default' };
  const client = await connectClient(target);
  const connection = await connectWorkerConnection(target);
  const worker = await createWorker({
    connection,
    namespace: 'default',
    taskQueue: opts.taskQueue,
    activities: createActivities({
      db: db.db,
      logger: pino({ level: 'silent' }),
      gateways: createGatewayRegistry({ sim: { baseUrl: simUrl, timeoutMs: 1000 } }),
    }),
  });
  const running = worker.run();

  let n = 0;
  return {
    client,
    cycles: createCycleClient({ client, taskQueue: opts.taskQueue }),
    /** A failed payment for a new invoice (INV-1, INV-2, …), paid with a simulator script. */
    payment(pm: string, extra: Partial<FailedPayment> = {}): FailedPayment {
      n++;
      return {
        payment_id: `P-${n}`,
        account_id: 'A-1',
        invoice_id: `INV-${n}`,
        amount: '100.00',
        currency: 'USD',
        payment_method_id: `${pm}#${n}`,
        gateway_id: 'sim',
        gateway_response_code: 'insufficient_funds',
        gateway_response_message: 'Your card has insufficient funds.',
        ...extra,
      };
    },
    /** The last number `payment` used. */
    get count() {
      return n;
    },
    /** Writes the handle's history as `<name>.json` in the output folder. */
    async save(name: string, handle: WorkflowHandle) {
      const history = await handle.fetchHistory();
      writeFileSync(join(out, `${name}.json`), `${historyToJSON(history)}\n`);
      process.stdout.write(`recorded ${name} (${history.events?.length} events)\n`);
    },
    async close() {
      worker.shutdown();
      await running;
      await client.connection.close();
      await connection.close();
      await db.close();
      await sim.close();
      await server.stop();
    },
  };
}
