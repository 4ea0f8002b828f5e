import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { attempts, cycles } from '../../db/schema';
import type { DocumentRef } from '../../domain/failed-payment';

// What the store holds for a document, in order: the cycle rows (oldest first) and a cycle's attempts.

export const cyclesOf = (db: Db, doc: DocumentRef) =>
  db
    .select()
    .from(cycles)
    .where(and(eq(cycles.documentType, doc.type), eq(cycles.documentId, doc.id)))
    .orderBy(asc(cycles.id));

export const attemptsOf = (db: Db, cycleId: number) =>
  db.select().from(attempts).where(eq(attempts.cycleId, cycleId)).orderBy(asc(attempts.attemptNumber));
