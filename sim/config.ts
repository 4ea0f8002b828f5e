/** Environment configuration of the sim gateway process (sim/main.ts). */
import { z } from 'zod';

export interface SimConfig {
  port: number;
  host: string;
  latencyMs: number;
  /** File that keeps the ledger across restarts; undefined keeps it in memory. */
  ledgerPath: string | undefined;
}

const EXPECTED = {
  SIM_PORT: 'an integer port between 0 and 65535 (0 = any free port), e.g. 3001',
  SIM_HOST: 'a host name or IP address to bind, e.g. 127.0.0.1 or 0.0.0.0',
  SIM_LATENCY_MS: 'a non-negative integer number of milliseconds, e.g. 0 or 250',
  SIM_LEDGER_PATH: 'a file path, e.g. .data/sim-ledger.jsonl',
} as const;

const intString = (max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,9}$/)
    .transform(Number)
    .refine((n) => n <= max);

const SimEnv = z.object({
  SIM_PORT: intString(65535).optional(),
  SIM_HOST: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9.:_-]+$/)
    .optional(),
  SIM_LATENCY_MS: intString(3_600_000).optional(),
  SIM_LEDGER_PATH: z.string().trim().min(1).optional(),
});

export type ParseResult = { ok: true; config: SimConfig } | { ok: false; error: string };

/**
 * Reads SIM_PORT (default 3001), SIM_HOST (default 127.0.0.1), SIM_LATENCY_MS (default 0) and
 * SIM_LEDGER_PATH (default unset: the ledger lives in memory and is lost on exit).
 */
export function parseSimEnv(env: Record<string, string | undefined>): ParseResult {
  const picked = {
    SIM_PORT: env.SIM_PORT === '' ? undefined : env.SIM_PORT,
    SIM_HOST: env.SIM_HOST === '' ? undefined : env.SIM_HOST,
    SIM_LATENCY_MS: env.SIM_LATENCY_MS === '' ? undefined : env.SIM_LATENCY_MS,
    SIM_LEDGER_PATH: env.SIM_LEDGER_PATH === '' ? undefined : env.SIM_LEDGER_PATH,
  };
  const parsed = SimEnv.safeParse(picked);
  if (!parsed.success) {
    const errors = [...new Set(parsed.error.issues.map((i) => String(i.path[0])))].map((name) => {
      const got = picked[name as keyof typeof picked];
      return `${name} must be ${EXPECTED[name as keyof typeof EXPECTED]} (got ${JSON.stringify(got)})`;
    });
    return { ok: false, error: `Invalid environment: ${errors.join('; ')}` };
  }
  return {
    ok: true,
    config: {
      port: parsed.data.SIM_PORT ?? 3001,
      host: parsed.data.SIM_HOST ?? '127.0.0.1',
      latencyMs: parsed.data.SIM_LATENCY_MS ?? 0,
      ledgerPath: parsed.data.SIM_LEDGER_PATH,
    },
  };
}
