// `npm run histories:record`: runs one cycle down each message path on a throwaway dev server and
// saves its event history under test/fixtures/histories/. The replay test replays them against the
// current workflow code, so a change that breaks determinism for running cycles fails CI.
// Re-record (and review the diff) only when a change is meant to be incompatible, e.g. behind patched().
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { pino } from 'pino';
import { createActivities } from '../activities';
import { createGatewayRegistry } from '../activities/gateway/registry';
import { createCycleClient } from '../client/cycles';
import { createDb } from '../db/client';
import { ensureConfig } from '../db/config-versions';
import { migrateDb } from '../db/migrate';
import { createSimServer } from '../sim/server';
import { connectClient, connectWorkerConnection } from '../temporal/connection';
import { startDevServer } from '../temporal/dev-server';
import { projectRoot, resolveTemporal } from '../temporal/resolve-binary';
import { testConfig } from '../test/support/test-config';
import { createWorker } from '../worker/create-worker';
import { documentOf, type FailedPayment } from '../workflows/failed-payment';

Runtime.install({ logger: new DefaultLogger('WARN') });
const out = join(projectRoot, 'test', 'fixtures', 'histories');
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
const taskQueue = 'record-histories';
const worker = await createWorker({
  connection,
  namespace: 'default',
  taskQueue,
  activities: createActivities({
    db: db.db,
    logger: pino({ level: 'silent' }),
    gateways: createGatewayRegistry({ sim: { baseUrl: simUrl, timeoutMs: 1000 } }),
  }),
});
const running = worker.run();
const cycles = createCycleClient({ client, taskQueue });

let n = 0;
const payment = (pm: string, extra: Partial<FailedPayment> = {}): FailedPayment => {
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
};
const slow = { account: { segment: 'slow' } };

const scenarios: Record<string, () => Promise<FailedPayment>> = {
  'collected-on-attempt-3': async () => {
    const p = payment('sim.insufficient_funds.approve');
    await cycles.submit(p);
    return p;
  },
  'hard-decline': async () => {
    const p = payment('sim.approve', { gateway_response_code: 'lost_card' });
    await cycles.submit(p);
    return p;
  },
  'attempts-exhausted': async () => {
    const p = payment('sim.insufficient_funds');
    await cycles.submit(p);
    return p;
  },
  'execute-now': async () => {
    const p = payment('sim.approve', slow);
    await cycles.submit(p);
    await cycles.executeNow(documentOf(p));
    return p;
  },
  remove: async () => {
    const p = payment('sim.approve', slow);
    await cycles.submit(p);
    await cycles.remove(documentOf(p));
    return p;
  },
  'pause-resume': async () => {
    const p = payment('sim.approve', { account: { segment: 'two-seconds' } });
    await cycles.submit(p);
    await cycles.pause(documentOf(p));
    await sleep(3000);
    await cycles.resume(documentOf(p));
    return p;
  },
  'external-payments': async () => {
    const p = payment('sim.insufficient_funds', slow);
    await cycles.submit(p);
    await cycles.paymentReceived(documentOf(p), { amount: '40.00', currency: 'USD', payment_id: 'E-1' });
    await cycles.executeNow(documentOf(p));
    await sleep(1000);
    await cycles.paymentReceived(documentOf(p), { amount: '60.00', currency: 'USD' });
    return p;
  },
  'payment-method-updated': async () => {
    const p = payment('sim.insufficient_funds', slow);
    await cycles.submit(p);
    await cycles.paymentMethodUpdated(documentOf(p), `sim.approve#pm-${n}`);
    return p;
  },
  'submits-onto-active-cycle': async () => {
    const p = payment('sim.approve', slow);
    await cycles.submit(p);
    await cycles.submit(p);
    await cycles.submitAsync({ ...p, payment_id: `${p.payment_id}-b` });
    await cycles.submit({ ...p, payment_id: `${p.payment_id}-c` });
    await cycles.remove(documentOf(p));
    return p;
  },
};

try {
  for (const [name, run] of Object.entries(scenarios)) {
    const p = await run();
    const handle = cycles.handle(documentOf(p));
    await handle.result();
    const history = await handle.fetchHistory();
    writeFileSync(join(out, `${name}.json`), `${historyToJSON(history)}\n`);
    process.stdout.write(`recorded ${name} (${history.events?.length} events)\n`);
  }
} finally {
  worker.shutdown();
  await running;
  await client.connection.close();
  await connection.close();
  await db.close();
  await sim.close();
  await server.stop();
}
