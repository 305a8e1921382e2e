import { describe, expect, it } from 'vitest';
import { shaTag, shortSha, tombstoneTag } from './sha-tag';

const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';

describe('shaTag', () => {
  it.each([
    [{}, '6113728'],
    [{ shaLength: 12 }, '6113728f27ae'],
    [{ shaLength: 40 }, SHA],
    [{ tagPrefix: 'sha-' }, 'sha-6113728'],
    [{ tagPrefix: 'api_', shaLength: 8 }, 'api_6113728f'],
  ])('%o → %s', (options, tag) => {
    expect(shaTag(SHA, options)).toBe(tag);
  });

  it.each([3, 41, 7.5])('refuses sha-length %s', (shaLength) => {
    expect(() => shaTag(SHA, { shaLength })).toThrow(
      `Input "sha-length" must be a whole number from 4 to 40`,
    );
  });

  it.each(['-x', '.x', 'a b', 'a$'])('refuses the prefix %s, which makes an invalid tag', (tagPrefix) => {
    expect(() => shaTag(SHA, { tagPrefix })).toThrow(/Input "tag-prefix" makes the invalid tag/);
  });

  it('refuses anything but a full sha', () => {
    expect(() => shaTag('6113728')).toThrow('"6113728" is not a full 40-character commit sha');
  });

  it('the tombstone tag follows the sha length but never the prefix', () => {
    expect(tombstoneTag(SHA, { shaLength: 9, tagPrefix: 'sha-' })).toBe('yanked-6113728f2');
    expect(shortSha(SHA)).toBe('6113728');
  });

  it('an abbreviation as long as the sha tag names the same tombstone; a shorter one is refused', () => {
    expect(tombstoneTag('6113728f2', { shaLength: 9 })).toBe('yanked-6113728f2');
    expect(tombstoneTag('6113728f27')).toBe('yanked-6113728');
    expect(() => tombstoneTag('611372', { shaLength: 7 })).toThrow('is not a full 40-character commit sha');
  });
});
