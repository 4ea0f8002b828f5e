import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where each fault scenario leaves its summary row (see test/faults/summary-setup.ts). */
    faultSummaryDir: string;
  }
}

export interface ScenarioSummary {
  scenario: string;
  /** Faults injected, by kind. */
  faults: Record<string, number>;
  cycles: number;
  duplicates: number;
  losses: number;
  seconds: number;
  /** What else was seen, e.g. errors a client got and had to retry. */
  notes?: string[];
}

export function tableRows(rows: ScenarioSummary[]) {
  return rows.map((r) => ({
    scenario: r.scenario,
    faults: Object.entries(r.faults)
      .map(([k, v]) => `${k} ${v}`)
      .join(', '),
    'faults injected': Object.values(r.faults).reduce((a, b) => a + b, 0),
    'cycles checked': r.cycles,
    duplicates: r.duplicates,
    losses: r.losses,
    seconds: r.seconds,
  }));
}

/** Prints this scenario's row and leaves it for the run's summary table. */
export function reportScenario(summary: ScenarioSummary): void {
  console.table(tableRows([summary]));
  for (const note of summary.notes ?? []) console.log(`  note: ${note}`);
  const dir = inject('faultSummaryDir');
  if (dir) writeFileSync(join(dir, `${summary.scenario}.json`), JSON.stringify(summary));
}
