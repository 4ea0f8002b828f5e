import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { DefaultLogger } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { startTracing } from '../../runtime/tracing';
import { bundleWorkflows } from '../../worker/create-worker';
import { replayHistories } from '../support/replay';

// Turning tracing on under running cycles: every committed history (recorded without tracing, all
// generations, test/cycles/replay.test.ts and later-replay.test.ts) replays on the traced bundle twin
// with the tracing sink, as a worker with OTEL_EXPORTER_OTLP_ENDPOINT set would run them. The
// interceptors add headers and spans, never commands; a replay exports no span.

const dir = join(import.meta.dirname, '..', 'fixtures', 'histories');
const histories = (folder: string): string[] =>
  readdirSync(folder, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? histories(join(folder, e.name))
      : e.name.endsWith('.json')
        ? [relative(dir, join(folder, e.name))]
        : [],
  );

describe('the traced workflow bundle', () => {
  it('replays every committed history deterministically', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = await startTracing({
      serviceName: 'replay',
      spanProcessor: new SimpleSpanProcessor(exporter),
    });
    const code = await bundleWorkflows({ traced: true, logger: new DefaultLogger('WARN') });
    const files = histories(dir);
    expect(files.length).toBeGreaterThan(30);
    const { failures, replayed } = await replayHistories(dir, files, {
      workflowBundle: { code },
      sinks: tracing.worker.sinks,
    });
    expect(failures).toEqual([]);
    expect(replayed).toBe(files.length);
    expect(exporter.getFinishedSpans()).toEqual([]);
    await tracing.shutdown();
  });
});
