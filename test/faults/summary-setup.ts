import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type ScenarioSummary, tableRows } from './support/summary';

// `npm run test:faults` prints one table at the end: every scenario's faults, the cycles it checked,
// and its duplicates and losses (each test also asserts those are 0).
export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'cpr-faults-'));
  const started = Date.now();
  project.provide('faultSummaryDir', dir);
  return () => {
    const rows = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ScenarioSummary);
    rmSync(dir, { recursive: true, force: true });
    if (rows.length === 0) return;
    const total: ScenarioSummary = {
      scenario: 'TOTAL',
      faults: {},
      cycles: rows.reduce((a, r) => a + r.cycles, 0),
      duplicates: rows.reduce((a, r) => a + r.duplicates, 0),
      losses: rows.reduce((a, r) => a + r.losses, 0),
      // Wall time of the whole run (scenarios run side by side).
      seconds: Math.round((Date.now() - started) / 1000),
    };
    for (const r of rows)
      for (const [k, v] of Object.entries(r.faults)) total.faults[k] = (total.faults[k] ?? 0) + v;
    console.log('\nFault injection summary');
    console.table(tableRows([...rows, total]));
    for (const r of rows) for (const note of r.notes ?? []) console.log(`  ${r.scenario}: ${note}`);
  };
}
