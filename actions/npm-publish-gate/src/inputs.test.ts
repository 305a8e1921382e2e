import { InputReader, SecretMasker } from '@flow-actions/action-kit';
import { describe, expect, it } from 'vitest';
import { getInputs } from './inputs';

const TOKEN = 'npm_secretToken0123456789';

function read(values: Record<string, string>) {
  const masker = new SecretMasker();
  const inputs = getInputs(new InputReader((name) => values[name]), masker);
  return { inputs, masker };
}

describe('getInputs', () => {
  it('applies the defaults and masks the tokens', () => {
    const { inputs, masker } = read({ token: TOKEN, 'github-token': 'ghs_abcdefgh' });
    expect(inputs).toEqual({
      packages: [],
      registry: 'https://registry.npmjs.org/',
      token: TOKEN,
      requiredChecks: [],
      distTag: 'auto',
      provenance: false,
      dryRun: false,
      githubToken: 'ghs_abcdefgh',
    });
    expect(masker.redact(`a ${TOKEN} b ghs_abcdefgh`)).toBe('a *** b ***');
  });

  it('reads lists, access and a loopback http registry', () => {
    const { inputs } = read({
      token: TOKEN,
      packages: 'packages/core\npackages/cli, tools/*',
      registry: 'http://127.0.0.1:4873',
      'required-checks': 'stage-cd, ci/lint',
      'github-token': 'ghs_abcdefgh',
      access: 'public',
      'dist-tag': 'canary',
    });
    expect(inputs).toMatchObject({
      packages: ['packages/core', 'packages/cli', 'tools/*'],
      registry: 'http://127.0.0.1:4873/',
      requiredChecks: ['stage-cd', 'ci/lint'],
      access: 'public',
      distTag: 'canary',
    });
  });

  it('needs no token for a dry run', () => {
    expect(read({ 'dry-run': 'true' }).inputs.dryRun).toBe(true);
  });

  it.each([
    [
      {},
      'Input "token" is required to publish: pass an npm automation token from a repository secret (e.g. secrets.NPM_TOKEN).',
    ],
    [
      { token: TOKEN, registry: 'http://npm.example.com/' },
      'Input "registry" "http://npm.example.com/" must use https (plain http only on loopback): the token would travel in clear.',
    ],
    [
      { token: TOKEN, registry: 'https://u:p@npm.example.com/' },
      'Input "registry" carries credentials in "https://u:***@npm.example.com/": credentials never go in a URL, where logs and errors would show them; remove them and pass the token in input "token".',
    ],
    [
      { token: TOKEN, registry: 'npm.example.com' },
      'Input "registry" "npm.example.com" is not a URL: use e.g. https://registry.npmjs.org/.',
    ],
    [
      { token: TOKEN, 'dist-tag': 'v1' },
      'Input "dist-tag" "v1" reads as a semver range to npm (npm install pkg@v1 would match versions): choose a word such as next or latest-1, or auto.',
    ],
    [
      { token: TOKEN, 'dist-tag': 'my tag' },
      'Input "dist-tag" "my tag" is not a tag npm accepts: use letters, digits, ".", "-" and "_", or auto.',
    ],
    [
      { token: TOKEN, access: 'open' },
      'Input "access" must be one of "", "public", "restricted", got "open".',
    ],
    [{ token: TOKEN, provenance: 'yes' }, 'Input "provenance" must be true or false, got "yes".'],
    [
      { token: TOKEN, 'required-checks': 'ci' },
      'Input "required-checks" reads checks through the GitHub API: give "github-token" (the default is github.token).',
    ],
  ])('%o → %s', (values, message) => {
    expect(() => read(values)).toThrow(message);
  });

  it('never echoes the token in an error', () => {
    expect(() => read({ token: `${TOKEN} x` })).toThrow(
      'Input "token" contains whitespace or a line break: pass the bare npm token.',
    );
  });
});
