import { exec } from '@flow-actions/action-kit';
import { describe, expect, it } from 'vitest';
import { branchNameProblem, checkBranchName } from './branch-name';

const NAMES = [
  'main',
  'deploy/stage',
  'feat/x-1_2.3',
  'feature/ünïcode',
  'x@y',
  'release/v1.2',
  '-x',
  '--upload-pack=evil',
  'HEAD',
  'a@{b',
  'a b',
  'tab\there',
  'line\nbreak',
  'a.lock',
  'x/a.lock/y',
  'x/.y',
  '.hidden',
  'x.',
  'a\\b',
  'a:b',
  'a//b',
  '/a',
  'a/',
  'a~1',
  'a^',
  'a?',
  'a*',
  'a[',
  'a..b',
  'del\u007f',
];

describe('branchNameProblem', () => {
  it.each(NAMES)('agrees with git check-ref-format --branch on %j', async (name) => {
    const git = await exec('git', ['check-ref-format', '--branch', name], { allowFailure: true });
    expect(branchNameProblem(name) === undefined).toBe(git.exitCode === 0);
  });

  it('refuses "@", which git would expand to HEAD, and the empty name', () => {
    expect(branchNameProblem('@')).toBe('"@" names the current commit, not a branch');
    expect(branchNameProblem('')).toBe('it is empty');
  });

  it('names the input, the rule and an example in one line', () => {
    expect(() => checkBranchName('-x', 'branch')).toThrow(
      'Input "branch" "-x" is not a valid branch name: it starts with "-", which git would read as an option. Give a branch as git accepts it (git check-ref-format --branch), e.g. main or deploy/stage.',
    );
    expect(() => checkBranchName('a\nb', 'branch')).toThrow(
      'Input "branch" "a\\nb" is not a valid branch name: it contains "\\n".',
    );
  });
});
