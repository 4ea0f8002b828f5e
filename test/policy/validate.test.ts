import { describe, expect, it } from 'vitest';
import { ALL_REMAINING_CUSTOMERS_ID, defaultConfig, formatPath, validateConfig } from '../../policy';
import { issueExample, parse } from './fixtures';

// biome-ignore lint/suspicious/noExplicitAny: the tests write arbitrary, deliberately invalid shapes into the document
type Doc = Record<string, any>;

function errorsAfter(mutate: (doc: Doc) => void, previous?: Parameters<typeof validateConfig>[1]) {
  const doc = issueExample() as Doc;
  mutate(doc);
  const result = validateConfig(doc, previous);
  if (result.ok) throw new Error('expected the document to be rejected');
  return result.errors;
}

function expectProblem(mutate: (doc: Doc) => void, path: string, message?: RegExp) {
  const errors = errorsAfter(mutate);
  const atPath = errors.filter((e) => e.path === path);
  expect(atPath, JSON.stringify(errors, null, 2)).not.toHaveLength(0);
  if (message)
    expect(
      atPath.some((e) => message.test(e.message)),
      JSON.stringify(atPath),
    ).toBe(true);
}

describe('valid documents', () => {
  it('accepts the example from the issue', () => {
    const result = validateConfig(issueExample());
    expect(result.ok && result.warnings).toEqual([]);
  });

  it('accepts the shipped default configuration, without warnings', () => {
    const result = validateConfig(defaultConfig);
    expect(result).toMatchObject({ ok: true, warnings: [] });
  });

  it('fills defaults for optional settings and group fields', () => {
    const config = parse({
      settings: { default_label: 'Soft Decline' },
      labels: [{ name: 'Hard Decline' }, { name: 'Soft Decline' }, { name: 'System Error' }],
      customer_groups: [{ id: 1, name: 'All Remaining Customers' }],
    });
    expect(config.settings).toEqual({
      time_zone: 'UTC',
      processor_interval: 'PT1H',
      default_label: 'Soft Decline',
      max_cycle_days: 90,
      retry_on_payment_method_update: true,
    });
    expect(config.customer_groups[0]).toEqual({
      id: 1,
      name: 'All Remaining Customers',
      active: true,
      filters: [],
      attempts: [],
    });
    expect(config.response_codes).toEqual([]);
  });

  it('ignores (drops) a priority sent for All Remaining Customers', () => {
    const doc = issueExample() as Doc;
    doc.customer_groups[1].priority = 1; // same as group 2's: not a duplicate, it is ignored
    const config = parse(doc);
    expect(config.customer_groups.find((g) => g.id === ALL_REMAINING_CUSTOMERS_ID)?.priority).toBeUndefined();
  });

  it('warns, without rejecting, when a never-retry code is mapped to a retryable label', () => {
    const doc = issueExample() as Doc;
    doc.response_codes[1].label = 'Soft Decline';
    const result = validateConfig(doc);
    expect(result.ok).toBe(true);
    expect(result.warnings.map((w) => w.path)).toContain('response_codes[1].label');
  });
});

describe('every invalid configuration is rejected with its path', () => {
  it('unknown label in response_codes', () =>
    expectProblem(
      (d) => (d.response_codes[3].label = 'Mediun Decline'),
      'response_codes[3].label',
      /unknown label/,
    ));

  it('unknown label in an attempt entry', () =>
    expectProblem(
      (d) => (d.customer_groups[0].attempts[0]['Medium Declin'] = { action: 'Stop' }),
      'customer_groups[0].attempts[0]',
      /unknown label "Medium Declin"/,
    ));

  it('unknown label in an attempt entry of the second group', () =>
    expectProblem(
      (d) => (d.customer_groups[1].attempts = [{ 'soft decline': { action: 'Stop' } }]),
      'customer_groups[1].attempts[0]',
      /did you mean "Soft Decline"/,
    ));

  it('unknown default_label', () =>
    expectProblem((d) => (d.settings.default_label = 'Unknown'), 'settings.default_label', /unknown label/));

  it('duplicate group ids', () =>
    expectProblem((d) => (d.customer_groups[0].id = 1), 'customer_groups[1].id', /duplicate group id 1/));

  it('duplicate priorities', () =>
    expectProblem(
      (d) => d.customer_groups.splice(1, 0, { id: 3, name: 'Other', priority: 1, attempts: [] }),
      'customer_groups[1].priority',
      /duplicate priority 1/,
    ));

  it('missing priority on a custom group', () =>
    expectProblem((d) => delete d.customer_groups[0].priority, 'customer_groups[0].priority', /required/));

  it('duplicate label names (case-insensitive)', () =>
    expectProblem((d) => d.labels.push({ name: 'soft decline' }), 'labels[4].name', /duplicate label name/));

  it('a label named "*"', () =>
    expectProblem((d) => d.labels.push({ name: '*' }), 'labels[4].name', /reserved/));

  it('a removed built-in label', () =>
    expectProblem(
      (d) => {
        d.labels.splice(2, 1);
        d.customer_groups[0].attempts[0] = {};
      },
      'labels',
      /built-in label "System Error"/,
    ));

  it('bad retry interval', () =>
    expectProblem(
      (d) => (d.customer_groups[0].attempts[0]['Soft Decline'].interval = '24h'),
      'customer_groups[0].attempts[0]["Soft Decline"].interval',
      /ISO-8601 duration/,
    ));

  it('zero retry interval', () =>
    expectProblem(
      (d) => (d.customer_groups[0].attempts[0]['Soft Decline'].interval = 'PT0S'),
      'customer_groups[0].attempts[0]["Soft Decline"].interval',
      /longer than zero/,
    ));

  it('"P" and "PT" are not durations', () => {
    expectProblem((d) => (d.settings.processor_interval = 'P'), 'settings.processor_interval');
    expectProblem((d) => (d.settings.processor_interval = 'PT'), 'settings.processor_interval');
  });

  it('processor_interval that does not divide the day', () =>
    expectProblem(
      (d) => (d.settings.processor_interval = 'PT7H'),
      'settings.processor_interval',
      /divide 24 hours/,
    ));

  it('non-IANA time zone', () =>
    expectProblem((d) => (d.settings.time_zone = 'Mars/Olympus_Mons'), 'settings.time_zone', /IANA/));

  it('fixed offsets are not time zones', () =>
    expectProblem((d) => (d.settings.time_zone = '+05:00'), 'settings.time_zone', /IANA/));

  it('day_of_month out of range', () => {
    for (const day of [0, 32, 1.5]) {
      expectProblem(
        (d) => (d.customer_groups[0].attempts[1]['*'].day_of_month = day),
        'customer_groups[0].attempts[1]["*"].day_of_month',
      );
    }
  });

  it('day_of_week out of range', () => {
    for (const day of [0, 8]) {
      expectProblem((d) => {
        delete d.customer_groups[0].attempts[1]['*'].day_of_month;
        d.customer_groups[0].attempts[1]['*'].day_of_week = day;
      }, 'customer_groups[0].attempts[1]["*"].day_of_week');
    }
  });

  it('day_of_week together with day_of_month', () =>
    expectProblem(
      (d) => (d.customer_groups[0].attempts[1]['*'].day_of_week = 1),
      'customer_groups[0].attempts[1]["*"].day_of_month',
      /cannot both be set/,
    ));

  it('bad HH:MM', () => {
    for (const time of ['24:00', '9:00', '09:60', '09:00:00', 'nine']) {
      expectProblem(
        (d) => (d.customer_groups[0].attempts[1]['*'].time = time),
        'customer_groups[0].attempts[1]["*"].time',
        /HH:MM/,
      );
    }
  });

  it('removing a label that is still mapped', () => {
    const previous = parse(issueExample());
    const errors = errorsAfter((d) => d.labels.splice(3, 1), { previous });
    expect(errors).toContainEqual({
      path: 'response_codes[3].label',
      message: expect.stringMatching(/"Medium Decline" was removed but is still used/),
    });
  });

  it('removing a label still used by an attempt rule', () => {
    const previous = parse(issueExample());
    const errors = errorsAfter(
      (d) => {
        d.labels.splice(3, 1);
        d.response_codes.splice(3, 1);
        d.customer_groups[0].attempts[0]['Medium Decline'] = { action: 'Stop' };
      },
      { previous },
    );
    expect(errors.map((e) => e.path)).toEqual(['customer_groups[0].attempts[0]']);
  });

  it('missing All Remaining Customers', () =>
    expectProblem(
      (d) => d.customer_groups.splice(1, 1),
      'customer_groups',
      /"All Remaining Customers".*missing/,
    ));

  it('deactivated All Remaining Customers', () =>
    expectProblem(
      (d) => (d.customer_groups[1].active = false),
      'customer_groups[1].active',
      /cannot be deactivated/,
    ));

  it('filters on All Remaining Customers', () =>
    expectProblem(
      (d) => (d.customer_groups[1].filters = [{ field: 'country', operator: 'eq', value: 'US' }]),
      'customer_groups[1].filters',
      /takes no filters/,
    ));

  it('renaming All Remaining Customers, or reusing its name', () => {
    expectProblem(
      (d) => (d.customer_groups[1].name = 'Everyone'),
      'customer_groups[1].name',
      /cannot be renamed/,
    );
    expectProblem(
      (d) => (d.customer_groups[0].name = 'All Remaining Customers'),
      'customer_groups[0].name',
      /reserved/,
    );
  });

  it('response code entry with neither code nor description', () =>
    expectProblem((d) => delete d.response_codes[0].code, 'response_codes[0]', /code or a description/));

  it('the same gateway code mapped twice', () =>
    expectProblem(
      (d) => d.response_codes.push({ gateway_id: 'sim', code: 'insufficient_funds', label: 'Hard Decline' }),
      'response_codes[4].code',
      /already mapped by response_codes\[0\]/,
    ));

  it('the same description mapped twice, differing only in case and spacing', () =>
    expectProblem(
      (d) =>
        d.response_codes.push({ gateway_id: 'sim', description: ' do  NOT honor', label: 'Hard Decline' }),
      'response_codes[4].description',
    ));

  it('max_cycle_days outside 1..90', () => {
    expectProblem((d) => (d.settings.max_cycle_days = 91), 'settings.max_cycle_days', /at most 90/);
    expectProblem((d) => (d.settings.max_cycle_days = 0), 'settings.max_cycle_days', /at least 1/);
  });

  it('unknown top-level key', () => expectProblem((d) => (d.setings = {}), 'setings', /unknown key/));

  it('unknown nested key (typo in a rule)', () =>
    expectProblem(
      (d) => (d.customer_groups[0].attempts[0]['System Error'].intreval = 'PT1H'),
      'customer_groups[0].attempts[0]["System Error"].intreval',
      /unknown key/,
    ));

  it('unknown filter operator', () =>
    expectProblem(
      (d) => (d.customer_groups[0].filters[0].operator = 'like'),
      'customer_groups[0].filters[0].operator',
    ));

  it('filter value of the wrong type for its operator', () =>
    expectProblem(
      (d) => (d.customer_groups[0].filters[0].value = 'US'),
      'customer_groups[0].filters[0].value',
    ));

  it('unknown action', () =>
    expectProblem(
      (d) => (d.customer_groups[0].attempts[0]['Hard Decline'] = { action: 'Pause' }),
      'customer_groups[0].attempts[0]["Hard Decline"].action',
    ));

  it('non-http webhook', () =>
    expectProblem(
      (d) => (d.customer_groups[0].attempts[2]['*'].webhook = 'ftp://example.com/x'),
      'customer_groups[0].attempts[2]["*"].webhook',
      /http/,
    ));

  it('missing required sections', () => {
    const result = validateConfig({});
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors.map((e) => e.path)).toEqual(['settings', 'labels', 'customer_groups']);
      expect(result.errors.every((e) => e.message === 'is required')).toBe(true);
    }
  });

  it('a document that is not an object', () => {
    expect(validateConfig('nope')).toMatchObject({ ok: false, errors: [{ path: '' }] });
    expect(validateConfig(null)).toMatchObject({ ok: false });
  });

  it('reports every problem at once, schema and cross-field alike', () => {
    const errors = errorsAfter((d) => {
      d.settings.time_zone = 'Nowhere/Land';
      d.settings.default_label = 'Nope';
      d.response_codes[0].label = 'Nope';
      d.customer_groups[0].attempts[1]['*'].time = '25:00';
      d.customer_groups[1].active = false;
      d.extra = true;
    });
    expect(errors.map((e) => e.path).sort()).toEqual(
      [
        'customer_groups[0].attempts[1]["*"].time',
        'customer_groups[1].active',
        'extra',
        'response_codes[0].label',
        'settings.default_label',
        'settings.time_zone',
      ].sort(),
    );
  });
});

describe('formatPath', () => {
  it('formats identifiers, indexes and other keys', () => {
    expect(formatPath(['customer_groups', 1, 'attempts', 0])).toBe('customer_groups[1].attempts[0]');
    expect(formatPath(['customer_groups', 1, 'attempts', 0, 'Soft Decline', 'interval'])).toBe(
      'customer_groups[1].attempts[0]["Soft Decline"].interval',
    );
    expect(formatPath(['settings', 'time_zone'])).toBe('settings.time_zone');
    expect(formatPath([])).toBe('');
  });
});
