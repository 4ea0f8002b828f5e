import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RetryConfigDraft } from '../../console/rules/draft';
import { fieldId, parsePath, pathOf, placeProblems, shownPaths } from '../../console/rules/field-paths';
import { defaultConfig, formatPath, type RetryConfig, validateConfig } from '../../policy';

// A validation problem must land at the control that edits what it names: the page spells paths as
// the validator does, and every path it gives a control or a part is in `shownPaths`.

const segment = fc.oneof(
  fc.nat({ max: 50 }),
  fc.constantFrom('settings', 'customer_groups', 'attempts', 'Soft Decline', '*', 'a"b', 'x.y', '0', '[1]'),
  fc.string({ maxLength: 8 }),
);

function problemsOf(config: unknown) {
  const result = validateConfig(config);
  return result.ok ? { errors: [], warnings: result.warnings } : result;
}

function configWith(change: (c: RetryConfig) => void): RetryConfig {
  const c = structuredClone(defaultConfig) as RetryConfig;
  change(c);
  return c;
}

const group = (priority: number, id: number): RetryConfig['customer_groups'][number] => ({
  id,
  name: `Group ${id}`,
  active: true,
  priority,
  filters: [{ field: 'segment', operator: 'eq', value: 'smb' }],
  attempts: structuredClone(defaultConfig.customer_groups[0]?.attempts ?? []),
});

describe('paths', () => {
  it('spells a path as the validator does, and reads it back', () => {
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), (segments) => {
        const text = pathOf(...segments);
        expect(text).toBe(formatPath(segments));
        expect(parsePath(text)).toEqual(segments);
      }),
    );
  });

  it('gives two different paths two different DOM ids, made of id-safe characters', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(fieldId(a)).toMatch(/^[A-Za-z0-9_-]+$/);
        if (a !== b) expect(fieldId(a)).not.toBe(fieldId(b));
      }),
    );
  });

  it('refuses text that is not a path', () => {
    expect(parsePath('a..b')).toBeNull();
    expect(parsePath('a[x]')).toBeNull();
    expect(parsePath('(root)')).toEqual([]);
  });
});

describe('placing the validator’s problems', () => {
  const place = (config: RetryConfig, gateway: string | null = 'sim', group = 0) => {
    const { errors, warnings } = problemsOf(config);
    const shown = shownPaths(config as RetryConfigDraft, { gateway, group });
    return { errors, warnings, placed: placeProblems([...errors, ...warnings], shown), shown };
  };

  it('puts a zero soft-decline wait at that attempt’s wait control', () => {
    const config = configWith((c) => {
      const rule = c.customer_groups[0]?.attempts[1]?.['Soft Decline'];
      if (rule?.action === 'Retry' && rule.criteria === 'incremental_time') rule.interval = 'P0D';
    });
    const { errors, placed } = place(config);
    const path = 'customer_groups[0].attempts[1]["Soft Decline"].interval';
    expect(errors.map((e) => e.path)).toEqual([path]);
    expect(placed.at.get(path)?.[0]?.message).toMatch(/longer than zero/);
    expect(placed.unplaced).toEqual([]);
  });

  it('puts each problem at its own field or the nearest part that shows it', () => {
    const config = configWith((c) => {
      c.customer_groups.unshift(group(5, 2), group(5, 3));
      (c.customer_groups[1] as { name: string }).name = 'Group 2';
      c.settings.time_zone = 'Mars/Olympus';
      (c.customer_groups[0]?.attempts[0] as Record<string, unknown>)['Sof Decline'] = { action: 'Stop' };
      (c.customer_groups[0]?.attempts[2] as Record<string, unknown>)['Soft Decline'] = {
        action: 'Retry',
        criteria: 'incremental_time',
        interval: 'P1D',
        intreval: 'P2D',
      };
      (c.response_codes[0] as { label: string }).label = 'Nope';
    });
    const { placed } = place(config);
    const at = (path: string) => placed.at.get(path)?.map((p) => p.message) ?? [];
    expect(at('settings.time_zone')[0]).toMatch(/IANA/);
    // The form shows one group at a time: another group's problems are listed at the top…
    expect(placed.unplaced.map((p) => p.path).sort()).toEqual([
      'customer_groups[1].name',
      'customer_groups[1].priority',
    ]);
    // …and at their fields once that group is shown.
    const second = place(config, 'sim', 1).placed;
    expect(second.at.get('customer_groups[1].priority')?.[0]?.message).toMatch(/duplicate priority/);
    expect(second.at.get('customer_groups[1].name')?.[0]?.message).toMatch(/duplicate group name/);
    // An unknown label key has no control of its own: its attempt shows it.
    expect(at('customer_groups[0].attempts[0]').join()).toMatch(/unknown label "Sof Decline"/);
    // A typo'd key shows at the rule it is in.
    expect(at('customer_groups[0].attempts[2]["Soft Decline"]').join()).toMatch(/unknown key "intreval"/);
    expect(at('response_codes[0].label')[0]).toMatch(/unknown label "Nope"/);
  });

  it('lists a problem in a gateway the mapping form does not show at the top', () => {
    const config = configWith((c) => {
      (c.response_codes[0] as { label: string }).label = 'Nope';
    });
    const { placed } = place(config, '*');
    expect(placed.unplaced.map((p) => p.path)).toEqual(['response_codes[0].label']);
  });

  it('lists problems of the document itself at the top', () => {
    const { errors } = problemsOf({ settings: {}, labels: [], customer_groups: [] });
    const shown = shownPaths(structuredClone(defaultConfig) as RetryConfigDraft, {
      gateway: 'sim',
      group: 0,
    });
    const placed = placeProblems([...errors, { path: '(root)', message: 'not an object' }], shown);
    expect(placed.unplaced.map((p) => p.path)).toEqual(['(root)']);
    expect(placed.at.get('settings.default_label')?.[0]?.message).toBe('is required');
  });

  it('gives every rule of every attempt its controls', () => {
    const shown = shownPaths(structuredClone(defaultConfig) as RetryConfigDraft, {
      gateway: 'sim',
      group: 0,
    });
    for (let a = 0; a < 7; a++) {
      expect(shown.shown.has(`customer_groups[0].attempts[${a}]["Soft Decline"].interval`)).toBe(true);
      expect(shown.shown.has(`customer_groups[0].attempts[${a}]["Hard Decline"].action`)).toBe(true);
      expect(shown.shown.has(`customer_groups[0].attempts[${a}]["*"].action`)).toBe(true);
    }
    expect(shown.shown.has('customer_groups[0].priority')).toBe(false); // the catch-all has none
  });
});
