import { Agent, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, testApp } from '../support/api';
import { dbKinds } from '../support/databases';

// An early answer (413 before the body was read, 401 before it was parsed) must leave the client's
// keep-alive connection usable: its next request on the same connection gets a normal answer, or the
// server closes the connection cleanly so the client opens a new one. Never a reset mid-request.

interface Answer {
  status: number;
  body: string;
  socket: Socket;
}

function send(
  agent: Agent,
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string },
) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request(url, { agent, method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, socket: req.socket as Socket }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

describe.each(dbKinds)('keep-alive after early answers (%s)', (kind) => {
  let server: ServerType;
  let baseUrl: string;
  let close: () => Promise<unknown>;
  beforeAll(async () => {
    const t = await testApp(kind);
    close = t.close;
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await close?.();
  });

  const oversize = JSON.stringify({ reason: 'x'.repeat(2 * 1024 * 1024) });
  // Under the size limit, but refused (no credentials) before any route reads it.
  const unread = JSON.stringify({ reason: 'x'.repeat(900 * 1024) });

  it.each([
    ['an oversize body (413)', { ...basic(), 'Content-Type': 'application/json' }, 413],
    ['an unread body without credentials (401)', { 'Content-Type': 'application/json' }, 401],
  ])('answers the next requests after %s', async (_name, headers, status) => {
    // One socket at most, so a following request reuses the first one's connection when it is kept.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await send(agent, `${baseUrl}/api/v1/config/validate`, {
        method: 'POST',
        headers,
        body: status === 413 ? oversize : unread,
      });
      expect(first.status).toBe(status);
      expect(JSON.parse(first.body)).toMatchObject({ success: false });
      for (let i = 0; i < 3; i++) {
        const next = await send(agent, `${baseUrl}/api/v1/config`, { headers: basic() });
        expect(next.status).toBe(200);
        expect(JSON.parse(next.body).version).toBeGreaterThan(0);
      }
    } finally {
      agent.destroy();
    }
  });
});
