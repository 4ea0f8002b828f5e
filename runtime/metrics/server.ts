import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServer {
  /** `http://host:port/metrics` */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * GET /metrics on a server of its own (METRICS_HOST:METRICS_PORT), apart from the API: the API port
 * may be public, metrics are for the scraper. `appended` adds another exporter's text (Core's).
 */
export async function startMetricsServer(opts: {
  host: string;
  port: number;
  registry: Registry;
  appended?: () => Promise<string>;
}): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics\n');
      return;
    }
    // The failure counter of the appended scrape is incremented before our own text is rendered.
    (opts.appended ? opts.appended() : Promise.resolve(''))
      .then(async (extra) => {
        const own = await opts.registry.metrics();
        const body = extra === '' ? own : `${own.endsWith('\n') ? own : `${own}\n`}${extra}`;
        res.writeHead(200, { 'content-type': opts.registry.contentType }).end(body);
      })
      .catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${port}/metrics`,
    port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
