import { ConfigurationError } from '@flow-actions/action-kit';
import { describe, expect, it } from 'vitest';
import { createHistory } from './history';
import { linearHistory, testCommit } from './test-history';
import { computeNextVersion, type NextVersionOptions } from './version';

const BASE = ['feat: start', 'chore: release'];

describe('computeNextVersion: semver from Conventional Commits', () => {
  it.each([
    ['fix: a bug', '1.2.4'],
    ['perf: faster', '1.2.4'],
    ['feat: a thing', '1.3.0'],
    ['feat(api)!: drop v1 routes', '2.0.0'],
    ['refactor: rename\n\nBREAKING CHANGE: the config key moved', '2.0.0'],
    ['fix: x\n\nBREAKING-CHANGE: footer spelled with a hyphen', '2.0.0'],
  ])('%j after v1.2.3 → %s', (message, expected) => {
    const history = linearHistory([...BASE, 'docs: readme', message], { 'v1.2.3': 2 });
    const next = computeNextVersion(history, { head: 'c4', kind: 'release' });
    expect(next).toMatchObject({ version: expected, tag: `v${expected}`, previous: { tag: 'v1.2.3' } });
    expect(next.commits.map((commit) => commit.sha)).toEqual(['c4', 'c3']);
  });

  it.each([
    ['fix: a bug', '0.4.2'],
    ['feat: a thing', '0.4.2'],
    ['feat!: a break', '0.5.0'],
  ])('below 1.0.0, %j after v0.4.1 → %s (breaking → minor, feat → patch)', (message, expected) => {
    const history = linearHistory([...BASE, message], { 'v0.4.1': 2 });
    expect(computeNextVersion(history, { head: 'c3', kind: 'release' }).version).toBe(expected);
  });

  it('leaves 0.y.z only when asked for major', () => {
    const history = linearHistory([...BASE, 'feat!: a break'], { 'v0.4.1': 2 });
    expect(computeNextVersion(history, { head: 'c3', kind: 'major' }).version).toBe('1.0.0');
  });

  it('a first release with no tag is 0.1.0', () => {
    expect(computeNextVersion(linearHistory(['feat: start']), { head: 'c1', kind: 'release' }).tag).toBe(
      'v0.1.0',
    );
  });

  it('takes the newest reachable release, ignoring prereleases, other prefixes and tags that are not versions', () => {
    const history = linearHistory(['feat: a', 'fix: b', 'fix: c', 'fix: d'], {
      'v1.0.0': 1,
      'v1.1.0': 2,
      'v9.0.0-rc.1': 3,
      'api/v5.0.0': 3,
      'v1.0.0; rm -rf': 3,
    });
    const next = computeNextVersion(history, { head: 'c4', kind: 'release' });
    expect(next).toMatchObject({ version: '1.1.1', previous: { tag: 'v1.1.0' } });
    expect(next.commits.map((commit) => commit.sha)).toEqual(['c4', 'c3']);
  });

  it('does not count commits of a branch merged after it was forked before the previous release', () => {
    const history = createHistory(
      [
        testCommit('a', [], 'feat: start'),
        testCommit('side', ['a'], 'feat!: old break released in v1.0.0'),
        testCommit('b', ['a', 'side'], 'chore: merge'),
        testCommit('late', ['side'], 'fix: on the old branch'),
        testCommit('m', ['b', 'late'], 'Merge pull request #7 from x/late'),
      ],
      [['v1.0.0', 'b']],
    );
    const next = computeNextVersion(history, { head: 'm', kind: 'release' });
    expect(next.version).toBe('1.0.1');
    expect(next.commits.map((commit) => commit.sha).sort()).toEqual(['late', 'm']);
  });
});

describe('computeNextVersion: kinds', () => {
  const history = linearHistory([...BASE, 'feat: a', 'fix: b'], {
    'v1.2.3': 2,
    'rc-1.3.0-1': 3,
    'rc-1.3.0-2': 4,
    'rc-1.2.0-7': 1,
    'v2.0.0': 1,
  });

  it('rc continues the candidates of the same target version', () => {
    expect(computeNextVersion(history, { head: 'c4', kind: 'rc' })).toMatchObject({
      version: '1.3.0',
      tag: 'rc-1.3.0-3',
    });
    const fresh = linearHistory([...BASE, 'fix: b'], { 'v1.2.3': 2, 'rc-1.3.0-4': 3 });
    expect(computeNextVersion(fresh, { head: 'c3', kind: 'rc' }).tag).toBe('rc-1.2.4-1');
  });

  it.each([
    ['patch', '1.2.4'],
    ['minor', '1.3.0'],
    ['major', '2.0.0'],
  ] as const)('%s bumps the previous release: %s', (kind, expected) => {
    const fixes = linearHistory([...BASE, 'fix: a'], { 'v1.2.3': 2 });
    expect(computeNextVersion(fixes, { head: 'c3', kind }).tag).toBe(`v${expected}`);
  });

  it('an explicit version at or above the commits is taken as it is', () => {
    expect(computeNextVersion(history, { head: 'c4', kind: { version: '1.5.0' } }).tag).toBe('v1.5.0');
  });

  it('a hotfix below a release elsewhere is allowed: only releases reachable from the commit bound it', () => {
    const hotfix = createHistory(
      [
        testCommit('a', [], 'feat: start'),
        testCommit('main', ['a'], 'feat: next'),
        testCommit('fix', ['a'], 'fix: on release/1.2'),
      ],
      [
        ['v1.2.3', 'a'],
        ['v1.3.0', 'main'],
      ],
    );
    expect(computeNextVersion(hotfix, { head: 'fix', kind: 'release' }).tag).toBe('v1.2.4');
    expect(() => computeNextVersion(hotfix, { head: 'fix', kind: { version: '1.3.0' } })).toThrow(
      /v1\.3\.0 is already tagged/,
    );
  });

  it('a patch over a breaking change is refused, and recorded when forced', () => {
    const breaking = linearHistory([...BASE, 'feat(api)!: drop it'], { 'v1.2.3': 2 });
    const options: NextVersionOptions = { head: 'c3', kind: { version: '1.2.4' } };
    expect(() => computeNextVersion(breaking, options)).toThrow(
      /^Input "kind": 1\.2\.4 is a patch release but c3 calls for major: release the major version, or set force: true/,
    );
    expect(() => computeNextVersion(breaking, { head: 'c3', kind: 'patch' })).toThrow(ConfigurationError);
    expect(computeNextVersion(breaking, { ...options, force: true })).toMatchObject({
      version: '1.2.4',
      forced: '1.2.4 is a patch release but c3 calls for major',
    });
  });
});

describe('computeNextVersion: refusals are one line naming the input', () => {
  const history = linearHistory([...BASE, 'fix: b'], { 'v1.2.3': 2, 'v1.2.5': 1 });
  const quiet = linearHistory([...BASE, 'docs: only'], { 'v1.2.3': 2 });
  it.each<[string, NextVersionOptions, RegExp, typeof history?]>([
    ['not above', { head: 'c3', kind: { version: '1.2.3' } }, /^Input "kind": 1\.2\.3 is not above v1\.2\.3/],
    ['taken', { head: 'c3', kind: { version: '1.2.5' } }, /^Input "kind": v1\.2\.5 is already tagged/],
    [
      'hostile version',
      { head: 'c3', kind: { version: '1.3.0; rm -rf /' } },
      /^Input "kind" "1\.3\.0; rm -rf \/" is not a release version/,
    ],
    ['v-prefixed', { head: 'c3', kind: { version: 'v1.3.0' } }, /is not a release version: write X\.Y\.Z/],
    [
      'nothing to release',
      { head: 'c3', kind: 'release' },
      /^Input "kind": no feat, fix, perf or breaking commit since v1\.2\.3, so there is nothing to release: set kind: patch/,
      quiet,
    ],
    ['unknown commit', { head: 'nope', kind: 'release' }, /^Input "commit" nope is not in the history read/],
    [
      'bad prefix',
      { head: 'c3', kind: 'release', tagPrefix: '../api' },
      /^Input "tag-prefix" "\.\.\/api" is not a tag prefix/,
    ],
  ])('%s', (_name, options, message, source = history) => {
    let error: unknown;
    try {
      computeNextVersion(source, options);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('computeNextVersion: monorepo components', () => {
  const history = createHistory(
    [
      testCommit('a', [], 'feat: start', { paths: ['api/a.ts', 'web/a.ts'] }),
      testCommit('b', ['a'], 'feat(web)!: web break', { paths: ['web/app.ts'] }),
      testCommit('c', ['b'], 'fix(api): api fix', { paths: ['api/src/x.ts'] }),
      testCommit('d', ['c'], 'docs: root readme', { paths: ['README.md'] }),
    ],
    [
      ['api/v1.2.0', 'a'],
      ['web/v3.0.0', 'a'],
      ['v7.0.0', 'c'],
    ],
  );

  it('counts only the commits touching the component, from its own prefixed tag', () => {
    const api = computeNextVersion(history, {
      head: 'd',
      kind: 'release',
      tagPrefix: 'api/',
      paths: ['api/**'],
    });
    expect(api).toMatchObject({ version: '1.2.1', tag: 'api/v1.2.1', previous: { tag: 'api/v1.2.0' } });
    expect(api.commits.map((commit) => commit.sha)).toEqual(['c']);
    const web = computeNextVersion(history, { head: 'd', kind: 'rc', tagPrefix: 'web/', paths: ['web/**'] });
    expect(web.tag).toBe('web/rc-4.0.0-1');
  });
});

describe('computeNextVersion: calver', () => {
  const now = new Date('2026-11-29T12:00:00Z');
  const scheme = { kind: 'calver', format: 'YYYY.0M.MICRO' } as const;

  it('counts MICRO within the date, from 0', () => {
    const history = linearHistory(['feat: a', 'fix: b', 'fix: c'], {
      'v2026.11.0': 1,
      'v2026.11.1': 2,
      'v2026.10.7': 1,
    });
    expect(computeNextVersion(history, { head: 'c3', kind: 'release', scheme, now })).toMatchObject({
      version: '2026.11.2',
      tag: 'v2026.11.2',
      previous: { tag: 'v2026.11.1' },
    });
    const december = new Date('2026-12-01T00:00:00Z');
    expect(computeNextVersion(history, { head: 'c3', kind: 'rc', scheme, now: december }).tag).toBe(
      'rc-2026.12.0-1',
    );
  });

  it('refuses semver kinds, a date behind the last release, and a malformed format', () => {
    const history = linearHistory(['feat: a', 'fix: b'], { 'v2027.01.0': 1 });
    expect(() => computeNextVersion(history, { head: 'c2', kind: 'minor', scheme, now })).toThrow(
      /^Input "kind": minor has no meaning in calver \(YYYY\.0M\.MICRO\)/,
    );
    expect(() => computeNextVersion(history, { head: 'c2', kind: 'release', scheme, now })).toThrow(
      /2026\.11\.0 is not above v2027\.01\.0.*check the clock/,
    );
    expect(() =>
      computeNextVersion(history, {
        head: 'c2',
        kind: 'release',
        scheme: { kind: 'calver', format: 'YYYY.MM' },
        now,
      }),
    ).toThrow(/^Input "calver-format" "YYYY\.MM" is not a calver format: write date tokens/);
  });
});
