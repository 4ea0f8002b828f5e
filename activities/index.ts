import type { Db } from '../db/client';
import type { Logger } from '../log/logger';

export interface ActivityDeps {
  db: Db;
  logger: Logger;
}

/** Activities are plain functions closed over their dependencies, as in Temporal's samples. */
export function createActivities(_deps: ActivityDeps) {
  return {};
}

export type Activities = ReturnType<typeof createActivities>;
