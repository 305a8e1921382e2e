import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { GitHubClient } from '@flow-actions/github-api';
import { type ActionRun, runAction } from '@flow-actions/runner-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCommitMessage } from '../../actions/update-manifest/src/commit-message';
import { releasedAction } from '../e2e/release-tree';
import { type GitHubFake, type JsonRecord, startGitHubFake } from '../github-fake';
import { makeDiffEntry } from '../github-fake/factories';
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
// pull request. Then the product's side of the loop: its merge gate (the bundle, as merge-gate.yml
// runs it, against the product's GitHub) merges a low-risk proposal by itself — a real merge commit
// on the product's main — and the release action cuts the product's version on that commit, the
// component's commits rolled up under it; a breaking one waits for the release managers.

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
/** The product's own tokens: its job's GITHUB_TOKEN, its merge and release Apps', and its lead's. */
const PRODUCT_TOKENS = {
  job: `ghs_productRepositoryOwnToken${Math.random().toString(36).slice(2, 10)}`,
  merge: `ghs_productMergeApp${Math.random().toString(36).slice(2, 12)}`,
  release: `ghs_productReleaseApp${Math.random().toString(36).slice(2, 12)}`,
  lead: `ghp_productLead${Math.random().toString(36).slice(2, 12)}`,
};
const PRODUCT_MERGER = 'acme-product-merger[bot]';
const PRODUCT_RELEASER = 'acme-product-releaser[bot]';
/**
 * The product's merge gate: a bump is checked by the product's CI (`validate`: the manifests
 * render), low risk merges by itself, a feature waits for a person, a breaking change for the
 * release managers; the propose App's labels count.
 */
const PRODUCT_POLICY = [
  'expression: ci',
  'ci:',
  '  checks: [validate]',
  'risk:',
  '  low: { auto-merge: true }',
  '  medium: { auto-merge: false }',
  '  high: { team: acme/release-managers, approvals: 1 }',
  `trusted-label-actors: [lead, '${APP_LOGIN}']`,
  "non-functional-paths: ['*.md']",
  '',
].join('\n');

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

  productRepository = await world.git.createBareRepository('acme/product', {
    files: {
      'README.md': 'The acme product: every component, pinned by release.\n',
      [POLICY_FILE]: PRODUCT_POLICY,
    },
  });
  await pinApiV1(commits.start.sha);
  // The product's GitHub: its git database is the product repository, so a merge or a tag made
  // through the API is real there. Branch protection as merge-gate's README asks.
  product = await startGitHubFake({
    token: PRODUCT_TOKENS.job,
    repository: 'acme/product',
    gitDir: productRepository.path,
    gitMerges: true,
    otherTokens: {
      [APP_TOKEN]: APP_LOGIN,
      [PRODUCT_TOKENS.merge]: PRODUCT_MERGER,
      [PRODUCT_TOKENS.release]: PRODUCT_RELEASER,
      [PRODUCT_TOKENS.lead]: 'lead',
    },
  });
  product.state.requiredStatusChecks = ['Merge gate'];
  product.state.requiredApprovingReviews = 0;
  product.state.repository.allow_auto_merge = true;
}, 180_000);
afterAll(async () => {
  await product?.stop();
  await world?.stop();
});

/**
 * The product's first release, before this story: api v1.0.0 deployed into deploy/prod by
 * update-manifest (its trailers name the api commit), then the product's own v1.0.0 tag.
 */
async function pinApiV1(apiCommit: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'product-work-'));
  try {
    const git = (...args: string[]) =>
      exec('git', ['-C', work, '-c', 'user.name=Lead', '-c', 'user.email=lead@example.com', ...args]);
    await exec('git', ['clone', '-q', productRepository.path, work]);
    await mkdir(join(work, 'deploy/prod'), { recursive: true });
    await writeFile(
      join(work, 'deploy/prod/kustomization.yaml'),
      [
        '# The product in prod: each component at a release.',
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'images:',
        '  # api: proposed by its propose.yml',
        `  - name: ${world.values.IMAGE}`,
        '    newTag: v1.0.0 # the api release the product ships',
        '',
      ].join('\n'),
    );
    await git('add', '.');
    const message = buildCommitMessage({
      target: { name: `${world.values.IMAGE}`, tag: 'v1.0.0' },
      paths: ['deploy/prod'],
      changes: [],
      lineage: { sourceCommit: apiCommit, sourceRepository: 'acme/api' },
    });
    await git('commit', '-qm', message);
    await git('tag', '-a', '-m', 'Release v1.0.0', 'v1.0.0');
    await git('push', '-q', 'origin', 'main', 'v1.0.0');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

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

/** git on the product repository (GitHub's copy of it: the bare repository the git server serves). */
/**
 * A new commit of the api (its greeting changed, as `name` in commits) released as `version`, then
 * propose.yml for Promote's finished run, which must succeed.
 */
async function releaseAndPropose(
  version: string,
  name: string,
  greeting: string,
  subject: string,
  before: Commit | undefined,
): Promise<WorkflowRun> {
  const commit = await world.commit({ 'greeting.txt': greeting }, subject);
  commits[name] = commit;
  await releaseComponent(version, commit, before?.sha as string);
  const run = await propose(version, commit);
  expect(results(run), explain(run)).toEqual({ propose: 'success' });
  return run;
}

async function productGit(...args: string[]): Promise<string> {
  return (
    await exec('git', [
      '--git-dir',
      productRepository.path,
      '-c',
      'user.name=Lead',
      '-c',
      'user.email=lead@example.com',
      ...args,
    ])
  ).stdout.trim();
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
    const run = await releaseAndPropose('v1.1.0', 'A', 'hello\n', 'feat(api): greet callers', commits.start);
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
      "propose: app-token — mints the App's installation token, which the GitHub fake accepts as the App",
    ]);
  });

  it('v1.1.1 promoted: the same pull request is updated in place, a fresh commit on the product’s main', async () => {
    const run = await releaseAndPropose('v1.1.1', 'B', 'hello!\n', 'fix(api): greet with feeling', commits.A);
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

/**
 * GitHub's view of a proposal once propose pushed its branch: the head, the base (main, with the
 * product's policy on it), the commits and the files of the pull request, read from the product
 * repository as GitHub computes them on a push. The fake's POST /pulls cannot see a git push.
 */
async function showAsGitHub(number: number): Promise<{ pull: JsonRecord; head: string; base: string }> {
  const pull = product.state.pullRequests.find((entry) => entry.number === number);
  if (!pull) throw new Error(`the product has no pull request #${number}`);
  const branch = String((pull.head as JsonRecord).ref);
  const head = await productGit('rev-parse', `refs/heads/${branch}`);
  const base = await productGit('rev-parse', 'refs/heads/main');
  const seedCommit = async (sha: string, extra: { branch?: string; files?: Record<string, string> }) =>
    product.seed.commit({
      sha,
      message: await productGit('log', '-1', '--format=%B', sha),
      author: await productGit('log', '-1', '--format=%an', sha),
      parents: (await productGit('rev-list', '--parents', '-n', '1', sha)).split(' ').slice(1),
      ...extra,
    });
  await seedCommit(base, {
    branch: 'main',
    files: { [POLICY_FILE]: await productGit('show', `${base}:${POLICY_FILE}`) },
  });
  const shas = (await productGit('rev-list', '--reverse', `${base}..${head}`)).split('\n').filter(Boolean);
  for (const sha of shas) await seedCommit(sha, sha === head ? { branch } : {});
  (pull.head as JsonRecord).sha = head;
  (pull.base as JsonRecord).sha = base;
  product.state.pullRequestCommits.set(number, shas);
  const numstat = await productGit('diff', '--numstat', `${base}...${head}`);
  product.state.diffs.set(
    head,
    numstat
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [additions = '0', deletions = '0', path = ''] = line.split('\t');
        const file = { path, additions: Number(additions), deletions: Number(deletions) };
        return makeDiffEntry({ repository: 'acme/product' }, file, head);
      }),
  );
  return { pull, head, base };
}

/** The product's CI on a commit: `validate`, the one check its policy and its release require. */
function productCi(sha: string): void {
  product.seed.checkRun({ name: 'validate', head_sha: sha, conclusion: 'success' });
}

/**
 * The product's merge gate for a proposal that propose's App just opened, as merge-gate.yml's
 * merging run calls the bundle: the job's token decides and writes the check, the merge App's
 * token merges.
 */
function productGate(pull: JsonRecord, head: string): Promise<ActionRun> {
  return runAction({
    actionDir: releasedAction('merge-gate'),
    repository: 'acme/product',
    apiUrl: product.url,
    githubToken: PRODUCT_TOKENS.job,
    eventName: 'pull_request',
    payload: {
      action: 'opened',
      number: pull.number,
      pull_request: {
        number: pull.number,
        head: { sha: head, ref: (pull.head as JsonRecord).ref },
        base: { ref: 'main', repo: { url: 'https://api.github.com/repos/acme/product' } },
      },
      repository: { full_name: 'acme/product' },
      sender: { login: APP_LOGIN },
    },
    inputs: { 'merge-token': PRODUCT_TOKENS.merge, 'settle-seconds': '0' },
  });
}

const productRuns: ActionRun[] = [];

describe('the product: its merge gate merges a low-risk proposal, and its release ships it', () => {
  it('#1 (api v1.1.1, a feature) is medium risk: the gate is green on the product’s CI and merges nothing; the lead merges it', async () => {
    const { pull, head, base } = await showAsGitHub(1);
    productCi(head);
    const run = await productGate(pull, head);
    productRuns.push(run);
    expect(run.errors).toEqual([]);
    expect(run.outputs).toMatchObject({ verdict: 'green', risk: 'medium', 'auto-merge': 'off' });
    expect(product.state.merges).toEqual([]);
    expect(await productGit('rev-parse', 'main')).toBe(base);
    const merged = await new GitHubClient({
      token: PRODUCT_TOKENS.lead,
      repository: 'acme/product',
      apiUrl: product.url,
    }).mergePullRequest(1, { sha: head, mergeMethod: 'MERGE' });
    expect(await productGit('rev-parse', 'main')).toBe(merged.sha);
    expect(await productFile('main')).toContain('newTag: v1.1.1');
  });

  it('v1.1.2 (a fix) promoted: propose opens #2, semver:patch; the gate finds it low risk and merges it as the App, a real merge on the product’s main', async () => {
    const proposed = await releaseAndPropose(
      'v1.1.2',
      'C',
      'hello.\n',
      'fix(api): end the greeting',
      commits.B,
    );
    expect(step(proposed, 'propose', 'propose').outputs).toMatchObject({
      status: 'opened',
      number: '2',
      previous: 'v1.1.1',
      impact: 'patch',
    });
    const { pull, head, base } = await showAsGitHub(2);
    expect(labels(pull)).toEqual(['change-size:S', 'functional', 'semver:patch']);
    productCi(head);
    const run = await productGate(pull, head);
    productRuns.push(run);
    expect(run.errors).toEqual([]);
    expect(run.outputs).toMatchObject({ verdict: 'green', risk: 'low', 'auto-merge': 'merged' });
    expect(product.state.merges).toEqual([
      expect.objectContaining({ number: 1, actor: 'lead' }),
      expect.objectContaining({ number: 2, actor: PRODUCT_MERGER, mergeMethod: 'merge' }),
    ]);
    // GitHub's merge is a merge commit of main's head and the proposal, on the product's git.
    const merge = product.state.merges[1]?.sha as string;
    expect(await productGit('rev-parse', 'main')).toBe(merge);
    expect(await productGit('rev-list', '--parents', '-n', '1', 'main')).toBe(`${merge} ${base} ${head}`);
    expect(await productFile('main')).toContain('newTag: v1.1.2');
    expect(await productFile('main')).toContain(`    digest: ${digests['v1.1.2']}`);
  });

  it('the product’s release on the merged commit: v1.1.0 tagged through the API, its notes listing api’s commits under api', async () => {
    const merge = await productGit('rev-parse', 'main');
    productCi(merge);
    const workspace = await mkdtemp(join(tmpdir(), 'product-release-'));
    try {
      await exec('git', ['clone', '-q', productRepository.path, workspace]);
      await exec('git', ['clone', '-q', world.app, join(workspace, 'components/api')]);
      const run = await runAction({
        actionDir: releasedAction('release'),
        repository: 'acme/product',
        apiUrl: product.url,
        githubToken: PRODUCT_TOKENS.job,
        workspace,
        inputs: {
          commit: merge,
          kind: 'release',
          'stage-checks': 'validate',
          components: 'api components/api deploy/prod/**',
          'github-token': PRODUCT_TOKENS.release,
        },
        timeoutMs: 90_000,
      });
      productRuns.push(run);
      expect(run.errors).toEqual([]);
      expect(run.outputs).toMatchObject({ commit: merge, tag: 'v1.1.0', 'previous-tag': 'v1.0.0' });
      expect(await productGit('cat-file', '-t', 'refs/tags/v1.1.0')).toBe('tag');
      expect(await productGit('rev-parse', 'refs/tags/v1.1.0^{commit}')).toBe(merge);
      expect(await productGit('for-each-ref', '--format=%(taggername)', 'refs/tags/v1.1.0')).toBe(
        PRODUCT_RELEASER,
      );
      const notes = run.outputs.changelog as string;
      expect(product.state.releases.at(-1)).toMatchObject({ tag_name: 'v1.1.0', body: notes });
      const api = notes.slice(notes.indexOf('#### api'));
      expect(api).toMatch(
        new RegExp(`^#### api ${commits.start?.sha.slice(0, 12)} → ${commits.C?.sha.slice(0, 12)}`),
      );
      for (const subject of ['greet callers', 'greet with feeling', 'end the greeting'])
        expect(api).toContain(subject);
      expect(api).not.toContain('start the api');
    } finally {
      await rm(workspace, { recursive: true, force: true });
    }
  });

  it('v2.0.0 (feat!) promoted: propose opens #3 labelled semver:major; the gate finds it high risk and does not merge it', async () => {
    const proposed = await releaseAndPropose(
      'v2.0.0',
      'D',
      'HELLO\n',
      'feat(api)!: greet in capitals only',
      commits.C,
    );
    expect(step(proposed, 'propose', 'propose').outputs).toMatchObject({
      status: 'opened',
      number: '3',
      impact: 'major',
    });
    const before = await productGit('rev-parse', 'main');
    const { pull, head } = await showAsGitHub(3);
    expect(labels(pull)).toContain('semver:major');
    productCi(head);
    const run = await productGate(pull, head);
    productRuns.push(run);
    expect(run.errors).toEqual([]);
    expect(run.outputs).toMatchObject({ verdict: 'pending', risk: 'high', 'auto-merge': 'off' });
    expect(JSON.parse(run.outputs.missing ?? '[]').join('\n')).toContain('acme/release-managers');
    expect(product.state.merges.map((merge) => merge.number)).toEqual([1, 2]);
    expect(product.state.pullRequests.find((entry) => entry.number === 3)).toMatchObject({ state: 'open' });
    expect(await productGit('rev-parse', 'main')).toBe(before);
  });

  it('no product token in any log, output, summary or error; the product’s fake kept to GitHub’s description', () => {
    expect(productRuns).toHaveLength(4);
    for (const run of productRuns) {
      const text = run.log + run.stderr + run.summary + JSON.stringify(run.outputs);
      for (const secret of Object.values(PRODUCT_TOKENS)) expect(text).not.toContain(secret);
    }
    expect(product.schemaViolations).toEqual([]);
  });
});
