import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// postgres.js keeps its connections in Queues (node_modules/postgres/src/queue.js). Under sustained load
// every query moves a connection out of the busy queue and back (`move` in its index.js): a remove that
// misses, then a push. Upstream 3.4.9 searched from index 0 and compacted only when the queue drained
// exactly, so each query scanned every entry the queue had ever held (~8 % of the API's CPU in a
// profile, growing with the run). patches/postgres+3.4.9.patch (applied by patch-package at install)
// searches from the live index and compacts the holes; this test fails on the unpatched file.

interface Queue<T> {
  readonly length: number;
  push(x: T): T;
  shift(): T | undefined;
  remove(x: T): T | null;
}
type QueueFactory = <T>(initial?: T[]) => Queue<T>;

const require = createRequire(import.meta.url);
/** The copies Node loads: `import 'postgres'` (src/) and `require('postgres')` (cjs/src/). */
const esmQueue = join(dirname(fileURLToPath(import.meta.resolve('postgres'))), 'queue.js');
const cjsQueue = join(dirname(require.resolve('postgres')), 'queue.js');

async function load(kind: 'esm' | 'cjs'): Promise<QueueFactory> {
  if (kind === 'cjs') return require(cjsQueue) as QueueFactory;
  return (await import(pathToFileURL(esmQueue).href)).default as QueueFactory;
}

const realIndexOf = Array.prototype.indexOf;
afterEach(() => {
  Array.prototype.indexOf = realIndexOf;
});

/**
 * What one `remove` did: how many entries it examined and how long the array behind the queue was
 * (the queue's only indexOf call is inside remove, on that array).
 */
function removeWork<T>(q: Queue<T>, x: T): { scanned: number; backing: number } {
  const work = { scanned: 0, backing: 0 };
  Array.prototype.indexOf = function (this: unknown[], ...args: [unknown, number?]) {
    work.scanned += this.length - (args[1] ?? 0);
    work.backing = Math.max(work.backing, this.length);
    return realIndexOf.apply(this, args);
  };
  try {
    q.remove(x);
  } finally {
    Array.prototype.indexOf = realIndexOf;
  }
  return work;
}

describe.each(['esm', 'cjs'] as const)("postgres.js's connection queue (%s copy)", (kind) => {
  it('keeps FIFO order, length and remove semantics', async () => {
    const Queue = await load(kind);
    const q = Queue([1, 2, 3]);
    expect(q.shift()).toBe(1);
    q.push(4);
    expect(q.remove(3)).toBe(3);
    expect(q.remove(1)).toBeNull();
    expect(q.length).toBe(2);
    expect([q.shift(), q.shift(), q.shift()]).toEqual([2, 4, undefined]);
    // A long run of shifts and pushes (with compactions in between) loses nothing and keeps order.
    for (let i = 0; i < 5000; i++) q.push(i);
    const out: number[] = [];
    for (let i = 0; i < 5000; i++) {
      out.push(q.shift() as number);
      if (i % 3 === 0) q.push(10_000 + i);
    }
    expect(out.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(q.length).toBe(Math.ceil(5000 / 3));
    expect(q.shift()).toBe(10_000);
  });

  it("does work bounded by the live entries under sustained load, as the pool's busy queue sees it", async () => {
    const Queue = await load(kind);
    const connections = Array.from({ length: 10 }, (_, i) => ({ id: i }));
    const busy = Queue([...connections]);
    const worst = { scanned: 0, backing: 0 };
    for (let query = 0; query < 20_000; query++) {
      // go(busy.shift(), query) → move(c, busy): remove from the queue it was just shifted from, push.
      const c = busy.shift();
      if (!c) throw new Error('empty');
      const work = removeWork(busy, c);
      worst.scanned = Math.max(worst.scanned, work.scanned);
      worst.backing = Math.max(worst.backing, work.backing);
      busy.push(c);
    }
    expect(busy.length).toBe(10);
    // Unpatched, the last remove scanned ~20,000 entries of a 20,010-entry array. Patched: the live
    // entries only, in an array compacted once its holes pass 1,024 and half of it.
    expect(worst.scanned).toBeLessThanOrEqual(connections.length);
    expect(worst.backing).toBeLessThanOrEqual(2 * 1024 + connections.length);
  });
});
