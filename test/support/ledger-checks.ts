import { inArray } from 'drizzle-orm';
import { expect } from 'vitest';
import type { Db } from '../../db/client';
import { cycles } from '../../db/schema';

interface ListedCharge {
  idempotency_key: string;
  status: string;
}

/**
 * The simulator's whole ledger (a harness has a simulator of its own): no idempotency key charged
 * twice, and no billing document collected twice (an approved charge's key names its cycle, whose row
 * names the document). Returns the approved charges' count, so a test can also expect it.
 */
export async function expectNoDoubleCharge(simUrl: string, db: Db): Promise<number> {
  const charges = (await (await fetch(`${simUrl}/charges`)).json()) as ListedCharge[];
  const keys = charges.map((c) => c.idempotency_key);
  expect(keys.length).toBe(new Set(keys).size);
  const approved = charges.filter((c) => c.status === 'approved');
  const cycleIds = approved.map((c) => Number(/^cycle-(\d+)-attempt-\d+$/.exec(c.idempotency_key)?.[1]));
  expect(cycleIds.every(Number.isInteger)).toBe(true);
  if (cycleIds.length === 0) return 0;
  const rows = await db
    .select({ id: cycles.id, type: cycles.documentType, doc: cycles.documentId })
    .from(cycles)
    .where(inArray(cycles.id, cycleIds));
  const docOf = new Map(rows.map((r) => [r.id, `${r.type}:${r.doc}`]));
  const docs = cycleIds.map((id) => docOf.get(id));
  expect(docs.every((d) => d !== undefined)).toBe(true);
  expect(docs.length).toBe(new Set(docs).size);
  return approved.length;
}
