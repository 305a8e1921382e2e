import { input, words } from '@flow-actions/action-kit';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EXPRESSION_TABLE, legVerdicts } from '../../../test/support/pull-request';
import {
  DEFAULT_EXPRESSION,
  evaluateExpression,
  formatExpression,
  legsOf,
  parseExpression,
  remainingExpression,
} from './expression';
import { allOf, anyOf, negate, VERDICTS } from './verdict';

const subject = words`${input('expression')}`;

describe('three-valued logic', () => {
  it.each([
    ['green', 'green', 'green', 'green'],
    ['green', 'pending', 'pending', 'green'],
    ['green', 'red', 'red', 'green'],
    ['pending', 'pending', 'pending', 'pending'],
    ['pending', 'red', 'red', 'pending'],
    ['red', 'red', 'red', 'red'],
  ] as const)('%s and %s: && is %s, || is %s, either way round', (a, b, and, or) => {
    expect(allOf([a, b])).toBe(and);
    expect(allOf([b, a])).toBe(and);
    expect(anyOf([a, b])).toBe(or);
    expect(anyOf([b, a])).toBe(or);
  });

  it('negation swaps green and red and keeps pending', () => {
    expect(VERDICTS.map(negate)).toEqual(['red', 'pending', 'green']);
  });

  it('De Morgan holds for every pair', () => {
    for (const a of VERDICTS)
      for (const b of VERDICTS) {
        expect(negate(allOf([a, b]))).toBe(anyOf([negate(a), negate(b)]));
        expect(negate(anyOf([a, b]))).toBe(allOf([negate(a), negate(b)]));
      }
  });
});

describe('the default expression ci && (cd || review), every combination of legs', () => {
  const expression = parseExpression(DEFAULT_EXPRESSION, subject);
  it.each(DEFAULT_EXPRESSION_TABLE)('ci cd review = %s → %s', (state, verdict) => {
    expect(evaluateExpression(expression, legVerdicts(state))).toBe(verdict);
  });
});

describe('other expressions', () => {
  it.each([
    ['ci && cd && review', 'g g p', 'pending'],
    ['ci && cd && review', 'g g g', 'green'],
    ['ci && cd && review', 'p r g', 'red'],
    ['ci || cd', 'r p g', 'pending'],
    ['ci || cd', 'r g r', 'green'],
    ['ci || cd', 'r r g', 'red'],
    ['(ci && cd) || review', 'g p r', 'pending'],
    ['(ci && cd) || review', 'r r g', 'green'],
    ['ci && !cd', 'g r r', 'green'],
    ['ci && !cd', 'g g r', 'red'],
    ['ci && !cd', 'g p r', 'pending'],
    ['!(ci || review)', 'r g r', 'green'],
    ['ci&&(cd||review)', 'g r g', 'green'],
    ['!!ci', 'p g g', 'pending'],
  ])('%s with %s → %s', (text, state, verdict) => {
    expect(evaluateExpression(parseExpression(text, subject), legVerdicts(state))).toBe(verdict);
  });

  it('&& binds tighter than ||, ! tighter than both', () => {
    const expression = parseExpression('ci || cd && !review', subject);
    expect(formatExpression(expression)).toBe('ci || cd && !review');
    expect(expression).toEqual({
      kind: 'or',
      operands: [
        { kind: 'leg', leg: 'ci' },
        {
          kind: 'and',
          operands: [
            { kind: 'leg', leg: 'cd' },
            { kind: 'not', operand: { kind: 'leg', leg: 'review' } },
          ],
        },
      ],
    });
  });

  it.each([
    ['ci && (cd || review)', 'ci && (cd || review)'],
    ['((ci))&&(cd||(review))', 'ci && (cd || review)'],
    ['!(ci && cd)', '!(ci && cd)'],
    ['ci\n  && review', 'ci && review'],
  ])('%j is written back as %j', (text, written) => {
    expect(formatExpression(parseExpression(text, subject))).toBe(written);
  });

  it('names the legs it reads', () => {
    expect(legsOf(parseExpression('review || ci', subject))).toEqual(['ci', 'review']);
  });
});

describe('what is still missing', () => {
  const expression = parseExpression(DEFAULT_EXPRESSION, subject);
  const remaining = (state: string) => {
    const rest = remainingExpression(expression, legVerdicts(state));
    return typeof rest === 'boolean' ? rest : formatExpression(rest);
  };

  it.each([
    ['g p p', 'cd || review'],
    ['p p p', 'ci && (cd || review)'],
    ['p g r', 'ci'],
    ['g r r', 'cd || review'],
    ['g g p', true],
  ])('with ci cd review = %s: %s', (state, rest) => {
    expect(remaining(state)).toBe(rest);
  });

  it('a negated leg that is green cannot be met', () => {
    expect(remainingExpression(parseExpression('ci && !cd', subject), legVerdicts('g g g'))).toBe(false);
  });
});

describe('refusals: one line naming the input, the cause and the fix', () => {
  const fix = 'write ci, cd and review combined with &&, ||, ! and parentheses, e.g. ci && (cd || review).';
  it.each([
    ['ci && constructor', 'names "constructor" at column 7, which is not a leg'],
    ['ci && __proto__', 'names "__proto__" at column 7, which is not a leg'],
    ['ci && toString', 'names "toString" at column 7, which is not a leg'],
    ['ci && reveiw', 'names "reveiw" at column 7, which is not a leg (did you mean "review"?)'],
    ['CI && review', 'names "CI" at column 1, which is not a leg (did you mean "ci"?)'],
    ['ci and review', 'has "and" at column 4 (&& means and)'],
    ['not ci', 'has "not" at column 1 (! means not)'],
    ['ci & review', 'has a single "&" at column 4 (&& means and)'],
    ['ci | review', 'has a single "|" at column 4 (|| means or)'],
    ['ci && (cd || review', 'has a "(" at column 7 that is never closed'],
    ['ci && cd)', 'has a ")" at column 9 that closes nothing'],
    ['ci cd', 'has "cd" at column 4 where && or || should be'],
    ['ci &&', 'ends where a leg or "(" should follow'],
    ['&& ci', 'has "&&" at column 1 where a leg or "(" should be'],
    ['ci && legs.cd', 'has "." at column 11, which is not part of a gate expression'],
    ['ci && process.exit()', 'has "." at column 14, which is not part of a gate expression'],
    ['ci == cd', 'has "=" at column 4, which is not part of a gate expression'],
    ['', 'is empty'],
    ['   ', 'is empty'],
    [`${'('.repeat(30)}ci${')'.repeat(30)}`, 'nests deeper than 20 levels'],
    [`ci${' && ci'.repeat(40)}`, 'is longer than 200 characters'],
  ])('%j: %s', (text, problem) => {
    const shown = text.replace(/\s+/g, ' ').trim().slice(0, 200);
    expect(() => parseExpression(text, subject)).toThrow(`Input "expression" "${shown}" ${problem}: ${fix}`);
  });

  it('a file key as the subject names the file', () => {
    expect(() => parseExpression('ci && cd &&', '.github/flow-merge-gate.yml: expression')).toThrow(
      `.github/flow-merge-gate.yml: expression "ci && cd &&" ends where a leg or "(" should follow: ${fix}`,
    );
  });
});
