import type { RetryConfig } from './config-schema';
import { HARD_DECLINE, WILDCARD } from './constants';
import { classifyNeverRetry } from './never-retry';

export type MappingLevel = 'code' | 'description';

export interface GatewayResponse {
  gateway_id: string;
  /** The gateway's raw response code, as received. */
  code: string;
  /** The gateway's response message; matched against `response_codes[].description`. */
  message?: string;
  /** Mastercard Merchant Advice Code when the gateway reports one separately. */
  advice_code?: string;
}

export interface MappingResult {
  label: string;
  level: MappingLevel;
  never_retry: boolean;
  /** Where the label came from; 'guardrail' when a never-retry code overrode the mapping. */
  source: 'gateway' | 'wildcard' | 'default' | 'guardrail';
  /** Index into `response_codes` of the entry that matched, if any. */
  response_code_index: number | null;
  /** The label the configuration alone gives (differs from `label` only when the guardrail applies). */
  configured_label: string;
  never_retry_reason?: string;
}

/** Codes are identifiers: exact after trimming. */
export const normaliseCode = (code: string) => code.trim();

/**
 * Messages vary in incidental formatting between gateway versions ("Do not  honor", "DO NOT HONOR"),
 * so descriptions compare after Unicode NFKC, trimming, collapsing whitespace and lower-casing.
 */
export const normaliseDescription = (text: string) =>
  text.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();

function findEntry(config: RetryConfig, gatewayId: string, response: GatewayResponse) {
  const code = normaliseCode(response.code);
  const message = response.message === undefined ? undefined : normaliseDescription(response.message);
  const entries = config.response_codes;
  const codeIndex = entries.findIndex(
    (e) => e.gateway_id === gatewayId && e.code !== undefined && normaliseCode(e.code) === code,
  );
  if (codeIndex >= 0) return { index: codeIndex, level: 'code' as const };
  if (message !== undefined && message !== '') {
    const descIndex = entries.findIndex(
      (e) =>
        e.gateway_id === gatewayId &&
        e.description !== undefined &&
        normaliseDescription(e.description) === message,
    );
    if (descIndex >= 0) return { index: descIndex, level: 'description' as const };
  }
  return null;
}

/**
 * Precedence: the gateway's own entries (code, then description), then "*" entries (code, then
 * description), then `settings.default_label` at level 'code'. A never-retry code is Hard Decline
 * whatever the mapping says.
 */
export function mapResponseCode(config: RetryConfig, response: GatewayResponse): MappingResult {
  let configured: Omit<MappingResult, 'never_retry' | 'configured_label'> = {
    label: config.settings.default_label,
    level: 'code',
    source: 'default',
    response_code_index: null,
  };
  const own = response.gateway_id === WILDCARD ? null : findEntry(config, response.gateway_id, response);
  const hit = own ?? findEntry(config, WILDCARD, response);
  const entry = hit ? config.response_codes[hit.index] : undefined;
  if (hit && entry) {
    configured = {
      label: entry.label,
      level: hit.level,
      source: own ? 'gateway' : 'wildcard',
      response_code_index: hit.index,
    };
  }
  const guard = classifyNeverRetry(response.code, response.advice_code);
  if (guard) {
    return {
      label: HARD_DECLINE,
      level: 'code',
      never_retry: true,
      source: 'guardrail',
      response_code_index: configured.response_code_index,
      configured_label: configured.label,
      never_retry_reason: guard.reason,
    };
  }
  return { ...configured, never_retry: false, configured_label: configured.label };
}
