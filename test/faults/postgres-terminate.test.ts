import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { expect, inject, it } from 'vitest';
import { createDb } from '../../db/client';
import { cleanupsAfterAll } from '../support/cleanups';
import {
  failedPayment,
  spawnWorker,
  startHarness,
  testConfig,
  type WorkerProcess,
} from '../support/cycle-harness';
import { startFaultSim } from './support/fault-sim';
import { reportScenario } from './support/summary';
import {
  activityFailures,
  type CycleCase,
  expectOutcome,
  resubmitting,
  verifyCycles,
} from './support/verify';

// Every Postgres connection to the cycles' database is terminated (pg_terminate_backend) every few
// hundred milliseconds while 30 cycles open, record attempts and end, with gateway timeouts, lost
// responses and 500s mixed in. The worker must survive, and every row must be stored exactly once.

const CYCLES = 30;
const RULES = 4;
const STORM_MS = 30_000;
const SCRIPTS = [
  'sim.insufficient_funds.insufficient_funds.approve',
  'sim.timeout.insufficient_funds.approve',
  'sim.lost_response',
  'sim.error500.insufficient_funds.lost_response',
  'sim.insufficient_funds', // attempts exhausted
  'sim.do_not_honor.lost_card', // stopped by rule
];

const cleanups = cleanupsAfterAll();

// Postgres only by nature (pg_terminate_backend), and its worker is a child process (spawnWorker).
it('records every attempt exactly once while Postgres connections are terminated', async () => {
  const started = Date.now();
  const sim = await startFaultSim({ minLatencyMs: 100, maxLatencyMs: 400 });
  cleanups.push(() => sim.close());
  const h = await startHarness({ config: testConfig(RULES), simUrl: sim.url, worker: false });
  cleanups.push(() => h.close());
  // The worker is supervised, as in production: if it dies it is restarted, and the crash reported.
  const env = { GATEWAY_TIMEOUT_MS: '2000' };
  const workers: WorkerProcess[] = [];
  const crashes: string[] = [];
  let supervising = true;
  const supervise = (w: WorkerProcess) => {
    workers.push(w);
    w.child.once('exit', (code, signal) => {
      if (!supervising) return;
      const uncaught = /uncaught exception: .*/.exec(w.output())?.[0];
      crashes.push(`worker exited (${code ?? signal}): ${uncaught ?? w.output().slice(-500)}`);
      spawnWorker(h, env).then(supervise, (err: unknown) => crashes.push(`restart failed: ${String(err)}`));
    });
  };
  supervise(await spawnWorker(h, env));
  cleanups.push(async () => {
    supervising = false;
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  });
  const dbName = new URL(h.db.url as string).pathname.slice(1);
  const admin = postgres(inject('postgresAdminUrl'), { max: 1, onnotice: () => {} });
  cleanups.push(() => admin.end());

  // The storm: every connection to the database, every 300-800 ms, for 30 s or until every cycle has
  // ended (unbounded, a transaction slower than the interval could be cut off forever).
  let terminated = 0;
  let rounds = 0;
  let stop = false;
  const stormUntil = Date.now() + STORM_MS;
  const storm = (async () => {
    while (!stop && Date.now() < stormUntil) {
      const rows =
        await admin`select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity
        where datname = ${dbName} and pid <> pg_backend_pid()) t`;
      const n = (rows[0] as { n: number } | undefined)?.n ?? 0;
      terminated += n;
      if (n > 0) rounds++;
      await sleep(300 + Math.random() * 500);
    }
  })();
  cleanups.push(async () => {
    stop = true;
    await storm;
  });

  const cases: CycleCase[] = Array.from({ length: CYCLES }, (_, i) => {
    const payment = failedPayment(SCRIPTS[i % SCRIPTS.length] as string);
    return { payment, expected: expectOutcome(payment.payment_method_id, RULES) };
  });
  const submitter = resubmitting((p) => h.cycles.submit(p));
  // Staggered, so cycles open, record and end all through the storm.
  let submitted = 0;
  const submits = Promise.all(
    cases.map(async (c, i) => {
      await sleep(i * 300);
      await submitter.submit(c.payment);
      submitted++;
    }),
  );
  await Promise.race([submits, sleep(120_000)]);
  expect(submitted, `submits answered; ${crashes.join('; ')}`).toBe(CYCLES);
  await Promise.race([
    Promise.allSettled(
      cases.map((c) => h.cycles.handle({ type: 'invoice', id: c.payment.invoice_id as string }).result()),
    ),
    sleep(STORM_MS),
  ]);
  stop = true;
  await storm;

  const failed = activityFailures(workers.map((w) => w.output()).join('\n'));
  const dbRetries =
    (failed.record ?? 0) + (failed.beginCycle ?? 0) + (failed.openCycle ?? 0) + (failed.loadConfig ?? 0);
  // A fresh pool reads the result: the harness's own connections were terminated along with the rest.
  const reader = await createDb({ kind: 'postgres', url: h.db.url as string, poolSize: 4 });
  cleanups.push(() => reader.close());
  const report = await verifyCycles({
    db: reader.db,
    cycles: h.cycles,
    simUrl: sim.url,
    cases,
    timeoutMs: 60_000,
  });
  reportScenario({
    scenario: 'Postgres connections terminated',
    faults: { pg_terminate_backend: terminated, ...sim.faults() },
    cycles: report.checked,
    duplicates: report.duplicates,
    losses: report.losses,
    seconds: Math.round((Date.now() - started) / 1000),
    notes: [
      `${terminated} connections terminated in ${rounds} rounds; activities failed and retried: ${JSON.stringify(failed)}`,
      ...submitter.errors().map((e) => `submit failed and was sent again: ${e}`),
      ...crashes.map((c) => `worker crashed: ${c}`),
    ],
  });
  expect(rounds).toBeGreaterThan(10);
  expect(dbRetries, 'the storm must hit the recording').toBeGreaterThan(0);
  // A terminated connection must never take the worker down (db/postgres-write-guard.ts).
  expect(crashes).toEqual([]);
  expect(report.problems).toEqual([]);
  expect(report.duplicates).toBe(0);
  expect(report.losses).toBe(0);
  expect(report.checked).toBe(CYCLES);
}, 360_000);
