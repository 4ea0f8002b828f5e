import { connect, createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import type { DbHandle } from '../../db/client';

// Counts the statements a database handle really executes, read from the Postgres frontend protocol
// the driver sends: a TCP proxy in front of Postgres for postgres-js, the protocol bytes PGlite's
// execProtocolRaw receives for PGlite. A statement is an Execute (extended protocol: the SQL comes
// from the Parse of the statement its portal was bound to) or a simple Query.

/** Decodes one session's frontend messages and reports the SQL of every statement executed. */
export class FrontendDecoder {
  private pending = Buffer.alloc(0);
  private readonly parsed = new Map<string, string>();
  private readonly bound = new Map<string, string>();

  /** `startup`: the stream begins with the untyped startup packet (a TCP session does). */
  constructor(
    private readonly onStatement: (sql: string) => void,
    private startup = false,
  ) {}

  push(chunk: Uint8Array): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    for (;;) {
      if (this.startup) {
        if (this.pending.length < 8) return;
        const length = this.pending.readInt32BE(0);
        if (this.pending.length < length) return;
        const code = this.pending.readInt32BE(4);
        // An SSL or GSS encryption request is followed by the real startup packet.
        this.startup = code === 80877103 || code === 80877104;
        this.pending = this.pending.subarray(length);
        continue;
      }
      if (this.pending.length < 5) return;
      const total = 1 + this.pending.readInt32BE(1);
      if (this.pending.length < total) return;
      this.message(String.fromCharCode(this.pending[0] ?? 0), this.pending.subarray(5, total));
      this.pending = this.pending.subarray(total);
    }
  }

  private message(type: string, body: Buffer): void {
    const strings = (count: number) => {
      const out: string[] = [];
      let at = 0;
      for (let i = 0; i < count; i++) {
        const end = body.indexOf(0, at);
        out.push(body.toString('utf8', at, end));
        at = end + 1;
      }
      return out;
    };
    if (type === 'Q') {
      const [text = ''] = strings(1);
      this.onStatement(text);
    } else if (type === 'P') {
      const [name = '', text = ''] = strings(2);
      this.parsed.set(name, text);
    } else if (type === 'B') {
      const [portal = '', statement = ''] = strings(2);
      this.bound.set(portal, this.parsed.get(statement) ?? `<unknown statement ${statement}>`);
    } else if (type === 'E') {
      const [portal = ''] = strings(1);
      this.onStatement(this.bound.get(portal) ?? `<unknown portal ${portal}>`);
    }
  }
}

export interface StatementLog {
  /** The SQL of every statement executed since the last take(), in order; clears the log. */
  take(): string[];
  close(): Promise<void>;
}

/** A TCP proxy to the Postgres of `url`; connect to `proxiedUrl` to have every statement logged. */
export async function postgresWireLog(url: string): Promise<StatementLog & { proxiedUrl: string }> {
  const target = new URL(url);
  let log: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    const decoder = new FrontendDecoder((sql) => log.push(sql), true);
    client.on('data', (chunk) => {
      decoder.push(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no port');
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(address.port);
  return {
    proxiedUrl: proxied.toString(),
    take: () => {
      const taken = log;
      log = [];
      return taken;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Logs every statement the PGlite behind `handle` executes, from the protocol bytes it is given. */
export function pgliteWireLog(handle: DbHandle): StatementLog {
  const client = (handle.db as unknown as { $client: PGlite }).$client;
  let log: string[] = [];
  const decoder = new FrontendDecoder((sql) => log.push(sql));
  const original = client.execProtocolRaw.bind(client);
  client.execProtocolRaw = (message, options) => {
    decoder.push(message);
    return original(message, options);
  };
  return {
    take: () => {
      const taken = log;
      log = [];
      return taken;
    },
    close: async () => {
      client.execProtocolRaw = original;
    },
  };
}
