// First: the API's zod extension must load before any schema it annotates (see the report).
import '@hono/zod-openapi';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { basic, testApp } from '../support/api';
import { cleanupsAfterAll } from '../support/cleanups';
import {
  failedPayment,
  spawnWorker,
  startHarness,
  testConfig,
  type WorkerProcess,
} from '../support/cycle-harness';
import { type SimEndpoint, startFaultSim } from './support/fault-sim';
import { reportScenario } from './support/summary';
import { type CycleCase, expectOutcome, restSubmit, resubmitting, verifyCycles } from './support/verify';

// The production worker (worker/main.ts) is SIGKILLed 20 times, each time at a random point while
// the gateway holds a charge from it that it has recorded but not answered, and each time a new
// worker process takes its place. 40 cycles, submitted through the REST API as the kills go on, run
// through them with gateway timeouts, lost responses and 500s mixed in. Every cycle must end as its
// script says, with one charge per key and every attempt stored once.

const KILLS = 20;
const CYCLES = 40;
const RULES = 5;
const SCRIPTS = [
  'sim.insufficient_funds.approve',
  'sim.insufficient_funds.insufficient_funds.approve',
  'sim.timeout.approve',
  'sim.lost_response',
  'sim.error500.insufficient_funds.approve',
  'sim.do_not_honor.lost_response',
  'sim.insufficient_funds', // attempts exhausted
  'sim.insufficient_funds.lost_card', // hard decline: stopped by rule
  'sim.timeout.insufficient_funds.error500.approve',
  'sim.approve',
];

const between = (min: number, max: number) => min + Math.random() * (max - min);

const cleanups = cleanupsAfterAll();

// Postgres only: the worker runs as a child process (spawnWorker), which cannot share in-process PGlite.
it('loses and duplicates nothing when the worker is SIGKILLed mid-charge 20 times', async () => {
  const started = Date.now();
  const sim = await startFaultSim({ minLatencyMs: 300, maxLatencyMs: 800 });
  cleanups.push(() => sim.close());
  const h = await startHarness({ config: testConfig(RULES), simUrl: sim.url, worker: false });
  cleanups.push(() => h.close());

  interface Live {
    proc: WorkerProcess;
    gateway: SimEndpoint;
  }
  const workers: Live[] = [];
  cleanups.push(() => Promise.all(workers.map((w) => w.proc.kill('SIGKILL'))));
  /** A worker process whose charges go through a gateway endpoint of its own. */
  const startWorker = async (): Promise<Live> => {
    const gateway = await sim.endpoint();
    const proc = await spawnWorker(h, { SIM_URL: gateway.url, GATEWAY_TIMEOUT_MS: '2500' });
    const live = { proc, gateway };
    workers.push(live);
    return live;
  };

  const cases: CycleCase[] = [];
  // Submits go through the REST API and answer once the opening attempt is stored; they run on while
  // workers are killed, and one that fails meanwhile is sent again, as a client would.
  // The API's Temporal calls are watched, so a failed submit can be told by its cause.
  const temporalErrors = new Map<string, number>();
  const watched = {
    ...h.cycles,
    submit: async (p: Parameters<typeof h.cycles.submit>[0]) => {
      try {
        return await h.cycles.submit(p);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        temporalErrors.set(message, (temporalErrors.get(message) ?? 0) + 1);
        throw err;
      }
    },
  };
  const api = await testApp('postgres', { db: h.db, cycles: watched });
  const submitter = resubmitting(restSubmit(api.app, basic()));
  const submits: Promise<unknown>[] = [];
  const submitSome = (n: number) => {
    const batch = Array.from({ length: n }, (_, i) => {
      const payment = failedPayment(SCRIPTS[(cases.length + i) % SCRIPTS.length] as string);
      return { payment, expected: expectOutcome(payment.payment_method_id, RULES) };
    });
    cases.push(...batch);
    submits.push(...batch.map((c) => submitter.submit(c.payment)));
  };

  // Two workers poll; each kill takes the one holding a charge, and a replacement starts at once in
  // the background (a worker takes seconds to start), joining the pool when it polls.
  const pool: Live[] = await Promise.all([startWorker(), startWorker()]);
  const starting: { worker?: Live; done: Promise<Live> }[] = [];
  const replace = () => {
    const entry: { worker?: Live; done: Promise<Live> } = { done: startWorker() };
    entry.done.then(
      (w) => {
        entry.worker = w;
      },
      () => {}, // awaited by joinReady, which fails the test
    );
    starting.push(entry);
  };
  const joinReady = async () => {
    if (pool.length === 0 && starting[0]) await starting[0].done;
    for (const entry of [...starting]) {
      if (!entry.worker) continue;
      pool.push(entry.worker);
      starting.splice(starting.indexOf(entry), 1);
    }
  };

  let kills = 0;
  for (let k = 0; k < KILLS; k++) {
    await joinReady();
    submitSome(CYCLES / KILLS);
    await sleep(between(300, 1500));
    await joinReady();
    // A charge of one of the workers is at the gateway, unanswered: kill it at a random point of it.
    let victim: Live | undefined;
    const until = Date.now() + 60_000;
    while (!victim) {
      const holding = pool.filter((w) => w.gateway.inflight() > 0);
      const pick = holding[Math.floor(Math.random() * holding.length)];
      if (pick) {
        await sleep(between(0, 250));
        if (pick.gateway.inflight() > 0) victim = pick;
      } else {
        if (Date.now() > until) throw new Error(`no charge in flight to kill at kill ${k + 1}`);
        await sleep(10);
        await joinReady();
      }
    }
    await victim.proc.kill('SIGKILL');
    kills++;
    pool.splice(pool.indexOf(victim), 1);
    replace();
  }

  await Promise.all(submits);
  const report = await verifyCycles({
    db: h.db.db,
    cycles: h.cycles,
    simUrl: sim.url,
    cases,
    timeoutMs: 180_000,
  });
  reportScenario({
    scenario: 'worker SIGKILL mid-charge',
    faults: { 'SIGKILL mid-charge': kills, ...sim.faults() },
    notes: [
      ...submitter.errors().map((e) => `submit failed and was sent again: ${e}`),
      ...[...temporalErrors].map(([m, n]) => `the API's Temporal submit failed ${n}x: ${m}`),
    ],
    cycles: report.checked,
    duplicates: report.duplicates,
    losses: report.losses,
    seconds: Math.round((Date.now() - started) / 1000),
  });
  await Promise.all(workers.map((w) => w.proc.kill('SIGTERM')));
  expect(report.problems).toEqual([]);
  expect(report.duplicates).toBe(0);
  expect(report.losses).toBe(0);
  expect(report.checked).toBe(CYCLES);
  expect(kills).toBe(KILLS);
  // While workers die the API may ask the client to come back (503 with Retry-After), never fail (500).
  expect(submitter.errors().filter((e) => /answered 5\d\d/.test(e) && !/answered 503/.test(e))).toEqual([]);
}, 480_000);
