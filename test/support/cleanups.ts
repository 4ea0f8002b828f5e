import { afterAll } from 'vitest';

/**
 * A list to push cleanups onto (servers, workers, databases); they run after the enclosing suite's
 * tests, last pushed first, and one that fails does not stop the rest.
 */
export function cleanupsAfterAll(): (() => Promise<unknown>)[] {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });
  return cleanups;
}
