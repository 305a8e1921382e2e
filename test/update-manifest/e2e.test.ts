import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ActionRun, type RunActionOptions, runAction } from '@flow-actions/runner-harness';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { releasedAction } from '../e2e/release-tree';
import { type BareRepository, type RunningGitServer, startGitServer } from '../services';
import {
  commitDiff,
  filesContaining,
  git,
  headOf,
  manifestRepositoryFiles,
  trailersOf,
} from './manifest-repo';

// The bundled action as it ships, run on Node 24 the way the runner runs it, against real git
// over smart HTTP on loopback that demands the token.
const TOKEN = 'ghs_updateManifestEndToEnd0123456789ab';
const BASIC = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');
const NEW = `sha256:${'b'.repeat(64)}`;
const EVENT_SHA = '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d';

let server: RunningGitServer;
let runnerTemp: string;
let repo: BareRepository;
let counter = 0;

beforeAll(async () => {
  server = await startGitServer({ token: TOKEN });
});
afterAll(() => server.stop());
beforeEach(async () => {
  runnerTemp = await mkdtemp(join(tmpdir(), 'flow-update-manifest-runner-'));
  counter += 1;
  repo = await server.createBareRepository(`acme/manifests-e2e-${counter}`, {
    files: await manifestRepositoryFiles(),
  });
});
afterEach(() => rm(runnerTemp, { recursive: true, force: true }));

function deploy(inputs: Record<string, string>, options: Partial<RunActionOptions> = {}): Promise<ActionRun> {
  return runAction({
    actionDir: releasedAction('update-manifest'),
    inputs: {
      repository: `acme/manifests-e2e-${counter}`,
      token: TOKEN,
      path: 'envs/stage',
      image: 'ghcr.io/acme/api',
      tag: '1a2b3c4',
      digest: NEW,
      ...inputs,
    },
    serverUrl: server.url,
    repository: 'acme/api',
    sha: EVENT_SHA,
    runId: '4242',
    actor: 'release-manager',
    // The clone stays in RUNNER_TEMP, as on a runner, so the test can search it for the token.
    env: { RUNNER_TEMP: runnerTemp },
    ...options,
  });
}

/** Nothing the user can see, and nothing on disk, holds the token or the header made from it. */
async function expectNoToken(run: ActionRun): Promise<void> {
  const printed = run.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  for (const secret of [TOKEN, BASIC]) {
    expect(printed + run.stderr + JSON.stringify(run.outputs) + run.summary).not.toContain(secret);
  }
  expect(run.masks).toEqual(expect.arrayContaining([TOKEN, BASIC]));
  expect(await filesContaining(runnerTemp, [TOKEN, BASIC])).toEqual([]);
}

describe('update-manifest, bundled, end to end', () => {
  it('pins stage by digest: one commit, exactly the changed values, outputs, summary and lineage', async () => {
    const before = await headOf(repo.path);
    const run = await deploy({});
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    const head = await headOf(repo.path);
    expect(head).not.toBe(before);
    expect(run.outputs).toEqual({
      commit: head,
      changed: 'envs/stage/kustomization.yaml',
      'pull-request': '',
    });
    expect(await commitDiff(repo.path, head)).toEqual({
      'envs/stage/kustomization.yaml': {
        removed: [
          '    newTag: "0f0f0f0"   # short sha of the deployed commit',
          `    digest: sha256:${'1'.repeat(64)}`,
        ],
        added: ['    newTag: "1a2b3c4"   # short sha of the deployed commit', `    digest: ${NEW}`],
      },
    });
    expect(await trailersOf(repo.path, head)).toEqual({
      'Flow-Image': 'ghcr.io/acme/api',
      'Flow-Artifact-Tag': '1a2b3c4',
      'Flow-Artifact-Digest': NEW,
      'Flow-Source-Commit': EVENT_SHA,
      'Flow-Source-Repository': 'acme/api',
      'Flow-Run-Url': `${server.url}/acme/api/actions/runs/4242`,
      'Flow-Actor': 'release-manager',
    });
    const author = await git(['--git-dir', repo.path, 'log', '-1', '--format=%an <%ae>', head]);
    expect(author.stdout.trim()).toBe('flow-actions[bot] <flow-actions@users.noreply.github.com>');
    expect(run.summary).toContain(
      `Pointed \`envs/stage\` in \`acme/manifests-e2e-${counter}\` at \`ghcr.io/acme/api:1a2b3c4\``,
    );
    expect(run.summary).toContain(`commit \`${head}\` on \`main\``);
    expect(run.summary).toContain(
      '| `envs/stage/kustomization.yaml` | `images[ghcr.io/acme/api].newTag` | `0f0f0f0` | `1a2b3c4` |',
    );
    await expectNoToken(run);
  });

  it('a second run with the same artifact is green, commits nothing and says so', async () => {
    const first = await deploy({});
    expect(first.exitCode).toBe(0);
    const second = await deploy({});
    expect(second.exitCode).toBe(0);
    expect(second.outputs).toEqual({ commit: '', changed: '', 'pull-request': '' });
    expect(second.summary).toContain('Nothing to change: `envs/stage`');
    expect(second.summary).toContain('No commit was made.');
    expect(await headOf(repo.path)).toBe(first.outputs.commit);
  });

  it('two deploys to different environments racing on the same branch both land', async () => {
    const base = await headOf(repo.path);
    const [stage, prod] = await Promise.all([
      deploy({ path: 'envs/stage' }),
      deploy({ path: 'envs/prod', tag: 'v1.5.0' }),
    ]);
    expect([stage.exitCode, prod.exitCode, ...stage.errors, ...prod.errors]).toEqual([0, 0]);
    const { stdout } = await git(['--git-dir', repo.path, 'log', '--format=%H %s', `${base}..main`]);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines).toEqual(
      expect.arrayContaining([
        `${stage.outputs.commit} Deploy ghcr.io/acme/api:1a2b3c4 to envs/stage`,
        `${prod.outputs.commit} Deploy ghcr.io/acme/api:v1.5.0 to envs/prod`,
      ]),
    );
  });

  it('dry-run shows the diff in the summary and pushes nothing', async () => {
    const before = await headOf(repo.path);
    const run = await deploy({ 'dry-run': 'true' });
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toEqual({ commit: '', changed: 'envs/stage/kustomization.yaml', 'pull-request': '' });
    expect(run.summary).toContain('Dry run: would point `envs/stage`');
    expect(run.summary).toContain(`+    digest: ${NEW}`);
    expect(await headOf(repo.path)).toBe(before);
  });

  it.each([
    [
      { digest: '', tag: '' },
      'Set input "digest" (sha256:…, recommended: pins the exact artifact), "tag", or both.',
    ],
    [
      { digest: 'sha256:1234' },
      'Input "digest" "sha256:1234" is not a digest: give sha256: followed by 64 lower-case hex characters.',
    ],
    [
      { format: 'jsonnet' },
      'Input "format" must be one of "auto", "kustomize", "helm", "kubernetes", got "jsonnet".',
    ],
    [
      { author: 'nobody' },
      'Input "author" "nobody" is not "Name <email>": write e.g. deploy-bot <deploy-bot@example.com>.',
    ],
  ])('refuses bad input %o before cloning', async (inputs, message) => {
    const requests = server.requests.length;
    const run = await deploy(inputs);
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([message]);
    expect(server.requests.length).toBe(requests);
  });

  it('fails on an image found in no file and on malformed YAML, with no commit', async () => {
    const before = await headOf(repo.path);
    const missing = await deploy({ image: 'ghcr.io/acme/billing' });
    expect(missing.exitCode).toBe(1);
    expect(missing.errors).toEqual([
      'Image ghcr.io/acme/billing was found in no file under envs/stage (searched 1 YAML file(s)): check inputs "image", "path" and "format".',
    ]);
    const helm = await deploy({ path: 'charts/api', 'helm-key': 'image.tags' });
    expect(helm.errors).toEqual([
      'Helm key image.tags exists in no values file under charts/api: check input "helm-key" (e.g. image.tag).',
    ]);
    expect(await headOf(repo.path)).toBe(before);

    counter += 1;
    repo = await server.createBareRepository(`acme/manifests-e2e-${counter}`, {
      files: {
        'envs/stage/kustomization.yaml': 'images:\n  - name: ghcr.io/acme/api\n    newTag: "0f0f0f0\n',
      },
    });
    const broken = await deploy({});
    expect(broken.exitCode).toBe(1);
    expect(broken.errors[0]).toMatch(
      /^envs\/stage\/kustomization\.yaml:\d+:\d+ is not valid YAML \(.+\); fix the file first\.$/,
    );
    await expectNoToken(broken);
  });

  it('a wrong token is a clear error that never prints either token', async () => {
    const run = await deploy({ token: 'ghs_notTheRightToken000000000000000000' });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      `Could not authenticate to ${repo.url}: give a "token" that may read and push the manifest repository.`,
    ]);
    const printed = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
    expect(printed.join('\n') + run.stderr).not.toMatch(/ghs_notTheRightToken|ghs_updateManifestEndToEnd/);
  });
});
