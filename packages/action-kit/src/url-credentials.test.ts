import { describe, expect, it } from 'vitest';
import { SecretMasker } from './secrets';
import { CredentialsInUrlError, findUrlCredentials, refuseUrlCredentials } from './url-credentials';

describe('findUrlCredentials', () => {
  it.each([
    [
      'https://x-access-token:ghs_TOKEN123@github.com/acme/deploy.git',
      'https://x-access-token:***@github.com/acme/deploy.git',
    ],
    ['http://bob:pw@127.0.0.1:5000/acme/api', 'http://bob:***@127.0.0.1:5000/acme/api'],
    ['bob:hunter22@registry.lan:5000/acme/api', 'bob:***@registry.lan:5000/acme/api'],
    ['bob:hunter22@registry.lan:5000', 'bob:***@registry.lan:5000'],
    // A token as the user name is hidden as a whole, with or without a password beside it.
    ['https://ghp_0123456789abcdefghijklmnopqrstuvwxyz@github.com/acme/x', 'https://***@github.com/acme/x'],
    ['https://ghp_abc123:x-oauth-basic@github.com/acme/x', 'https://***@github.com/acme/x'],
    ['https://npm_secret@registry.example/', 'https://***@registry.example/'],
    // A raw "/" in the password makes the URL unparsable; everything up to the last "@" is hidden.
    ['https://bob:pa/ss@registry.example/', 'https://bob:***@registry.example/'],
    ['https://bob:p%40ss%3Aw@npm.example/', 'https://bob:***@npm.example/'],
    ['oci:https://bob:hunter22@host/x', 'oci:https://bob:***@host/x'],
    ['git+https://bob:hunter22@host/x.git', 'git+https://bob:***@host/x.git'],
  ])('%s is shown as %s', (value, redacted) => {
    expect(findUrlCredentials(value)?.redacted).toBe(redacted);
  });

  it.each([
    'https://registry.npmjs.org/',
    'https://npm.pkg.github.com/@acme',
    'ghcr.io/acme/api',
    'ghcr.io/acme/api@sha256:0123',
    'alpine@sha256:0123',
    'alpine:3@sha256:0123',
    'oci:./layout:v1',
    'acme/manifests',
    './manifests',
    'registry.lan:5000',
    'git@github.com:acme/deploy.git',
    'ssh://git@github.com/acme/deploy.git',
  ])('%s carries no credentials', (value) => {
    expect(findUrlCredentials(value)).toBeUndefined();
  });

  it('lists the secret as written and percent-decoded, and the user when it is hidden', () => {
    expect(findUrlCredentials('https://bob:p%40ss@host/')?.secrets).toEqual(
      expect.arrayContaining(['bob:p%40ss', 'bob:p@ss', 'p%40ss', 'p@ss']),
    );
    expect(findUrlCredentials('https://bob:p%40ss@host/')?.secrets).not.toContain('bob');
    expect(findUrlCredentials('https://TOKEN1234@host/')?.secrets).toEqual(['TOKEN1234']);
  });
});

describe('refuseUrlCredentials', () => {
  it('names the input, shows the value redacted, says where the credential goes, and masks it first', () => {
    const masked: string[] = [];
    const masker = new SecretMasker((value) => masked.push(value));
    const refuse = () =>
      refuseUrlCredentials('https://x-access-token:s3cr3t-token@github.com/acme/deploy.git', {
        input: 'repository',
        instead: 'pass the token in input "token"',
        masker,
      });
    expect(refuse).toThrow(CredentialsInUrlError);
    expect(refuse).toThrow(
      'Input "repository" carries credentials in "https://x-access-token:***@github.com/acme/deploy.git": credentials never go in a URL, where logs and errors would show them; remove them and pass the token in input "token".',
    );
    expect(masked).toContain('s3cr3t-token');
    expect(masker.redact('x-access-token:s3cr3t-token')).toBe('***');
  });

  it('lets a value without credentials through', () => {
    expect(() =>
      refuseUrlCredentials('https://registry.npmjs.org/', { input: 'registry', instead: 'x' }),
    ).not.toThrow();
  });
});
