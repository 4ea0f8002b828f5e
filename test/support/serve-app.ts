import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';

/** An app behind a real HTTP listener on a free 127.0.0.1 port. */
export async function serveApp(app: { fetch: (req: Request) => Response | Promise<Response> }) {
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
