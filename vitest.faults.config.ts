import { defineConfig } from 'vitest/config';

// `npm run test:faults`: kills, restarts and connection storms against real processes. The same global
// setup as `npm test` (one Temporal dev server, the workflow bundle, test databases), plus a summary
// table of every fault injected at the end. The restart scenario starts its own dev server.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts', 'test/faults/summary-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
