import { InputReader, SecretMasker } from '@flow-actions/action-kit';
import { describe, expect, it } from 'vitest';
import { getRegistryInputs, getSettleMs, getShaTagInputs } from './action-inputs';

const reader = (values: Record<string, string>) => new InputReader((name) => values[name]);

describe('getRegistryInputs', () => {
  it('masks the password and the base64 pair before returning them', () => {
    const masked: string[] = [];
    const inputs = getRegistryInputs(
      reader({ username: 'robot', password: 'pa55word!', 'insecure-registries': 'reg.lan:5000, 10.0.0.2' }),
      new SecretMasker((value) => masked.push(value)),
      ['reg.lan:5000/acme/api'],
    );
    expect(inputs).toEqual({
      username: 'robot',
      password: 'pa55word!',
      credentialsRegistry: 'reg.lan:5000',
      insecureRegistries: ['reg.lan:5000', '10.0.0.2'],
    });
    expect(masked).toEqual(
      expect.arrayContaining(['pa55word!', Buffer.from('robot:pa55word!').toString('base64')]),
    );
  });

  it('refuses half a credential', () => {
    expect(() => getRegistryInputs(reader({ username: 'robot' }), new SecretMasker(), [])).toThrow(
      'Inputs "username" and "password" go together: "password" is missing.',
    );
  });

  it('binds the credentials to the first registry image, skipping OCI layouts, or to input registry', () => {
    const login = { username: 'robot', password: 'pa55word!' };
    const bound = (values: Record<string, string>, images: string[]) =>
      getRegistryInputs(reader({ ...login, ...values }), new SecretMasker(), images).credentialsRegistry;
    expect(bound({}, ['oci:./layout', '127.0.0.1:5000/acme/api', 'ghcr.io/acme/api'])).toBe('127.0.0.1:5000');
    expect(bound({}, ['alpine'])).toBe('docker.io');
    expect(bound({ registry: 'GHCR.io' }, ['127.0.0.1:5000/acme/api'])).toBe('ghcr.io');
    expect(bound({ registry: 'private.example:5000' }, ['oci:./layout'])).toBe('private.example:5000');
    // An image the action will refuse itself, naming its input, stops the search.
    expect(bound({}, ['Not A Reference', 'ghcr.io/acme/api'])).toBeUndefined();
    // Without username and password there is nothing to bind.
    expect(getRegistryInputs(reader({}), new SecretMasker(), ['ghcr.io/acme/api'])).toEqual({
      insecureRegistries: [],
    });
  });

  it.each([
    [
      { username: 'robot', password: 'pa55word!' },
      ['oci:./layout'],
      /no image is on one \(only local OCI layouts\)/,
    ],
    [
      { registry: 'ghcr.io' },
      ['ghcr.io/acme/api'],
      /Input "registry" names the registry "username" and "password" log in to, but they are empty/,
    ],
    [
      { username: 'robot', password: 'x', registry: 'https://ghcr.io' },
      [],
      /Input "registry" must be a registry host\[:port\]/,
    ],
    [
      { username: 'robot', password: 'x', registry: 'ghcr.io/acme' },
      [],
      /Input "registry" must be a registry host\[:port\]/,
    ],
    [
      { username: 'robot', password: 'x', registry: 'myregistry' },
      [],
      /Input "registry" must be a registry host\[:port\]/,
    ],
    [
      { username: 'ro:bot', password: 'x' },
      ['ghcr.io/a/b'],
      /Input "username" contains ":", which Basic auth cannot carry/,
    ],
  ])('refuses %j for %j', (values, images, message) => {
    expect(() => getRegistryInputs(reader(values), new SecretMasker(), images)).toThrow(message);
  });

  it('refuses credentials in insecure-registries or registry, redacted and masked', () => {
    const masked: string[] = [];
    const masker = new SecretMasker((value) => masked.push(value));
    expect(() =>
      getRegistryInputs(reader({ 'insecure-registries': 'bob:hunter22@reg.lan:5000' }), masker, []),
    ).toThrow('Input "insecure-registries" carries credentials in "bob:***@reg.lan:5000"');
    expect(() =>
      getRegistryInputs(
        reader({ username: 'a', password: 'b', registry: 'https://bob:hunter22@ghcr.io' }),
        masker,
        [],
      ),
    ).toThrow('Input "registry" carries credentials in "https://bob:***@ghcr.io"');
    expect(masked).toContain('hunter22');
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

describe('getSettleMs', () => {
  it('defaults to two seconds and takes fractions', () => {
    expect(getSettleMs(reader({}))).toBe(2000);
    expect(getSettleMs(reader({ 'settle-seconds': '0.25' }))).toBe(250);
    expect(getSettleMs(reader({ 'settle-seconds': '0' }))).toBe(0);
  });

  it.each(['-1', '61', '2s', 'soon', '1e3'])('refuses "%s", naming the input', (value) => {
    expect(() => getSettleMs(reader({ 'settle-seconds': value }))).toThrow(
      `Input "settle-seconds" must be a number of seconds from 0 to 60 (e.g. 2 or 0.5), got "${value}"`,
    );
  });
});
