import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAdaptorServer, type HttpBindings } from '@hono/node-server';
import { createSimServer } from '../../../sim/server';

export interface SimEndpoint {
  url: string;
  /** Charges received through this endpoint that have not been answered yet. */
  inflight(): number;
  close(): Promise<void>;
}

export interface FaultSim extends SimEndpoint {
  /** Another URL onto the same gateway (same ledger and scripts), with its own in-flight count. */
  endpoint(): Promise<SimEndpoint>;
  /** The gateway faults served so far: timeouts, lost responses and 500s. */
  faults(): { 'gw timeout': number; 'gw lost response': number; 'gw 500': number };
}

/**
 * The simulated gateway behind thin listeners that spread its latency over [minLatencyMs,
 * maxLatencyMs] and count the charges in flight, so a fault can be injected while one is. The charge is
 * recorded on arrival (as in sim/server.ts); only its answer is late. Giving each worker its own
 * endpoint tells which worker holds a charge.
 */
export async function startFaultSim(opts: { minLatencyMs: number; maxLatencyMs: number }): Promise<FaultSim> {
  const sim = createSimServer({ latencyMs: opts.minLatencyMs, hangMs: 120_000 });
  const spread = Math.max(0, opts.maxLatencyMs - opts.minLatencyMs);
  const endpoints = new Set<SimEndpoint>();
  const served = { 'gw timeout': 0, 'gw lost response': 0, 'gw 500': 0 };
  // What sim/server.ts answers for each scripted fault (the socket is gone for the first two).
  const FAULT_STATUS = { 504: 'gw timeout', 502: 'gw lost response', 500: 'gw 500' } as const;

  const endpoint = async (): Promise<SimEndpoint> => {
    let inflight = 0;
    const fetch = async (req: Request, bindings: unknown) => {
      const env = bindings as HttpBindings;
      if (req.method !== 'POST' || new URL(req.url).pathname !== '/v1/charges')
        return sim.app.fetch(req, env);
      inflight++;
      try {
        const res = await sim.app.fetch(req, env);
        const fault = FAULT_STATUS[res.status as keyof typeof FAULT_STATUS];
        if (fault) served[fault]++;
        await sleep(Math.random() * spread);
        return res;
      } finally {
        inflight--;
      }
    };
    const server = createAdaptorServer({ fetch, hostname: '127.0.0.1' }) as Server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const ep: SimEndpoint = {
      url: `http://127.0.0.1:${port}`,
      inflight: () => inflight,
      close: () =>
        new Promise<void>((resolve) => {
          endpoints.delete(ep);
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
    endpoints.add(ep);
    return ep;
  };

  const main = await endpoint();
  return {
    url: main.url,
    inflight: () => [...endpoints].reduce((n, ep) => n + ep.inflight(), 0),
    endpoint,
    faults: () => ({ ...served }),
    async close() {
      await sim.close();
      await Promise.all([...endpoints].map((ep) => ep.close()));
    },
  };
}
