import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction } from '@flow-actions/runner-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releasedAction } from '../e2e/release-tree';
import { type RunningFaultProxy, startFaultProxy } from '../fault-proxy';
import { type RunningRegistry, startRegistry } from '../services';
import { runFlow } from '../support/flow-cli';
import { expectNoLeak } from '../support/leaks';

// Credentials written into a URL input are refused by every action and every flow flag before
// the value is used or logged: one line that names the input, shows the URL with the secret
// part redacted and says where the credential goes instead. The secret is masked, and is found
// nowhere a user or a later step can read. Every address points at a recording proxy, which
// must see no request at all.
let registry: RunningRegistry;
let proxy: RunningFaultProxy;
let work: string;

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy({ target: registry.url });
  work = await mkdtemp(join(tmpdir(), 'flow-url-credentials-'));
});
afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

const SECRET = 'tok_S3cr3t-in-a-url';
const url = (path = '') => `http://bob:${SECRET}@${proxy.host}${path}`;
const redacted = (path = '') => `http://bob:***@${proxy.host}${path}`;
let count = 0;
async function freshDir(name: string): Promise<string> {
  count++;
  const dir = join(work, `${name}-${count}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

interface ActionCase {
  action: string;
  input: string;
  inputs: () => Record<string, string>;
  shown: () => string;
  instead: string;
}

const REGISTRY_LOGIN = 'log in to the registry instead (docker/login-action writes the Docker config)';
const ACTION_CASES: ActionCase[] = [
  {
    action: 'promote',
    input: 'image',
    inputs: () => ({ image: url('/acme/api'), to: 'stage' }),
    shown: () => redacted('/acme/api'),
    instead: REGISTRY_LOGIN,
  },
  {
    action: 'promote',
    input: 'to-image',
    inputs: () => ({ image: `${proxy.host}/acme/api`, 'to-image': url('/acme/copy'), to: 'stage' }),
    shown: () => redacted('/acme/copy'),
    instead: REGISTRY_LOGIN,
  },
  {
    action: 'promote',
    input: 'insecure-registries',
    inputs: () => ({ image: `${proxy.host}/acme/api`, to: 'stage', 'insecure-registries': url() }),
    shown: () => redacted(),
    instead: REGISTRY_LOGIN,
  },
  {
    action: 'promote',
    input: 'registry',
    inputs: () => ({
      image: `${proxy.host}/acme/api`,
      to: 'stage',
      registry: url(),
      username: 'robot',
      password: 'robot-password',
    }),
    shown: () => redacted(),
    instead: REGISTRY_LOGIN,
  },
  {
    action: 'build-by-sha',
    input: 'image',
    inputs: () => ({ image: url('/acme/api'), kind: 'archive', path: 'app.zip' }),
    shown: () => redacted('/acme/api'),
    instead: REGISTRY_LOGIN,
  },
  {
    action: 'build-by-sha',
    input: 'from-oci-layout',
    inputs: () => ({ image: `${proxy.host}/acme/api`, 'from-oci-layout': url('/layout') }),
    shown: () => `oci:${redacted('/layout')}`,
    instead: REGISTRY_LOGIN,
  },
  {
    action: 'yank-artifact',
    input: 'image',
    inputs: () => ({ image: url('/acme/api'), sha: 'a'.repeat(40), reason: 'stage failed' }),
    shown: () => redacted('/acme/api'),
    instead: REGISTRY_LOGIN,
  },
  {
    action: 'yank-artifact',
    input: 'npm-registry',
    inputs: () => ({
      'npm-package': '@acme/lib',
      'npm-version': '1.0.0',
      'npm-registry': url('/'),
      'npm-token': 'npm-token-value',
      sha: 'a'.repeat(40),
      reason: 'stage failed',
    }),
    shown: () => redacted('/'),
    instead: 'pass the token in input "npm-token"',
  },
  {
    action: 'backcompat-matrix',
    input: 'runner-image',
    inputs: () => ({ version: '2.0.0', 'runner-image': url('/acme/runner') }),
    shown: () => redacted('/acme/runner'),
    instead: REGISTRY_LOGIN,
  },
  {
    action: 'backcompat-matrix',
    input: 'npm-registry',
    inputs: () => ({ version: '2.0.0', 'npm-package': '@acme/runner', 'npm-registry': url('/') }),
    shown: () => redacted('/'),
    instead: "give npm the registry's token in an .npmrc",
  },
  {
    action: 'update-manifest',
    input: 'repository',
    inputs: () => ({
      repository: `https://x-access-token:${SECRET}@github.com/acme/deploy.git`,
      path: 'envs/stage',
      image: 'ghcr.io/acme/api',
      tag: 'v1.0.0',
    }),
    shown: () => 'https://x-access-token:***@github.com/acme/deploy.git',
    instead: 'write owner/name, with the token in input "token"',
  },
  {
    action: 'update-manifest',
    input: 'image',
    inputs: () => ({ repository: 'acme/deploy', path: 'envs/stage', image: url('/acme/api'), tag: 'v1.0.0' }),
    shown: () => redacted('/acme/api'),
    instead: REGISTRY_LOGIN,
  },
  {
    action: 'npm-publish-gate',
    input: 'registry',
    inputs: () => ({ registry: url('/'), token: 'npm-token-value' }),
    shown: () => redacted('/'),
    instead: 'pass the token in input "token"',
  },
];

describe('credentials in a URL input: every action refuses them before any use', () => {
  it.each(ACTION_CASES)('$action refuses "$input"', async ({ action, input, inputs, shown, instead }) => {
    proxy.reset();
    const workspace = await freshDir('workspace');
    const runnerTemp = await freshDir('runner-temp');
    const run = await runAction({
      actionDir: releasedAction(action),
      inputs: inputs(),
      workspace,
      env: { RUNNER_TEMP: runnerTemp, DOCKER_CONFIG: join(work, 'no-docker-config') },
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(new RegExp(`^Input "${input}" carries credentials in "`));
    expect(run.errors[0]).toContain(`in "${shown()}": credentials never go in a URL`);
    expect(run.errors[0]).toContain(instead);
    expect(run.masks).toContain(SECRET);
    await expectNoLeak(run, [SECRET], [workspace, runnerTemp]);
    expect(proxy.requests).toEqual([]);
  });
});

interface FlagCase {
  command: string;
  /** The arguments after the command. */
  args: () => string[];
  /** How the message names the value: a flag, `--image`, or inspect's positional `<image>`. */
  flag: string;
  shown: () => string;
}

const FLAG_CASES: FlagCase[] = [
  {
    command: 'promote',
    args: () => ['--image', url('/acme/api'), '--to', 'stage'],
    flag: 'image',
    shown: () => redacted('/acme/api'),
  },
  {
    command: 'promote',
    args: () => ['--image', `${proxy.host}/acme/api`, '--to-image', url('/acme/copy'), '--to', 'stage'],
    flag: 'to-image',
    shown: () => redacted('/acme/copy'),
  },
  {
    command: 'promote',
    args: () => ['--image', `${proxy.host}/acme/api`, '--to', 'stage', '--insecure-registries', url()],
    flag: 'insecure-registries',
    shown: () => redacted(),
  },
  {
    command: 'promote',
    args: () => [
      '--image',
      `${proxy.host}/acme/api`,
      '--to',
      'stage',
      '--registry',
      url(),
      '--username',
      'robot',
      '--password',
      'robot-password',
    ],
    flag: 'registry',
    shown: () => redacted(),
  },
  {
    command: 'build',
    args: () => ['--image', url('/acme/api'), '--sha', 'a'.repeat(40)],
    flag: 'image',
    shown: () => redacted('/acme/api'),
  },
  {
    command: 'yank',
    args: () => ['--image', url('/acme/api'), '--sha', 'a'.repeat(40), '--reason', 'stage failed'],
    flag: 'image',
    shown: () => redacted('/acme/api'),
  },
  {
    command: 'update-manifest',
    args: () => [
      '--repository',
      `https://x-access-token:${SECRET}@github.com/acme/deploy.git`,
      '--path',
      'envs/stage',
      '--image',
      'ghcr.io/acme/api',
      '--tag',
      'v1',
    ],
    flag: 'repository',
    shown: () => 'https://x-access-token:***@github.com/acme/deploy.git',
  },
  {
    command: 'update-manifest',
    args: () => ['--repository', 'acme/deploy', '--path', 'envs', '--image', url('/acme/api'), '--tag', 'v1'],
    flag: 'image',
    shown: () => redacted('/acme/api'),
  },
  {
    command: 'matrix',
    args: () => ['--version', '2.0.0', '--runner-image', url('/acme/runner')],
    flag: 'runner-image',
    shown: () => redacted('/acme/runner'),
  },
  {
    command: 'matrix',
    args: () => ['--version', '2.0.0', '--npm-package', '@acme/runner', '--npm-registry', url('/')],
    flag: 'npm-registry',
    shown: () => redacted('/'),
  },
  {
    command: 'publish',
    args: () => ['--registry', url('/'), '--dry-run'],
    flag: 'registry',
    shown: () => redacted('/'),
  },
  {
    command: 'inspect',
    args: () => [url('/acme/api'), 'a'.repeat(7)],
    flag: '<image>',
    shown: () => redacted('/acme/api'),
  },
];

describe('credentials in a URL flag: flow refuses them the same way', () => {
  it.each(FLAG_CASES)('flow $command refuses $flag', async ({ command, args, flag, shown }) => {
    proxy.reset();
    const home = await freshDir('home');
    const argv = [command, ...args()];
    const run = await runFlow(argv, { cwd: home, env: { HOME: home, DOCKER_CONFIG: join(home, 'docker') } });
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    const named = flag.startsWith('<') ? flag : `--${flag}`;
    expect(run.stderr).toMatch(new RegExp(`^flow ${argv[0]}: ${named} carries credentials in "`));
    expect(run.stderr).toContain(`in "${shown()}": credentials never go in a URL`);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    await expectNoLeak(run, [SECRET], [home]);
    expect(proxy.requests).toEqual([]);
  });
});
