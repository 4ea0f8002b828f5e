import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  declineMessage,
  outcomeFor,
  outcomeWord,
  parseOutcome,
  parseScript,
  type SimOutcome,
} from '../../sim/outcomes';

const word = (o: SimOutcome) => outcomeWord(o);

describe('parseScript', () => {
  it('parses keyword and decline outcomes in order', () => {
    expect(parseScript('sim.insufficient_funds.timeout.error500.lost_response.approve')).toEqual([
      { kind: 'decline', code: 'insufficient_funds' },
      { kind: 'timeout' },
      { kind: 'error500' },
      { kind: 'lost_response' },
      { kind: 'approve' },
    ]);
  });

  it('ignores everything after the first #', () => {
    expect(parseScript('sim.do_not_honor.approve#cust-42.x#y')).toEqual([
      { kind: 'decline', code: 'do_not_honor' },
      { kind: 'approve' },
    ]);
    expect(parseScript('sim.approve#')).toEqual([{ kind: 'approve' }]);
  });

  it('treats any other word as a decline code, case-insensitively', () => {
    expect(parseScript('sim.Card_Declined.APPROVE')).toEqual([
      { kind: 'decline', code: 'card_declined' },
      { kind: 'approve' },
    ]);
    expect(parseOutcome('some-new-code')).toEqual({ kind: 'decline', code: 'some-new-code' });
  });

  it('returns null for ids that are not well-formed scripts', () => {
    for (const id of [
      'pm_123',
      'sim',
      'sim#x',
      'simx.approve',
      'sim.',
      'sim..approve',
      'sim.approve.',
      'sim.in sufficient',
      'sim.a/b',
      '',
    ]) {
      expect(parseScript(id), id).toBeNull();
    }
  });
});

describe('outcomeFor', () => {
  it('returns the n-th outcome and repeats the last one', () => {
    const id = 'sim.insufficient_funds.do_not_honor.approve';
    expect([1, 2, 3, 4, 10].map((n) => word(outcomeFor(id, n)))).toEqual([
      'insufficient_funds',
      'do_not_honor',
      'approve',
      'approve',
      'approve',
    ]);
    expect(word(outcomeFor('sim.expired_card', 99))).toBe('expired_card');
  });

  it('approves any id that is not a script', () => {
    expect(outcomeFor('pm_card_visa', 1)).toEqual({ kind: 'approve' });
    expect(outcomeFor('sim..x', 3)).toEqual({ kind: 'approve' });
  });
});

describe('declineMessage', () => {
  it('has realistic messages and a fallback', () => {
    expect(declineMessage('insufficient_funds')).toBe('Your card has insufficient funds.');
    expect(declineMessage('do_not_honor')).toBe('Do not honor');
    expect(declineMessage('expired_card')).toBe('Your card has expired.');
    expect(declineMessage('weird_code')).toBe('Your card was declined (weird_code).');
  });
});

const outcomeArb: fc.Arbitrary<SimOutcome> = fc.oneof(
  fc.constantFrom<SimOutcome>(
    { kind: 'approve' },
    { kind: 'timeout' },
    { kind: 'error500' },
    { kind: 'lost_response' },
  ),
  fc
    .stringMatching(/^[a-z0-9_-]{1,16}$/)
    .filter((w) => !['approve', 'timeout', 'error500', 'lost_response'].includes(w))
    .map((code): SimOutcome => ({ kind: 'decline', code })),
);
const scriptArb = fc.array(outcomeArb, { minLength: 1, maxLength: 8 });
const render = (script: SimOutcome[]) => `sim.${script.map(outcomeWord).join('.')}`;

describe('outcomes (properties)', () => {
  it('render → parse round-trips, whatever the #suffix', () => {
    fc.assert(
      fc.property(scriptArb, fc.option(fc.string()), (script, suffix) => {
        const id = suffix === null ? render(script) : `${render(script)}#${suffix}`;
        expect(parseScript(id)).toEqual(script);
      }),
    );
  });

  it('the n-th request gets the n-th outcome, then the last one forever', () => {
    fc.assert(
      fc.property(scriptArb, fc.integer({ min: 1, max: 50 }), (script, n) => {
        const expected = n <= script.length ? script[n - 1] : script[script.length - 1];
        expect(outcomeFor(render(script), n)).toEqual(expected);
      }),
    );
  });

  it('never throws, and ids without the sim. prefix always approve', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 1000 }), (id, n) => {
        const script = parseScript(id);
        if (!id.startsWith('sim.')) {
          expect(script).toBeNull();
          expect(outcomeFor(id, n)).toEqual({ kind: 'approve' });
        }
        expect(() => outcomeFor(id, n)).not.toThrow();
      }),
    );
  });
});
