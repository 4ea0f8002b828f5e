// `npm run build:workflows`: the production worker loads this prebuilt bundle instead of running
// webpack at every start (WORKFLOW_BUNDLE=build/workflow-bundle.js). Its twin `.traced.js`, with the
// tracing interceptors compiled in, is what a worker with OTEL_EXPORTER_OTLP_ENDPOINT set loads instead.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { bundleWorkflows, tracedBundlePath } from './create-worker';

const out = resolve(process.argv[2] ?? 'build/workflow-bundle.js');
mkdirSync(dirname(out), { recursive: true });
for (const [path, traced] of [
  [out, false],
  [tracedBundlePath(out), true],
] as const) {
  const code = await bundleWorkflows({ traced });
  writeFileSync(path, code);
  process.stdout.write(`workflow bundle written to ${path} (${(code.length / 1024).toFixed(0)} KiB)\n`);
}
