import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classifyNeverRetry,
  defaultConfig,
  mapResponseCode,
  NEVER_RETRY_NAMES,
  type RetryConfig,
} from '../../policy';
import { issueExample, parse } from './fixtures';

const withCodes = (response_codes: unknown[], default_label = 'System Error'): RetryConfig => {
  const doc = issueExample();
  return parse({ ...doc, settings: { ...(doc.settings as object), default_label }, response_codes });
};

describe('mapping precedence', () => {
  const config = withCodes([
    { gateway_id: '*', code: 'X1', label: 'Hard Decline' },
    { gateway_id: 'gw', description: 'Card declined by issuer', label: 'Medium Decline' },
    { gateway_id: 'gw', code: 'X1', label: 'Soft Decline' },
    { gateway_id: '*', description: 'Card declined by issuer', label: 'Hard Decline' },
    { gateway_id: '*', code: 'X2', label: 'Medium Decline' },
    { gateway_id: 'other', code: 'X3', label: 'Medium Decline' },
  ]);

  it('gateway code beats everything', () => {
    expect(
      mapResponseCode(config, { gateway_id: 'gw', code: 'X1', message: 'Card declined by issuer' }),
    ).toMatchObject({
      label: 'Soft Decline',
      level: 'code',
      source: 'gateway',
      response_code_index: 2,
      never_retry: false,
    });
  });

  it('gateway description beats wildcard code', () => {
    expect(
      mapResponseCode(config, { gateway_id: 'gw', code: 'X2', message: 'card  DECLINED by issuer ' }),
    ).toMatchObject({
      label: 'Medium Decline',
      level: 'description',
      source: 'gateway',
    });
  });

  it('wildcard code, then wildcard description', () => {
    expect(
      mapResponseCode(config, { gateway_id: 'zz', code: 'X1', message: 'Card declined by issuer' }),
    ).toMatchObject({
      label: 'Hard Decline',
      level: 'code',
      source: 'wildcard',
    });
    expect(
      mapResponseCode(config, { gateway_id: 'zz', code: 'nope', message: 'Card declined by issuer' }),
    ).toMatchObject({
      label: 'Hard Decline',
      level: 'description',
      source: 'wildcard',
    });
  });

  it('another gateway’s entries never apply', () => {
    expect(mapResponseCode(config, { gateway_id: 'gw', code: 'X3' })).toMatchObject({
      label: 'System Error',
      source: 'default',
    });
  });

  it('falls back to default_label at level code', () => {
    expect(mapResponseCode(config, { gateway_id: 'gw', code: 'unknown', message: 'whatever' })).toEqual({
      label: 'System Error',
      level: 'code',
      source: 'default',
      response_code_index: null,
      configured_label: 'System Error',
      never_retry: false,
    });
  });

  it('codes are exact (trimmed, case-sensitive); descriptions ignore case and spacing', () => {
    expect(mapResponseCode(config, { gateway_id: 'gw', code: ' X1 ' }).label).toBe('Soft Decline');
    expect(mapResponseCode(config, { gateway_id: 'gw', code: 'x1' }).source).toBe('default');
  });

  it('never-retry codes are Hard Decline whatever the mapping says', () => {
    const lenient = withCodes(
      [{ gateway_id: 'sim', code: 'lost_card', label: 'Soft Decline' }],
      'Soft Decline',
    );
    expect(mapResponseCode(lenient, { gateway_id: 'sim', code: 'lost_card' })).toMatchObject({
      label: 'Hard Decline',
      level: 'code',
      never_retry: true,
      source: 'guardrail',
      configured_label: 'Soft Decline',
      response_code_index: 0,
    });
  });

  it('maps the simulator codes in the default configuration', () => {
    const expected: Record<string, string> = {
      insufficient_funds: 'Soft Decline',
      do_not_honor: 'Soft Decline',
      card_declined: 'Soft Decline',
      generic_decline: 'Soft Decline',
      try_again_later: 'Soft Decline',
      lost_card: 'Hard Decline',
      stolen_card: 'Hard Decline',
      expired_card: 'Hard Decline',
      processing_error: 'System Error',
      timeout: 'System Error',
      error500: 'System Error',
    };
    for (const [code, label] of Object.entries(expected)) {
      expect(mapResponseCode(defaultConfig, { gateway_id: 'sim', code }), code).toMatchObject({
        label,
        level: 'code',
      });
    }
    expect(mapResponseCode(defaultConfig, { gateway_id: 'stripe', code: 'insufficient_funds' }).label).toBe(
      'Soft Decline',
    );
    expect(mapResponseCode(defaultConfig, { gateway_id: 'stripe', code: 'fraudulent' }).label).toBe(
      'Hard Decline',
    );
  });
});

describe('never-retry classification', () => {
  it('recognises Visa category 1, case-insensitively', () => {
    for (const code of ['04', '07', '12', '14', '15', '41', '43', '46', '57', 'R0', 'r1', ' R3 ']) {
      expect(classifyNeverRetry(code), code).not.toBeNull();
    }
    for (const code of ['05', '51', '91', '4', 'R2', '03', '21'])
      expect(classifyNeverRetry(code), code).toBeNull();
  });

  it('recognises Mastercard advice codes 03, 21 and 99 as advice codes only', () => {
    for (const mac of ['03', '21', '99', 'MAC03', 'mac 21'])
      expect(classifyNeverRetry('05', mac), mac).not.toBeNull();
    expect(classifyNeverRetry('MAC21')).not.toBeNull();
    expect(classifyNeverRetry('05', '02')).toBeNull();
  });

  it('recognises gateway-neutral names in any case and separator style', () => {
    for (const name of NEVER_RETRY_NAMES) expect(classifyNeverRetry(name), name).not.toBeNull();
    expect(classifyNeverRetry('Stolen-Card')).not.toBeNull();
    expect(classifyNeverRetry('DO NOT TRY AGAIN')).not.toBeNull();
    expect(classifyNeverRetry('insufficient_funds')).toBeNull();
  });
});

describe('mapping precedence (property)', () => {
  const gateways = ['a', 'b'];
  const codes = ['c1', 'c2', 'c3'];
  const messages = ['m one', 'm two'];
  const labels = ['Hard Decline', 'Soft Decline', 'System Error', 'Medium Decline'];
  const entry = fc.record({
    gateway_id: fc.constantFrom('*', ...gateways),
    key: fc.oneof(
      fc.constantFrom(...codes).map((code) => ({ code })),
      fc.constantFrom(...messages).map((description) => ({ description })),
    ),
    label: fc.constantFrom(...labels),
  });
  const entries = fc.uniqueArray(entry, {
    maxLength: 12,
    selector: (e) => `${e.gateway_id}|${JSON.stringify(e.key)}`,
  });

  it('matches a straightforward reading of the spec', () => {
    fc.assert(
      fc.property(
        entries,
        fc.constantFrom(...gateways),
        fc.constantFrom(...codes, 'unknown'),
        fc.option(fc.constantFrom(...messages, 'M ONE', 'other'), { nil: undefined }),
        fc.constantFrom(...labels),
        (list, gateway_id, code, message, defaultLabel) => {
          const config = withCodes(
            list.map((e) => ({ gateway_id: e.gateway_id, ...e.key, label: e.label })),
            defaultLabel,
          );
          const norm = message?.toLowerCase();
          const find = (gw: string) => {
            const byCode = list.find((e) => e.gateway_id === gw && 'code' in e.key && e.key.code === code);
            if (byCode) return { label: byCode.label, level: 'code' };
            const byDescription = list.find(
              (e) => e.gateway_id === gw && 'description' in e.key && e.key.description === norm,
            );
            return byDescription ? { label: byDescription.label, level: 'description' } : undefined;
          };
          const expected = find(gateway_id) ?? find('*') ?? { label: defaultLabel, level: 'code' };
          const actual = mapResponseCode(config, { gateway_id, code, ...(message ? { message } : {}) });
          expect({ label: actual.label, level: actual.level }).toEqual(expected);
        },
      ),
    );
  });
});
