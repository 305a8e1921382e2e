import { describe, expect, it } from 'vitest';
import { parseFileKey, readFileKey } from './file-key';

describe('readFileKey', () => {
  it.each([
    ['Makefile', 'backwards_compatible_version=2.3.20\n', 'backwards_compatible_version', '2.3.20'],
    [
      'Makefile',
      'x := 1\nbackwards_compatible_version := 2.3.20 # pinned\n',
      'backwards_compatible_version',
      '2.3.20',
    ],
    ['Makefile', 'backwards_compatible_version ?= "2.3.20"\n', 'backwards_compatible_version', '2.3.20'],
    ['Makefile', '# backwards_compatible_version=1.0.0\n', 'backwards_compatible_version', undefined],
    ['Makefile', 'other_backwards_compatible_version=1.0.0\n', 'backwards_compatible_version', undefined],
    ['.env', 'export COMPAT=v1.2.0\n', 'COMPAT', 'v1.2.0'],
    ['compat.yml', "floor: '1.4.0'\n", 'floor', '1.4.0'],
    ['package.json', '{"compat":{"floor":"1.4.0"}}', 'compat.floor', '1.4.0'],
    ['package.json', '{"compat":{"floor":"1.4.0"}}', '$.compat.floor', '1.4.0'],
    ['package.json', '{"compat":{}}', 'compat.floor', undefined],
  ])('%s %j %s', (file, text, key, value) => {
    expect(readFileKey(file, text, key)).toBe(value);
  });

  it('parses file:key and refuses anything else in one line', () => {
    expect(parseFileKey('Makefile:backwards_compatible_version', 'x')).toEqual({
      file: 'Makefile',
      key: 'backwards_compatible_version',
    });
    expect(() => parseFileKey('Makefile', 'compatible-version-from')).toThrow(
      'Input "compatible-version-from" must be <file>:<key>, e.g. Makefile:backwards_compatible_version or package.json:compat.floor, got "Makefile".',
    );
  });
});
