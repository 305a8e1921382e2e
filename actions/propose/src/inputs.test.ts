import { InputReader, isConfigurationError, SecretMasker } from '@flow-actions/action-kit';
import { describe, expect, it } from 'vitest';
import { getInputs } from './inputs';

const TOKEN = 'ghs_propose$(id)`x`;|&"\'0123';
const BASE = {
  repository: 'acme/product',
  token: TOKEN,
  component: 'api',
  version: 'v1.5.0',
  image: 'ghcr.io/acme/api',
  path: 'deploy/prod',
};

function read(values: Record<string, string>) {
  const masker = new SecretMasker();
  const inputs = getInputs(new InputReader((name) => values[name]), masker, {
    serverUrl: 'http://127.0.0.1:8080',
    workspace: '/work/space',
  });
  return { inputs, masker };
}

function errorOf(values: Record<string, string>): string {
  try {
    read(values);
  } catch (error) {
    expect(isConfigurationError(error)).toBe(true);
    expect((error as Error).message).not.toMatch(/\n/);
    expect((error as Error).message).not.toContain(TOKEN);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigurationError');
}

describe('getInputs', () => {
  it('reads a proposal: the version is the tag, always a pull request, the token masked', () => {
    const { inputs, masker } = read(BASE);
    expect(inputs).toMatchObject({
      component: 'api',
      version: 'v1.5.0',
      componentPath: '/work/space',
      toggles: [],
      manifest: {
        repository: { kind: 'github', owner: 'acme', name: 'product' },
        paths: ['deploy/prod'],
        target: { name: 'ghcr.io/acme/api', tag: 'v1.5.0' },
        mode: 'pull-request',
      },
    });
    expect(inputs.manifest.branch).toBeUndefined();
    expect(masker.redact(`token ${TOKEN}`)).toBe('token ***');
  });

  it('a hotfix targets the release branch of that minor line, unless branch names one', () => {
    expect(read({ ...BASE, 'hotfix-to': 'v1.4.0' }).inputs).toMatchObject({
      hotfixTo: 'v1.4.0',
      manifest: { branch: 'release/v1.4' },
    });
    expect(read({ ...BASE, 'hotfix-to': 'v1.4.0', branch: 'hotfix/1.4' }).inputs.manifest.branch).toBe(
      'hotfix/1.4',
    );
  });

  it.each([
    [{ component: '../api' }, /Input "component" "\.\.\/api" is not a component name/],
    [{ component: 'api/../../x' }, /Input "component" .* is not a component name/],
    [{ component: 'api;rm -rf ~' }, /Input "component" .* is not a component name/],
    [{ component: 'a..b' }, /Input "component" "a\.\.b" is not a component name/],
    [{ component: '$(id)' }, /Input "component" .* is not a component name/],
    [{ version: '1.5.0' }, /Input "version" "1\.5\.0" is not a release version: write vX\.Y\.Z/],
    [{ version: 'v1.5.0/../../x' }, /Input "version" .* is not a release version/],
    [{ version: 'v1.5.0;id' }, /Input "version" .* is not a release version/],
    [{ version: 'v2.0.0-beta.1' }, /is not a release version: .*a prerelease is not proposed/],
    [{ 'hotfix-to': 'v1.4' }, /Input "hotfix-to" "v1\.4" is not a release version/],
    [
      { path: '../outside' },
      /Input "path" "\.\.\/outside" must be relative to the manifest repository and stay inside it/,
    ],
    [{ path: '/etc' }, /Input "path" "\/etc" must be relative/],
    [{ 'component-path': '../other' }, /Input "component-path" "\.\.\/other" leads outside the workspace/],
    [{ repository: './product' }, /Input "repository" "\.\/product" is a local path: .*owner\/name/],
    [{ branch: '-x' }, /Input "branch" "-x" is not a valid branch name/],
    [{ toggles: 'new cart' }, /Input "toggles" "new cart" is not a toggle name/],
    [{ 'toggle-coverage': '80' }, /Input "toggle-coverage" is set but "toggles" is empty/],
    [
      { toggles: 'new-cart', 'toggle-coverage': '180' },
      /Input "toggle-coverage" must be a whole number from 0 to 100/,
    ],
  ])('refuses %o in one line naming the input', (change, message) => {
    expect(errorOf({ ...BASE, ...change })).toMatch(message);
  });

  it('refuses a component whose branch git would refuse', () => {
    expect(errorOf({ ...BASE, component: 'api.lock' })).toMatch(
      /Input "component" "api\.lock" is not a component name/,
    );
  });
});
