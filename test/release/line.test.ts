import { parseReleaseVersion, type ReleaseLine, readReleaseLine } from '@flow-actions/versions';
import { describe, expect, it } from 'vitest';
import { isNewestRelease, planRelease } from '../../scripts/release/line';

/** A release line as `git ls-remote` shows it: each version on its own commit, released in the order given. */
function lineOf(...tags: string[]): ReleaseLine {
  const rows: string[] = [];
  const majors = new Map<string, string>();
  const branches = new Map<string, string>();
  for (const [index, tag] of tags.entries()) {
    const sha = String(index + 1).padEnd(40, 'a');
    rows.push(`${sha}\trefs/tags/${tag}`);
    const major = tag.split('.')[0] as string;
    branches.set(major, sha);
    if (!tag.includes('-')) majors.set(major, sha);
  }
  for (const [major, sha] of majors) rows.push(`${sha}\trefs/tags/${major}`);
  for (const [major, sha] of branches) rows.push(`${sha}\trefs/heads/releases/${major}`);
  return readReleaseLine(rows.join('\n'));
}

const plan = (version: string, ...tags: string[]) =>
  planRelease(parseReleaseVersion(version), lineOf(...tags));

describe('the version argument', () => {
  it.each([
    ['1.4.0', 'v1.4.0', false],
    ['v1.4.0', 'v1.4.0', false],
    [' 2.0.0-rc.1 ', 'v2.0.0-rc.1', true],
    ['0.1.0', 'v0.1.0', false],
  ])('%s → %s', (input, tag, prerelease) => {
    expect(parseReleaseVersion(input)).toMatchObject({ tag, prerelease });
  });

  it.each(['1.4', 'v1', '01.4.0', '1.4.0+build.5', 'vv1.4.0', 'latest', '1.4.0-', ''])(
    '"%s" is refused in one line that says how to write it',
    (input) => {
      expect(() => parseReleaseVersion(input)).toThrow(
        `<version> "${input}" is not a release version: write MAJOR.MINOR.PATCH, e.g. 1.4.0 (or v1.4.0; a prerelease as 2.0.0-rc.1).`,
      );
    },
  );
});

describe('reading the line from git ls-remote', () => {
  it('keeps version tags, major tags and release branches; peels annotated tags; ignores the rest', () => {
    const line = readReleaseLine(
      [
        `${'1'.repeat(40)}\trefs/tags/v1.0.0`,
        `${'2'.repeat(40)}\trefs/tags/v1.1.0`,
        `${'3'.repeat(40)}\trefs/tags/v1.1.0^{}`,
        `${'3'.repeat(40)}\trefs/tags/v1`,
        `${'3'.repeat(40)}\trefs/heads/releases/v1`,
        `${'4'.repeat(40)}\trefs/tags/source/v1.1.0`,
        `${'4'.repeat(40)}\trefs/heads/main`,
        `${'5'.repeat(40)}\trefs/tags/v1.2`,
        `${'5'.repeat(40)}\trefs/tags/rc-1`,
      ].join('\n'),
    );
    expect([...line.versions.keys()]).toEqual(['v1.0.0', 'v1.1.0']);
    expect(line.versions.get('v1.1.0')?.commit).toBe('3'.repeat(40));
    expect(line.majors).toEqual(new Map([[1, '3'.repeat(40)]]));
    expect(line.branches).toEqual(new Map([[1, '3'.repeat(40)]]));
  });
});

describe('what a release writes', () => {
  it('the first release opens releases/v1 and creates v1', () => {
    expect(plan('1.0.0')).toMatchObject({
      branch: 'releases/v1',
      parent: undefined,
      majorTag: 'v1',
      majorFrom: undefined,
      movesMajor: true,
      previous: undefined,
    });
  });

  it('a release above the newest of its major moves the major tag forward', () => {
    const next = plan('1.1.0', 'v1.0.0', 'v1.0.1');
    expect(next).toMatchObject({ parent: '2'.padEnd(40, 'a'), movesMajor: true });
    expect(next.majorFrom).toBe(next.parent);
    expect(next.previous?.version.tag).toBe('v1.0.1');
  });

  it('a patch of an older minor goes on the line but leaves the major tag on the newest', () => {
    const patch = plan('1.4.1', 'v1.4.0', 'v1.5.0');
    expect(patch).toMatchObject({ movesMajor: false, majorStays: 'v1.5.0 is newer' });
    expect(patch.previous?.version.tag).toBe('v1.4.0');
    expect(plan('1.4.3', 'v1.4.0', 'v1.4.2', 'v1.5.0').movesMajor).toBe(false);
  });

  it('majors are separate lines: v1.9.1 after v2.0.0 moves v1 and leaves v2; v2.0.0 opens releases/v2', () => {
    const patch = plan('1.9.1', 'v1.9.0', 'v2.0.0');
    expect(patch).toMatchObject({ branch: 'releases/v1', majorTag: 'v1', movesMajor: true });
    expect(patch.previous?.version.tag).toBe('v1.9.0');
    const major = plan('2.0.0', 'v1.0.0', 'v1.9.0');
    expect(major).toMatchObject({
      branch: 'releases/v2',
      parent: undefined,
      majorFrom: undefined,
      movesMajor: true,
    });
    expect(major.previous?.version.tag).toBe('v1.9.0');
  });

  it('a prerelease above every version of its major goes on the line and never moves the major tag', () => {
    expect(plan('2.0.0-rc.1', 'v1.0.0')).toMatchObject({ branch: 'releases/v2', movesMajor: false });
    expect(plan('1.1.0-rc.2', 'v1.0.0', 'v1.1.0-rc.1')).toMatchObject({ movesMajor: false });
    // The release after its prereleases moves the tag, and its notes start at the last release.
    const release = plan('1.1.0', 'v1.0.0', 'v1.1.0-rc.1');
    expect(release.movesMajor).toBe(true);
    expect(release.previous?.version.tag).toBe('v1.0.0');
  });

  it.each([
    [
      '1.4.0',
      ['v1.4.0'],
      'v1.4.0 is already released (release commit 1aaaaaaaaaaa): a version is released once, never replaced; release the change as the next version.',
    ],
    [
      '1.3.0',
      ['v1.3.0', 'v1.4.0'],
      'v1.3.0 is already released (release commit 1aaaaaaaaaaa): a version is released once, never replaced; release the change as the next version.',
    ],
    [
      '1.3.0',
      ['v1.2.0', 'v1.4.0'],
      'v1.3.0 would open the minor line 1.3 below v1.4.0: below the newest release only a patch of a released minor is allowed; release v1.5.0 instead.',
    ],
    [
      '1.3.2',
      ['v1.2.0', 'v1.4.0'],
      'v1.3.2 would open the minor line 1.3 below v1.4.0: below the newest release only a patch of a released minor is allowed; release v1.5.0 instead.',
    ],
    [
      '1.4.1',
      ['v1.4.0', 'v1.4.2', 'v1.5.0'],
      'v1.4.1 is below v1.4.2, the latest release of 1.4: release v1.4.3 instead.',
    ],
    ['1.5.0', ['v1.5.1'], 'v1.5.0 is below v1.5.1, the latest release of v1: release v1.5.2 instead.'],
    [
      '1.5.0-rc.1',
      ['v1.5.0'],
      'v1.5.0-rc.1 is not above v1.5.0: a prerelease comes before the release it previews, above every version of v1; release v1.6.0-rc.1 or the like instead.',
    ],
    [
      '1.6.0-rc.1',
      ['v1.5.0', 'v1.6.0-rc.2'],
      'v1.6.0-rc.1 is not above v1.6.0-rc.2: a prerelease comes before the release it previews, above every version of v1; release v1.6.1-rc.1 or the like instead.',
    ],
  ])('%s after %j is refused, naming what to release instead', (version, tags, message) => {
    expect(() => plan(version, ...tags)).toThrow(message);
  });

  it('a line whose branch was deleted is refused until it is restored, never restarted from nothing', () => {
    const line = readReleaseLine(`${'1'.repeat(40)}\trefs/tags/v1.0.0\n${'1'.repeat(40)}\trefs/tags/v1`);
    expect(() => planRelease(parseReleaseVersion('1.1.0'), line)).toThrow(
      'The remote has v1.0.0 but no branch releases/v1: restore the release line (git push <remote> v1.0.0:refs/heads/releases/v1) before releasing on it.',
    );
  });

  it('only the highest release of all is GitHub’s latest', () => {
    const line = lineOf('v1.4.0', 'v1.5.0', 'v2.0.0', 'v2.1.0-rc.1');
    expect(isNewestRelease(parseReleaseVersion('2.0.1'), line)).toBe(true);
    expect(isNewestRelease(parseReleaseVersion('1.5.1'), line)).toBe(false);
    expect(isNewestRelease(parseReleaseVersion('2.1.0-rc.2'), line)).toBe(false);
  });
});
