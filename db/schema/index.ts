export * from './auth';
export * from './config';
export * from './cycles';
export * from './failed-payments';
export * from './idempotency-keys';
export * from './manual-retries';
export * from './payment-claims';
export * from './stripe-events';
