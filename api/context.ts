import type { RequestIdVariables } from 'hono/request-id';
import type { Logger } from '../log/logger';

/** What middleware puts on the Hono context for the handlers. */
export interface AppEnv {
  Variables: RequestIdVariables & { user: string; log: Logger };
}
