import type { RequestIdVariables } from 'hono/request-id';
import type { Role } from '../domain/role';
import type { Logger } from '../log/logger';

/** What middleware puts on the Hono context for the handlers. */
export interface AppEnv {
  Variables: RequestIdVariables & { user: string; role: Role; log: Logger };
}
