import { asc, eq } from 'drizzle-orm';
import { mapLimit } from '../../../api/map-limit';
import type { CycleClient } from '../../../client/cycles';
import type { Db } from '../../../db/client';
import { attempts, cycles } from '../../../db/schema';
import type { CycleDetails } from '../../../domain/cycle-details';
import type { FinalStatus } from '../../../domain/cycle-status';
import { documentOf, type FailedPayment } from '../../../domain/failed-payment';
import type { ZuoraCycle } from '../../../domain/zuora-view';
import { stateQuery } from '../../../workflows/messages';

// What a cycle must end as, and the check that it did: the workflow's result and `state` query, the
// attempts and cycles tables, and the simulator's ledger must all tell the same story.

/** Decline codes the default mapping calls Hard Decline (the test rules Stop on them). */
const HARD_DECLINES = new Set(['lost_card', 'stolen_card', 'expired_card', 'pickup_card', 'fraudulent']);

export interface Expected {
  status: FinalStatus;
  /** `success` of attempts 1..n; attempt 1 is the failed payment that opened the cycle. */
  successes: boolean[];
}

/**
 * The outcome of a cycle opened by a soft decline whose later charges follow the simulator script of
 * `paymentMethodId`, under rules that retry `rules` times. A timeout or 500 consumes a step of the
 * script and is retried with the same key (same attempt); a lost response is an approved charge.
 */
export function expectOutcome(paymentMethodId: string, rules: number): Expected {
  const successes = [false];
  if (rules < 1) return { status: 'attempts_exhausted', successes };
  const words = paymentMethodId.startsWith('sim.')
    ? (paymentMethodId.slice(4).split('#')[0] ?? '').split('.')
    : ['approve'];
  let step = 0;
  const next = () => words[Math.min(step++, words.length - 1)] ?? 'approve';
  for (let n = 2; n < 100; n++) {
    let word = next();
    while (word === 'timeout' || word === 'error500') {
      if (step > 100) throw new Error(`script ${paymentMethodId} never answers`);
      word = next();
    }
    if (word === 'approve' || word === 'lost_response')
      return { status: 'collected', successes: [...successes, true] };
    successes.push(false);
    if (HARD_DECLINES.has(word)) return { status: 'stopped_by_rule', successes };
    if (n > rules) return { status: 'attempts_exhausted', successes };
  }
  throw new Error(`script ${paymentMethodId} does not end`);
}

export interface CycleCase {
  payment: FailedPayment;
  expected: Expected;
}

export interface LedgerEntry {
  idempotency_key: string;
  payment_method_id: string;
  status: string;
  amount: string;
}

export interface VerifyReport {
  checked: number;
  /** A key charged twice, a second approved charge in a cycle, a second row for an attempt. */
  duplicates: number;
  /** A cycle not in its expected state, an attempt the workflow has and the table lacks (or the other
   * way round), a charge with no recorded attempt, a row that disagrees with the workflow. */
  losses: number;
  problems: string[];
}

export async function allCharges(simUrl: string): Promise<LedgerEntry[]> {
  const res = await fetch(`${simUrl}/charges`);
  if (!res.ok) throw new Error(`GET /charges answered ${res.status}`);
  return (await res.json()) as LedgerEntry[];
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for every cycle to close (up to `timeoutMs` in all), then checks each one against the rest. */
export async function verifyCycles(args: {
  db: Db;
  cycles: CycleClient;
  simUrl: string;
  cases: CycleCase[];
  timeoutMs: number;
}): Promise<VerifyReport> {
  const deadline = Date.now() + args.timeoutMs;
  const problems: string[] = [];
  let duplicates = 0;
  let losses = 0;
  const loss = (msg: string) => {
    losses++;
    problems.push(`LOSS ${msg}`);
  };
  const duplicate = (msg: string) => {
    duplicates++;
    problems.push(`DUPLICATE ${msg}`);
  };

  // Results first: the ledger is read once every cycle has stopped charging.
  const results = await mapLimit(args.cases, 32, async (c) => {
    const handle = args.cycles.handle(documentOf(c.payment));
    try {
      const remaining = Math.max(1000, deadline - Date.now());
      return (await withTimeout(handle.result(), remaining, handle.workflowId)) as CycleDetails;
    } catch (err) {
      loss(`${handle.workflowId} did not finish: ${String(err)}`);
      return null;
    }
  });

  const ledger = await allCharges(args.simUrl);
  const perKey = new Map<string, number>();
  for (const charge of ledger)
    perKey.set(charge.idempotency_key, (perKey.get(charge.idempotency_key) ?? 0) + 1);
  for (const [key, n] of perKey) if (n > 1) duplicate(`key ${key} charged ${n} times`);
  const byMethod = new Map<string, LedgerEntry[]>();
  for (const charge of ledger) {
    const list = byMethod.get(charge.payment_method_id) ?? [];
    list.push(charge);
    byMethod.set(charge.payment_method_id, list);
  }

  await mapLimit(
    args.cases.map((c, i) => ({ c, result: results[i] })),
    16,
    async ({ c, result }) => {
      const doc = documentOf(c.payment);
      const label = `${doc.id} (${c.payment.payment_method_id.split('#')[0]})`;
      if (!result) return;
      if (result.status !== c.expected.status)
        loss(`${label} ended ${result.status}, expected ${c.expected.status}`);
      const cycleId = result.cycle_id;
      if (cycleId === null) return loss(`${label} has no cycle id`);

      let state: ZuoraCycle;
      try {
        state = await withTimeout(args.cycles.handle(doc).query(stateQuery), 30_000, `${label} state query`);
      } catch (err) {
        return loss(`${label}: ${String(err)}`);
      }
      const fromWorkflow = state.attempts.map((a) => ({
        n: a.attempt_number,
        success: a.success,
        cpr: a.cpr_generated,
        payment: a.zuora_payment_id,
      }));
      const rows = await args.db
        .select()
        .from(attempts)
        .where(eq(attempts.cycleId, cycleId))
        .orderBy(asc(attempts.attemptNumber));
      const [cycleRow] = await args.db.select().from(cycles).where(eq(cycles.id, cycleId));

      const expectedFlags = c.expected.successes.join(',');
      if (fromWorkflow.map((a) => a.success).join(',') !== expectedFlags) {
        loss(
          `${label} workflow attempts [${fromWorkflow.map((a) => a.success)}], expected [${expectedFlags}]`,
        );
      }
      fromWorkflow.forEach((a, i) => {
        if (a.n !== i + 1) loss(`${label} workflow attempt ${i + 1} is numbered ${a.n}`);
      });
      const rowNumbers = rows.map((r) => r.attemptNumber);
      if (new Set(rowNumbers).size !== rowNumbers.length)
        duplicate(`${label} rows for attempts [${rowNumbers}]`);
      for (const a of fromWorkflow) {
        const row = rows.find((r) => r.attemptNumber === a.n);
        if (!row) {
          loss(`${label} attempt ${a.n} is in the workflow but not in the attempts table`);
          continue;
        }
        if (row.success !== a.success || row.cprGenerated !== a.cpr || row.paymentId !== a.payment) {
          loss(
            `${label} attempt ${a.n}: row success=${row.success} cpr=${row.cprGenerated} payment=${row.paymentId}, workflow success=${a.success} cpr=${a.cpr} payment=${a.payment}`,
          );
        }
        const key = `cycle-${cycleId}-attempt-${a.n}`;
        if (a.cpr && row.idempotencyKey !== key)
          loss(`${label} attempt ${a.n} stored key ${row.idempotencyKey}, not ${key}`);
      }
      for (const r of rows) {
        if (!fromWorkflow.some((a) => a.n === r.attemptNumber)) {
          duplicate(`${label} row for attempt ${r.attemptNumber} that the workflow does not have`);
        }
      }
      if (!cycleRow) loss(`${label} has no row in cycles`);
      else {
        if (cycleRow.status !== result.status)
          loss(`${label} cycles.status ${cycleRow.status}, workflow ${result.status}`);
        if (cycleRow.endedAt === null) loss(`${label} cycles.ended_at is empty`);
        const collected = result.status === 'collected' ? 100 : 0;
        if (Number(cycleRow.amountCollected) !== collected) {
          loss(`${label} cycles.amount_collected ${cycleRow.amountCollected}, expected ${collected}`);
        }
      }

      // The gateway's side: one charge per attempt of ours, under that attempt's key, nothing else.
      const charges = byMethod.get(c.payment.payment_method_id) ?? [];
      const ours = rows.filter((r) => r.cprGenerated);
      for (const charge of charges) {
        const row = ours.find((r) => r.idempotencyKey === charge.idempotency_key);
        if (!row)
          loss(`${label} charge ${charge.idempotency_key} (${charge.status}) has no recorded attempt`);
        else if ((charge.status === 'approved') !== row.success) {
          loss(
            `${label} charge ${charge.idempotency_key} is ${charge.status}, attempt success=${row.success}`,
          );
        }
      }
      for (const r of ours) {
        if (!charges.some((ch) => ch.idempotency_key === r.idempotencyKey)) {
          loss(`${label} attempt ${r.attemptNumber} (${r.idempotencyKey}) was never charged`);
        }
      }
      const approved = charges.filter((ch) => ch.status === 'approved').length;
      if (approved > 1) duplicate(`${label} collected ${approved} times`);
    },
  );

  return { checked: args.cases.length, duplicates, losses, problems };
}

/**
 * What a careful client does: a submit that failed (Temporal refused it while a worker was down, the
 * API answered an error) is sent again, which is safe (a payment_id is added once). Counts failures by
 * message.
 */
export function resubmitting(submit: (p: FailedPayment) => Promise<unknown>) {
  const failures = new Map<string, number>();
  return {
    refused: () => [...failures.values()].reduce((a, b) => a + b, 0),
    errors: () => [...failures].map(([message, n]) => `${n}x ${message}`),
    async submit(payment: FailedPayment): Promise<void> {
      for (let attempt = 1; ; attempt++) {
        try {
          await submit(payment);
          return;
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          failures.set(message, (failures.get(message) ?? 0) + 1);
          if (attempt >= 30) throw err;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    },
  };
}

/** The REST submit (POST /api/v1/payments/submit_failed_payment); throws on anything but 200. */
export function restSubmit(
  app: { request(path: string, init: RequestInit): Response | Promise<Response> },
  headers: Record<string, string>,
) {
  return async (payment: FailedPayment) => {
    const res = await app.request('/api/v1/payments/submit_failed_payment', {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify(payment),
    });
    if (res.status !== 200) {
      const body = (await res.json().catch(() => ({}))) as { message?: string };
      throw new Error(
        `REST submit answered ${res.status}: ${body.message?.replace(/request id \S+/, 'request id …')}`,
      );
    }
  };
}

/** "Activity failed" log lines of a worker process, by activity type (each was retried). */
export function activityFailures(workerOutput: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of workerOutput.split('\n')) {
    if (!line.includes('"Activity failed"')) continue;
    try {
      const type = (JSON.parse(line) as { activityType?: string }).activityType ?? 'unknown';
      counts[type] = (counts[type] ?? 0) + 1;
    } catch {
      // not a JSON line
    }
  }
  return counts;
}
