// The workflows the worker registers. Only deterministic code may be imported from here.
export { deliverWebhook } from './deliver-webhook';
export { ManualRetry } from './manual-retry';
export { RetryCycle, RetryCycleV2 } from './retry-cycle';
