import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { cycleFieldsOf } from '../activities/cycle-log';
import type { CycleLogFields } from '../domain/cycle-log-fields';

/**
 * Every log line of an activity about a cycle, the SDK's own included ("Activity failed" after a
 * refused write or a rejected webhook delivery), carries the cycle's fields (domain/cycle-log-fields.ts)
 * as far as the activity's input names them; the calling workflow's id otherwise. The input is only
 * known once the activity executes, so the fields are read then and added to each line as it is logged.
 */
export const cycleLogInterceptor: ActivityInterceptorsFactory = (ctx) => {
  const caller = { workflowId: ctx.info.workflowExecution?.workflowId, workflowType: ctx.info.workflowType };
  let fields: CycleLogFields = cycleFieldsOf(undefined, caller);
  return {
    inbound: {
      async execute(input, next) {
        fields = cycleFieldsOf(input.args[0], caller);
        return await next(input);
      },
    },
    outbound: {
      getLogAttributes: (attributes, next) => next({ ...attributes, ...fields }),
    },
  };
};
