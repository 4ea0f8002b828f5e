// First: the API's zod extension must load before any schema it annotates (see the report).
import '@hono/zod-openapi';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { mapLimit } from '../../api/map-limit';
import { createCycleClient } from '../../client/cycles';
import type { FailedPayment } from '../../domain/failed-payment';
import type { RetryConfig } from '../../policy';
import { connectClient } from '../../temporal/connection';
import { type DevServer, freePort, startDevServer } from '../../temporal/dev-server';
import { resolveTemporal } from '../../temporal/resolve-binary';
import { basic, testApp } from '../support/api';
import { cleanupsAfterAll } from '../support/cleanups';
import { failedPayment, spawnWorker, startHarness, testConfig } from '../support/cycle-harness';
import { startFaultSim } from './support/fault-sim';
import { reportScenario } from './support/summary';
import { type CycleCase, type Expected, expectOutcome, verifyCycles } from './support/verify';

// 200 cycles sleep on their timers while the Temporal server (its own dev server here, on a SQLite
// file) is stopped and started again on the same port and file. Afterwards every cycle must still be
// there, waiting for attempt 2: 160 are pulled forward or removed through the REST API, 40 wake on a
// 40-second timer set before the restart. Each must end as expected, with one charge per key.

const SLEEPING = 160;
const ON_TIMER = 40;
const RULES = 3;
type Plan = 'execute' | 'remove' | 'timer';
const SCRIPTS = [
  'sim.approve',
  'sim.lost_response',
  'sim.timeout.approve',
  'sim.error500.approve',
  'sim.lost_card',
];

/** The test rules plus a group that retries after 40 s. */
function restartConfig(): RetryConfig {
  const base = testConfig(RULES);
  const forty = {
    id: 4,
    name: 'Forty seconds',
    active: true,
    priority: 3,
    filters: [{ field: 'segment', operator: 'eq', value: 'forty-seconds' }],
    attempts: Array.from({ length: RULES }, () => ({
      '*': { action: 'Retry', criteria: 'incremental_time', interval: 'PT40S' },
      'Hard Decline': { action: 'Stop' },
    })),
  };
  return { ...base, customer_groups: [forty, ...base.customer_groups] } as RetryConfig;
}

const cleanups = cleanupsAfterAll();

// Postgres only: the worker runs as a child process (spawnWorker), which cannot share in-process PGlite.
it('keeps 200 sleeping cycles through a restart of the Temporal server', async () => {
  const started = Date.now();
  const source = resolveTemporal({ cli: process.env.TEMPORAL_CLI });
  if (source.kind !== 'binary') throw new Error('unreachable');
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'cpr-restart-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const serverOptions = {
    binary: source.path,
    port: await freePort(),
    dbFile: join(dir, 'temporal.sqlite'),
    startTimeoutMs: 90_000,
  };
  let server: DevServer = await startDevServer(serverOptions);
  cleanups.push(() => server.stop());

  const sim = await startFaultSim({ minLatencyMs: 50, maxLatencyMs: 300 });
  cleanups.push(() => sim.close());
  const h = await startHarness({ config: restartConfig(), simUrl: sim.url, worker: false });
  cleanups.push(() => h.close());
  const client = await connectClient({ address: server.address, namespace: 'default' });
  cleanups.push(() => client.connection.close());
  const cycles = createCycleClient({ client, taskQueue: h.taskQueue });
  const worker = await spawnWorker(h, { TEMPORAL_ADDRESS: server.address, GATEWAY_TIMEOUT_MS: '2000' });
  cleanups.push(() => worker.kill('SIGKILL'));
  const api = await testApp('postgres', { db: h.db, cycles });

  const cases: (CycleCase & { plan: Plan })[] = [];
  for (let i = 0; i < SLEEPING + ON_TIMER; i++) {
    const plan: Plan = i >= SLEEPING ? 'timer' : i % 8 === 7 ? 'remove' : 'execute';
    const script = SCRIPTS[i % SCRIPTS.length] as string;
    const payment: FailedPayment = failedPayment(script, {
      account: { segment: plan === 'timer' ? 'forty-seconds' : 'slow' },
    });
    const expected: Expected =
      plan === 'remove'
        ? { status: 'removed', successes: [false] }
        : expectOutcome(payment.payment_method_id, RULES);
    cases.push({ payment, expected, plan });
  }
  await mapLimit(cases, 16, (c) => cycles.submit(c.payment));

  // The restart: the same port, the same SQLite file.
  const stoppedAt = Date.now();
  await server.stop();
  server = await startDevServer(serverOptions);
  const downtimeMs = Date.now() - stoppedAt;

  // Every cycle is still there, asleep before attempt 2 (the worker reconnected to answer the query).
  let asleep = 0;
  await mapLimit(cases, 16, async (c) => {
    const doc = { type: 'invoice' as const, id: c.payment.invoice_id as string };
    const state = await cycles.state(doc);
    if (state?.status === 'Cycle Incomplete' && state.current_attempt_number === 1) asleep++;
  });
  expect(asleep).toBe(cases.length);

  let signalled = 0;
  await mapLimit(
    cases.filter((c) => c.plan !== 'timer'),
    8,
    async (c) => {
      const action = c.plan === 'remove' ? 'remove_invoice_from_retry_cycle' : 'execute_invoice_payment';
      const res = await api.app.request(`/api/v1/payments/${action}/${c.payment.invoice_id}`, {
        method: 'PUT',
        headers: basic(),
      });
      const body = (await res.json()) as { success: boolean; message: string };
      if (res.status === 200 && body.success) signalled++;
      else throw new Error(`${action} answered ${res.status} ${JSON.stringify(body)}`);
    },
  );

  const report = await verifyCycles({ db: h.db.db, cycles, simUrl: sim.url, cases, timeoutMs: 120_000 });
  reportScenario({
    scenario: 'Temporal server restart',
    faults: { 'server restart': 1, ...sim.faults() },
    cycles: report.checked,
    duplicates: report.duplicates,
    losses: report.losses,
    seconds: Math.round((Date.now() - started) / 1000),
    notes: [
      `server down ${downtimeMs} ms; ${asleep} cycles asleep after the restart; ${signalled} pulled forward or removed via the API, ${ON_TIMER} woke on their own timer`,
    ],
  });
  expect(worker.child.exitCode, worker.output().slice(-2000)).toBeNull();
  expect(report.problems).toEqual([]);
  expect(report.duplicates).toBe(0);
  expect(report.losses).toBe(0);
  expect(report.checked).toBe(SLEEPING + ON_TIMER);
}, 480_000);
