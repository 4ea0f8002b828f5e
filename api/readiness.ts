// /readyz answers 503 until every registered check passes. Each process registers what it depends on
// (database, Temporal, worker, simulator), so the same endpoint is honest in the all-in-one process
// and in a lone API replica.
export type ReadinessCheck = () => Promise<void>;

export interface Readiness {
  register(name: string, check: ReadinessCheck): void;
  run(timeoutMs?: number): Promise<{ ready: boolean; checks: Record<string, 'ok' | string> }>;
}

export function createReadiness(): Readiness {
  const checks = new Map<string, ReadinessCheck>();
  return {
    register(name, check) {
      checks.set(name, check);
    },
    async run(timeoutMs = 2000) {
      const results: Record<string, string> = {};
      await Promise.all(
        [...checks].map(async ([name, check]) => {
          let timer: NodeJS.Timeout | undefined;
          try {
            await Promise.race([
              check(),
              new Promise((_, reject) => {
                timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
              }),
            ]);
            results[name] = 'ok';
          } catch (err) {
            results[name] = err instanceof Error ? err.message : String(err);
          } finally {
            clearTimeout(timer);
          }
        }),
      );
      return { ready: checks.size > 0 && Object.values(results).every((r) => r === 'ok'), checks: results };
    },
  };
}
