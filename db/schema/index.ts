export * from './auth';
export * from './config';
