import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A process's own registry (never prom-client's global one, so two in one test process do not
 * collide), with Node's default metrics: event loop lag, heap, GC, CPU, handles.
 */
export function createProcessRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
