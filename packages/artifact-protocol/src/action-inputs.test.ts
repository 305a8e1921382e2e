import { InputReader, SecretMasker } from '@flow-actions/action-kit';
import { describe, expect, it } from 'vitest';
import { getRegistryInputs, getShaTagInputs } from './action-inputs';

const reader = (values: Record<string, string>) => new InputReader((name) => values[name]);

describe('getRegistryInputs', () => {
  it('masks the password and the base64 pair before returning them', () => {
    const masked: string[] = [];
    const inputs = getRegistryInputs(
      reader({ username: 'robot', password: 'pa55word!', 'insecure-registries': 'reg.lan:5000, 10.0.0.2' }),
      new SecretMasker((value) => masked.push(value)),
    );
    expect(inputs).toEqual({
      username: 'robot',
      password: 'pa55word!',
      insecureRegistries: ['reg.lan:5000', '10.0.0.2'],
    });
    expect(masked).toEqual(
      expect.arrayContaining(['pa55word!', Buffer.from('robot:pa55word!').toString('base64')]),
    );
  });

  it('refuses half a credential', () => {
    expect(() => getRegistryInputs(reader({ username: 'robot' }), new SecretMasker())).toThrow(
      'Inputs "username" and "password" go together: "password" is missing.',
    );
  });
});

describe('getShaTagInputs', () => {
  it('defaults to 7 characters and no prefix', () => {
    expect(getShaTagInputs(reader({}))).toEqual({ shaLength: 7, tagPrefix: '' });
  });

  it('refuses a prefix that cannot start a tag', () => {
    expect(() => getShaTagInputs(reader({ 'tag-prefix': '-x' }))).toThrow(
      /Input "tag-prefix" value "-x" cannot start a tag/,
    );
    expect(() => getShaTagInputs(reader({ 'sha-length': '2' }))).toThrow(
      /Input "sha-length" must be a whole number from 4 to 40/,
    );
  });
});
