import { InputReader, isConfigurationError, SecretMasker } from '@flow-actions/action-kit';
import { describe, expect, it } from 'vitest';
import { getInputs, getRevertInputs } from './inputs';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const BASE = { repository: 'acme/manifests', path: 'envs/stage', image: 'ghcr.io/acme/api', digest: DIGEST };

function read(values: Record<string, string>, env = { serverUrl: 'http://127.0.0.1:8080' }) {
  const masker = new SecretMasker();
  const inputs = getInputs(new InputReader((name) => values[name]), masker, {
    ...env,
    workspace: '/work/space',
  });
  return { inputs, masker };
}

function errorOf(values: Record<string, string>): string {
  try {
    read(values);
  } catch (error) {
    expect(isConfigurationError(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigurationError');
}

describe('getInputs', () => {
  it('reads a push deploy with defaults', () => {
    const { inputs } = read({ ...BASE, tag: '1a2b3c4', path: './envs/stage/, envs/demo\n' });
    expect(inputs).toEqual({
      repository: {
        kind: 'github',
        owner: 'acme',
        name: 'manifests',
        url: 'http://127.0.0.1:8080/acme/manifests.git',
      },
      paths: ['envs/stage', 'envs/demo'],
      target: { name: 'ghcr.io/acme/api', tag: '1a2b3c4', digest: DIGEST },
      artifact: 'ghcr.io/acme/api',
      registry: { insecureRegistries: [] },
      format: 'auto',
      helmKeys: [],
      mode: 'push',
      author: { name: 'flow-actions[bot]', email: 'flow-actions@users.noreply.github.com' },
      dryRun: false,
      allowDirty: false,
      forwardOnly: false,
    });
  });

  it('reads a local repository, Helm keys, a pull request and an author', () => {
    const { inputs } = read({
      ...BASE,
      repository: './manifests',
      format: 'helm',
      'helm-key': 'image.tag\nimage.digest',
      author: 'Deploy Bot <deploy@example.com>',
      'dry-run': 'true',
    });
    expect(inputs.repository).toEqual({ kind: 'local', path: '/work/space/manifests' });
    expect(inputs.helmKeys).toEqual(['image.tag', 'image.digest']);
    expect(inputs.author).toEqual({ name: 'Deploy Bot', email: 'deploy@example.com' });
    expect(inputs.dryRun).toBe(true);
  });

  it('reads the artifact where the manifests name an unreachable registry, and masks the registry password', () => {
    const { inputs, masker } = read({
      ...BASE,
      image: 'registry.internal:5000/acme/api',
      artifact: 'mirror.example/acme/api',
      username: 'robot',
      password: 'pa55-word!',
    });
    expect(inputs.artifact).toBe('mirror.example/acme/api');
    expect(inputs.registry).toEqual({
      username: 'robot',
      password: 'pa55-word!',
      credentialsRegistry: 'mirror.example',
      insecureRegistries: [],
    });
    expect(masker.redact('pa55-word! cm9ib3Q6cGE1NS13b3JkIQ==')).toBe('*** ***');
  });

  it('masks the token, the Basic pair git sends and its base64 form', () => {
    const token = 'ghs_inputsTestToken12345';
    const { masker } = read({ ...BASE, token });
    const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
    expect(masker.redact(`${token} ${basic} x-access-token:${token}`)).toBe('*** *** ***');
  });

  it.each([
    [{ digest: '' }, 'Give input "digest" (sha256:…, recommended: pins the exact artifact), "tag", or both.'],
    [
      { digest: 'sha256:abc' },
      'Input "digest" "sha256:abc" is not a digest: give sha256: followed by 64 lower-case hex characters.',
    ],
    [{ tag: '-bad' }, /^Input "tag" "-bad" is not a valid tag/],
    [{ image: 'ghcr.io/acme/api:1.0' }, /^Input "image" must be an image name without tag or digest/],
    [
      { artifact: 'ghcr.io/acme/api:v1' },
      /^Input "artifact" "ghcr.io\/acme\/api:v1" names a version: give the repository only/,
    ],
    [
      { artifact: 'https://ghcr.io/acme/api' },
      /^Input "artifact": reference "https:\/\/ghcr.io\/acme\/api" has a URL scheme/,
    ],
    [{ username: 'robot' }, 'Inputs "username" and "password" go together: "password" is missing.'],
    [
      { image: 'ghcr.io/Acme/API' },
      'Input "image": repository "Acme/API" in "ghcr.io/Acme/API" must be lower-case: use "acme/api"',
    ],
    [{ image: 'oci:./layout' }, /^Input "image": "oci:\.\/layout" is a local OCI layout/],
    [
      { image: 'https://bob:hunter22@ghcr.io/acme/api' },
      /^Input "image" carries credentials in "https:\/\/bob:\*\*\*@ghcr\.io\/acme\/api"/,
    ],
    [
      { format: 'jsonnet' },
      'Input "format" must be one of "auto", "kustomize", "helm", "kubernetes", got "jsonnet".',
    ],
    [
      { format: 'helm' },
      'Input "format" is helm but "helm-key" is empty: name the value keys, e.g. image.tag.',
    ],
    [{ 'helm-key': 'image..tag' }, /^Input "helm-key" "image\.\.tag" is not a key path/],
    [{ author: 'deploy-bot' }, /^Input "author" "deploy-bot" is not "Name <email>"/],
    [{ mode: 'merge' }, 'Input "mode" must be one of "push", "pull-request", got "merge".'],
    [
      { mode: 'pull-request', repository: '/srv/manifests', token: 'ghs_x1234' },
      /pull requests need owner\/name\.$/,
    ],
    [{ mode: 'pull-request' }, /^Input "mode" is pull-request but "token" is empty/],
    [
      { repository: 'https://github.com/acme/manifests' },
      /^Input "repository" "https:\/\/github\.com\/acme\/manifests" is neither owner\/name nor a local path/,
    ],
    [{ path: '../other' }, /^Input "path" "\.\.\/other" must be relative to the manifest repository/],
    [{ path: '' }, /^Input "path" is required/],
    [
      { branch: 'main..x' },
      'Input "branch" "main..x" is not a valid branch name: it contains "..". Give a branch as git accepts it (git check-ref-format --branch), e.g. main or deploy/stage.',
    ],
    [
      { branch: '-x' },
      /^Input "branch" "-x" is not a valid branch name: it starts with "-", which git would read as an option/,
    ],
    [{ branch: '--upload-pack=touch /tmp/pwned' }, /^Input "branch" .* starts with "-"/],
    [{ 'pull-request-branch': '-b' }, /^Input "pull-request-branch" "-b" is not a valid branch name/],
    [
      { repository: 'https://x-access-token:ghs_leak123456@github.com/acme/deploy.git' },
      'Input "repository" carries credentials in "https://x-access-token:***@github.com/acme/deploy.git": credentials never go in a URL, where logs and errors would show them; remove them and write owner/name, with the token in input "token".',
    ],
    [{ 'source-commit': 'xyz' }, /^Input "source-commit" "xyz" is not a commit sha/],
  ])('refuses %o before anything is cloned', (overrides, message) => {
    const text = errorOf({ ...BASE, ...overrides });
    if (typeof message === 'string') expect(text).toBe(message);
    else expect(text).toMatch(message);
  });
});

describe('getRevertInputs', () => {
  const SHA = 'C0FFEE00c0ffee00c0ffee00c0ffee00c0ffee00';
  const REVERT = {
    repository: 'acme/manifests',
    path: 'envs/stage',
    revert: SHA,
    token: 'ghs_revertInputs12345',
  };
  const readRevert = (values: Record<string, string>) =>
    getRevertInputs(new InputReader((name) => values[name]), new SecretMasker(), {
      serverUrl: 'https://github.com',
    });

  it('is undefined without "revert": the inputs of an update are read instead', () => {
    expect(readRevert(BASE)).toBeUndefined();
  });

  it('reads the commit to undo with where, as whom and with which token', () => {
    expect(readRevert({ ...REVERT, message: 'Put stage back', 'dry-run': 'true' })).toEqual({
      repository: {
        kind: 'github',
        owner: 'acme',
        name: 'manifests',
        url: 'https://github.com/acme/manifests.git',
      },
      token: 'ghs_revertInputs12345',
      paths: ['envs/stage'],
      message: 'Put stage back',
      author: { name: 'flow-actions[bot]', email: 'flow-actions@users.noreply.github.com' },
      dryRun: true,
      revert: SHA.toLowerCase(),
    });
  });

  it('reads the app commit whose deploy is undone instead', () => {
    const inputs = readRevert({ ...REVERT, revert: '', 'revert-deploy-of': SHA });
    expect(inputs).toMatchObject({ revertDeployOf: SHA.toLowerCase(), paths: ['envs/stage'] });
    expect(inputs).not.toHaveProperty('revert');
  });

  it.each([
    [
      { revert: 'c0ffee0' },
      'Input "revert" "c0ffee0" is not a full commit sha: pass the commit output of the deploy step (40 hex characters).',
    ],
    [
      { revert: '', 'revert-deploy-of': 'main' },
      'Input "revert-deploy-of" "main" is not a full commit sha: pass the app commit (40 hex characters).',
    ],
    [
      { 'revert-deploy-of': SHA },
      'Inputs "revert" and "revert-deploy-of" name two things to undo: give one (the deploy commit, or the app commit it deployed).',
    ],
    [
      { revert: '', 'revert-deploy-of': SHA, tag: 'v1' },
      'Input "revert-deploy-of" undoes a commit and cannot be combined with "tag": leave them empty (mode push).',
    ],
    [
      { image: 'ghcr.io/acme/api', digest: DIGEST },
      'Input "revert" undoes a commit and cannot be combined with "image", "digest": leave them empty (mode push).',
    ],
    [
      { mode: 'pull-request' },
      'Input "revert" undoes a commit and cannot be combined with "mode": leave them empty (mode push).',
    ],
    [
      { 'forward-only': 'true' },
      'Input "revert" puts back what ran before a deploy, which "forward-only" would call moving back: set forward-only: false in a revert step.',
    ],
    [{ path: '' }, 'Input "path" is required: name the files or folders to update, e.g. envs/stage.'],
  ])('refuses %j in one line', (values, message) => {
    expect(() => readRevert({ ...REVERT, ...values })).toThrow(message);
  });
});
