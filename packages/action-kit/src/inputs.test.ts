import { describe, expect, it } from 'vitest';
import { ConfigurationError } from './errors';
import { InputReader } from './inputs';

const reader = (values: Record<string, string>) => new InputReader((name) => values[name]);

describe('InputReader', () => {
  it('trims, and treats an empty value as unset', () => {
    const inputs = reader({ a: '  x  ', b: '   ' });
    expect(inputs.optional('a')).toBe('x');
    expect(inputs.optional('b')).toBeUndefined();
    expect(inputs.optional('c')).toBeUndefined();
  });

  it('names a missing required input and says where to set it', () => {
    expect(() => reader({}).required('image')).toThrow(ConfigurationError);
    expect(() => reader({}).required('image')).toThrow(
      'Input "image" is required: set it under "with:" in the workflow step.',
    );
  });

  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['FALSE', false],
  ])('boolean %s → %s', (value, expected) => {
    expect(reader({ flag: value }).boolean('flag', !expected)).toBe(expected);
  });

  it.each(['yes', '1', 'on', 'tru'])('refuses the boolean %s with a one-line error', (value) => {
    expect(() => reader({ flag: value }).boolean('flag', false)).toThrow(
      `Input "flag" must be true or false, got "${value}".`,
    );
  });

  it('uses the default for an unset boolean', () => {
    expect(reader({}).boolean('flag', true)).toBe(true);
  });

  it('accepts only the listed choices', () => {
    const inputs = reader({ kind: 'archive', bad: 'tarball' });
    expect(inputs.choice('kind', ['image', 'archive'], 'image')).toBe('archive');
    expect(inputs.choice('unset', ['image', 'archive'], 'image')).toBe('image');
    expect(() => inputs.choice('bad', ['image', 'archive'], 'image')).toThrow(
      'Input "bad" must be one of "image", "archive", got "tarball".',
    );
  });

  it.each([
    ['7', 7],
    ['40', 40],
  ])('integer %s', (value, expected) => {
    expect(reader({ n: value }).integer('n', { default: 7, min: 4, max: 40 })).toBe(expected);
  });

  it.each(['3', '41', '7.5', 'seven', '1e3'])('refuses the integer %s', (value) => {
    expect(() => reader({ n: value }).integer('n', { default: 7, min: 4, max: 40 })).toThrow(
      `Input "n" must be a whole number from 4 to 40, got "${value}".`,
    );
  });

  it('splits lists on newlines and commas, dropping blanks and comments', () => {
    const inputs = reader({ tags: 'a, b\n\n  c\n# a comment\nd,,e' });
    expect(inputs.list('tags')).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('keeps commas inside multiline items', () => {
    const inputs = reader({ images: 'ghcr.io/acme/api context=.,x\n  ghcr.io/acme/worker  \n' });
    expect(inputs.multiline('images')).toEqual(['ghcr.io/acme/api context=.,x', 'ghcr.io/acme/worker']);
    expect(inputs.multiline('unset')).toEqual([]);
  });
});
