import { describe, expect, it } from 'vitest';
import { evaluationId, supersedes } from './evaluation';

const HEAD = '5F0C6A4E9D3B2A1F8E7D6C5B4A39281706F5E4D3';
const early = new Date('2026-11-20T10:00:00.000Z');
const late = new Date('2026-11-20T10:00:01.500Z');

describe('evaluation ids: the newest evaluation wins', () => {
  it('names the head and the moment its state was read', () => {
    expect(evaluationId(HEAD, early)).toBe(`merge-gate/${HEAD.toLowerCase()}/2026-11-20T10:00:00.000Z`);
  });

  it('a later read overwrites an earlier one; an earlier or equal one does not', () => {
    expect(supersedes(HEAD, late, evaluationId(HEAD, early))).toBe(true);
    expect(supersedes(HEAD, early, evaluationId(HEAD, late))).toBe(false);
    expect(supersedes(HEAD, early, evaluationId(HEAD, early))).toBe(false);
  });

  it.each([
    ['no check run yet', undefined],
    ['another app’s id', 'ci-bot-1234'],
    ['an evaluation of another head', evaluationId('a'.repeat(40), late)],
    ['a malformed id', `merge-gate/${HEAD.toLowerCase()}/not-a-time`],
    ['a longer id', `${evaluationId(HEAD, late)}/extra`],
  ])('%s: write', (_, existing) => {
    expect(supersedes(HEAD, early, existing)).toBe(true);
  });
});
