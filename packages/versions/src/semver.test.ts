import { describe, expect, it } from 'vitest';
import { compareSemver, parseSemver, type Semver } from './semver';

function semver(text: string): Semver {
  const parsed = parseSemver(text);
  if (!parsed) throw new Error(`not semver: ${text}`);
  return parsed;
}

describe('semver', () => {
  it.each(['1.2.3', '0.0.0', '1.0.0-rc.1', '1.0.0-alpha.beta+build.7', 'v2.0.0'])('parses %s', (text) => {
    expect(parseSemver(text)).toBeDefined();
  });

  it.each(['1.2', '01.2.3', '1.2.3-', 'latest', '1.2.3.4'])('rejects %s', (text) => {
    expect(parseSemver(text)).toBeUndefined();
  });

  it('orders by SemVer precedence', () => {
    const ordered = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.0.1',
      '1.10.0',
      '2.0.0',
    ];
    const shuffled = [...ordered].reverse();
    const sorted = shuffled.sort((a, b) => compareSemver(semver(a), semver(b)));
    expect(sorted).toEqual(ordered);
  });
});
