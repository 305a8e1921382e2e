import { describe, expect, it } from 'vitest';
import { type PlanOptions, planMatrix, toMatrix } from './plan';
import { parseVersions } from './versions';

const RELEASED = [
  '1.9.0',
  '2.0.0',
  '2.0.1',
  '2.1.0',
  '2.1.3',
  '2.1.2',
  '2.2.0-rc.1',
  '2.2.0',
  '2.3.19',
  '2.3.20',
  '2.4.4',
];

function plan(options: Partial<PlanOptions> & { names?: string[] }) {
  return planMatrix({
    current: '2.4.5',
    currentFrom: 'input "version"',
    policy: 'major-floor',
    available: parseVersions(options.names ?? RELEASED),
    sourceName: 'git tags',
    ...options,
  });
}
const versions = (p: ReturnType<typeof plan>) => p.entries.map((e) => `${e.version}:${e.role}`);

describe('planMatrix policies', () => {
  it.each([
    [
      'pinned',
      { compatible: { version: '2.3.20', from: 'Makefile:backwards_compatible_version' } },
      ['2.3.20:compat', '2.4.5:current'],
    ],
    ['major-floor', {}, ['2.0.0:compat', '2.4.5:current']],
    ['major-floor', { compatible: { version: 'v2.1.0', from: 'x' } }, ['2.1.0:compat', '2.4.5:current']],
    [
      'minors',
      {},
      [
        '2.0.0:compat',
        '2.0.1:compat',
        '2.1.3:compat',
        '2.2.0:compat',
        '2.3.20:compat',
        '2.4.4:compat',
        '2.4.5:current',
      ],
    ],
    [
      'minors',
      { compatible: { version: '2.3.19', from: 'x' } },
      ['2.3.19:compat', '2.3.20:compat', '2.4.4:compat', '2.4.5:current'],
    ],
    ['last-n', { count: 2 }, ['2.0.0:compat', '2.3.20:compat', '2.4.4:compat', '2.4.5:current']],
    [
      'last-n',
      { count: 50 },
      [
        '2.0.0:compat',
        '2.0.1:compat',
        '2.1.0:compat',
        '2.1.2:compat',
        '2.1.3:compat',
        '2.2.0:compat',
        '2.3.19:compat',
        '2.3.20:compat',
        '2.4.4:compat',
        '2.4.5:current',
      ],
    ],
  ] as const)('%s %j', (policy, extra, expected) => {
    expect(versions(plan({ policy, ...extra }))).toEqual(expected);
  });

  it('gives reasons, and a version chosen twice keeps both', () => {
    const p = plan({
      policy: 'minors',
      compatible: { version: '2.3.20', from: 'Makefile:backwards_compatible_version' },
    });
    expect(p.entries[0]?.reasons.map(String)).toEqual([
      'floor: Makefile:backwards_compatible_version',
      'latest patch of 2.3',
    ]);
    expect(p.entries.at(-1)?.reasons.map(String)).toEqual(['the version under test']);
    expect(p.floor).toBe('2.3.20');
  });

  it('prereleases are chosen only when asked', () => {
    expect(
      versions(
        plan({ policy: 'last-n', count: 3, current: '2.2.0', compatible: { version: '2.1.0', from: 'x' } }),
      ),
    ).toEqual(['2.1.0:compat', '2.1.2:compat', '2.1.3:compat', '2.2.0:current']);
    expect(
      versions(plan({ policy: 'last-n', count: 1, current: '2.2.0', includePrereleases: true })),
    ).toEqual(['2.0.0:compat', '2.2.0-rc.1:compat', '2.2.0:current']);
  });

  it('v prefixes, unsorted and duplicate names give one entry each, named as at the source', () => {
    const p = plan({
      policy: 'minors',
      names: ['v2.1.0', 'latest', '2.0.0', 'v2.0.0', 'abc1234', 'v2.1.1', '2.1', 'v2.4.5'],
      runnerImage: '127.0.0.1:5000/acme/runner',
    });
    expect(toMatrix(p)).toEqual({
      include: [
        { version: '2.0.0', image: '127.0.0.1:5000/acme/runner:2.0.0', role: 'compat' },
        { version: '2.1.1', image: '127.0.0.1:5000/acme/runner:v2.1.1', role: 'compat' },
        { version: '2.4.5', image: '127.0.0.1:5000/acme/runner:v2.4.5', role: 'current' },
      ],
    });
    expect(p.unparsed).toEqual(['latest', 'abc1234', '2.1']);
    expect(p.duplicates).toEqual(['v2.0.0']);
  });

  it('an unreleased current version is spelled like the floor', () => {
    const p = plan({ names: ['v2.0.0', '2.3.0'], runnerImage: 'r.example/x' });
    expect(p.entries.map((e) => [e.image, e.released])).toEqual([
      ['r.example/x:v2.0.0', true],
      ['r.example/x:v2.4.5', false],
    ]);
  });

  it('include-current false leaves the current version out; a floor equal to it needs no release', () => {
    expect(versions(plan({ includeCurrent: false }))).toEqual(['2.0.0:compat']);
    expect(versions(plan({ current: '3.0.0' }))).toEqual(['3.0.0:current']);
    expect(() => plan({ current: '3.0.0', includeCurrent: false })).toThrow(/Nothing to test/);
  });
});

describe('planMatrix errors are one line', () => {
  it.each([
    [
      { current: '2.4' },
      'The current version (input "version") "2.4" is not a semantic version: write MAJOR.MINOR.PATCH, e.g. 1.4.0 or v1.4.0.',
    ],
    [
      { compatible: { version: '2.5.0', from: 'input "compatible-version"' } },
      'The compatible version 2.5.0 (input "compatible-version") is above the current version 2.4.5 (input "version"): set it to a released version at or below 2.4.5.',
    ],
    [
      { compatible: { version: '2.3.7', from: 'Makefile:backwards_compatible_version' } },
      'The compatible version 2.3.7 (Makefile:backwards_compatible_version) was never released: git tags has no such version (newest below 2.4.5: 2.4.4, 2.3.20, 2.3.19); set it to a released version.',
    ],
    [
      { policy: 'pinned' as const },
      'Policy "pinned" tests against the configured compatible version, and none is set: give "compatible-version" or "compatible-version-from" (e.g. Makefile:backwards_compatible_version).',
    ],
    [
      { names: ['1.0.0', '2.1.0'] },
      'The compatible version 2.0.0 (2.0.0, the first release of major 2) was never released: git tags has no such version (newest below 2.4.5: 2.1.0, 1.0.0); set it to a released version.',
    ],
    [
      { current: '2.0.0-rc.1' },
      'The compatible version 2.0.0 (2.0.0, the first release of major 2) is above the current version 2.0.0-rc.1 (input "version"): set it to a released version at or below 2.0.0-rc.1.',
    ],
  ] as [Partial<PlanOptions>, string][])('%j', (options, message) => {
    expect(() => plan(options)).toThrow(message);
    expect(message).not.toContain('\n');
  });
});
