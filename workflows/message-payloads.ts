import { z } from 'zod';
import { isStorableText, toStorableText, UNSTORABLE_TEXT } from '../domain/storable-text';

// The payloads of the cycle's Signals and Updates, checked where the workflow receives them. Other
// services send these without our API in between, so the workflow is the boundary: a payload Postgres
// could not store (U+0000, an unpaired surrogate) or of the wrong shape must never reach a store
// activity, where it would fail the run and leave the cycle listed as active forever. Updates refuse
// such a payload in their validator (the caller hears why, nothing is written to the history); Signals
// have nobody to answer, so the cycle records that it refused one, in storable words.

const text = (max: number) => z.string().max(max).refine(isStorableText, UNSTORABLE_TEXT);

/** executeNow, remove, pause, resume: who asked, and for remove why. */
export const actionRequestSchema = z
  .object({ requested_by: text(320).optional(), reason: text(1000).optional() })
  .optional();
export type ActionRequest = z.infer<typeof actionRequestSchema>;

/**
 * paymentReceived. Only the text is checked here: an amount or currency that is well-formed text but not
 * a valid sum is ignored by the cycle with a `payment_ignored` event, as it always was.
 */
export const paymentReceivedSchema = z.object({
  amount: text(64),
  currency: text(16),
  payment_id: text(200).optional(),
});

export const paymentMethodUpdatedSchema = z.object({ payment_method_id: text(200) });

/** What a refused Signal leaves in the cycle's events: the message and the problems, never the input. */
export function refusedMessage(
  message: string,
  error: z.ZodError,
): { reason: string; detail: Record<string, unknown> } {
  return {
    reason: 'message_refused',
    detail: {
      message,
      problems: error.issues.slice(0, 10).map((i) => ({
        path: toStorableText(i.path.map(String).join('.')).slice(0, 200),
        message: toStorableText(i.message).slice(0, 200),
      })),
    },
  };
}

/** For validators: the first problem, in words. */
export function problemOf(error: z.ZodError): string {
  const first = error.issues[0];
  const path = first?.path.map(String).join('.');
  return `invalid payload${path ? ` at ${toStorableText(path)}` : ''}: ${first?.message ?? 'unknown'}`;
}
