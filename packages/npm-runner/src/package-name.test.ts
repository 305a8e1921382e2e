import { describe, expect, it } from 'vitest';
import { checkNpmPackageName, isNpmPackageName } from './package-name';

describe('isNpmPackageName', () => {
  it.each(['lib', '@acme/client', 'a.b-c_d~e', 'x'.repeat(214)])('accepts %s', (name) => {
    expect(isNpmPackageName(name)).toBe(true);
  });

  it.each([
    '',
    '-x',
    '--registry=https://evil.example/',
    '.hidden',
    '_under',
    'Upper',
    'has space',
    '@acme/',
    '@/x',
    'a/b',
    'x'.repeat(215),
  ])('refuses %j', (name) => {
    expect(isNpmPackageName(name)).toBe(false);
  });
});

describe('checkNpmPackageName', () => {
  it('says what a valid name looks like', () => {
    expect(() => checkNpmPackageName('-x', 'Input "npm-package" value')).toThrow(
      'Input "npm-package" value "-x" is not an npm package name: lower-case letters, digits, ".", "-" and "_", starting with a letter or digit, optionally @scope/name (e.g. @acme/client).',
    );
  });
});
