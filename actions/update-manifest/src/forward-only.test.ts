import { type CliAudience, wordingFor } from '@flow-actions/action-kit';
import { describe, expect, it } from 'vitest';
import { type AppHistory, judgeForward } from './forward-only';
import type { Deploy } from './git';

// History of the app: A ← B ← C on main, and X branched from A (another line). Z is unknown here.
const sha = (char: string) => char.repeat(40);
const [A, B, C, X, Z] = ['a', 'b', 'c', 'e', 'f'].map(sha) as [string, string, string, string, string];
const PARENT: Record<string, string | undefined> = { [A]: undefined, [B]: A, [C]: B, [X]: A };

const history: AppHistory = {
  dir: '/work/app',
  contains: async (commit) => commit in PARENT,
  isAncestor: async (ancestor, descendant) => {
    for (let at = PARENT[descendant]; at; at = PARENT[at]) if (at === ancestor) return true;
    return false;
  },
};

const TERMINAL: CliAudience = { kind: 'cli', flags: { 'forward-only': { type: 'boolean' } } };

const deployOf = (commit: string | undefined): Deploy => ({
  commit: '9'.repeat(40),
  ...(commit ? { sourceCommit: commit } : {}),
});

describe('judgeForward', () => {
  it.each([
    [
      'the older commit B while C runs: skipped',
      B,
      deployOf(C),
      'behind',
      'Skipped: the environment runs ccccccc, which is newer than bbbbbbb',
    ],
    [
      'the oldest commit A while C runs: skipped',
      A,
      deployOf(C),
      'behind',
      'Skipped: the environment runs ccccccc',
    ],
    [
      'the newer commit C while B runs: deployed',
      C,
      deployOf(B),
      'forward',
      'forward-only: ccccccc is newer than bbbbbbb, which the environment runs',
    ],
    [
      'the commit the environment runs: deployed (nothing to change, or another tag of it)',
      C,
      deployOf(C),
      'forward',
      'the environment runs ccccccc already',
    ],
    ['no earlier deploy: deployed', B, undefined, 'forward', 'no earlier deploy, so bbbbbbb is deployed'],
    [
      'a current deploy without Flow-Source-Commit: deployed, said',
      B,
      deployOf(undefined),
      'forward',
      'the current deploy 9999999 names no commit (no Flow-Source-Commit trailer), so bbbbbbb is deployed',
    ],
    [
      'a current commit the checkout does not have: deployed, said',
      B,
      deployOf(Z),
      'forward',
      'fffffff is not in the history of the checkout in /work/app (another repository, a branch not fetched, or history rewritten), so bbbbbbb is deployed',
    ],
    [
      'a commit to deploy the checkout does not have: deployed, said',
      Z,
      deployOf(B),
      'forward',
      'fffffff is not in the history of the checkout in /work/app',
    ],
    [
      'a current commit of another line of history: deployed, said',
      B,
      deployOf(X),
      'forward',
      'bbbbbbb and eeeeeee, which the environment runs, are on different lines of history',
    ],
    [
      'an artifact that names no commit: deployed, said',
      undefined,
      deployOf(C),
      'forward',
      'the artifact names no commit',
    ],
  ] as const)('%s', async (_, candidate, current, kind, reason) => {
    const verdict = await judgeForward(candidate, current, history);
    expect(verdict.kind).toBe(kind);
    expect(String(verdict.reason)).toContain(reason);
    expect(String(verdict.reason)).not.toContain('\n');
  });

  it('names the setting as its reader does: forward-only in a notice, --forward-only on a terminal', async () => {
    const verdict = await judgeForward(C, deployOf(B), history);
    expect(String(verdict.reason)).toBe(
      'forward-only: ccccccc is newer than bbbbbbb, which the environment runs',
    );
    expect(wordingFor(verdict.reason, TERMINAL)).toBe(
      '--forward-only: ccccccc is newer than bbbbbbb, which the environment runs',
    );
    expect(wordingFor((await judgeForward(undefined, deployOf(C), history)).reason, TERMINAL)).toMatch(
      /^--forward-only cannot compare: the artifact names no commit/,
    );
  });

  it('skipping names the commit the environment runs and the deploy that put it there', async () => {
    expect(await judgeForward(B, deployOf(C), history)).toEqual({
      kind: 'behind',
      runs: C,
      deploy: '9'.repeat(40),
      reason:
        "Skipped: the environment runs ccccccc, which is newer than bbbbbbb (bbbbbbb is its ancestor), so deploying bbbbbbb would move it back. Nothing was changed; ccccccc's run checks it.",
    });
  });

  it('what could not be compared is a notice; an ordinary step forward is not', async () => {
    const notices = await Promise.all(
      [
        [C, deployOf(B)],
        [C, deployOf(C)],
        [C, undefined],
        [B, deployOf(X)],
        [B, deployOf(Z)],
        [B, deployOf(undefined)],
      ].map(async ([candidate, current]) => {
        const verdict = await judgeForward(candidate as string, current as Deploy | undefined, history);
        return verdict.kind === 'forward' && verdict.notice;
      }),
    );
    expect(notices).toEqual([false, false, false, true, true, true]);
  });
});
