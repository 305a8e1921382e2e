import { describe, expect, it } from 'vitest';
import { checkReleaseTagForm, checkReleaseTagSequence, type ReleaseTagCheck } from './version-scheme';

const semver: ReleaseTagCheck = { scheme: 'semver', allowGap: false };
const calver: ReleaseTagCheck = { scheme: 'calver', allowGap: false, now: new Date('2025-06-15T12:00:00Z') };

describe('checkReleaseTagForm', () => {
  it.each(['v1.0.0', 'v0.1.0', 'v10.20.30', 'v2.0.0-rc.1', 'v2.0.0-beta', 'v1.0.0-alpha.beta.1'])(
    'semver accepts %s',
    (tag) => expect(() => checkReleaseTagForm([tag], semver)).not.toThrow(),
  );

  it.each([
    'v1.0',
    'v1',
    'v1.0.0.0',
    'v01.0.0',
    'v1.02.0',
    'vv1.0.0',
    'v1.0.0-rc.01',
    'v1.0.0-',
    'version-1',
    'v1.0.0_rc',
  ])('semver refuses %s, naming the input, the forms and the other schemes', (tag) =>
    expect(() => checkReleaseTagForm([tag], semver)).toThrow(
      `Input "to" has ${tag}, which is not a semver release tag: write vMAJOR.MINOR.PATCH or vMAJOR.MINOR.PATCH-PRERELEASE (e.g. v1.4.0, v2.0.0-rc.1). If this project versions otherwise, set version-scheme: calver (or none).`,
    ),
  );

  it.each(['v2025.06.0', 'v2025.6.0', 'v25.06.1', 'v2025.12.10-rc.1'])('calver accepts %s', (tag) =>
    expect(() => checkReleaseTagForm([tag], calver)).not.toThrow(),
  );

  it.each(['v2025.13.0', 'v2025.00.1', 'v2025.6', 'v1.0.0.0', 'v202.06.0', 'v2025.06.01'])(
    'calver refuses %s',
    (tag) =>
      expect(() => checkReleaseTagForm([tag], calver)).toThrow(
        /^Input "to" has .*, which is not a calver release tag: write vYYYY\.MM\.MICRO or vYY\.MM\.MICRO.* set version-scheme: semver \(or none\)\.$/,
      ),
  );

  it('none checks nothing', () => {
    expect(() => checkReleaseTagForm(['v1.0', 'vnext'], { scheme: 'none', allowGap: false })).not.toThrow();
  });
});

/** The problem the sequence check reports for `tag` after `existing`, or undefined when it passes. */
function sequenceProblem(
  tag: string,
  existing: string[],
  check: ReleaseTagCheck = semver,
): string | undefined {
  try {
    checkReleaseTagSequence([tag], existing, 'ghcr.io/acme/api', check);
    return undefined;
  } catch (error) {
    return (error as Error).message
      .replace(/^Input "to" has \S+, which is out of sequence: /, '')
      .replace(/ \(ghcr\.io.*$/, '');
  }
}

describe('checkReleaseTagSequence (semver)', () => {
  it.each<[string, string[]]>([
    // First releases: anything, the repository has no version yet.
    ['v1.0.0', []],
    ['v0.1.0', ['latest', 'prod', 'abc1234']],
    ['v3.4.2', []],
    // Next patch, minor and major.
    ['v1.0.1', ['v1.0.0']],
    ['v1.1.0', ['v1.0.0']],
    ['v2.0.0', ['v1.0.0', 'v1.1.0']],
    ['v1.2.0', ['v1.0.0', 'v1.1.0']],
    // Older lines: a patch of v1.0 after v2.0.0, a patch of v1.1 after v1.2.0.
    ['v1.0.1', ['v1.0.0', 'v2.0.0']],
    ['v1.1.3', ['v1.1.0', 'v1.1.1', 'v1.1.2', 'v1.2.0']],
    // Filling a hole is no gap.
    ['v1.0.1', ['v1.0.0', 'v1.0.2']],
    // Prereleases: of the next version, numbered up, then the release.
    ['v2.0.0-rc.1', ['v1.4.0']],
    ['v2.0.0-rc.0', ['v1.4.0']],
    ['v2.0.0-rc.2', ['v1.4.0', 'v2.0.0-rc.1']],
    ['v2.0.0-beta.1', ['v1.4.0', 'v2.0.0-rc.3']],
    ['v2.0.0', ['v1.4.0', 'v2.0.0-rc.1', 'v2.0.0-rc.2']],
    ['v1.5.0-beta', ['v1.4.0']],
    // A prerelease line counts as existing: v1.3.0 after v1.2.0-rc.1 that never shipped.
    ['v1.3.0', ['v1.1.0', 'v1.2.0-rc.1']],
    // Tags that are no semver version are not part of the sequence.
    ['v1.1.0', ['v1.0.0', 'v1', 'v9.0', 'v99.0.0-', 'latest']],
    // The tag itself, created meanwhile by a promotion running at the same moment: the write decides.
    ['v1.1.0', ['v1.0.0', 'v1.1.0']],
    ['v3.0.0', ['v3.0.0']],
  ])('%s after %j is a valid next step', (tag, existing) => {
    expect(sequenceProblem(tag, existing)).toBeUndefined();
  });

  it.each<[string, string[], string]>([
    ['v1.10.0', ['v1.0.0', 'v1.1.0'], 'the next minor after v1.1.0 is v1.2.0'],
    ['v1.10.0', ['v1.0.0'], 'the next minor after v1.0.0 is v1.1.0'],
    ['v1.0.2', ['v1.0.0'], 'the next patch after v1.0.0 is v1.0.1'],
    ['v3.0.0', ['v1.0.0'], 'the next major after v1.0.0 is v2.0.0'],
    ['v2.1.0', ['v1.4.0'], 'v2 has no release yet, so its first is v2.0.0'],
    ['v1.3.1', ['v1.2.0'], 'v1.3 has no release yet, so its first is v1.3.0'],
    ['v1.1.0-rc.1', ['v1.0.0', 'v1.1.0'], 'v1.1.0 is released already, so a prerelease of it comes too late'],
    ['v2.0.0-rc.3', ['v1.4.0', 'v2.0.0-rc.1'], 'the next prerelease after v2.0.0-rc.1 is v2.0.0-rc.2'],
    ['v2.0.0-rc.5', ['v1.4.0'], 'the first prerelease of its kind is v2.0.0-rc.0 or v2.0.0-rc.1'],
  ])('%s after %j: %s', (tag, existing, problem) => {
    expect(sequenceProblem(tag, existing)).toBe(problem);
  });

  it('the whole message names the input, the repository, what it has and the way out', () => {
    expect(() =>
      checkReleaseTagSequence(['prod', 'v1.10.0'], ['v1.0.0', 'v1.1.0', 'prod'], 'ghcr.io/acme/api', semver),
    ).toThrow(
      'Input "to" has v1.10.0, which is out of sequence: the next minor after v1.1.0 is v1.2.0 (ghcr.io/acme/api has v1.0.0, v1.1.0). Nothing was written. Check for a typo; if v1.10.0 is meant, set allow-version-gap: true.',
    );
  });

  it('lists a long history by its ends', () => {
    const existing = ['v1.0.0', 'v1.0.1', 'v1.1.0', 'v1.2.0', 'v1.10.0'];
    expect(() => checkReleaseTagSequence(['v1.12.0'], existing, 'r', semver)).toThrow(
      '(r has v1.0.0, v1.0.1 … v1.2.0, v1.10.0)',
    );
  });

  it('allow-version-gap lets a gap through, and version-scheme none checks nothing', () => {
    expect(sequenceProblem('v1.10.0', ['v1.0.0'], { scheme: 'semver', allowGap: true })).toBeUndefined();
    expect(sequenceProblem('v9.0.0', ['v1.0.0'], { scheme: 'none', allowGap: false })).toBeUndefined();
  });
});

describe('checkReleaseTagSequence (calver)', () => {
  it.each<[string, string[]]>([
    ['v2025.06.0', []],
    ['v2025.06.0', ['v2025.05.0', 'v2025.05.1']],
    ['v2025.06.1', ['v2025.06.0']],
    ['v2025.06.1', ['v2025.05.3']],
    ['v2025.05.4', ['v2025.05.3', 'v2025.06.0']],
    ['v2024.11.2', ['v2024.11.1', 'v2025.06.0']],
    ['v2025.06.0-rc.1', ['v2025.05.0']],
    ['v25.06.1', ['v25.06.0']],
  ])('%s after %j is a valid next step', (tag, existing) => {
    expect(sequenceProblem(tag, existing, calver)).toBeUndefined();
  });

  it.each<[string, string[], string]>([
    ['v2025.06.3', ['v2025.06.0'], 'the next micro after v2025.06.0 is v2025.06.1'],
    ['v2025.06.5', ['v2025.05.0'], 'v2025.06 has no release yet, so its first is v2025.06.0'],
    ['v2052.06.0', ['v2025.05.0'], 'it is dated 2052-06, later than this month (2025-06)'],
    ['v2025.07.0', ['v2025.05.0'], 'it is dated 2025-07, later than this month (2025-06)'],
    ['v2025.6.0', ['v2025.06.0-rc.1', 'v2025.06.0'], 'it is v2025.06.0 written differently'],
  ])('%s after %j: %s', (tag, existing, problem) => {
    expect(sequenceProblem(tag, existing, calver)).toBe(problem);
  });
});
