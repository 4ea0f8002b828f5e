import { asc, eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { describe, expect, inject, it } from 'vitest';
import { queryRows } from '../../db/rows';
import { attempts, cycles } from '../../db/schema';
import type { CycleDetails } from '../../domain/cycle-details';
import { documentOf } from '../../domain/failed-payment';
import { createSimServer } from '../../sim/server';
import { cleanupsAfterAll } from '../support/cleanups';
import {
  eventually,
  failedPayment,
  type Harness,
  ledger,
  spawnWorker,
  startHarness,
  testConfig,
} from '../support/cycle-harness';

const attemptNumbers = async (h: Harness, cycleId: number) =>
  (
    await h.db.db
      .select({ n: attempts.attemptNumber })
      .from(attempts)
      .where(eq(attempts.cycleId, cycleId))
      .orderBy(asc(attempts.attemptNumber))
  ).map((r) => r.n);

// Postgres only: the worker runs as a child process (spawnWorker), which cannot share in-process PGlite.
describe('no double charge and nothing lost, whatever fails', () => {
  const cleanups = cleanupsAfterAll();

  it('survives the worker being SIGKILLed in the middle of a slow charge', async () => {
    const sim = createSimServer({ latencyMs: 3000 });
    const { url: simUrl } = await sim.listen(0);
    cleanups.push(() => sim.close());
    const h = await startHarness({ config: testConfig(3), simUrl, worker: false });
    cleanups.push(() => h.close());

    let worker = await spawnWorker(h, { GATEWAY_TIMEOUT_MS: '10000' });
    cleanups.push(() => worker.kill('SIGKILL'));
    const payment = failedPayment('sim.insufficient_funds.approve');
    const { cycle_id } = await h.cycles.submit(payment);
    // The charge for attempt 2 is recorded by the gateway the moment it arrives; its answer takes 3 s.
    await eventually(async () => (await ledger(simUrl, payment.payment_method_id)).length === 1, 30_000);
    await worker.kill('SIGKILL');

    worker = await spawnWorker(h, { GATEWAY_TIMEOUT_MS: '10000' });
    const final = (await h.cycles.handle(documentOf(payment)).result()) as CycleDetails;
    expect(final.status).toBe('collected');
    const charges = await ledger(simUrl, payment.payment_method_id);
    expect(charges.map((c) => c.idempotency_key).sort()).toEqual([
      `cycle-${cycle_id}-attempt-2`,
      `cycle-${cycle_id}-attempt-3`,
    ]);
    expect(await attemptNumbers(h, cycle_id)).toEqual([1, 2, 3]);
    await worker.kill('SIGTERM');
  }, 120_000);

  it('reuses the same key after a gateway timeout, a lost response and a 500', async () => {
    const h = await startHarness({ config: testConfig(3), gatewayTimeoutMs: 1000 });
    cleanups.push(() => h.close());
    for (const script of ['sim.timeout.approve', 'sim.lost_response', 'sim.error500.approve']) {
      const payment = failedPayment(script);
      const { cycle_id } = await h.cycles.submit(payment);
      const final = (await h.cycles.handle(documentOf(payment)).result()) as CycleDetails;
      expect(final.status, script).toBe('collected');
      const charges = await ledger(h.simUrl, payment.payment_method_id);
      expect(
        charges.map((c) => c.idempotency_key),
        script,
      ).toEqual([`cycle-${cycle_id}-attempt-2`]);
      expect(await attemptNumbers(h, cycle_id), script).toEqual([1, 2]);
    }
  }, 90_000);

  it('records every row exactly once while Postgres connections are being terminated', async () => {
    // The worker runs as its own process, as in production, so a driver fault is contained the same way.
    const h = await startHarness({ config: testConfig(3), worker: false });
    cleanups.push(() => h.close());
    const worker = await spawnWorker(h);
    cleanups.push(() => worker.kill('SIGKILL'));
    const dbName = new URL(h.db.url as string).pathname.slice(1);
    const admin = postgres(inject('postgresAdminUrl'), { max: 1, onnotice: () => {} });
    cleanups.push(() => admin.end());

    let killed = 0;
    let stop = false;
    const stopAt = Date.now() + 6000;
    const killer = (async () => {
      while (!stop && Date.now() < stopAt) {
        const rows =
          await admin`select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity
          where datname = ${dbName} and pid <> pg_backend_pid()) t`;
        killed += (rows[0] as { n: number } | undefined)?.n ?? 0;
        await new Promise((r) => setTimeout(r, 400));
      }
    })();

    const payments = Array.from({ length: 6 }, () =>
      failedPayment('sim.insufficient_funds.insufficient_funds.approve'),
    );
    const submitted = await Promise.all(payments.map((p) => h.cycles.submit(p)));
    const finals = await Promise.all(
      payments.map((p) => h.cycles.handle(documentOf(p)).result() as Promise<CycleDetails>),
    );
    stop = true;
    await killer;

    expect(killed).toBeGreaterThan(0);
    expect(worker.child.exitCode).toBeNull();
    expect(finals.map((f) => f.status)).toEqual(payments.map(() => 'collected'));
    for (const s of submitted) expect(await attemptNumbers(h, s.cycle_id)).toEqual([1, 2, 3, 4]);
    const dupes = await queryRows<{ n: number }>(
      h.db.db,
      sql`select count(*)::int as n from (select cycle_id, seq from cycle_events group by 1, 2 having count(*) > 1) d`,
    );
    expect(dupes[0]?.n).toBe(0);
    const stored = await h.db.db.select({ status: cycles.status }).from(cycles);
    expect(stored.map((c) => c.status)).toEqual(payments.map(() => 'collected'));
  }, 180_000);
});
