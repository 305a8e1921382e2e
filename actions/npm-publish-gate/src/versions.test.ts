import { describe, expect, it } from 'vitest';
import { chooseDistTag, isExactSemver, isRangeLikeTag, lineOf } from './versions';

describe('lineOf', () => {
  it.each([
    ['1.4.1', '1'],
    ['2.0.0-beta.1', '2'],
    ['0.3.7', '0.3'],
    ['0.0.4', '0.0'],
  ])('%s is on line %s', (version, line) => {
    expect(lineOf(version)).toBe(line);
  });
});

describe('isExactSemver', () => {
  it.each([
    ['1.2.3', true],
    ['1.2.3-rc.1', true],
    ['1.2.3+build.5', false],
    ['v1.2.3', false],
    ['1.2', false],
    [' 1.2.3', false],
    ['01.2.3', false],
  ])('%s → %s', (version, valid) => {
    expect(isExactSemver(version)).toBe(valid);
  });
});

describe('isRangeLikeTag', () => {
  it.each([
    ['v1', true],
    ['1.x', true],
    ['*', true],
    ['2', true],
    ['latest', false],
    ['latest-1', false],
    ['latest-0.3', false],
    ['beta', false],
  ])('%s → %s', (tag, rangeLike) => {
    expect(isRangeLikeTag(tag)).toBe(rangeLike);
  });
});

describe('chooseDistTag (auto)', () => {
  it.each([
    { version: '1.0.0', published: [], tags: {}, tag: 'latest', why: 'first stable release' },
    {
      version: '2.1.0-beta.1',
      published: ['2.0.0'],
      tags: { latest: '2.0.0' },
      tag: 'beta',
      why: 'prerelease identifier "beta"',
    },
    {
      version: '3.0.0-rc.2',
      published: ['2.0.0'],
      tags: { latest: '2.0.0' },
      tag: 'rc',
      why: 'prerelease identifier "rc"',
    },
    {
      version: '3.0.0-0',
      published: ['2.0.0'],
      tags: { latest: '2.0.0' },
      tag: 'next',
      why: 'prerelease without a word identifier',
    },
    {
      version: '2.0.1',
      published: ['1.4.0', '2.0.0'],
      tags: { latest: '2.0.0' },
      tag: 'latest',
      why: 'new highest stable, above 2.0.0',
    },
    {
      version: '1.4.1',
      published: ['1.4.0', '2.0.0'],
      tags: { latest: '2.0.0' },
      tag: 'latest-1',
      why: 'older line: latest stays at 2.0.0',
    },
    {
      version: '0.3.2',
      published: ['0.3.1', '0.4.0'],
      tags: { latest: '0.4.0' },
      tag: 'latest-0.3',
      why: 'older line: latest stays at 0.4.0',
    },
    // A prerelease published as latest by hand does not make a stable release look older.
    {
      version: '2.0.0',
      published: ['1.0.0', '2.0.0-beta.1'],
      tags: { latest: '2.0.0-beta.1' },
      tag: 'latest',
      why: 'new highest stable, above 1.0.0',
    },
  ])('$version with $published → $tag', ({ version, published, tags, tag, why }) => {
    expect(chooseDistTag(version, published, tags as Record<string, string>)).toEqual({ tag, reason: why });
  });
});
