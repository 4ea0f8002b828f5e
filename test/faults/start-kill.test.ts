import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, inject, it } from 'vitest';
import type { FailedPayment } from '../../domain/failed-payment';
import type { ZuoraCycle } from '../../domain/zuora-view';
import { cleanupsAfterAll } from '../support/cleanups';
import { failedPayment } from '../support/cycle-harness';
import { npmStartEnv } from '../support/npm-start';
import { testConfig } from '../support/test-config';
import { commandOf, groupMembers, type StartedSystem, spawnStart } from './support/npm-start';
import { reportScenario } from './support/summary';
import { type Expected, expectOutcome } from './support/verify';

// The embedded default as a user runs it: the whole `npm start` process group (node with the worker
// and the API, the dev Temporal server, the simulated gateway) is SIGKILLed twice, each time while the
// simulator holds a charge it has recorded but not yet answered, and started again on the same DATA_DIR
// and ports. Everything is seen through the outside only: the REST API and the simulator's GET /charges.
// After the kills every cycle must end as its script says, every attempt stored once (numbers 1..n),
// no idempotency key charged twice, no document collected twice, and each charge that was in flight at
// a kill found by its retry (same key) instead of made again: the simulator's ledger survives restarts.

const KILLS = 2;
const RULES = 3;
/** Every charge is held this long before its answer, so a kill right after it is recorded is mid-charge. */
const LATENCY_MS = 4000;
const SCRIPTS = [
  'sim.insufficient_funds.approve',
  'sim.insufficient_funds.insufficient_funds.approve',
  'sim.lost_response',
  'sim.error500.insufficient_funds.approve',
  'sim.insufficient_funds', // attempts exhausted
  'sim.insufficient_funds.lost_card', // hard decline: stopped by rule
];

interface Charge {
  idempotency_key: string;
  payment_method_id: string;
  status: 'approved' | 'declined';
  gateway_payment_id: string;
}

/** Polls `fn` until it returns a value; `gone` names a reason to give up at once (e.g. the process died). */
async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs: number,
  gone?: () => string | undefined,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const reason = gone?.();
    if (reason) throw new Error(`gave up waiting for ${what}: ${reason}`);
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    await sleep(100);
  }
}

const cleanups = cleanupsAfterAll();

it('resumes every cycle and charges nothing twice when npm start is SIGKILLed mid-charge', {
  timeout: 900_000,
}, async () => {
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'cpr-start-kill-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const {
    env,
    ports: { port, simPort },
  } = await npmStartEnv(dataDir, {
    SIM_LATENCY_MS: String(LATENCY_MS),
    // The bundle the global setup built: each start would otherwise spend seconds in webpack.
    WORKFLOW_BUNDLE: inject('workflowBundlePath'),
  });
  const api = `http://127.0.0.1:${port}`;
  const simUrl = `http://127.0.0.1:${simPort}`;

  let system: StartedSystem | undefined;
  const systems: StartedSystem[] = [];
  // Whatever happens, no process of any start outlives the test.
  cleanups.push(async () => Promise.all(systems.map((s) => s.killGroup())));
  let auth = '';
  const start = async () => {
    const current = spawnStart(env);
    system = current;
    systems.push(current);
    await until(
      'npm start to be ready',
      async () => ((await fetch(`${api}/readyz`)).status === 200 ? true : undefined),
      180_000,
      () => (current.child.exitCode === null ? undefined : `npm start exited: ${current.output()}`),
    );
    const creds = JSON.parse(readFileSync(join(dataDir, 'dev-credentials.json'), 'utf8')) as {
      email: string;
      token: string;
    };
    auth = `Basic ${Buffer.from(`${creds.email}:${creds.token}`).toString('base64')}`;
  };
  const rest = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { Authorization: auth, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as unknown;
    if (res.status !== 200)
      throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
    return json;
  };
  const charges = async () => {
    const res = await fetch(`${simUrl}/charges`);
    if (!res.ok) throw new Error(`GET /charges answered ${res.status}`);
    return (await res.json()) as Charge[];
  };
  const history = async (invoiceId: string) =>
    ((await rest('GET', `/api/v1/payments/invoice_cycle_history/${invoiceId}`)) as { cycles: ZuoraCycle[] })
      .cycles;

  await start();
  await rest('PUT', '/api/v1/config', testConfig(RULES));
  const cases: { payment: FailedPayment; invoiceId: string; expected: Expected }[] = SCRIPTS.map((script) => {
    const payment = failedPayment(script);
    const invoiceId = payment.invoice_id ?? '';
    return { payment, invoiceId, expected: expectOutcome(payment.payment_method_id, RULES) };
  });
  for (const c of cases) await rest('POST', '/api/v1/payments/submit_failed_payment', c.payment);

  // Kill while a charge is at the gateway: a key the simulator has just recorded is answered only
  // LATENCY_MS later, so the worker cannot have its result yet. Kill k waits for a charge of attempt
  // k + 1 or later, never seen before: by the second kill some scripts are past their first step, so a
  // simulator that forgot its counters (or the keys) would answer the retried charge differently.
  const seen = new Set<string>();
  const inFlightAtKill: Charge[] = [];
  const attemptOf = (key: string) => Number(/-attempt-(\d+)$/.exec(key)?.[1] ?? 0);
  for (let kill = 1; kill <= KILLS; kill++) {
    const fresh = await until(
      `a charge of attempt ${kill + 1} or later to reach the simulator before kill ${kill}`,
      async () => {
        const found = (await charges()).filter((ch) => !seen.has(ch.idempotency_key));
        return found.some((ch) => attemptOf(ch.idempotency_key) > kill) ? found : undefined;
      },
      180_000,
    );
    await (system as StartedSystem).killGroup();
    for (const ch of fresh) {
      seen.add(ch.idempotency_key);
      inFlightAtKill.push(ch);
    }
    await start();
  }

  // Every cycle resumes and ends.
  const finals = await until(
    'every cycle to end',
    async () => {
      const all = await Promise.all(cases.map((c) => history(c.invoiceId)));
      return all.every((h) => h.length === 1 && h[0]?.status === 'Cycle Complete') ? all : undefined;
    },
    300_000,
  );
  const ledger = await charges();

  // Nothing charged twice: one charge per key, at most one approved charge per document.
  const perKey = new Map<string, number>();
  for (const ch of ledger) perKey.set(ch.idempotency_key, (perKey.get(ch.idempotency_key) ?? 0) + 1);
  expect([...perKey].filter(([, n]) => n > 1)).toEqual([]);
  // The charges that were in flight at a kill are in the ledger as they were made (same gateway
  // payment id): their retries after the restart found them instead of charging again.
  const byKey = new Map(ledger.map((ch) => [ch.idempotency_key, ch]));
  expect(
    inFlightAtKill.filter(
      (ch) => byKey.get(ch.idempotency_key)?.gateway_payment_id !== ch.gateway_payment_id,
    ),
  ).toEqual([]);

  cases.forEach((c, i) => {
    const cycles = finals[i] as ZuoraCycle[];
    const [cycle] = cycles;
    const label = `${c.invoiceId} (${c.payment.payment_method_id.split('#')[0]})`;
    expect(cycles, label).toHaveLength(1);
    if (!cycle) return;
    // Ends as its script says, every attempt stored once: numbers 1..n, no gap, no duplicate.
    expect(
      cycle.attempts.map((a) => a.attempt_number),
      label,
    ).toEqual(c.expected.successes.map((_, n) => n + 1));
    expect(
      cycle.attempts.map((a) => a.success),
      label,
    ).toEqual(c.expected.successes);
    // The gateway's side: exactly one charge per attempt of ours, with the attempt's result.
    const ours = cycle.attempts.filter((a) => a.cpr_generated);
    const mine = ledger.filter((ch) => ch.payment_method_id === c.payment.payment_method_id);
    expect(mine.map((ch) => [ch.gateway_payment_id, ch.status]).sort(), label).toEqual(
      ours.map((a) => [a.zuora_payment_id, a.success ? 'approved' : 'declined']).sort(),
    );
    expect(mine.filter((ch) => ch.status === 'approved').length, label).toBeLessThanOrEqual(1);
  });

  // Stop the last start the way a user does; nothing of the group may be left.
  const last = system as StartedSystem;
  const exited = new Promise<number | null>((r) => last.child.once('exit', (code) => r(code)));
  process.kill(last.pgid, 'SIGINT');
  expect(await exited).toBe(0);
  await until(
    'the group to be gone',
    async () => (groupMembers(last.pgid).length === 0 ? true : undefined),
    15_000,
  );

  reportScenario({
    scenario: 'npm start SIGKILLed mid-charge',
    faults: { 'process group SIGKILL': KILLS },
    cycles: cases.length,
    duplicates: [...perKey.values()].filter((n) => n > 1).length,
    losses: 0,
    seconds: Math.round((Date.now() - started) / 1000),
    notes: [`charges in flight at the kills: ${inFlightAtKill.map((ch) => ch.idempotency_key).join(', ')}`],
  });
});

it('leaves no process behind when only its node process is SIGKILLed (OOM killer, kill -9 <pid>)', {
  timeout: 300_000,
}, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cpr-start-orphans-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const {
    env,
    ports: { port },
  } = await npmStartEnv(dataDir, { WORKFLOW_BUNDLE: inject('workflowBundlePath') });
  const system = spawnStart(env);
  cleanups.push(async () => system.killGroup());
  await until(
    'npm start to be ready',
    async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined),
    180_000,
    () => (system.child.exitCode === null ? undefined : `npm start exited: ${system.output()}`),
  );
  const children = groupMembers(system.pgid).filter((pid) => pid !== system.pgid);
  const names = children.map(commandOf);
  expect(names.some((c) => c.includes('temporal') && c.includes('start-dev'))).toBe(true);
  expect(names.some((c) => c.includes('sim/main.ts'))).toBe(true);

  process.kill(system.pgid, 'SIGKILL');
  // The dev server gets SIGTERM from the kernel (parent-death signal), the simulator sees its IPC
  // channel close; both stop on their own, which frees their ports for the next start.
  const left = await until(
    'the children of the killed node process to stop',
    async () => (groupMembers(system.pgid).length === 0 ? [] : undefined),
    30_000,
  ).catch(() => groupMembers(system.pgid).map((pid) => `${pid} ${commandOf(pid)}`));
  expect(left).toEqual([]);
});
