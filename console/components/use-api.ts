import { useCallback, useEffect, useState } from 'preact/hooks';
import { messageOf } from '../api/client';

// One API read for a page: its data, its error message, and a way to read again.

export type Loaded<T> = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ok'; data: T };

export function useApi<T>(
  read: () => Promise<{ data?: T; error?: unknown }>,
  deps: unknown[],
): [Loaded<T>, () => void] {
  const [value, setValue] = useState<Loaded<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    read().then(
      ({ data, error }) => {
        if (!current) return;
        setValue(data !== undefined ? { state: 'ok', data } : { state: 'error', message: messageOf(error) });
      },
      (err: unknown) => current && setValue({ state: 'error', message: String(err) }),
    );
    return () => {
      current = false;
    };
  }, [...deps, round]);
  const again = useCallback(() => setRound((r) => r + 1), []);
  return [value, again];
}
