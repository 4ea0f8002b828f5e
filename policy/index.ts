/**
 * The retry policy: pure, deterministic functions of a configuration document. No I/O, no clock,
 * no randomness and no Node built-ins, because this module runs inside Temporal's workflow sandbox
 * as well as in the API.
 */

export { checkCharge, type GateInput, type GateVerdict } from './charge-gate';
export {
  type AttemptRule,
  attemptRuleSchema,
  type Criteria,
  type CustomerGroup,
  customerGroupSchema,
  type FilterOperator,
  filterSchema,
  type GroupFilter,
  isAllRemainingCustomers,
  type Label,
  labelSchema,
  type ResponseCodeMapping,
  type RetryAction,
  type RetryConfig,
  type RetryConfigInput,
  type RuleAction,
  responseCodeSchema,
  retryConfigBaseSchema,
  ruleActionSchema,
  type Settings,
  type StopAction,
  settingsSchema,
} from './config-schema';
export {
  ALL_REMAINING_CUSTOMERS_ID,
  ALL_REMAINING_CUSTOMERS_NAME,
  BUILT_IN_LABELS,
  HARD_DECLINE,
  MAX_CYCLE_DAYS,
  METHOD_ATTEMPT_LIMIT,
  METHOD_ATTEMPT_WINDOW_DAYS,
  SOFT_DECLINE,
  SYSTEM_ERROR,
  WILDCARD,
} from './constants';
export type { CrossCheckOptions } from './cross-checks';
export {
  type Adjustment,
  type Decision,
  type DecisionInput,
  decide,
  type ResolvedRule,
  type RetryDecision,
  resolveRule,
  type StopDecision,
  type StopReason,
} from './decide';
export { defaultConfig } from './default-config';
export { PolicyInputError } from './errors';
export { chooseGroup, filterMatches, groupMatches } from './groups';
export { cycleDeadline, earliestAllowedByMethodLimit } from './guardrails';
export {
  type GatewayResponse,
  type MappingLevel,
  type MappingResult,
  mapResponseCode,
  normaliseDescription,
} from './mapping';
export {
  classifyNeverRetry,
  MASTERCARD_NEVER_RETRY_ADVICE,
  NEVER_RETRY_NAMES,
  VISA_CATEGORY_1,
} from './never-retry';
export { type PreviewInput, type PreviewResult, type PreviewStep, preview } from './preview';
export { processorIntervalOf } from './processor-interval';
export { alignToProcessor, nextAttemptTime, nextProcessorBoundary } from './schedule';
export { type ConfigProblem, formatPath, type ValidationResult, validateConfig } from './validate';
