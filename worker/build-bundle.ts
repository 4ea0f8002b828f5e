// `npm run build:workflows`: the production worker loads this prebuilt bundle instead of running
// webpack at every start (WORKFLOW_BUNDLE=build/workflow-bundle.js).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { bundlerOptions, workflowsPath } from './create-worker';

const out = resolve(process.argv[2] ?? 'build/workflow-bundle.js');
const { code } = await bundleWorkflowCode({ workflowsPath, ...bundlerOptions });
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, code);
process.stdout.write(`workflow bundle written to ${out} (${(code.length / 1024).toFixed(0)} KiB)\n`);
