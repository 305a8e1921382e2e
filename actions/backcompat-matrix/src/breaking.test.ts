import { describe, expect, it } from 'vitest';
import { assertNoBreakingChange, findBreakingCommits, parseGitLog } from './breaking';
import { planMatrix } from './plan';
import { parseVersions } from './versions';

const sha = (c: string) => c.repeat(40);

describe('findBreakingCommits', () => {
  it.each([
    ['feat!: drop the v1 API', 'bang'],
    ['feat(api)!: drop the v1 API', 'bang'],
    ['fix: a bug\n\nBREAKING CHANGE: the config moved', 'footer'],
    ['fix: a bug\n\nBody.\n\nBREAKING-CHANGE: renamed', 'footer'],
    ['feat: add x', undefined],
    ['feat: mention BREAKING CHANGE: in the subject', undefined],
    ['fix: x\n\nnot a BREAKING CHANGE: inline', undefined],
    ['docs: note about feat!: in text', undefined],
    ['Merge branch main', undefined],
  ])('%j', (message, marker) => {
    expect(findBreakingCommits([{ sha: sha('a'), message }])[0]?.marker).toBe(marker);
  });

  it('parses git log records', () => {
    const log = `${sha('a')}\x1ffeat!: x\n\nbody\n\x1e\n${sha('b')}\x1ffix: y\n\x1e\n`;
    expect(parseGitLog(log)).toEqual([
      { sha: sha('a'), message: 'feat!: x\n\nbody' },
      { sha: sha('b'), message: 'fix: y' },
    ]);
  });
});

describe('assertNoBreakingChange', () => {
  const plan = (current: string, floor: string) =>
    planMatrix({
      current,
      currentFrom: 'package.json',
      compatible: { version: floor, from: 'Makefile:backwards_compatible_version' },
      policy: 'pinned',
      available: parseVersions(['2.3.20', '2.4.4']),
      sourceName: 'git tags',
    });
  const breaking = findBreakingCommits([{ sha: sha('c'), message: 'feat!: drop the v1 API' }]);

  it('fails in one line with both ways out when the floor shares the major', () => {
    expect(() => assertNoBreakingChange(plan('2.4.5', '2.3.20'), 'v2.3.20..HEAD', breaking)).toThrow(
      '1 breaking commit(s) in v2.3.20..HEAD (ccccccc "feat!: drop the v1 API"), but the floor 2.3.20 (Makefile:backwards_compatible_version) and the current version 2.4.5 share major 2: either bump the major to 3.0.0, or raise the compatible version to 2.4.5 or a later release that contains the break.',
    );
  });

  it('passes when the major moved or nothing broke', () => {
    expect(() => assertNoBreakingChange(plan('3.0.0', '2.3.20'), 'v2.3.20..HEAD', breaking)).not.toThrow();
    expect(() => assertNoBreakingChange(plan('2.4.5', '2.3.20'), 'v2.3.20..HEAD', [])).not.toThrow();
  });
});
