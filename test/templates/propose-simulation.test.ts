import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releasedAction } from '../e2e/release-tree';
import { type GitHubFake, type JsonRecord, startGitHubFake } from '../github-fake';
import type { BareRepository } from '../services';
import { skopeoDigest } from '../support/skopeo';
import { adoptCopy } from './simulation/adopt';
import { pushTag, pushToMain, workflowRunCompleted } from './simulation/events';
import type { StandIns, WorkflowRun } from './simulation/runner';
import { checkout, dockerLogin, githubAppToken, pretend, script } from './simulation/stand-ins';
import { explain, job, listStandIns, readableOfOurSteps, results, step } from './simulation/story';
import {
  ACTOR,
  type Commit,
  GATE_POLICY,
  POLICY_FILE,
  SECRETS,
  startWorld,
  WORKFLOWS_DIR,
  type World,
} from './simulation/world';
import { listTemplates, readTemplate } from './templates';

// A component reaches the product by pull request: the app repository (acme/api) is a component
// that adopted every template, propose.yml among them; its release v1.1.0 runs main.yml (build,
// stage), promote.yml (the v* tag), and then propose.yml on Promote's finished run — which opens
// the pull request in the product repository (acme/product, a git repository over smart HTTP and a
// GitHub fake of its own, the App's token accepted by both). The next release updates that same
// pull request. Another story takes it on through the product's merge gate and release.

/** The component's name and the product, as the adopter sets them in propose.yml's env. */
const PRODUCT = {
  COMPONENT: 'api',
  PRODUCT_OWNER: 'acme',
  PRODUCT_NAME: 'product',
  PRODUCT_PATH: 'deploy/prod',
};
/**
 * The propose App's secrets, and the installation token its stand-in mints. The git server takes
 * one token: the App's is the one that may push to the product (and the manifest repository).
 */
const APP = {
  PROPOSE_APP_CLIENT_ID: `Iv23liPropose${Math.random().toString(36).slice(2, 10)}`,
  PROPOSE_APP_PRIVATE_KEY: `-----BEGIN RSA PRIVATE KEY-----\n${Math.random().toString(36).slice(2)}\n-----END RSA PRIVATE KEY-----`,
};
const APP_TOKEN = SECRETS.MANIFEST_TOKEN;
const APP_LOGIN = 'acme-propose[bot]';

let world: World;
let product: GitHubFake;
let productRepository: BareRepository;
let authFile: string;
const commits: Record<string, Commit> = {};
const digests: Record<string, string> = {};

beforeAll(async () => {
  world = await startWorld(releasedAction, {
    async adopt(app, values) {
      await mkdir(join(app, WORKFLOWS_DIR), { recursive: true });
      for (const name of await listTemplates()) {
        const { text } = await readTemplate(name);
        await writeFile(join(app, WORKFLOWS_DIR, `${name}.yml`), adoptCopy(text, { ...values, ...PRODUCT }));
      }
    },
    secrets: APP,
  });
  product = await startGitHubFake({
    token: `ghs_productRepositoryOwnToken${Math.random().toString(36).slice(2, 10)}`,
    repository: 'acme/product',
    otherTokens: { [APP_TOKEN]: APP_LOGIN },
  });
  productRepository = await world.git.createBareRepository('acme/product', {
    files: {
      'README.md': 'The acme product: every component, pinned by release.\n',
      'deploy/prod/kustomization.yaml': [
        '# The product in prod: each component at a release.',
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'images:',
        '  # api: proposed by its propose.yml',
        `  - name: ${world.values.IMAGE}`,
        '    newTag: v1.0.0 # the api release the product ships',
        '',
      ].join('\n'),
      [POLICY_FILE]: `${GATE_POLICY.replace('trusted-label-actors: [lead]', `trusted-label-actors: [lead, '${APP_LOGIN}']`)}`,
    },
  });
  authFile = join(world.app, '..', 'auth.json');
  const auth = Buffer.from(`${ACTOR}:${SECRETS.GITHUB_TOKEN}`).toString('base64');
  await writeFile(authFile, JSON.stringify({ auths: { [world.registry.host]: { auth } } }));
  commits.start = await world.commit(
    {
      Dockerfile: 'FROM scratch\nCOPY greeting.txt /greeting.txt\n',
      'greeting.txt': 'hi\n',
      [POLICY_FILE]: GATE_POLICY,
    },
    'chore: start the api',
  );
  // The release the product ships now: tagged before the adopter's story starts.
  await world.tag('v1.0.0', commits.start.sha, true);
}, 180_000);
afterAll(async () => {
  await product?.stop();
  await world?.stop();
});

function standIns(extra: StandIns = {}): StandIns {
  return {
    'actions/checkout': checkout(world.app),
    'docker/login-action': dockerLogin(SECRETS.GITHUB_TOKEN),
    'actions/create-github-app-token': githubAppToken({
      clientId: APP.PROPOSE_APP_CLIENT_ID,
      privateKey: APP.PROPOSE_APP_PRIVATE_KEY,
      token: APP_TOKEN,
    }),
    ...extra,
  };
}

/** A commit of main, built and checked on stage by main.yml, then released: promote.yml for its v* tag. */
async function releaseComponent(version: string, commit: Commit, before: string): Promise<WorkflowRun> {
  const main = await world.run(
    'main',
    pushToMain(commit, before),
    standIns({ 'Not checked on stage': script(), 'Stage checks (replace me)': script() }),
  );
  expect(results(main), explain(main)).toMatchObject({ build: 'success', 'stage-checks': 'success' });
  digests[version] = job(main, 'build').outputs.digest as string;
  const promote = await world.run(
    'promote',
    pushTag(version, commit, await world.tag(version, commit.sha, true)),
    standIns({ 'Release notes': pretend('gh release create, with the notes') }),
  );
  expect(results(promote), explain(promote)).toMatchObject({ prod: 'success' });
  return promote;
}

/** propose.yml for Promote's finished run of a tag, against the product's own GitHub. */
async function propose(
  tag: string,
  commit: Commit,
  conclusion: 'success' | 'failure' = 'success',
): Promise<WorkflowRun> {
  const head = (await exec('git', ['-C', world.app, 'rev-parse', 'main'])).stdout.trim();
  return world.run(
    'propose',
    workflowRunCompleted('Promote', conclusion, commit, head, { event: 'push', headBranch: tag }),
    standIns(),
    undefined,
    { apiUrl: product.url },
  );
}

async function productFile(ref: string): Promise<string> {
  return (
    await exec('git', ['--git-dir', productRepository.path, 'show', `${ref}:deploy/prod/kustomization.yaml`])
  ).stdout;
}

const labels = (pull: JsonRecord | undefined) =>
  ((pull?.labels ?? []) as { name: string }[]).map((label) => label.name).sort();

describe('propose.yml: a component release opens its pull request in the product', () => {
  it('v1.1.0 promoted: propose opens one pull request bumping api, labelled minor, with the digest prod runs', async () => {
    commits.A = await world.commit({ 'greeting.txt': 'hello\n' }, 'feat(api): greet callers');
    await releaseComponent('v1.1.0', commits.A, commits.start?.sha as string);
    const run = await propose('v1.1.0', commits.A);
    expect(results(run), explain(run)).toEqual({ propose: 'success' });
    expect(step(run, 'propose', 'propose').outputs).toMatchObject({
      status: 'opened',
      previous: 'v1.0.0',
      impact: 'minor',
      base: 'main',
      branch: 'flow/propose/main/api',
    });
    expect(product.state.pullRequests).toHaveLength(1);
    const pull = product.state.pullRequests[0];
    expect(pull).toMatchObject({ title: 'feat(api): bump api to v1.1.0', base: { ref: 'main' } });
    expect(labels(pull)).toEqual(['change-size:S', 'functional', 'semver:minor']);
    // The digest the registry holds for v1.1.0 (promote's), in the product's file and in the body.
    const digest = digests['v1.1.0'] as string;
    expect(await skopeoDigest(`${world.values.IMAGE}:v1.1.0`, { authFile })).toBe(digest);
    const proposed = await productFile('flow/propose/main/api');
    expect(proposed).toContain('    newTag: v1.1.0 # the api release the product ships');
    expect(proposed).toContain(`    digest: ${digest}`);
    expect(proposed).toContain('  # api: proposed by its propose.yml');
    expect(String(pull?.body)).toContain(`${world.values.IMAGE}@${digest}`);
    expect(String(pull?.body)).toContain('- **api:** greet callers');
    expect(await productFile('main')).toContain('newTag: v1.0.0');
    expect(listStandIns(run)).toEqual([
      'propose: actions/checkout — git fetch from the local app repository (all history and tags when fetch-depth is 0)',
      'propose: docker/login-action — writes the registry credentials to ~/.docker/config.json, as docker login does',
      "propose: app-token — mints the merge App's installation token, which the GitHub fake accepts as the App",
    ]);
  });

  it('v1.1.1 promoted: the same pull request is updated in place, a fresh commit on the product’s main', async () => {
    commits.B = await world.commit({ 'greeting.txt': 'hello!\n' }, 'fix(api): greet with feeling');
    await releaseComponent('v1.1.1', commits.B, commits.A?.sha as string);
    const run = await propose('v1.1.1', commits.B);
    expect(results(run), explain(run)).toEqual({ propose: 'success' });
    expect(step(run, 'propose', 'propose').outputs).toMatchObject({ status: 'updated', number: '1' });
    expect(product.state.pullRequests).toHaveLength(1);
    expect(product.state.pullRequests[0]).toMatchObject({ title: 'feat(api): bump api to v1.1.1' });
    expect(await productFile('flow/propose/main/api')).toContain(`    digest: ${digests['v1.1.1']}`);
    const parent = (
      await exec('git', ['--git-dir', productRepository.path, 'rev-parse', 'flow/propose/main/api^'])
    ).stdout.trim();
    const main = (
      await exec('git', ['--git-dir', productRepository.path, 'rev-parse', 'main'])
    ).stdout.trim();
    expect(parent).toBe(main);
    expect(String(product.state.pullRequests[0]?.body)).toContain('greet with feeling');
  });

  it('a failed promotion, a prerelease and an rc start no proposal', async () => {
    const C = commits.B as Commit;
    for (const [tag, conclusion] of [
      ['v1.1.2', 'failure'],
      ['v1.2.0-beta.1', 'success'],
      ['rc-1', 'success'],
    ] as const) {
      const run = await propose(tag, C, conclusion);
      expect(results(run)).toEqual({ propose: 'skipped' });
    }
    expect(product.state.pullRequests).toHaveLength(1);
  });

  it('no secret leaks into a log, an output, a summary or an error; both fakes kept to GitHub’s description', () => {
    const steps = readableOfOurSteps(world.runs);
    expect(steps.length).toBeGreaterThan(5);
    for (const { label, text } of steps)
      for (const secret of [
        APP_TOKEN,
        APP.PROPOSE_APP_PRIVATE_KEY,
        APP.PROPOSE_APP_CLIENT_ID,
        SECRETS.GITHUB_TOKEN,
      ])
        expect(text, label).not.toContain(secret);
    expect(product.schemaViolations).toEqual([]);
    expect(world.github.schemaViolations).toEqual([]);
  });
});
