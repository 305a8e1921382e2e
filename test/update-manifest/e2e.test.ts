import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@flow-actions/oci-store';
import { type ActionRun, type RunActionOptions, runAction } from '@flow-actions/runner-harness';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { releasedAction } from '../e2e/release-tree';
import {
  type BareRepository,
  findFreePort,
  type RunningGitServer,
  type RunningRegistry,
  startGitServer,
  startRegistry,
} from '../services';
import { seedImage } from '../support/artifacts';
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
const EVENT_SHA = '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d';
/** The commit the deployed artifact was built from: not the event's, as on a rollback. */
const BUILT_SHA = 'b0b0b0b0c1c1c1c1d2d2d2d2e3e3e3e3f4f4f4f4';

let server: RunningGitServer;
let runnerTemp: string;
let repo: BareRepository;
let counter = 0;
/** An OCI layout holding the deployed artifact, read for its lineage (input "artifact"). */
let layout: string;
/** The deployed artifact's digest. */
let deployed: string;

beforeAll(async () => {
  server = await startGitServer({ token: TOKEN });
  layout = await mkdtemp(join(tmpdir(), 'flow-update-manifest-artifacts-'));
  const store = await openStore(`oci:${layout}`, { createLayout: true });
  deployed = (await seedImage(store, { revision: BUILT_SHA, tag: '1a2b3c4' })).digest;
});
afterAll(async () => {
  await server.stop();
  await rm(layout, { recursive: true, force: true });
});
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
      // The manifests name ghcr.io, which the tests never reach: the artifact is read from here.
      artifact: `oci:${layout}`,
      tag: '1a2b3c4',
      digest: deployed,
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
      'superseded-by': '',
    });
    expect(await commitDiff(repo.path, head)).toEqual({
      'envs/stage/kustomization.yaml': {
        removed: [
          '    newTag: "0f0f0f0"   # short sha of the deployed commit',
          `    digest: sha256:${'1'.repeat(64)}`,
        ],
        added: ['    newTag: "1a2b3c4"   # short sha of the deployed commit', `    digest: ${deployed}`],
      },
    });
    expect(await trailersOf(repo.path, head)).toEqual({
      'Flow-Image': 'ghcr.io/acme/api',
      'Flow-Artifact-Tag': '1a2b3c4',
      'Flow-Artifact-Digest': deployed,
      'Flow-Source-Commit': BUILT_SHA,
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
    expect(run.summary).toContain(`source commit \`${BUILT_SHA}\` (the artifact's revision)`);
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
    expect(second.outputs).toEqual({ commit: '', changed: '', 'pull-request': '', 'superseded-by': '' });
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
    expect(run.outputs).toEqual({
      commit: '',
      changed: 'envs/stage/kustomization.yaml',
      'pull-request': '',
      'superseded-by': '',
    });
    expect(run.summary).toContain('Dry run: would point `envs/stage`');
    expect(run.summary).toContain(`+    digest: ${deployed}`);
    expect(await headOf(repo.path)).toBe(before);
  });

  it.each([
    [
      { digest: '', tag: '' },
      'Give input "digest" (sha256:…, recommended: pins the exact artifact), "tag", or both.',
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
    [
      { branch: '-x' },
      'Input "branch" "-x" is not a valid branch name: it starts with "-", which git would read as an option. Give a branch as git accepts it (git check-ref-format --branch), e.g. main or deploy/stage.',
    ],
    [
      { branch: '--upload-pack=touch /tmp/flow-pwned' },
      'Input "branch" "--upload-pack=touch /tmp/flow-pwned" is not a valid branch name: it starts with "-", which git would read as an option. Give a branch as git accepts it (git check-ref-format --branch), e.g. main or deploy/stage.',
    ],
    [
      { branch: 'deploy/stage.lock' },
      'Input "branch" "deploy/stage.lock" is not a valid branch name: its part "stage.lock" ends with ".lock". Give a branch as git accepts it (git check-ref-format --branch), e.g. main or deploy/stage.',
    ],
    [
      { image: 'ghcr.io/Acme/API' },
      'Input "image": repository "Acme/API" in "ghcr.io/Acme/API" must be lower-case: use "acme/api"',
    ],
  ])('refuses bad input %o before cloning', async (inputs, message) => {
    const requests = server.requests.length;
    const run = await deploy(inputs);
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([message]);
    expect(server.requests.length).toBe(requests);
  });

  it('refuses a path that a link in the manifest repository leads out of it, and commits nothing', async () => {
    const checkout = await mkdtemp(join(tmpdir(), 'flow-update-manifest-link-'));
    try {
      await git(['clone', '--quiet', repo.path, checkout]);
      await symlink('/etc', join(checkout, 'envs', 'outside'));
      await git(['add', 'envs/outside'], checkout);
      await git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'link'], checkout);
      await git(['push', '--quiet', 'origin', 'HEAD:main'], checkout);
    } finally {
      await rm(checkout, { recursive: true, force: true });
    }
    const before = await headOf(repo.path);
    const run = await deploy({ path: 'envs/outside' });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      'Path "envs/outside" leads outside the manifest repository: check input "path".',
    ]);
    expect(await headOf(repo.path)).toBe(before);
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

describe("update-manifest lineage: the source commit is the artifact's own", () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'htpasswd' });
  });
  afterAll(() => registry?.stop());

  it('reads the revision from a registry with the credentials given; the password never shows', async () => {
    const artifact = `${registry.host}/acme/api`;
    const credentials = { username: registry.username ?? '', password: registry.password ?? '' };
    const image = await seedImage(await openStore(artifact, credentials), { revision: BUILT_SHA });
    // By tag only: the store resolves it.
    const run = await deploy({ artifact, digest: '', tag: BUILT_SHA.slice(0, 7), ...credentials });
    expect(run.errors).toEqual([]);
    expect(run.warnings).toEqual([]);
    expect((await trailersOf(repo.path, await headOf(repo.path)))['Flow-Source-Commit']).toBe(BUILT_SHA);
    expect(image.digest).toMatch(/^sha256:/);
    const printed = run.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
    expect(printed + run.stderr + run.summary).not.toContain(credentials.password);

    // Without credentials the registry answers 401: the deploy goes on, without a guessed trailer.
    counter += 1;
    repo = await server.createBareRepository(`acme/manifests-e2e-${counter}`, {
      files: await manifestRepositoryFiles(),
    });
    const anonymous = await deploy({ artifact, digest: image.digest, tag: '' });
    expect(anonymous.exitCode).toBe(0);
    expect(anonymous.warnings).toEqual([
      expect.stringContaining(`Could not read ${artifact}:${image.digest}`),
    ]);
    expect(anonymous.warnings[0]).toContain('The Flow-Source-Commit trailer is left out');
    const trailers = await trailersOf(repo.path, await headOf(repo.path));
    expect(trailers['Flow-Source-Commit']).toBeUndefined();
    expect(trailers['Flow-Artifact-Digest']).toBe(image.digest);
    expect(anonymous.summary).toContain('**Warning:** Could not read');
  });

  it('a dirty build is refused before cloning; allow-dirty deploys it loudly, with no Flow-Source-Commit', async () => {
    const artifact = `${registry.host}/acme/api`;
    const credentials = { username: registry.username ?? '', password: registry.password ?? '' };
    const tag = `dirty-${BUILT_SHA.slice(0, 7)}-0123456789ab`;
    const dirty = await seedImage(await openStore(artifact, credentials), {
      revision: `${BUILT_SHA}-dirty`,
      tag,
    });
    const requests = server.requests.length;
    const before = await headOf(repo.path);
    const refused = await deploy({ artifact, tag, digest: dirty.digest, ...credentials });
    expect(refused.exitCode).toBe(1);
    expect(refused.errors).toEqual([
      `Input "digest" ${dirty.digest} is ${artifact}@${dirty.digest}, which was built from uncommitted changes on top of commit ${BUILT_SHA.slice(0, 7)} (revision ${BUILT_SHA}-dirty): a dirty build is not deployed. Commit the changes and deploy that commit's artifact, or set allow-dirty: true to deploy it anyway to an environment of your own.`,
    ]);
    expect(server.requests.length).toBe(requests);
    expect(await headOf(repo.path)).toBe(before);

    const allowed = await deploy({
      artifact,
      tag,
      digest: dirty.digest,
      'allow-dirty': 'true',
      ...credentials,
    });
    expect(allowed.errors).toEqual([]);
    expect(allowed.warnings).toEqual([
      expect.stringMatching(
        /^DEPLOYING UNCOMMITTED CHANGES \(allow-dirty\): input "digest" .*No commit vouches for it, so the Flow-Source-Commit trailer is left out/,
      ),
    ]);
    const trailers = await trailersOf(repo.path, await headOf(repo.path));
    expect(trailers['Flow-Source-Commit']).toBeUndefined();
    expect(trailers['Flow-Artifact-Digest']).toBe(dirty.digest);
    expect(allowed.summary).toContain('**Warning:** DEPLOYING UNCOMMITTED CHANGES (allow-dirty)');
  });

  it('refuses a source-commit the artifact contradicts, before cloning; an abbreviation that agrees is expanded', async () => {
    const requests = server.requests.length;
    const refused = await deploy({ 'source-commit': EVENT_SHA });
    expect(refused.exitCode).toBe(1);
    expect(refused.errors).toEqual([
      `Input "source-commit" ${EVENT_SHA} is not the commit the artifact was built from: oci:${layout}@${deployed} names ${BUILT_SHA} (org.opencontainers.image.revision). Leave it empty to record the artifact's own commit, or deploy the artifact built from ${EVENT_SHA.slice(0, 7)}.`,
    ]);
    expect(server.requests.length).toBe(requests);

    const agreed = await deploy({ 'source-commit': BUILT_SHA.slice(0, 9) });
    expect(agreed.errors).toEqual([]);
    expect((await trailersOf(repo.path, await headOf(repo.path)))['Flow-Source-Commit']).toBe(BUILT_SHA);
  });

  it('an artifact that names no commit: no trailer and a warning; a given source-commit is recorded unverified', async () => {
    const { digest } = await seedImage(await openStore(`oci:${layout}`), {
      revision: null,
      tag: 'no-lineage',
    });

    const run = await deploy({ digest, tag: 'no-lineage' });
    expect(run.exitCode).toBe(0);
    expect(run.warnings).toEqual([
      `oci:${layout}@${digest} carries no revision annotation or label. The Flow-Source-Commit trailer is left out: it is never guessed from a checkout. Name the commit with input "source-commit", or let the artifact be read (input "artifact", registry credentials).`,
    ]);
    expect((await trailersOf(repo.path, await headOf(repo.path)))['Flow-Source-Commit']).toBeUndefined();

    // revert-deploy-of the event's commit finds a deploy of no known commit: nothing to do.
    const revert = await deploy({
      'revert-deploy-of': EVENT_SHA,
      image: '',
      tag: '',
      digest: '',
      artifact: '',
    });
    expect(revert.errors).toEqual([]);
    expect(revert.outputs.commit).toBe('');
    expect(revert.summary).toContain(`does not run a deploy of \`${EVENT_SHA}\``);

    // Back to the artifact with lineage, so that the next deploy has something to change.
    expect((await deploy({})).exitCode).toBe(0);
    const unverified = await deploy({ digest, tag: 'no-lineage', 'source-commit': EVENT_SHA });
    expect(unverified.exitCode).toBe(0);
    expect(unverified.warnings).toEqual([
      `oci:${layout}@${digest} carries no revision annotation or label; input "source-commit" ${EVENT_SHA} is recorded as Flow-Source-Commit unverified.`,
    ]);
    expect(unverified.summary).toContain(
      `source commit \`${EVENT_SHA}\` (input "source-commit", not verified)`,
    );
    expect((await trailersOf(repo.path, await headOf(repo.path)))['Flow-Source-Commit']).toBe(EVENT_SHA);
  });

  it('a registry that cannot be reached is a warning, not a guess', async () => {
    const closed = await findFreePort();
    const run = await deploy({ artifact: `127.0.0.1:${closed}/acme/api` });
    expect(run.exitCode).toBe(0);
    expect(run.warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Could not read 127\\.0\\.0\\.1:${closed}/acme/api:${deployed}.*\\. The Flow-Source-Commit trailer is left out`,
        ),
      ),
    ]);
    expect((await trailersOf(repo.path, await headOf(repo.path)))['Flow-Source-Commit']).toBeUndefined();
  });

  it('refuses an artifact input with a version, before anything is read', async () => {
    const run = await deploy({ artifact: `oci:${layout}:1a2b3c4` });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      `Input "artifact" "oci:${layout}:1a2b3c4" names a version: give the repository only (e.g. ghcr.io/acme/api or oci:./layout); the deployed tag or digest is read from it.`,
    ]);
  });
});

describe('update-manifest forward-only, bundled: stage never moves back', () => {
  /** The app repository: A ← B ← C; the deployed artifacts name B and C. */
  let app: string;
  let shas: Record<'A' | 'B' | 'C', string>;
  const digests: Record<string, string> = {};

  beforeAll(async () => {
    app = await mkdtemp(join(tmpdir(), 'flow-update-manifest-app-'));
    const appGit = (...args: string[]) =>
      git(['-C', app, '-c', 'user.name=Dev', '-c', 'user.email=dev@example.com', ...args]);
    await appGit('init', '-q', '-b', 'main');
    shas = { A: '', B: '', C: '' };
    for (const name of ['A', 'B', 'C'] as const) {
      await appGit('commit', '-q', '--allow-empty', '-m', name);
      shas[name] = (await appGit('rev-parse', 'HEAD')).stdout.trim();
    }
    const store = await openStore(`oci:${layout}`);
    for (const name of ['B', 'C'] as const) {
      digests[name] = (await seedImage(store, { revision: shas[name], tag: shas[name].slice(0, 7) })).digest;
    }
  });
  afterAll(() => rm(app, { recursive: true, force: true }));

  /** The app checked out as actions/checkout leaves it without fetch-depth: one commit deep. */
  async function checkout(): Promise<string> {
    const workspace = await mkdtemp(join(tmpdir(), 'flow-update-manifest-workspace-'));
    await git(['clone', '-q', '--depth', '1', `file://${app}`, workspace]);
    return workspace;
  }

  const deployCommit = (name: 'B' | 'C', workspace: string) =>
    deploy(
      { tag: shas[name].slice(0, 7), digest: digests[name] as string, 'forward-only': 'true' },
      { workspace },
    );
  const notices = (run: ActionRun) =>
    run.commands.filter((command) => command.command === 'notice').map((command) => command.message);

  it('the older commit after the newer one: skipped green with a notice and superseded-by; nothing is pushed', async () => {
    const workspace = await checkout();
    try {
      const newer = await deployCommit('C', workspace);
      expect(newer.errors).toEqual([]);
      expect(newer.outputs['superseded-by']).toBe('');
      const head = await headOf(repo.path);
      expect(newer.outputs.commit).toBe(head);
      expect(notices(newer)).toEqual([]);

      const older = await deployCommit('B', workspace);
      expect(older.exitCode).toBe(0);
      expect(older.errors).toEqual([]);
      expect(older.warnings).toEqual([]);
      expect(older.outputs).toEqual({ commit: '', changed: '', 'pull-request': '', 'superseded-by': shas.C });
      const skipped = `Skipped: the environment runs ${shas.C.slice(0, 7)}, which is newer than ${shas.B.slice(0, 7)} (${shas.B.slice(0, 7)} is its ancestor), so deploying ${shas.B.slice(0, 7)} would move it back. Nothing was changed; ${shas.C.slice(0, 7)}'s run checks it.`;
      expect(notices(older)).toEqual([skipped]);
      expect(older.summary).toContain(
        `Not deployed (forward-only): \`envs/stage\` in \`acme/manifests-e2e-${counter}\` on \`main\` run \`${shas.C}\``,
      );
      expect(older.summary).toContain(skipped);
      expect(await headOf(repo.path)).toBe(head);
      // The shallow checkout was deepened to compare.
      expect((await git(['-C', workspace, 'rev-parse', '--is-shallow-repository'])).stdout.trim()).toBe(
        'false',
      );

      // A redeploy of the newer commit is no step back: nothing to change.
      const again = await deployCommit('C', workspace);
      expect(again.outputs).toMatchObject({ commit: '', 'superseded-by': '' });
    } finally {
      await rm(workspace, { recursive: true, force: true });
    }
  });

  it('without a checkout in GITHUB_WORKSPACE: refused with the fix, before the manifest repository is touched', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'flow-update-manifest-no-checkout-'));
    try {
      const requests = server.requests.length;
      const run = await deployCommit('B', empty);
      expect(run.exitCode).toBe(1);
      expect(run.errors).toEqual([
        expect.stringMatching(
          /^Input "forward-only" compares commits in the app repository's history, but .* is not a git checkout \(.*\): check the repository out with its history first \(in a workflow: actions\/checkout with fetch-depth: 0, before this step\)\.$/,
        ),
      ]);
      expect(server.requests.length).toBe(requests);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
