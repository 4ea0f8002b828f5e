import { describe, expect, it } from 'vitest';
import { parseSimEnv } from '../../sim/config';

describe('parseSimEnv', () => {
  it('applies defaults', () => {
    expect(parseSimEnv({})).toStrictEqual({
      ok: true,
      config: { port: 3001, host: '127.0.0.1', latencyMs: 0, ledgerPath: undefined },
    });
    expect(
      parseSimEnv({ SIM_PORT: '', SIM_HOST: '', SIM_LATENCY_MS: '', SIM_LEDGER_PATH: '' }),
    ).toMatchObject({ ok: true, config: { ledgerPath: undefined } });
  });

  it('reads all variables', () => {
    expect(
      parseSimEnv({
        SIM_PORT: '0',
        SIM_HOST: '0.0.0.0',
        SIM_LATENCY_MS: '250',
        SIM_LEDGER_PATH: '/var/lib/sim/ledger.jsonl',
      }),
    ).toEqual({
      ok: true,
      config: { port: 0, host: '0.0.0.0', latencyMs: 250, ledgerPath: '/var/lib/sim/ledger.jsonl' },
    });
  });

  it.each([
    ['SIM_PORT', 'abc', 'integer port'],
    ['SIM_PORT', '70000', 'integer port'],
    ['SIM_PORT', '-1', 'integer port'],
    ['SIM_LATENCY_MS', '1.5', 'non-negative integer'],
    ['SIM_HOST', 'bad host', 'host name'],
  ])('rejects %s=%s naming the variable and the expected form', (name, value, expected) => {
    const r = parseSimEnv({ [name]: value });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain(name);
      expect(r.error).toContain(expected);
      expect(r.error).toContain(JSON.stringify(value));
    }
  });
});
