import type { CycleDetails } from '../domain/cycle-details';
import type { FailedPayment } from '../domain/failed-payment';
import type { CarriedState } from './cycle-state';
import type { RetryCycleStart } from './messages';

// RetryCycle's input, apart from the workflow, so the files it is made of can continue-as-new with it
// without importing retry-cycle.ts back (an import loop).

export interface RetryCycleInput extends RetryCycleStart {
  carried?: CarriedState;
  /** Further failed payments for the same document, queued behind the first (from a previous run). */
  pending?: FailedPayment[];
}

/** RetryCycle's signature, as `continueAsNew` takes it. */
export type RetryCycleWorkflow = (input: RetryCycleInput) => Promise<CycleDetails>;
