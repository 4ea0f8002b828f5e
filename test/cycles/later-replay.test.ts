import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LEGACY_RETRY_CYCLE_WORKFLOW, RETRY_CYCLE_WORKFLOW } from '../../workflows/messages';
import { MESSAGE_PATHS, replayHistories } from '../support/replay';

// Histories recorded by later code generations, replayed against today's workflow code like the
// committed message paths in replay.test.ts (which stays as it is):
// - payment-claims/: the claim paths, recorded by `scripts/record-claim-histories.ts` when the
//   'payment-claims' patch landed;
// - since-charge-gate/: every message path and claim path again with the 'charge-gate' and
//   'iso-amounts' patches in them (`npm run histories:record -- --out since-charge-gate`, and the same
//   for the claim recorder), so the gated charge, execute/remove Updates' transitions and the stricter
//   amount checks are held to determinism too;
// - retry-cycle-v2/: every message path and claim path of RetryCycleV2, the type new cycles start as
//   (the same recorders, `--out retry-cycle-v2`): RetryCycle's newest path with no patched() call, so
//   its histories hold no patch marker and no TemporalChangeVersion upsert (a recording that does
//   means a patched() call leaked into the new type).
/** The fields of a history event (JSON, as recorded) that these checks read. */
interface HistoryEvent {
  workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } };
  markerRecordedEventAttributes?: { markerName?: string };
  upsertWorkflowSearchAttributesEventAttributes?: {
    searchAttributes?: { indexedFields?: Record<string, unknown> };
  };
}

const CLAIM_PATHS = [
  'collected-then-resubmitted',
  'joined-refused-and-claimed-elsewhere',
  'new-payment-for-collected-document',
  'parallel-submits-stopping',
  'resignal-of-claimed-payment',
  'resubmit-answered-from-claim',
];

describe.each([
  { folder: 'payment-claims', type: LEGACY_RETRY_CYCLE_WORKFLOW, paths: CLAIM_PATHS },
  {
    folder: 'since-charge-gate',
    type: LEGACY_RETRY_CYCLE_WORKFLOW,
    paths: [...MESSAGE_PATHS, ...CLAIM_PATHS],
  },
  { folder: 'retry-cycle-v2', type: RETRY_CYCLE_WORKFLOW, paths: [...MESSAGE_PATHS, ...CLAIM_PATHS] },
])('$type replays its $folder histories', ({ folder, type, paths }) => {
  const dir = join(import.meta.dirname, '..', 'fixtures', 'histories', folder);
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  const events = (f: string): HistoryEvent[] => JSON.parse(readFileSync(join(dir, f), 'utf8')).events;

  it('has a recorded history for every path', () => {
    expect(files.map((f) => basename(f, '.json')).sort()).toEqual([...paths].sort());
  });

  it(`holds runs of ${type}, with patch events only if that is RetryCycle`, () => {
    for (const f of files) {
      const all = events(f);
      expect(all[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name, f).toBe(type);
      const patchEvents = all.filter(
        (e) =>
          e.markerRecordedEventAttributes?.markerName === 'core_patch' ||
          e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields
            ?.TemporalChangeVersion,
      );
      expect(patchEvents.length > 0, f).toBe(type === LEGACY_RETRY_CYCLE_WORKFLOW);
    }
  });

  it('replays every one of them deterministically', async () => {
    const { failures, replayed } = await replayHistories(dir, files);
    expect(failures).toEqual([]);
    expect(replayed).toBe(files.length);
  });
});
