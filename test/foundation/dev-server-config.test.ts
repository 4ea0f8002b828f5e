import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEV_SERVER_DYNAMIC_CONFIG, dynamicConfigFlags, startDevServer } from '../../temporal/dev-server';
import { resolveTemporal } from '../../temporal/resolve-binary';

// The dev server that `npm start`, the tests and the benches run does not keep the CLI's
// never-in-production search-attribute setting (temporal/dev-server.ts says why).

/** The server process's own argv, as the kernel has it (setpriv execs into the binary). */
function argvOf(pid: number | undefined): string[] {
  if (pid === undefined) throw new Error('no pid');
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

/** The value the server was given for `key`: the last --dynamic-config-value for it wins. */
function lastValue(argv: string[], key: string): string | undefined {
  let value: string | undefined;
  argv.forEach((arg, i) => {
    if (arg === '--dynamic-config-value' && argv[i + 1]?.startsWith(`${key}=`)) {
      value = argv[i + 1]?.slice(key.length + 1);
    }
  });
  return value;
}

describe('the dev server we start', () => {
  it('turns off the forced search-attribute cache refresh, and lets a caller override a value', async () => {
    const source = resolveTemporal({ cli: process.env.TEMPORAL_CLI });
    if (source.kind !== 'binary') throw new Error('no temporal binary');
    const key = 'system.forceSearchAttributesCacheRefreshOnRead';
    expect(DEV_SERVER_DYNAMIC_CONFIG[key]).toBe('false');

    const plain = await startDevServer({ binary: source.path, startTimeoutMs: 90_000 });
    try {
      expect(lastValue(argvOf(plain.process.pid), key)).toBe('false');
    } finally {
      await plain.stop();
    }

    // The server accepted an explicit value (it answered) and got the caller's, not ours.
    const overridden = await startDevServer({
      binary: source.path,
      startTimeoutMs: 90_000,
      dynamicConfig: { [key]: 'true', 'matching.numTaskqueueReadPartitions': '1' },
    });
    try {
      const argv = argvOf(overridden.process.pid);
      expect(lastValue(argv, key)).toBe('true');
      expect(lastValue(argv, 'matching.numTaskqueueReadPartitions')).toBe('1');
    } finally {
      await overridden.stop();
    }
  });

  it('writes each value as YAML text after its key', () => {
    expect(dynamicConfigFlags({ a: 'false', b: '"x y"' })).toEqual([
      '--dynamic-config-value',
      'a=false',
      '--dynamic-config-value',
      'b="x y"',
    ]);
  });
});
