/**
 * The simulated gateway's ledger on disk: an append-only file of JSON lines, one per event that changes
 * what the gateway will answer next. A real gateway remembers its idempotency keys across restarts, so
 * ours must too, or a crash of `npm start` would charge the in-flight charge again.
 *
 * - `{"kind":"charge","charge":{…}}`: a charge (approved or declined) bound to its key. It also counts as
 *   one request of its payment method, so a charge and the script step it consumed are one record:
 *   there is no moment where one is on disk and the other is not.
 * - `{"kind":"request","payment_method_id":"…"}`: a request that charged nothing (`timeout`, `error500`)
 *   but consumed a step of its payment method's script.
 *
 * Every record is written and fsynced before the gateway acts on it (answers, or holds the request
 * open), so anything a client saw is on disk. A SIGKILL or power loss can only tear the last record,
 * which no client saw; it is dropped on load and cut off the file. Damage anywhere else is corruption
 * and refuses to load rather than silently forget charges.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

const ChargeRecord = z.object({
  idempotency_key: z.string().min(1),
  payment_method_id: z.string().min(1),
  amount: z.string(),
  currency: z.string(),
  status: z.enum(['approved', 'declined']),
  code: z.string(),
  message: z.string(),
  gateway_payment_id: z.string(),
  amount_collected: z.string(),
  auth_code: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  response_lost: z.boolean(),
  at: z.string(),
});

const LedgerEntry = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('charge'), charge: ChargeRecord }),
  z.object({ kind: z.literal('request'), payment_method_id: z.string().min(1) }),
]);

export type LedgerEntry = z.infer<typeof LedgerEntry>;

export interface LedgerLoad {
  file: LedgerFile;
  entries: LedgerEntry[];
  /** Bytes of a torn last record that were dropped (0 when the file ended cleanly). */
  tornBytes: number;
}

export class LedgerCorruptError extends Error {}

/** Parses the records of `buf`; a bad record is tolerated only as the last one (a torn write). */
function parse(buf: Buffer, path: string): { entries: LedgerEntry[]; goodBytes: number } {
  const entries: LedgerEntry[] = [];
  let pos = 0;
  let line = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos);
    // No newline: the last write was cut short.
    if (nl === -1) break;
    line += 1;
    let entry: LedgerEntry | undefined;
    try {
      const parsed = LedgerEntry.safeParse(JSON.parse(buf.toString('utf8', pos, nl)));
      if (parsed.success) entry = parsed.data;
    } catch {
      // handled below
    }
    if (entry === undefined) {
      if (nl === buf.length - 1) break; // the last record, torn (e.g. its end lost with the page cache)
      throw new LedgerCorruptError(
        `sim ledger ${path}: record ${line} (byte ${pos}) is not a valid ledger record; refusing to start on a damaged ledger`,
      );
    }
    entries.push(entry);
    pos = nl + 1;
  }
  return { entries, goodBytes: pos };
}

export class LedgerFile {
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    /** Size of the file after the last complete record: where a failed append is cut back to. */
    private size: number,
  ) {}

  /** Opens (creating it if needed) the ledger at `path`, returning what it holds. */
  static open(path: string): LedgerLoad {
    mkdirSync(dirname(path), { recursive: true });
    const created = !existsSync(path);
    const fd = openSync(path, 'a');
    try {
      if (created) fsyncDirectory(dirname(path));
      const buf = readFileSync(path);
      const { entries, goodBytes } = parse(buf, path);
      const tornBytes = buf.length - goodBytes;
      if (tornBytes > 0) {
        ftruncateSync(fd, goodBytes);
        fsyncSync(fd);
      }
      return { file: new LedgerFile(path, fd, goodBytes), entries, tornBytes };
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** Writes one record and waits for it to reach the disk. On failure the file is as it was. */
  append(entry: LedgerEntry): void {
    if (this.closed) throw new Error(`sim ledger ${this.path} is closed`);
    const bytes = Buffer.from(`${JSON.stringify(entry)}\n`, 'utf8');
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(this.fd, bytes, written);
      fsyncSync(this.fd);
      this.size += bytes.length;
    } catch (err) {
      // A partly written record (e.g. disk full) must not stay in the middle of the file.
      try {
        ftruncateSync(this.fd, this.size);
      } catch {
        // the next load drops a torn last record anyway
      }
      throw err;
    }
  }

  /** Empties the ledger (POST /reset). */
  clear(): void {
    ftruncateSync(this.fd, 0);
    fsyncSync(this.fd);
    this.size = 0;
  }

  /** Bytes on disk (for tests and logs). */
  get bytes(): number {
    return fstatSync(this.fd).size;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/** Makes a new file's directory entry durable too (Linux/macOS; not possible on every platform). */
function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // e.g. Windows cannot open a directory; the record fsyncs still hold
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
