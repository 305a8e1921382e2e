import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretMasker } from '@flow-actions/action-kit';
import { openStore } from '@flow-actions/oci-store';
import { runAction } from '@flow-actions/runner-harness';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGit } from '../../actions/update-manifest/src/git';
import { createPullRequestApi } from '../../actions/update-manifest/src/github';
import { type UpdateRequest, updateManifest } from '../../actions/update-manifest/src/update';
import { releasedAction } from '../e2e/release-tree';
import { type GitHubFake, startGitHubFake } from '../github-fake';
import { type BareRepository, type RunningGitServer, startGitServer } from '../services';
import { seedImage } from '../support/artifacts';
import { commitDiff, git, headOf, manifestRepositoryFiles } from './manifest-repo';

// Pull-request mode: the change goes to a branch through real git, the pull request through the
// GitHub REST client against the loopback fake, whose every request and response is checked
// against GitHub's OpenAPI description.
const TOKEN = 'ghs_updateManifestPullRequest0123456789';
const DIGEST = `sha256:${'c'.repeat(64)}`;
const BRANCH = 'flow/update-manifest/main/envs-prod/api';

let server: RunningGitServer;
let github: GitHubFake;
let work: string;
let repo: BareRepository;

beforeAll(async () => {
  server = await startGitServer({ token: TOKEN });
  github = await startGitHubFake({ token: TOKEN, repository: 'acme/manifests' });
});
afterAll(async () => {
  await github.stop();
  await server.stop();
});
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'flow-update-manifest-pr-'));
  github.state.pullRequests.length = 0;
  await rm(join(server.root, 'acme', 'manifests.git'), { recursive: true, force: true });
  repo = await server.createBareRepository('acme/manifests', { files: await manifestRepositoryFiles() });
});
afterEach(() => rm(work, { recursive: true, force: true }));

function request(tag: string): UpdateRequest {
  return {
    repositoryLabel: 'acme/manifests',
    paths: ['envs/prod'],
    target: { name: 'ghcr.io/acme/api', tag, digest: DIGEST },
    format: 'auto',
    helmKeys: [],
    mode: 'pull-request',
    lineage: { sourceCommit: 'd'.repeat(40) },
    dryRun: false,
  };
}

function dependencies(name: string) {
  const masker = new SecretMasker();
  return {
    git: createGit({
      dir: join(work, name),
      url: repo.url,
      token: TOKEN,
      author: { name: 'deploy-bot', email: 'deploy-bot@example.com' },
      masker,
    }),
    pullRequests: createPullRequestApi({
      token: TOKEN,
      repository: 'acme/manifests',
      masker,
      logger: { debug() {}, info() {}, warning() {}, error() {}, group: (_t, fn) => fn() },
      apiUrl: github.url,
    }),
  };
}

describe('pull-request mode', () => {
  it('opens a pull request from a branch, then updates the same one for a newer artifact', async () => {
    const base = await headOf(repo.path);
    const first = await updateManifest(request('v1.5.0'), dependencies('first'));
    expect(first).toMatchObject({ status: 'pull-request', pullRequestBranch: BRANCH, branch: 'main' });
    expect(first.pullRequest).toEqual({
      number: 1,
      url: expect.stringMatching(/\/acme\/manifests\/pull\/1$/),
      created: true,
    });
    expect(await headOf(repo.path)).toBe(base);
    expect(await headOf(repo.path, BRANCH)).toBe(first.commit);
    expect(await commitDiff(repo.path, first.commit ?? '')).toEqual({
      'envs/prod/kustomization.yaml': {
        removed: ["  newTag: 'v1.4.0'"],
        added: ["  newTag: 'v1.5.0'", `  digest: ${DIGEST}`],
      },
    });

    const again = await updateManifest(request('v1.5.0'), dependencies('again'));
    expect(again).toMatchObject({
      commit: first.commit,
      pullRequest: { ...first.pullRequest, created: false },
    });
    expect(await headOf(repo.path, BRANCH)).toBe(first.commit);

    const second = await updateManifest(request('v1.5.1'), dependencies('second'));
    expect(second.pullRequest).toEqual({ ...first.pullRequest, created: false });
    // The branch is rebuilt from the base, not stacked on the older deploy.
    expect((await git(['--git-dir', repo.path, 'rev-parse', `${BRANCH}^`])).stdout.trim()).toBe(base);
    expect(github.state.pullRequests).toHaveLength(1);
    expect(github.state.pullRequests[0]).toMatchObject({
      state: 'open',
      title: 'Deploy ghcr.io/acme/api:v1.5.1 to envs/prod',
      head: { ref: BRANCH, label: `acme:${BRANCH}` },
      base: { ref: 'main' },
    });
    expect(String(github.state.pullRequests[0]?.body)).toContain(
      '- envs/prod/kustomization.yaml: images[ghcr.io/acme/api].newTag v1.4.0 -> v1.5.1',
    );
    expect(github.requests.map((r) => `${r.method} ${r.operationId} ${r.status}`)).toEqual([
      'GET pulls/list 200',
      'POST pulls/create 201',
      'GET pulls/list 200',
      'PATCH pulls/update 200',
      'GET pulls/list 200',
      'PATCH pulls/update 200',
    ]);
    expect(github.schemaViolations).toEqual([]);
  });

  it('end to end: the bundled action opens the pull request and outputs its URL', async () => {
    const runnerTemp = await mkdtemp(join(tmpdir(), 'flow-update-manifest-pr-runner-'));
    try {
      // The manifests name ghcr.io, which the tests never reach: the artifact is read from a layout.
      const layout = join(runnerTemp, 'artifacts');
      const artifact = await seedImage(await openStore(`oci:${layout}`, { createLayout: true }), {
        revision: 'd'.repeat(40),
        tag: 'v1.5.0',
      });
      const run = await runAction({
        actionDir: releasedAction('update-manifest'),
        inputs: {
          repository: 'acme/manifests',
          token: TOKEN,
          path: 'envs/prod',
          image: 'ghcr.io/acme/api',
          artifact: `oci:${layout}`,
          tag: 'v1.5.0',
          digest: artifact.digest,
          mode: 'pull-request',
        },
        serverUrl: server.url,
        apiUrl: github.url,
        env: { RUNNER_TEMP: runnerTemp },
      });
      expect(run.errors).toEqual([]);
      expect(run.exitCode).toBe(0);
      const pull = github.state.pullRequests[0];
      expect(run.outputs).toEqual({
        commit: await headOf(repo.path, BRANCH),
        changed: 'envs/prod/kustomization.yaml',
        'pull-request': String(pull?.html_url),
        'superseded-by': '',
      });
      expect(run.summary).toContain(
        `Opened pull request ${String(pull?.html_url)} from \`${BRANCH}\` into \`main\``,
      );
      expect(pull?.body).toContain(`Flow-Source-Commit: ${'d'.repeat(40)}`);
      expect(github.schemaViolations).toEqual([]);
      expect(
        run.stdout
          .split('\n')
          .filter((l) => !l.startsWith('::add-mask::'))
          .join('\n'),
      ).not.toContain(TOKEN);
    } finally {
      await rm(runnerTemp, { recursive: true, force: true });
    }
  });
});
