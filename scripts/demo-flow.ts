// What `npm run demo` does, as a function of the API it talks to (scripts/demo.ts wires it to a
// running `npm start`; test/api/demo.test.ts to a harness): add the "Demo (short waits)" customer group
// once, submit failed payments for one demo account, and report what the cycles collect.
import { createJsonCaller, type JsonCallerOptions } from '../client/json-call';
import { createOperatorClient } from '../client/operator';
import { createRestClient } from '../client/rest';
import { fromUnits, toUnits } from '../domain/money/decimal';
import type { RetryConfig } from '../policy';

export const DEMO_GROUP_NAME = 'Demo (short waits)';
/** The account attribute the demo group filters on; only the demo's payments carry it. */
export const DEMO_FIELD = 'demo';
/** Seconds between the demo group's attempts. */
export const DEMO_WAIT = 'PT5S';
/**
 * The demo group's own processor interval: exact times, so its retries come seconds apart whatever
 * settings.processor_interval says (PT1H shipped), while every other group keeps the settings'.
 */
export const DEMO_PROCESSOR_INTERVAL = 'PT0S';

const retry = { action: 'Retry', criteria: 'incremental_time', interval: DEMO_WAIT } as const;

/**
 * The configuration with the demo group first (priority above every other group), or null when it is
 * there already. Other accounts never carry `account.demo`, so they are treated as before. A demo
 * group added before groups had their own processor_interval gets DEMO_PROCESSOR_INTERVAL (else its
 * retries would wait for the settings' processor runs); one that sets any interval is left alone.
 */
export function withDemoGroup(config: RetryConfig): RetryConfig | null {
  const existing = config.customer_groups.find((g) => g.name === DEMO_GROUP_NAME);
  if (existing) {
    if (existing.processor_interval !== undefined) return null;
    return {
      ...config,
      customer_groups: config.customer_groups.map((g) =>
        g === existing ? { ...g, processor_interval: DEMO_PROCESSOR_INTERVAL } : g,
      ),
    };
  }
  const priorities = config.customer_groups.flatMap((g) => (g.priority === undefined ? [] : [g.priority]));
  return {
    ...config,
    customer_groups: [
      {
        id: Math.max(0, ...config.customer_groups.map((g) => g.id)) + 1,
        name: DEMO_GROUP_NAME,
        description: 'Added by npm run demo: retries seconds apart for accounts with account.demo = true',
        active: true,
        priority: Math.min(1, ...priorities) - 1,
        filters: [{ field: DEMO_FIELD, operator: 'eq', value: true }],
        attempts: Array.from({ length: 4 }, () => ({
          '*': retry,
          'Hard Decline': { action: 'Stop' as const },
        })),
        processor_interval: DEMO_PROCESSOR_INTERVAL,
      },
      ...config.customer_groups,
    ],
  };
}

export interface DemoOptions {
  api: JsonCallerOptions;
  /** How long to wait for collections (default 90 s) and how often to look (default 5 s). */
  waitMs?: number;
  pollMs?: number;
  /** Suffix of the demo's ids (default: the time, base 36). */
  run?: string;
  log?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

export interface DemoSummary {
  accountId: string;
  submitted: number;
  collected: number;
  /** amount_collected of the demo account's successful attempts, per currency. */
  recovered: Record<string, string>;
  groupAdded: boolean;
}

const scripts: [string, string, string][] = [
  ['sim.insufficient_funds.approve', 'insufficient_funds', 'collected on attempt 3'],
  ['sim.do_not_honor.insufficient_funds.approve', 'do_not_honor', 'collected on attempt 4'],
  ['sim.insufficient_funds', 'insufficient_funds', 'keeps failing until the rules stop'],
  ['sim.approve', 'lost_card', 'hard decline: stops at once'],
  ['sim.timeout.approve', 'processing_error', 'a gateway timeout, retried with the same key'],
];

export async function runDemo(opts: DemoOptions): Promise<DemoSummary> {
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const rest = createRestClient(opts.api);
  const operator = createOperatorClient(opts.api);
  const get = createJsonCaller(opts.api);

  const current = await operator.currentConfig<RetryConfig>();
  const existed = current.config.customer_groups.some((g) => g.name === DEMO_GROUP_NAME);
  const next = withDemoGroup(current.config);
  if (next) {
    // If-Match: an edit made meanwhile is not overwritten (412 instead).
    await operator.putConfig(next, current.version);
    log(
      existed
        ? `set processor_interval ${DEMO_PROCESSOR_INTERVAL} on the customer group "${DEMO_GROUP_NAME}"`
        : `added the customer group "${DEMO_GROUP_NAME}" (waits ${DEMO_WAIT}, processor_interval ${DEMO_PROCESSOR_INTERVAL}) to the configuration`,
    );
  } else log(`the customer group "${DEMO_GROUP_NAME}" is already configured`);

  const run = opts.run ?? Date.now().toString(36);
  const accountId = `A-DEMO-${run}`;
  for (const [i, [method, code, story]] of scripts.entries()) {
    const invoice = `DEMO-${run}-${i + 1}`;
    await rest.submitFailedPayment({
      payment_id: `P-${invoice}`,
      account_id: accountId,
      invoice_id: invoice,
      amount: `${(i + 1) * 25}.00`,
      currency: 'USD',
      payment_method_id: `${method}#${invoice}`,
      gateway_id: 'sim',
      gateway_response_code: code,
      gateway_response_message: code.replaceAll('_', ' '),
      account: { [DEMO_FIELD]: true },
    });
    log(`submitted ${invoice}: ${story}`);
  }

  const expected = 3; // the three scripts that end in an approval
  const waitMs = opts.waitMs ?? 90_000;
  const pollMs = opts.pollMs ?? 5_000;
  let waited = 0;
  let seen = -1;
  let summary = { collected: 0, recovered: {} as Record<string, string> };
  for (;;) {
    summary = collectedOf(await rest.accountCycleHistory(accountId));
    if (summary.collected !== seen) {
      log(
        `after ${Math.round(waited / 1000)} s: ${scripts.length} submitted, ${summary.collected} collected`,
      );
      seen = summary.collected;
    }
    if (summary.collected >= expected || waited >= waitMs) break;
    await sleep(pollMs);
    waited += pollMs;
  }
  const metrics = await get<{ currency: Record<string, { total_amount: string }> }>({
    method: 'GET',
    path: '/api/v1/metrics/amount_recovered',
  });
  log(
    `\n${summary.collected} of ${scripts.length} collected for ${accountId} ` +
      `(${
        Object.entries(summary.recovered)
          .map(([c, a]) => `${a} ${c}`)
          .join(', ') || 'nothing yet'
      }); amount_recovered now: ${JSON.stringify(metrics.currency)}`,
  );
  return { accountId, submitted: scripts.length, ...summary, groupAdded: next !== null && !existed };
}

function collectedOf(
  history: Awaited<ReturnType<ReturnType<typeof createRestClient>['accountCycleHistory']>>,
) {
  const recovered: Record<string, bigint> = {};
  let collected = 0;
  for (const cycle of history.cycles) {
    const paid = cycle.attempts.filter((a) => a.success);
    if (paid.length > 0) collected += 1;
    for (const a of paid)
      recovered[cycle.currency] = (recovered[cycle.currency] ?? 0n) + toUnits(a.amount_collected);
  }
  return {
    collected,
    recovered: Object.fromEntries(Object.entries(recovered).map(([c, v]) => [c, fromUnits(v)])),
  };
}
