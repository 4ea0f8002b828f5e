import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accountOf,
  draftOf,
  edited,
  filterWithOperator,
  filterWithValue,
  newGroup,
  type RetryConfigDraft,
  ruleOfKind,
  scalarOf,
} from '../../console/rules/draft';
import {
  describeDuration,
  elapsedText,
  joinDuration,
  localText,
  splitDuration,
  UNITS,
} from '../../console/rules/durations';
import { attemptSummary, ruleText } from '../../console/rules/rule-text';
import { defaultConfig, validateConfig } from '../../policy';
import { parseIsoDuration } from '../../policy/duration';

// The editor's pure helpers: what the forms write must be what the policy reads.

const draft = () => structuredClone(defaultConfig) as RetryConfigDraft;

describe('waits as an amount and a unit', () => {
  it('writes a duration the policy reads as that amount of that unit, and reads it back', () => {
    const ms = { minutes: 60_000, hours: 3_600_000 } as const;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.constantFrom(...UNITS), (amount, unit) => {
        const iso = joinDuration(String(amount), unit);
        expect(splitDuration(iso)).toEqual({ amount: String(amount), unit });
        const parsed = parseIsoDuration(iso);
        expect(parsed.ok).toBe(true);
        if (!parsed.ok) return;
        if (unit === 'days') expect(parsed.value.calendar.days).toBe(amount);
        else if (unit === 'weeks') expect(parsed.value.calendar.weeks).toBe(amount);
        else expect(parsed.value.timeMs).toBe(amount * ms[unit]);
      }),
    );
  });

  it('leaves durations of several units to the text field, and says them in words', () => {
    expect(splitDuration('P1DT12H')).toBeNull();
    expect(describeDuration('P1DT12H')).toBe('1 day 12 hours');
    expect(describeDuration('PT30M')).toBe('30 minutes');
    expect(describeDuration('P')).toBeNull();
    expect(describeDuration('soon')).toBeNull();
  });

  it('makes an emptied or zero amount a document the validator refuses at the interval', () => {
    for (const amount of ['', '0']) {
      const doc = edited(draft(), (d) => {
        (d.customer_groups[0]?.attempts[0] as Record<string, unknown>)['Soft Decline'] = {
          action: 'Retry',
          criteria: 'incremental_time',
          interval: joinDuration(amount, 'days'),
        };
      });
      const result = validateConfig(doc);
      expect(result.ok).toBe(false);
      if (!result.ok)
        expect(result.errors.map((e) => e.path)).toEqual([
          'customer_groups[0].attempts[0]["Soft Decline"].interval',
        ]);
    }
  });
});

describe('times in the preview', () => {
  it('reads a local time as written, in its own offset', () => {
    expect(localText('2026-11-23T09:00:00.000-05:00')).toBe('Mon 2026-11-23 09:00 (UTC−05:00)');
    expect(localText('2026-11-22T10:00:00.000Z')).toBe('Sun 2026-11-22 10:00 (UTC)');
    expect(elapsedText('2026-11-22T10:00:00.000Z', '2026-11-23T12:30:00.000Z')).toBe('+1 d 2 h 30 min');
  });
});

describe('filters as typed', () => {
  it('types numbers and yes/no, keeps identifiers with leading zeros as text', () => {
    expect(scalarOf('500')).toBe(500);
    expect(scalarOf('007')).toBe('007');
    expect(scalarOf('true')).toBe(true);
    expect(scalarOf(' smb ')).toBe('smb');
  });

  it('carries a value across operators and lists', () => {
    const f = { field: 'country', operator: 'eq', value: 'US' } as const;
    const list = filterWithOperator(f, 'in');
    expect(list).toEqual({ field: 'country', operator: 'in', value: ['US'] });
    expect(filterWithValue(list, 'US, CA,')).toEqual({
      field: 'country',
      operator: 'in',
      value: ['US', 'CA'],
    });
    expect(filterWithOperator(list, 'exists')).toEqual({ field: 'country', operator: 'exists', value: true });
    expect(filterWithOperator(list, 'gt')).toEqual({ field: 'country', operator: 'gt', value: 'US' });
  });

  it('builds an account from the preview inputs, leaving out empty ones', () => {
    expect(accountOf({ segment: 'smb', amount: '500.00', vip: 'true', empty: ' ' })).toEqual({
      segment: 'smb',
      amount: '500.00',
      vip: true,
    });
  });
});

describe('new parts of the draft', () => {
  it('adds a group and rule kinds the validator accepts', () => {
    const doc = edited(draft(), (d) => {
      const g = newGroup(d);
      g.filters = [{ field: 'segment', operator: 'eq', value: 'smb' }];
      (g.attempts[0] as Record<string, unknown>)['Soft Decline'] = ruleOfKind('time', undefined);
      (g.attempts[1] as Record<string, unknown>)['Soft Decline'] = ruleOfKind('stop', undefined);
      d.customer_groups.unshift(g);
    });
    expect(validateConfig(doc)).toMatchObject({ ok: true });
    expect(doc.customer_groups[0]?.id).toBe(2);
    expect(defaultConfig.customer_groups).toHaveLength(1);
  });
});

describe('a pasted document', () => {
  it('fills the defaults the forms walk through, and says what structure is missing', () => {
    const doc = structuredClone(defaultConfig) as Record<string, unknown>;
    delete doc.response_codes;
    const groups = doc.customer_groups as Record<string, unknown>[];
    delete groups[0]?.filters;
    const result = draftOf(doc);
    expect('draft' in result && result.draft.response_codes).toEqual([]);
    expect('draft' in result && result.draft.customer_groups[0]?.filters).toEqual([]);
    expect(draftOf([])).toMatchObject({ problem: expect.stringMatching(/JSON object/) });
    expect(draftOf({ ...doc, labels: 'x' })).toMatchObject({ problem: expect.stringMatching(/"labels"/) });
    expect(
      draftOf({ ...doc, customer_groups: [{ id: 1, name: 'x', attempts: [{ '*': 'Stop' }] }] }),
    ).toMatchObject({ problem: expect.stringMatching(/customer_groups\[0\]\.attempts/) });
  });
});

describe('rules in words', () => {
  it('says each rule of an attempt, the way the card summary shows it', () => {
    const entry = defaultConfig.customer_groups[0]
      ?.attempts[0] as RetryConfigDraft['customer_groups'][number]['attempts'][number];
    expect(attemptSummary(entry, ['Hard Decline', 'Soft Decline', 'System Error', '*'])).toBe(
      'Hard Decline: stop · Soft Decline: retry after 1 day · System Error: retry after 1 hour',
    );
    expect(ruleText({ action: 'Retry', criteria: 'specific_time', time: '09:00', day_of_week: 1 })).toBe(
      'Retry at 09:00 on Monday',
    );
    expect(attemptSummary({}, ['*'])).toBe('no rule: the cycle stops');
  });
});
