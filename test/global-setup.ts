import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { startDevServer } from '../temporal/dev-server';
import { resolveTemporal } from '../temporal/resolve-binary';
import { bundlerOptions, workflowsPath } from '../worker/create-worker';
import { adminUrl, dropTestDatabases, runPrefix } from './support/postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    postgresAdminUrl: string;
    testDbPrefix: string;
    workflowBundlePath: string;
  }
}

// One real Temporal dev server (with our search attributes) per test run; each test file then uses its
// own task queue, workflow ids, database and simulated gateway.
export default async function setup(project: TestProject) {
  const source = resolveTemporal({ cli: process.env.TEMPORAL_CLI });
  if (source.kind !== 'binary') throw new Error('unreachable');
  // The workflow bundle is built once per run instead of once per worker (webpack takes seconds).
  const [server, bundle] = await Promise.all([
    startDevServer({ binary: source.path, startTimeoutMs: 90_000 }),
    bundleWorkflowCode({ workflowsPath, ...bundlerOptions, logger: new DefaultLogger('WARN') }),
  ]);
  const bundleDir = mkdtempSync(join(tmpdir(), 'cpr-bundle-'));
  const bundlePath = join(bundleDir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  const prefix = runPrefix();
  project.provide('temporalAddress', server.address);
  project.provide('postgresAdminUrl', adminUrl());
  project.provide('testDbPrefix', prefix);
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await Promise.allSettled([server.stop(), dropTestDatabases(prefix)]);
    rmSync(bundleDir, { recursive: true, force: true });
  };
}
