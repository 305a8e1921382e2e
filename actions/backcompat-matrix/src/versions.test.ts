import { compare } from 'semver';
import { describe, expect, it } from 'vitest';
import { parseVersions, requireVersion } from './versions';

describe('parseVersions', () => {
  it.each([
    [[], [], [], []],
    [['3.0.0', '1.0.0', '2.0.0'], ['1.0.0', '2.0.0', '3.0.0'], [], []],
    [['v1.0.0', '1.0.0'], ['1.0.0'], [], ['v1.0.0']],
    [['1.0.0', 'v1.0.0', '1.0.0+build.7'], ['1.0.0'], [], ['v1.0.0', '1.0.0+build.7']],
    [
      ['1.0.0-rc.2', '1.0.0', '1.0.0-rc.10', '1.0.0-alpha'],
      ['1.0.0-alpha', '1.0.0-rc.2', '1.0.0-rc.10', '1.0.0'],
      [],
      [],
    ],
    [
      ['latest', 'abc1234', '1.2', 'v', 'V1.0.0', 'yanked-abc1234', '01.0.0', '1.0.0'],
      ['1.0.0'],
      ['latest', 'abc1234', '1.2', 'v', 'V1.0.0', 'yanked-abc1234', '01.0.0'],
      [],
    ],
  ])('%j', (names, versions, unparsed, duplicates) => {
    const parsed = parseVersions(names);
    expect(parsed.versions.map((v) => v.version)).toEqual(versions);
    expect(parsed.unparsed).toEqual(unparsed);
    expect(parsed.duplicates).toEqual(duplicates);
  });

  it('keeps the name the source uses', () => {
    expect(parseVersions(['v1.0.0', 'v1.1.0']).versions.map((v) => v.tag)).toEqual(['v1.0.0', 'v1.1.0']);
  });

  it('sorts 5,000 shuffled versions', () => {
    const names = Array.from({ length: 5000 }, (_, i) => `${i % 7}.${i % 13}.${i}`).reverse();
    const sorted = parseVersions(names).versions.map((v) => v.version);
    expect(sorted).toHaveLength(5000);
    expect(sorted[0]).toBe('0.0.0');
    expect(sorted.at(-1)).toBe('6.12.4913');
    for (let i = 1; i < sorted.length; i++) expect(compare(sorted[i - 1] ?? '', sorted[i] ?? '')).toBe(-1);
  });
});

describe('requireVersion', () => {
  it('accepts a v prefix and names the input otherwise', () => {
    expect(requireVersion('v1.2.3', 'x').version).toBe('1.2.3');
    expect(() => requireVersion('1.2', 'Input "version"')).toThrow(
      'Input "version" "1.2" is not a semantic version: write MAJOR.MINOR.PATCH, e.g. 1.4.0 or v1.4.0.',
    );
  });
});
