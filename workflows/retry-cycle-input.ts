import type { CycleDetails } from '../domain/cycle-details';
import type { FailedPayment } from '../domain/failed-payment';
import type { CarriedState } from './cycle-state';
import type { RetryCycleStart } from './messages';

// A cycle's input (RetryCycle's and RetryCycleV2's), apart from the workflows, so the files they are
// made of can continue-as-new with it without importing retry-cycle.ts back (an import loop).

export interface RetryCycleInput extends RetryCycleStart {
  carried?: CarriedState;
  /** Further failed payments for the same document, queued behind the first (from a previous run). */
  pending?: FailedPayment[];
}

/** The cycle workflows' signature, as `continueAsNew` takes it. */
export type RetryCycleWorkflow = (input: RetryCycleInput) => Promise<CycleDetails>;
