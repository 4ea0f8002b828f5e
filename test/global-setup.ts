import type { TestProject } from 'vitest/node';
import { startSimulator } from '../runtime/simulator';
import { freePort, startDevServer } from '../temporal/dev-server';
import { resolveTemporal } from '../temporal/resolve-binary';
import { adminUrl, dropTestDatabases, runPrefix } from './support/postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    postgresAdminUrl: string;
    testDbPrefix: string;
    simUrl: string;
  }
}

// One real Temporal dev server (with our search attributes) and one simulated gateway per test run;
// each test file then uses its own task queue, workflow ids and database.
export default async function setup(project: TestProject) {
  const source = resolveTemporal({ cli: process.env.TEMPORAL_CLI });
  if (source.kind !== 'binary') throw new Error('unreachable');
  const [server, sim] = await Promise.all([
    startDevServer({ binary: source.path, startTimeoutMs: 90_000 }),
    freePort().then((port) => startSimulator({ port })),
  ]);
  const prefix = runPrefix();
  project.provide('temporalAddress', server.address);
  project.provide('postgresAdminUrl', adminUrl());
  project.provide('testDbPrefix', prefix);
  project.provide('simUrl', sim.url);
  return async () => {
    await Promise.allSettled([server.stop(), sim.stop(), dropTestDatabases(prefix)]);
  };
}
