import { join } from 'node:path';
import { InputReader, SecretMasker } from '@flow-actions/action-kit';
import { readActionMetadata } from '@flow-actions/runner-harness';
import { describe, expect, it } from 'vitest';
import { getInputs, INPUTS, OUTPUTS } from './inputs';

const SHA = 'a'.repeat(40);

function read(values: Record<string, string>) {
  const masker = new SecretMasker();
  const inputs = getInputs(new InputReader((name) => values[name]), masker);
  return { inputs, masker };
}

describe('getInputs', () => {
  it('reads a full set, with defaults', () => {
    const { inputs } = read({
      image: 'ghcr.io/acme/team/api, 127.0.0.1:5000/api',
      reason: 'smoke failed',
      sha: SHA.toUpperCase(),
      'github-token': 'ghs_x',
    });
    expect(inputs.images.map((image) => [image.image, image.backend])).toEqual([
      ['ghcr.io/acme/team/api', 'ghcr'],
      ['127.0.0.1:5000/api', 'oci'],
    ]);
    expect(inputs.sha).toBe(SHA);
    expect(inputs).toMatchObject({
      mode: 'delete',
      force: false,
      dryRun: false,
      protectedPatterns: ['v*', 'prod'],
    });
    expect(inputs.shaOptions).toEqual({ shaLength: 7, tagPrefix: '' });
    expect(['v1.0.0', 'prod', 'rc-1', 'latest'].map(inputs.isProtected)).toEqual([true, true, false, false]);
  });

  it('protected-tags replaces the defaults and understands <sha>', () => {
    const { inputs } = read({ image: 'r.test/a', reason: 'x', 'protected-tags': 'release-*\n<sha>' });
    expect(['release-1', 'v1.0.0', 'abcdef1'].map(inputs.isProtected)).toEqual([true, false, true]);
  });

  it('masks the GitHub and npm tokens and the registry password at once', () => {
    const { masker } = read({
      image: 'r.test/a',
      reason: 'x',
      'github-token': 'ghs_secret1',
      'npm-package': 'lib',
      'npm-version': '1.0.0',
      'npm-token': 'npm_secret2',
      username: 'u',
      password: 'p_secret3',
    });
    expect(masker.redact('ghs_secret1 npm_secret2 p_secret3')).toBe('*** *** ***');
  });

  it.each([
    [{ image: 'r.test/a' }, 'Input "reason" is required'],
    [
      { image: 'r.test/a', reason: 'x', sha: 'abc12' },
      'Input "sha" value "abc12" is shorter than "sha-length" (7)',
    ],
    [{ image: 'r.test/a', reason: 'x', sha: 'z'.repeat(40) }, 'is not a commit sha'],
    [
      { image: 'r.test/a', reason: 'x', sha: 'abcd12345', 'sha-length': '10' },
      'is shorter than "sha-length" (10)',
    ],
    [
      { image: 'r.test/a', reason: 'x', backend: 's3' },
      'Input "backend" must be one of "auto", "oci", "ghcr", got "s3".',
    ],
    [
      { image: 'r.test/a', reason: 'x', mode: 'purge' },
      'Input "mode" must be one of "delete", "tombstone-only"',
    ],
    [{ image: 'r.test/a:v1', reason: 'x' }, 'names a tag or digest: give the repository only'],
    [{ image: 'R.test/A', reason: 'x' }, 'must be lower-case'],
    [{ reason: 'x' }, 'Nothing to yank'],
    [{ image: 'ghcr.io/acme/api', reason: 'x' }, 'Input "github-token" is required to delete from GHCR'],
    [{ image: 'oci:/tmp/x', reason: 'x', backend: 'ghcr', 'github-token': 't' }, 'is a local OCI layout'],
    [
      { image: 'r.test/a', reason: 'x', 'protected-tags': 'v[0-9]' },
      'Input "protected-tags" has the invalid pattern "v[0-9]"',
    ],
    [
      { reason: 'x', 'npm-package': 'lib' },
      'Inputs "npm-package" and "npm-version" go together: "npm-version" is missing.',
    ],
    [{ reason: 'x', 'npm-package': 'Lib', 'npm-version': '1.0.0' }, 'is not an npm package name'],
    [{ reason: 'x', 'npm-package': 'lib', 'npm-version': '1.0' }, 'is not a semantic version'],
    [
      { reason: 'x', 'npm-package': '-lib', 'npm-version': '1.0.0' },
      'Input "npm-package" value "-lib" is not an npm package name',
    ],
    [
      { reason: '--registry=https://evil.example/', 'npm-package': 'lib', 'npm-version': '1.0.0' },
      'Input "reason" starts with "-", which npm would read as an option when it deprecates lib@1.0.0: start it with a word, e.g. "stage smoke tests failed".',
    ],
    [
      { reason: 'x', 'npm-package': 'lib', 'npm-version': '1.0.0', 'npm-registry': 'ftp://x' },
      'must be an http(s) URL',
    ],
    [
      {
        reason: 'x',
        'npm-package': 'lib',
        'npm-version': '1.0.0',
        'npm-registry': 'https://ci:npm_s3cret@npm.example/',
      },
      'Input "npm-registry" carries credentials in "https://ci:***@npm.example/": credentials never go in a URL, where logs and errors would show them; remove them and pass the token in input "npm-token".',
    ],
    [
      { image: 'https://bob:hunter22@r.test/a', reason: 'x' },
      'Input "image" carries credentials in "https://bob:***@r.test/a"',
    ],
    [
      { image: 'r.test/a', reason: 'x', 'sha-length': '3' },
      'Input "sha-length" must be a whole number from 4 to 40',
    ],
    [{ image: 'r.test/a', reason: 'x', force: 'yes' }, 'Input "force" must be true or false, got "yes".'],
    [{ image: 'r.test/a, r.test/a', reason: 'x' }, 'Input "image" lists "r.test/a" twice.'],
  ])('rejects %j', (values, message) => {
    expect(() => read(values)).toThrow(message);
  });

  it('names exactly the inputs and outputs that action.yml declares', async () => {
    const metadata = await readActionMetadata(join(import.meta.dirname, '..'));
    expect(Object.keys(metadata.inputs).sort()).toEqual([...INPUTS].sort());
    expect(Object.keys(metadata.outputs).sort()).toEqual([...OUTPUTS].sort());
  });
});
