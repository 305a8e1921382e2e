import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isConfigurationError, RecordingLogger, SecretMasker } from '@flow-actions/action-kit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGit, type ManifestGit } from '../../actions/update-manifest/src/git';
import { type RevertRequest, revertManifestCommit } from '../../actions/update-manifest/src/revert';
import { type UpdateRequest, updateManifest } from '../../actions/update-manifest/src/update';
import { type BareRepository, type RunningGitServer, startGitServer } from '../services';
import {
  commitDiff,
  filesContaining,
  git,
  headOf,
  holdPushes,
  manifestRepositoryFiles,
  trailersOf,
} from './manifest-repo';

const TOKEN = 'ghs_updateManifestIntegration0123456789';
const BASIC = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');
const OLD = `sha256:${'1'.repeat(64)}`;
const NEW = `sha256:${'a'.repeat(64)}`;
const SOURCE = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
const AUTHOR = { name: 'deploy-bot', email: 'deploy-bot@example.com' };

let server: RunningGitServer;
let work: string;
let repo: BareRepository;
let counter = 0;

beforeAll(async () => {
  server = await startGitServer({ token: TOKEN });
});
afterAll(() => server.stop());
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'flow-update-manifest-'));
  counter += 1;
  repo = await server.createBareRepository(`acme/manifests-${counter}`, {
    files: await manifestRepositoryFiles(),
  });
});
afterEach(() => rm(work, { recursive: true, force: true }));

function request(overrides: Partial<UpdateRequest> = {}): UpdateRequest {
  return {
    repositoryLabel: 'acme/manifests',
    paths: ['envs/stage'],
    target: { name: 'ghcr.io/acme/api', tag: '1a2b3c4', digest: NEW },
    format: 'auto',
    helmKeys: [],
    mode: 'push',
    lineage: {
      sourceCommit: SOURCE,
      sourceRepository: 'acme/api',
      runUrl: 'https://github.com/acme/api/actions/runs/42',
      actor: 'octocat',
    },
    dryRun: false,
    ...overrides,
  };
}

function clientFor(name: string, options: { token?: string; url?: string } = {}): ManifestGit {
  const masker = new SecretMasker();
  masker.add(TOKEN);
  masker.addCredentials('x-access-token', TOKEN);
  return createGit({
    dir: join(work, name),
    url: options.url ?? repo.url,
    ...(options.token === undefined ? { token: TOKEN } : options.token ? { token: options.token } : {}),
    author: AUTHOR,
    masker,
  });
}

/** Runs the update and returns the error it failed with. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the update to fail');
}

describe('update-manifest against real git over smart HTTP with a token', () => {
  it('pins a kustomize overlay: the commit changes exactly the two values, with trailers', async () => {
    const before = await headOf(repo.path);
    const logger = new RecordingLogger();
    const result = await updateManifest(request(), { git: clientFor('clone'), logger });
    expect(result).toMatchObject({
      status: 'pushed',
      branch: 'main',
      attempts: 1,
      changedFiles: ['envs/stage/kustomization.yaml'],
    });
    const head = await headOf(repo.path);
    expect(head).toBe(result.commit);
    expect((await git(['--git-dir', repo.path, 'rev-parse', `${head}^`])).stdout.trim()).toBe(before);
    expect(await commitDiff(repo.path, head)).toEqual({
      'envs/stage/kustomization.yaml': {
        removed: ['    newTag: "0f0f0f0"   # short sha of the deployed commit', `    digest: ${OLD}`],
        added: ['    newTag: "1a2b3c4"   # short sha of the deployed commit', `    digest: ${NEW}`],
      },
    });
    expect(await trailersOf(repo.path, head)).toEqual({
      'Flow-Image': 'ghcr.io/acme/api',
      'Flow-Artifact-Tag': '1a2b3c4',
      'Flow-Artifact-Digest': NEW,
      'Flow-Source-Commit': SOURCE,
      'Flow-Source-Repository': 'acme/api',
      'Flow-Run-Url': 'https://github.com/acme/api/actions/runs/42',
      'Flow-Actor': 'octocat',
    });
    const { stdout } = await git(['--git-dir', repo.path, 'log', '-1', '--format=%s%n%an <%ae>', head]);
    expect(stdout.trim().split('\n')).toEqual([
      'Deploy ghcr.io/acme/api:1a2b3c4 to envs/stage',
      'deploy-bot <deploy-bot@example.com>',
    ]);
    // Every git request carried the token, and none of it reached the clone on disk or the log.
    expect(server.requests.every((r) => r.authenticated)).toBe(true);
    expect(await filesContaining(join(work, 'clone'), [TOKEN, BASIC])).toEqual([]);
    expect(await readFile(join(work, 'clone', '.git', 'config'), 'utf8')).not.toMatch(
      /extraheader|x-access-token/i,
    );
    expect(logger.text).not.toContain(TOKEN);
  });

  it('updates Helm values and a multi-document manifest in one commit, line for line', async () => {
    const result = await updateManifest(
      request({
        paths: ['charts/api/values-stage.yaml', 'raw/stage'],
        helmKeys: ['image.tag', 'image.digest'],
      }),
      { git: clientFor('clone') },
    );
    expect(result.changedFiles).toEqual(['charts/api/values-stage.yaml', 'raw/stage/workloads.yaml']);
    const ref = `ghcr.io/acme/api:1a2b3c4@${NEW}`;
    expect(await commitDiff(repo.path, result.commit ?? '')).toEqual({
      'charts/api/values-stage.yaml': {
        removed: ['  tag: "0f0f0f0"', '  digest: ""  # set by CI to pin the exact artifact'],
        added: ['  tag: "1a2b3c4"', `  digest: "${NEW}"  # set by CI to pin the exact artifact`],
      },
      'raw/stage/workloads.yaml': {
        removed: [
          '          image: "ghcr.io/acme/api:0f0f0f0"   # runs the migrations first',
          '          image: ghcr.io/acme/api:0f0f0f0',
          `              image: 'ghcr.io/acme/api@${OLD}'`,
        ],
        added: [
          `          image: "${ref}"   # runs the migrations first`,
          `          image: ${ref}`,
          `              image: '${ref}'`,
        ],
      },
    });
  });

  it('makes no commit when the environment already runs the artifact', async () => {
    const first = await updateManifest(request(), { git: clientFor('first') });
    const second = await updateManifest(request(), { git: clientFor('second') });
    expect(second).toMatchObject({ status: 'unchanged', changes: [], changedFiles: [] });
    expect(second.commit).toBeUndefined();
    expect(await headOf(repo.path)).toBe(first.commit);
  });

  it('re-applies on the new head when another deploy pushed first, and both land', async () => {
    // Two deploys to different environments clone the same head; the prod one is held back until
    // stage has pushed, so its first push is certain to lose the race.
    let releaseProd: () => void = () => {};
    const stagePushed = new Promise<void>((resolve) => {
      releaseProd = resolve;
    });
    const stageGit = clientFor('stage');
    const prodGit = clientFor('prod');
    const heldProd = holdPushes(prodGit, stagePushed);
    const sleeps: number[] = [];
    const base = await headOf(repo.path);
    const [prod, stage] = await Promise.all([
      updateManifest(
        request({ paths: ['envs/prod'], target: { name: 'ghcr.io/acme/api', tag: 'v1.5.0', digest: NEW } }),
        {
          git: heldProd,
          sleep: async (ms) => {
            sleeps.push(ms);
          },
        },
      ),
      updateManifest(request(), { git: stageGit }).finally(() => releaseProd()),
    ]);
    expect(stage).toMatchObject({ status: 'pushed', attempts: 1, base });
    expect(prod).toMatchObject({ status: 'pushed', attempts: 2, base: stage.commit });
    expect(sleeps).toHaveLength(1);
    expect(await headOf(repo.path)).toBe(prod.commit);
    const { stdout } = await git(['--git-dir', repo.path, 'log', '--format=%s', `${base}..main`]);
    expect(stdout.trim().split('\n')).toEqual([
      'Deploy ghcr.io/acme/api:v1.5.0 to envs/prod',
      'Deploy ghcr.io/acme/api:1a2b3c4 to envs/stage',
    ]);
    const stageFile = (await git(['--git-dir', repo.path, 'show', 'main:envs/stage/kustomization.yaml']))
      .stdout;
    const prodFile = (await git(['--git-dir', repo.path, 'show', 'main:envs/prod/kustomization.yaml']))
      .stdout;
    expect(stageFile).toContain('newTag: "1a2b3c4"');
    expect(prodFile).toContain("newTag: 'v1.5.0'");
  });

  it('two unsynchronised deploys on the same branch both land', async () => {
    const results = await Promise.all([
      updateManifest(request(), { git: clientFor('a') }),
      updateManifest(request({ paths: ['envs/prod'], target: { name: 'ghcr.io/acme/api', tag: 'v2.0.0' } }), {
        git: clientFor('b'),
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['pushed', 'pushed']);
    const { stdout } = await git(['--git-dir', repo.path, 'log', '--format=%H', 'main']);
    const commits = stdout.trim().split('\n');
    expect(commits).toHaveLength(3);
    expect(commits).toEqual(expect.arrayContaining(results.map((r) => r.commit)));
  });

  it('gives up after the bounded number of pushes when the branch keeps moving', async () => {
    const real = clientFor('clone');
    let pushes = 0;
    const alwaysLoses: ManifestGit = {
      ...real,
      dir: real.dir,
      push: async () => {
        pushes += 1;
        return { ok: false, rejected: true, reason: '! [rejected] main -> main (fetch first)' };
      },
    };
    const before = await headOf(repo.path);
    const error = await failure(
      updateManifest(request(), { git: alwaysLoses, sleep: async () => {}, maxAttempts: 3 }),
    );
    expect(error.message).toMatch(
      /^Branch main of acme\/manifests moved on each of 3 pushes .*re-run the job/,
    );
    expect(pushes).toBe(3);
    expect(await headOf(repo.path)).toBe(before);
  });

  it('dry-run reports the diff and pushes nothing', async () => {
    const before = await headOf(repo.path);
    const result = await updateManifest(request({ dryRun: true }), { git: clientFor('clone') });
    expect(result.status).toBe('dry-run');
    expect(result.commit).toBeUndefined();
    expect(result.diff).toContain(
      `-    newTag: "0f0f0f0"   # short sha of the deployed commit\n-    digest: ${OLD}\n+    newTag: "1a2b3c4"   # short sha of the deployed commit\n+    digest: ${NEW}\n`,
    );
    expect(await headOf(repo.path)).toBe(before);
  });

  it.each([
    {
      what: 'malformed YAML',
      files: {
        'envs/stage/kustomization.yaml': 'images:\n  - name: ghcr.io/acme/api\n    newTag: [0f0f0f0\n',
      },
      overrides: {},
      message: /^envs\/stage\/kustomization\.yaml:\d+:\d+ is not valid YAML \(.+\); fix the file first\.$/,
    },
    {
      what: 'an unknown Helm key path',
      files: undefined,
      overrides: { paths: ['charts/api'], helmKeys: ['image.tagg'] },
      message: /^Helm key image\.tagg exists in no values file under charts\/api: check input "helm-key"/,
    },
    {
      what: 'an image found in no file',
      files: undefined,
      overrides: { target: { name: 'ghcr.io/acme/billing', tag: '1a2b3c4' } },
      message:
        /^Image ghcr\.io\/acme\/billing was found in no file under envs\/stage \(searched 1 YAML file\(s\)\): check inputs "image", "path" and "format"\.$/,
    },
    {
      what: 'a path that does not exist',
      files: undefined,
      overrides: { paths: ['envs/qa'] },
      message: /^Path "envs\/qa" does not exist in acme\/manifests on branch main: check input "path"\.$/,
    },
  ])('fails with a clear error and no commit on $what', async ({ files, overrides, message }) => {
    if (files) repo = await server.createBareRepository(`acme/broken-${counter}`, { files });
    const before = await headOf(repo.path);
    const error = await failure(updateManifest(request(overrides), { git: clientFor('clone') }));
    expect(isConfigurationError(error)).toBe(true);
    expect(error.message).toMatch(message);
    expect(await headOf(repo.path)).toBe(before);
  });

  it('says how to fix a wrong token or branch, without the token', async () => {
    const wrong = 'ghs_wrongToken000000000000000000000000';
    const masker = new SecretMasker();
    masker.add(wrong);
    const badToken = createGit({
      dir: join(work, 'bad'),
      url: repo.url,
      token: wrong,
      author: AUTHOR,
      masker,
    });
    const authError = await failure(updateManifest(request(), { git: badToken }));
    expect(authError.message).toBe(
      `Could not authenticate to ${repo.url}: give a "token" that may read and push the manifest repository.`,
    );
    const branchError = await failure(
      updateManifest(request({ branch: 'release' }), { git: clientFor('b') }),
    );
    expect(branchError.message).toBe(`Branch "release" does not exist in ${repo.url}: check input "branch".`);
  });

  it('works on a local repository path too', async () => {
    const result = await updateManifest(request({ repositoryLabel: repo.path }), {
      git: clientFor('clone', { url: repo.path, token: '' }),
    });
    expect(result.status).toBe('pushed');
    expect(await headOf(repo.path)).toBe(result.commit);
  });
});

/** Commits straight to the bare repository (a person editing it, or many deploys elsewhere). */
async function commitTo(files: Record<string, string>, message: string, count = 1): Promise<string> {
  const dir = await mkdtemp(join(work, 'hand-'));
  const as = ['-c', 'user.name=Ops', '-c', 'user.email=ops@example.com'];
  await git(['clone', '--quiet', repo.path, dir]);
  for (let index = 0; index < count; index++) {
    for (const [file, content] of Object.entries(files))
      await writeFile(join(dir, file), count === 1 ? content : `${content}# ${index}\n`);
    await git([...as, 'commit', '--quiet', '-am', count === 1 ? message : `${message} ${index}`], dir);
  }
  await git(['push', '--quiet', 'origin', 'HEAD:main'], dir);
  return headOf(repo.path);
}

const fileAt = async (revision: string, path: string) =>
  (await git(['--git-dir', repo.path, 'show', `${revision}:${path}`])).stdout;

function revertRequest(commit: string, overrides: Partial<RevertRequest> = {}): RevertRequest {
  return {
    repositoryLabel: 'acme/manifests',
    commit,
    paths: ['envs/stage'],
    lineage: {
      sourceCommit: SOURCE,
      runUrl: 'https://github.com/acme/api/actions/runs/43',
      actor: 'octocat',
    },
    dryRun: false,
    ...overrides,
  };
}

describe('update-manifest revert against real git over smart HTTP', () => {
  it('puts the files of a deploy back, with Flow-Reverts; a re-run has nothing to do', async () => {
    const before = await fileAt('main', 'envs/stage/kustomization.yaml');
    const deploy = await updateManifest(request(), { git: clientFor('deploy') });
    const result = await revertManifestCommit(revertRequest(deploy.commit as string), {
      git: clientFor('revert'),
    });
    expect(result).toMatchObject({
      status: 'pushed',
      branch: 'main',
      base: deploy.commit,
      attempts: 1,
      changedFiles: ['envs/stage/kustomization.yaml'],
      reverted: { commit: deploy.commit, subject: 'Deploy ghcr.io/acme/api:1a2b3c4 to envs/stage' },
    });
    expect(await headOf(repo.path)).toBe(result.commit);
    expect(await fileAt('main', 'envs/stage/kustomization.yaml')).toBe(before);
    expect(await trailersOf(repo.path, result.commit as string)).toEqual({
      'Flow-Reverts': deploy.commit,
      'Flow-Source-Commit': SOURCE,
      'Flow-Run-Url': 'https://github.com/acme/api/actions/runs/43',
      'Flow-Actor': 'octocat',
    });
    const { stdout } = await git(['--git-dir', repo.path, 'log', '-1', '--format=%B', 'main']);
    expect(stdout).toMatch(
      /^Revert "Deploy ghcr\.io\/acme\/api:1a2b3c4 to envs\/stage"\n\nThis reverts commit [0-9a-f]{40}\./,
    );
    expect(await filesContaining(join(work, 'revert'), [TOKEN, BASIC])).toEqual([]);

    const again = await revertManifestCommit(revertRequest(deploy.commit as string), {
      git: clientFor('again'),
    });
    expect(again).toMatchObject({ status: 'unchanged', changedFiles: [] });
    expect(await headOf(repo.path)).toBe(result.commit);
  });

  it('reaches a deploy behind more history than the shallow clone holds', async () => {
    const deploy = await updateManifest(request(), { git: clientFor('deploy') });
    // 120 later commits elsewhere: the revert's clone (depth 1) has to deepen three times.
    const readme = await fileAt('main', 'README.md');
    await commitTo({ 'README.md': readme }, 'docs: note', 120);
    const result = await revertManifestCommit(revertRequest(deploy.commit as string), {
      git: clientFor('revert'),
    });
    expect(result.status).toBe('pushed');
    expect(await fileAt('main', 'envs/stage/kustomization.yaml')).toBe(
      await fileAt(`${deploy.commit}^`, 'envs/stage/kustomization.yaml'),
    );
  });

  it('dry-run shows the diff and pushes nothing', async () => {
    const deploy = await updateManifest(request(), { git: clientFor('deploy') });
    const result = await revertManifestCommit(revertRequest(deploy.commit as string, { dryRun: true }), {
      git: clientFor('revert'),
    });
    expect(result.status).toBe('dry-run');
    expect(result.diff).toContain(`-    digest: ${NEW}`);
    expect(result.diff).toContain(`+    digest: ${OLD}`);
    expect(await headOf(repo.path)).toBe(deploy.commit);
  });

  it('refuses, before writing anything, what it cannot undo safely', async () => {
    const deploy = await updateManifest(request(), { git: clientFor('deploy') });
    const both = await updateManifest(
      request({ paths: ['envs/stage', 'envs/prod'], target: { name: 'ghcr.io/acme/api', digest: OLD } }),
      {
        git: clientFor('both'),
      },
    );
    const outside = await failure(
      revertManifestCommit(revertRequest(both.commit as string), { git: clientFor('a') }),
    );
    expect(outside.message).toBe(
      `Commit ${both.commit} of acme/manifests also changed envs/prod/kustomization.yaml, outside envs/stage: revert it by hand, or name those paths in "path".`,
    );
    const changedSince = await failure(
      revertManifestCommit(revertRequest(deploy.commit as string), { git: clientFor('b') }),
    );
    expect(changedSince.message).toBe(
      `envs/stage/kustomization.yaml in acme/manifests changed again after ${deploy.commit}: reverting would undo those changes too; put it back by hand.`,
    );
    const unknown = 'f'.repeat(40);
    const missing = await failure(revertManifestCommit(revertRequest(unknown), { git: clientFor('c') }));
    expect(missing.message).toBe(
      `Commit ${unknown} is not on branch main of acme/manifests: give a commit of that branch in "revert" (the commit output of the deploy step).`,
    );
    expect(await headOf(repo.path)).toBe(both.commit);
  });

  it('revert-deploy-of undoes the current deploy of that app commit, and only that', async () => {
    const before = await fileAt('main', 'envs/stage/kustomization.yaml');
    const deploy = await updateManifest(request(), { git: clientFor('deploy') });
    const readme = await fileAt('main', 'README.md');
    await commitTo({ 'README.md': readme }, 'docs: note', 60);
    const byOf = (sha: string, name: string) =>
      revertManifestCommit(revertRequest('', { commit: undefined, deployOf: sha }), { git: clientFor(name) });

    const other = await byOf('b'.repeat(40), 'other');
    expect(other).toMatchObject({ status: 'unchanged', changedFiles: [] });
    expect(other.reverted).toBeUndefined();

    const reverted = await byOf(SOURCE, 'of');
    expect(reverted).toMatchObject({ status: 'pushed', reverted: { commit: deploy.commit } });
    expect(await fileAt('main', 'envs/stage/kustomization.yaml')).toBe(before);
    expect((await trailersOf(repo.path, reverted.commit as string))['Flow-Reverts']).toBe(deploy.commit);

    // The revert carries Flow-Source-Commit too; it is never taken for a deploy to undo.
    const again = await byOf(SOURCE, 'again');
    expect(again).toMatchObject({ status: 'unchanged' });
    expect(await headOf(repo.path)).toBe(reverted.commit);

    // Stage now runs another commit: a yank of SOURCE leaves it alone.
    await updateManifest(request({ lineage: { sourceCommit: 'd'.repeat(40) } }), { git: clientFor('newer') });
    const newer = await headOf(repo.path);
    expect(await byOf(SOURCE, 'late')).toMatchObject({ status: 'unchanged' });
    expect(await headOf(repo.path)).toBe(newer);
  });
});
