import { execFile } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type ServerType, serve } from '@hono/node-server';
import { transform } from 'esbuild';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RetryConfig } from '../../policy';
import { projectRoot } from '../../temporal/resolve-binary';
import { TEST_TOKEN, TEST_USER, testApp } from '../support/api';
import { eventually, type Harness, ledger, startHarness, testConfig } from '../support/cycle-harness';
import { uniqueName } from '../support/temporal';

// The clients as other services get them: `npm pack` (whose prepack builds dist/), the tarball
// installed into an empty ESM project, and the README's client examples, extracted from the README,
// type-checked there with NodeNext resolution and run with plain Node against this file's own Temporal
// worker and API server.

const run = promisify(execFile);

/** What the built client may import: Temporal's client side and zod, nothing of the server. */
const ALLOWED_PACKAGES = ['@temporalio/client', '@temporalio/common', '@temporalio/workflow', 'zod'];
const PACKED_FILE = [
  /^package\.json$/,
  /^README\.md$/,
  /^dist\/client\/[\w-]+\.(js|d\.ts)$/,
  /^dist\/domain\/[\w/-]+\.d\.ts$/,
  /^dist\/workflows\/(messages|search-attributes)\.d\.ts$/,
];

/** Our npm_* variables (npx's local prefix above all) must not steer the consumer's npm. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = /^npm_config_(cache|userconfig|cafile|registry)$/i;
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) || keep.test(key)),
  );
  return { ...env, ...extra };
}

async function sh(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  try {
    return await run(cmd, args, { cwd, env: childEnv(env), maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${stdout}\n${stderr}`);
  }
}

/** The README's client examples: each fenced block right after a `<!-- client-example: name -->`. */
function readmeExamples(): Map<string, string> {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const blocks = readme.matchAll(/<!-- client-example: ([\w-]+) -->\n```ts\n([\s\S]*?)\n```/g);
  return new Map([...blocks].map((m) => [m[1] as string, `${m[2]}\n`]));
}

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** Retries an hour apart and no retry on a method update: nothing charges unless an example says so. */
function hourlyConfig(): RetryConfig {
  const config = testConfig();
  const hourly = {
    '*': { action: 'Retry', criteria: 'incremental_time', interval: 'PT1H' },
    'Hard Decline': { action: 'Stop' },
  };
  return {
    ...config,
    settings: { ...config.settings, retry_on_payment_method_update: false },
    customer_groups: config.customer_groups.map((g) => ({ ...g, attempts: g.attempts.map(() => hourly) })),
  } as RetryConfig;
}

describe('the client package, packed and installed into an empty project', () => {
  let dir: string;
  let app: string;
  let packed: string[];
  let h: Harness;
  let server: ServerType | undefined;
  let apiUrl: string;
  const examples = readmeExamples();
  const invoices: string[] = [];

  beforeAll(async () => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'cpr-client-package-')));
    const packStarted = performance.now();
    const { stdout } = await sh('npm', ['pack', '--json', '--pack-destination', dir], projectRoot);
    const [pack] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    if (!pack) throw new Error(`npm pack answered no package: ${stdout}`);
    packed = pack.files.map((f) => f.path);
    const packMs = performance.now() - packStarted;

    app = join(dir, 'consumer');
    mkdirSync(app);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }),
    );
    const installStarted = performance.now();
    await sh(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        join(dir, pack.filename),
      ],
      app,
    );
    const installMs = performance.now() - installStarted;
    console.info(
      `npm pack (with the build) ${Math.round(packMs)} ms, npm install ${Math.round(installMs)} ms`,
    );

    // One driver: this file tests the packed client over the wire (pack, install, import, call); the
    // routes and workflows it calls run on PGlite and Postgres in test/api and test/cycles.
    h = await startHarness({ config: hourlyConfig() });
    const t = await testApp('postgres', { db: h.db, cycles: h.cycles });
    server = await new Promise<ServerType>((ok) => {
      const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => ok(s));
    });
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 300_000);

  afterAll(async () => {
    await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
    for (const id of invoices) {
      // Cycles that wait an hour would outlive the run on the shared dev server.
      await h?.temporal.client.workflow
        .getHandle(`cpr-invoice-${id}`)
        .terminate('test over')
        .catch(() => undefined);
    }
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('packs the built entry points and their declarations, and nothing else', () => {
    expect(packed.filter((f) => !PACKED_FILE.some((re) => re.test(f)))).toEqual([]);
    expect(packed).toEqual(
      expect.arrayContaining([
        'dist/client/cycles.js',
        'dist/client/cycles.d.ts',
        'dist/client/rest.js',
        'dist/client/rest.d.ts',
      ]),
    );
  });

  it('imports no server code from the installed files, and depends on what it imports', () => {
    const root = join(app, 'node_modules', 'payment-retry');
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const imported = new Set<string>();
    for (const file of filesUnder(join(root, 'dist'))) {
      const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      for (const { fileName } of importedFiles) {
        if (fileName.startsWith('.')) {
          // A bundle reaches only its own chunks; a declaration only declarations beside it.
          const target = relative(root, resolve(dirname(file), fileName));
          expect(target, `${relative(root, file)} imports ${fileName}`).toMatch(
            file.endsWith('.js') ? /^dist\/client\/[\w-]+\.js$/ : /^dist\/[\w/-]+\.js$/,
          );
        } else if (!fileName.startsWith('node:')) {
          imported.add(packageOf(fileName));
        }
      }
    }
    expect([...imported].filter((p) => !ALLOWED_PACKAGES.includes(p))).toEqual([]);
    expect(imported).toContain('@temporalio/client');
    for (const p of imported) expect(manifest.dependencies, p).toHaveProperty(p);
  });

  it('resolves both entry points to the built JavaScript, and nothing deeper', async () => {
    const probe = `
      const out = {};
      for (const entry of ['cycles', 'rest']) {
        const specifier = 'payment-retry/client/' + entry;
        out[entry] = { url: import.meta.resolve(specifier), exports: Object.keys(await import(specifier)).sort() };
      }
      out.deep = await import('payment-retry/dist/client/cycles.js').then(() => 'loaded', (e) => e.code);
      console.log(JSON.stringify(out));`;
    const { stdout } = await sh(process.execPath, ['--input-type=module', '-e', probe], app);
    const built = (entry: string) =>
      pathToFileURL(join(app, 'node_modules', 'payment-retry', 'dist', 'client', `${entry}.js`)).href;
    expect(JSON.parse(stdout)).toEqual({
      cycles: { url: built('cycles'), exports: ['createCycleClient'] },
      rest: { url: built('rest'), exports: ['RestClientError', 'createRestClient'] },
      deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    });
  });

  it("type-checks the README's client examples against the installed declarations (NodeNext)", async () => {
    expect([...examples.keys()].sort()).toEqual(['cycles', 'rest']);
    for (const [name, code] of examples) writeFileSync(join(app, `${name}.ts`), code);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          // The consumer has no @types/node of its own; ours will do.
          typeRoots: [join(projectRoot, 'node_modules', '@types')],
        },
        include: ['*.ts'],
      }),
    );
    await sh(
      process.execPath,
      [join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app],
      app,
    );
  });

  /** Runs a README example with plain Node: its types stripped, nothing else changed. */
  async function runExample(name: string, env: Record<string, string>): Promise<string[]> {
    const code = examples.get(name);
    if (!code) throw new Error(`README has no client example ${name}`);
    const { code: js } = await transform(code, { loader: 'ts', format: 'esm', target: 'node20' });
    writeFileSync(join(app, `${name}.mjs`), js);
    const { stdout } = await sh(process.execPath, [`${name}.mjs`], app, env);
    return stdout.trim().split('\n');
  }

  it("runs the README's cycles example on the test's Temporal: submitted, method updated, paused", async () => {
    const invoiceId = uniqueName('INV-pkg-cycles');
    invoices.push(invoiceId);
    const out = await runExample('cycles', {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      INVOICE_ID: invoiceId,
    });
    expect(out).toEqual(['1 paused Cycle Incomplete pm_new']);
    const details = await h.cycles.details({ type: 'invoice', id: invoiceId });
    expect(details).toMatchObject({
      status: 'paused',
      paused: true,
      payment_method_id: 'pm_new',
      amount: '100.00',
      account_id: 'A-1',
    });
    expect(await ledger(h.simUrl, 'pm_new')).toEqual([]);
  });

  it("runs the README's rest example against the test's API: registered, submitted, executed, collected", async () => {
    const invoiceId = uniqueName('INV-pkg-rest');
    invoices.push(invoiceId);
    const out = await runExample('rest', {
      CPR_URL: apiUrl,
      CPR_EMAIL: TEST_USER,
      CPR_TOKEN: TEST_TOKEN,
      INVOICE_ID: invoiceId,
    });
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^1 1 Payments with the following IDs enqueued for processing: \[\d+\]$/);
    expect(out[1]).toBe('400 POST_SubmitPaymentToCycle');
    // The execute charged the payment method at once (processor interval PT0S); the simulator approves it.
    const done = await eventually(async () => {
      const d = await h.cycles.details({ type: 'invoice', id: invoiceId });
      return d?.status === 'collected' ? d : undefined;
    });
    expect(done).toMatchObject({ outstanding: '0.00', payment_method_id: 'pm_1' });
    const charges = await ledger(h.simUrl, 'pm_1');
    expect(charges.map((c) => [c.amount, c.status])).toEqual([['100.00', 'approved']]);
  });
});
