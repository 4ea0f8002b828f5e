// What the charge activity measures, as an interface the process wiring fills in (runtime/metrics/),
// so activities depend on no metrics library and a test can pass its own.

/** How one gateway call ended: its result's status, or the kind of error it threw. */
export type GatewayCallOutcome = 'approved' | 'declined' | 'error' | 'unavailable' | 'rejected';

export interface ChargeMetrics {
  /** An attempt's start minus the time it was due, in seconds (never negative). */
  lateness(seconds: number): void;
  /** One gateway call and how long it took, in seconds. */
  gatewayCall(gateway: string, outcome: GatewayCallOutcome, seconds: number): void;
}
