import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../temporal/resolve-binary';
import { npmStartEnv } from '../support/npm-start';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** pids whose command line contains `pattern` (pgrep exits 1 when there are none). */
function pgrep(pattern: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '(gone)';
  }
}

function descendants(pid: number): number[] {
  let out = '';
  try {
    out = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const children = out.split('\n').filter(Boolean).map(Number);
  return children.flatMap((child) => [child, ...descendants(child)]);
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('npm start (the all-in-one system)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cpr-start-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child?.pid && alive(child.pid)) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('comes up on embedded defaults, prints its URLs, answers a declined manual retry, and stops everything on Ctrl-C within 10 s', async () => {
    const {
      env,
      ports: { port, uiPort },
    } = await npmStartEnv(dataDir);
    let stdout = '';
    child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts', 'start.ts')], {
      cwd: projectRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    const api = `http://127.0.0.1:${port}`;
    await until(
      'the banner',
      async () => (stdout.includes('Press Ctrl-C to stop.') ? true : undefined),
      90_000,
    );
    expect(stdout).toContain(`${api}/docs`);
    // The console is served by this process, built at start (no separate command).
    expect(stdout).toMatch(new RegExp(`console +${api}/console`));
    expect(stdout).toContain(`http://127.0.0.1:${uiPort}`);
    expect(stdout).toMatch(/login +dev@localhost \/ cpr_/);

    expect((await fetch(`${api}/healthz`)).status).toBe(200);
    await until(
      'readiness',
      async () => ((await fetch(`${api}/readyz`)).status === 200 ? true : undefined),
      30_000,
    );
    expect((await fetch(`http://127.0.0.1:${uiPort}/`)).status).toBe(200);
    const consolePage = await fetch(`${api}/console`);
    expect(consolePage.status).toBe(200);
    expect(consolePage.headers.get('content-security-policy')).toContain("script-src 'self'");
    const bundle = (await consolePage.text()).match(/src="(\/console\/assets\/app\.js[^"]*)"/)?.[1];
    expect((await fetch(`${api}${bundle}`)).status).toBe(200);
    expect(existsSync(join(dataDir, 'pglite'))).toBe(true);
    expect(existsSync(join(dataDir, 'temporal.sqlite'))).toBe(true);
    const creds = JSON.parse(readFileSync(join(dataDir, 'dev-credentials.json'), 'utf8')) as {
      email: string;
      token: string;
    };
    expect(stdout).toContain(creds.token);

    // Issue 12: on PGlite a declined manual retry wedged the whole service. A cycle removed while it
    // waits (Failed), then retried by hand with a card that declines again: 201 Failed, and the
    // service keeps answering.
    const id = `${Date.now().toString(36)}-${process.pid}`;
    const sub = `Subscription-start-${id}`;
    const auth = {
      Authorization: `Basic ${Buffer.from(`${creds.email}:${creds.token}`).toString('base64')}`,
    };
    const submitted = await fetch(`${api}/api/v1/payments/submit_failed_payment`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        payment_id: `P-${id}`,
        account_id: `A-${id}`,
        invoice_id: `INV-${id}`,
        amount: '100.00',
        currency: 'USD',
        payment_method_id: `sim.insufficient_funds#${id}`,
        gateway_id: 'sim',
        gateway_response_code: 'insufficient_funds',
        gateway_response_message: 'Your card has insufficient funds.',
        subscription_id: sub,
      }),
    });
    expect(submitted.status).toBe(200);
    const removed = await fetch(`${api}/api/v1/payments/remove_invoice_from_retry_cycle/INV-${id}`, {
      method: 'PUT',
      headers: auth,
    });
    expect(removed.status).toBe(200);
    const smartPay = { 'x-api-key': creds.token };
    const billingCycle = await until(
      'the removed cycle',
      async () => {
        const res = await fetch(`${api}/subscriptions/${sub}/billing-cycles`, { headers: smartPay });
        const page = (await res.json()) as { data?: { id: string; status: string }[] };
        return page.data?.[0]?.status === 'Failed' ? page.data[0].id : undefined;
      },
      30_000,
    );
    const retried = await fetch(`${api}/subscriptions/${sub}/billing-cycles/${billingCycle}/manual-retries`, {
      method: 'POST',
      headers: { ...smartPay, 'Content-Type': 'application/json', 'Accept-Language': 'en-US' },
      body: JSON.stringify({ reason: 'Customer says the card is topped up' }),
    });
    const retry = (await retried.json()) as { id: string; status: string };
    expect(retried.status).toBe(201);
    expect(retry.status).toBe('Failed');
    const again = await fetch(
      `${api}/subscriptions/${sub}/billing-cycles/${billingCycle}/manual-retries/${retry.id}`,
      {
        headers: smartPay,
      },
    );
    expect(again.status).toBe(200);
    expect(((await again.json()) as { status: string }).status).toBe('Failed');
    expect((await fetch(`${api}/readyz`)).status).toBe(200);

    const pid = child.pid as number;
    const tree = descendants(pid);
    expect(tree.length).toBeGreaterThanOrEqual(2); // the dev server and the simulator
    const started = Date.now();
    const exited = new Promise<number | null>((r) => child?.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    // Children exit on their own signal handling; give the kernel a moment to reap them.
    const leftovers = await until(
      'children to exit',
      async () => (tree.some(alive) ? undefined : []),
      3000,
    ).catch(() => tree.filter(alive).map((p) => `${p}: ${commandOf(p)}`));
    expect(leftovers).toEqual([]);
    expect(pgrep(join(dataDir, 'temporal.sqlite'))).toEqual([]);
  }, 240_000); // A whole system boots (Temporal dev server, simulator, PGlite, worker, API): minutes on a loaded machine.
});
