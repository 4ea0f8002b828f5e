// Failed logins are limited per client so a token cannot be guessed online; successful requests are
// never counted. A fixed window per client keeps the memory bounded by the number of attackers.
export interface FailedAuthLimiter {
  blocked(client: string, now?: number): number | null;
  fail(client: string, now?: number): void;
}

export function createFailedAuthLimiter(opts: { max: number; windowMs: number }): FailedAuthLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  const current = (client: string, now: number) => {
    const w = windows.get(client);
    if (!w || now - w.start >= opts.windowMs) return undefined;
    return w;
  };
  return {
    /** Seconds until the client may try again, or null when it may try now. */
    blocked(client, now = Date.now()) {
      const w = current(client, now);
      if (!w || w.count < opts.max) return null;
      return Math.ceil((w.start + opts.windowMs - now) / 1000);
    },
    fail(client, now = Date.now()) {
      const w = current(client, now);
      if (w) w.count += 1;
      else {
        if (windows.size > 100_000) windows.clear();
        windows.set(client, { start: now, count: 1 });
      }
    },
  };
}
