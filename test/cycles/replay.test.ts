import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MESSAGE_PATHS, replayHistories } from '../support/replay';

// Histories recorded from real runs of every message path (npm run histories:record). Replaying them
// against today's workflow code proves running cycles survive a deploy: a non-deterministic change
// fails here. before-local-store/ holds the histories of cycles started before the 'local-store'
// patch (ordinary store activities); they must keep replaying as long as such cycles may be running.
const dir = join(import.meta.dirname, '..', 'fixtures', 'histories');
const generations = ['.', 'before-local-store'];
const files = generations.flatMap((g) =>
  readdirSync(join(dir, g))
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(g, f)),
);

describe('RetryCycle replays its recorded histories', () => {
  it.each(generations)('has a recorded history for every message path (%s)', (generation) => {
    const names = files.filter((f) => join(generation, basename(f)) === f).map((f) => basename(f, '.json'));
    expect(names.sort()).toEqual([...MESSAGE_PATHS].sort());
  });

  it('replays every one of them deterministically', async () => {
    const { failures, replayed } = await replayHistories(dir, files);
    expect(failures).toEqual([]);
    expect(replayed).toBe(files.length);
  });
});
