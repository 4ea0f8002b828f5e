// The same retry cycles on pg-boss, what a Node team would otherwise build: one job per attempt,
// scheduled with `startAfter`, in the same Postgres (schemas `pgboss` and `peer`), charging the same
// simulator through the same adapter with the same idempotency keys (`cycle-<id>-attempt-<n>`), the
// same pure policy deciding after each failure, and each attempt recorded with the next job enqueued
// in the same transaction (so a crash can neither lose the next attempt nor record one twice).
//
// Run by bench/engine.ts as a child process:
//   DATABASE_URL=… SIM_URL=… PEER_N=2000 node --import tsx bench/peers/pgboss-cycles.ts
// It submits PEER_N cycles (PEER_CONCURRENCY at once, in-process: no HTTP API in front), works them
// with PEER_WORKERS pg-boss workers (batch PEER_BATCH, polling every 0.5 s, pg-boss's minimum), waits
// until every cycle has ended, and prints `RESULT {json}`.
import PgBoss from 'pg-boss';
import postgres from 'postgres';
import { createSimAdapter } from '../../activities/gateway/sim-adapter';
import { chooseGroup, decide } from '../../policy';
import { benchConfig } from '../lib/config';

const env = (name: string, fallback?: string): string => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`${name} is required`);
  return v;
};
const DATABASE_URL = env('DATABASE_URL');
const SIM_URL = env('SIM_URL');
const N = Number(env('PEER_N', '2000'));
const CONCURRENCY = Number(env('PEER_CONCURRENCY', '50'));
const WORKERS = Number(env('PEER_WORKERS', '4'));
const BATCH = Number(env('PEER_BATCH', '25'));
const TIMEOUT_MS = Number(env('PEER_TIMEOUT_S', '300')) * 1000;
const TAG = env('PEER_TAG', 'peer');
const QUEUE = 'cpr-attempt';

const config = benchConfig('PT1S');
const group = chooseGroup(config, undefined);
const gateway = createSimAdapter({ baseUrl: SIM_URL, timeoutMs: 10_000 });
const sql = postgres(DATABASE_URL, { max: 10, onnotice: () => {} });
const boss = new PgBoss({ connectionString: DATABASE_URL, schema: 'pgboss', max: 10 });
const say = (line: string) => process.stdout.write(`${line}\n`);

type Tx = postgres.TransactionSql;

/**
 * sql.begin, again when postgres.js 3.4.9 refuses the BEGIN itself with UNSAFE_TRANSACTION (seen
 * under this load, rarely): the callback has not run, so nothing was written and trying again is safe.
 */
async function transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await sql.begin(fn)) as T;
    } catch (err) {
      if ((err as { code?: string }).code !== 'UNSAFE_TRANSACTION' || attempt >= 5) throw err;
      unsafeBegins++;
    }
  }
}
let unsafeBegins = 0;
/** pg-boss's `db` option: its SQL runs in our transaction. */
const inTx = (tx: Tx): PgBoss.Db => ({
  executeSql: async (text, values) => ({
    rows: await tx.unsafe(
      text,
      values.map((v) => v ?? null),
    ),
  }),
});

interface AttemptJob {
  cycle_id: number;
  n: number;
}

/** Decides after a failure; records the attempt, the cycle and (on Retry) the next job, atomically. */
async function recordFailure(
  tx: Tx,
  c: { id: number; started_at: Date },
  n: number,
  at: Date,
  code: string,
  key: string | null,
) {
  const d = decide(config, {
    group_id: group.id,
    attempt_number: n,
    gateway_id: 'sim',
    code,
    failed_at: at.toISOString(),
    cycle_started_at: c.started_at.toISOString(),
  });
  const next = d.action === 'Retry' ? new Date(d.next_attempt) : null;
  await tx`insert into peer.attempts (cycle_id, attempt_number, time_of_execution, retry_next_at, success,
      gateway_code, idempotency_key)
    values (${c.id}, ${n}, ${at}, ${next}, false, ${code}, ${key}) on conflict do nothing`;
  await tx`update peer.cycles set status = ${next ? 'in_retry' : 'stopped'}, next_attempt_at = ${next},
      ended_at = ${next ? null : at} where id = ${c.id}`;
  if (next) {
    const job: AttemptJob = { cycle_id: c.id, n: n + 1 };
    await boss.send(QUEUE, job, { startAfter: next, db: inTx(tx) });
  }
}

async function submit(i: number) {
  const at = new Date();
  await transaction(async (tx) => {
    const [c] = await tx<{ id: number; started_at: Date }[]>`
      insert into peer.cycles (document_id, account_id, payment_method_id, amount, currency, status, started_at)
      values (${`INV-${TAG}-${i}`}, ${`A-${TAG}-${i}`}, ${`sim.insufficient_funds.approve#${TAG}-${i}`},
        '100.00', 'USD', 'in_retry', ${at})
      returning id::int as id, started_at`;
    if (!c) throw new Error('no cycle row');
    await recordFailure(tx, c, 1, at, 'insufficient_funds', null);
  });
}

async function attempt(job: AttemptJob) {
  const [c] = await sql<
    { id: number; status: string; payment_method_id: string; amount: string; started_at: Date }[]
  >`select id::int as id, status, payment_method_id, amount::text as amount, started_at
    from peer.cycles where id = ${job.cycle_id}`;
  if (c?.status !== 'in_retry') return;
  const [done] =
    await sql`select 1 from peer.attempts where cycle_id = ${c.id} and attempt_number = ${job.n}`;
  if (done) return; // a redelivered job whose attempt is already recorded
  const key = `cycle-${c.id}-attempt-${job.n}`;
  const result = await gateway.charge({
    gateway_id: 'sim',
    payment_method_id: c.payment_method_id,
    amount: c.amount,
    currency: 'USD',
    idempotency_key: key,
    metadata: { cycle_id: String(c.id), attempt: String(job.n) },
  });
  const at = new Date();
  await transaction(async (tx) => {
    if (result.status === 'approved') {
      await tx`insert into peer.attempts (cycle_id, attempt_number, time_of_execution, success, gateway_code,
          idempotency_key)
        values (${c.id}, ${job.n}, ${at}, true, ${result.code}, ${key}) on conflict do nothing`;
      await tx`update peer.cycles set status = 'collected', ended_at = ${at}, next_attempt_at = null
        where id = ${c.id}`;
    } else {
      await recordFailure(tx, c, job.n, at, result.code, key);
    }
  });
}

async function main() {
  await sql.unsafe(`
    create schema if not exists peer;
    create table if not exists peer.cycles (
      id bigserial primary key, document_id text not null unique, account_id text not null,
      payment_method_id text not null, amount numeric(19,4) not null, currency text not null,
      status text not null, started_at timestamptz not null, ended_at timestamptz, next_attempt_at timestamptz);
    create table if not exists peer.attempts (
      cycle_id bigint not null references peer.cycles(id), attempt_number int not null,
      time_of_execution timestamptz not null, retry_next_at timestamptz, success boolean not null,
      gateway_code text not null, idempotency_key text unique, primary key (cycle_id, attempt_number));`);
  boss.on('error', (err) => process.stderr.write(`pg-boss: ${err.message}\n`));
  await boss.start();
  await boss.createQueue(QUEUE, { name: QUEUE, retryLimit: 20, retryDelay: 1 });
  for (let w = 0; w < WORKERS; w++) {
    await boss.work<AttemptJob>(QUEUE, { batchSize: BATCH, pollingIntervalSeconds: 0.5 }, async (jobs) => {
      await Promise.all(jobs.map((j) => attempt(j.data)));
    });
  }
  say(`peer ready: ${WORKERS} pg-boss workers × batch ${BATCH}, polling 0.5 s`);

  const t0 = Date.now();
  let next = 0;
  let submitted = 0;
  const lane = async () => {
    while (next < N) {
      await submit(next++);
      submitted++;
    }
  };
  const progress = setInterval(async () => {
    const [row] = await sql<{ a: number; c: number }[]>`
      select (select count(*)::int from peer.attempts where attempt_number > 1) as a,
             (select count(*)::int from peer.cycles where status <> 'in_retry') as c`;
    say(`peer: submitted ${submitted}/${N}, attempts ${row?.a ?? 0}/${2 * N}, ended ${row?.c ?? 0}/${N}`);
  }, 2000);
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, N) }, lane));
  const submitMs = Date.now() - t0;
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const [row] = await sql<
      { open: number }[]
    >`select count(*)::int as open from peer.cycles where status = 'in_retry'`;
    if ((row?.open ?? 1) === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  clearInterval(progress);
  if (unsafeBegins > 0)
    say(`peer: postgres.js refused ${unsafeBegins} BEGINs (UNSAFE_TRANSACTION); each was retried`);

  const [stats] = await sql<
    { attempts: number; first: number; last: number; collected: number; cycles: number }[]
  >`select count(*)::int as attempts,
      extract(epoch from min(time_of_execution)) * 1000 as first,
      extract(epoch from max(time_of_execution)) * 1000 as last,
      (select count(*)::int from peer.cycles where status = 'collected') as collected,
      (select count(*)::int from peer.cycles) as cycles
    from peer.attempts where attempt_number > 1`;
  const lateness = await sql<{ ms: number }[]>`
    select extract(epoch from (a.time_of_execution - p.retry_next_at)) * 1000 as ms
    from peer.attempts a join peer.attempts p on p.cycle_id = a.cycle_id and p.attempt_number = a.attempt_number - 1
    where a.attempt_number > 1 order by 1`;
  const result = {
    cycles: stats?.cycles ?? 0,
    collected: stats?.collected ?? 0,
    submit_ms: submitMs,
    attempts: stats?.attempts ?? 0,
    first_attempt: Number(stats?.first ?? 0),
    last_attempt: Number(stats?.last ?? 0),
    lateness_ms: lateness.map((r) => Number(r.ms)),
  };
  say(`RESULT ${JSON.stringify(result)}`);
  // The parent reads this process's and Postgres's CPU time on RESULT: stay up (connections open) a moment.
  await new Promise((r) => setTimeout(r, 1500));
}

let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  await boss.stop({ graceful: false, wait: true, timeout: 5000 }).catch(() => {});
  await sql.end({ timeout: 5 }).catch(() => {});
  process.exit(code);
};
process.on('SIGINT', () => void stop(130));
process.on('SIGTERM', () => void stop(143));
main().then(
  () => stop(0),
  (err: unknown) => {
    process.stderr.write(`peer failed: ${err instanceof Error ? (err.stack ?? err.message) : err}\n`);
    void stop(1);
  },
);
