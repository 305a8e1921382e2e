import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isConfigurationError, nullLogger, SecretMasker } from '@flow-actions/action-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openAppHistory } from '../../actions/update-manifest/src/app-history';
import { createGit, type ManifestGit } from '../../actions/update-manifest/src/git';
import { revertManifestCommit } from '../../actions/update-manifest/src/revert';
import { type UpdateRequest, updateManifest } from '../../actions/update-manifest/src/update';
import { type BareRepository, type RunningGitServer, startGitServer } from '../services';
import { git, headOf, holdPushes, manifestRepositoryFiles } from './manifest-repo';

// forward-only against real git on both sides: the manifest repository over smart HTTP with a
// token, and the app repository with its history, as actions/checkout leaves it (full or shallow).

const TOKEN = 'ghs_forwardOnlyIntegration0123456789ab';
const AUTHOR = { name: 'deploy-bot', email: 'deploy-bot@example.com' };
const context = { logger: nullLogger, masker: new SecretMasker() };

let server: RunningGitServer;
let temp: string;
/** The app repository: A ← B ← C on main, X on a branch from A. */
let app: string;
const commits: Record<'A' | 'B' | 'C' | 'X', string> = { A: '', B: '', C: '', X: '' };
let repo: BareRepository;
let counter = 0;

const appGit = (...args: string[]) =>
  git(['-C', app, '-c', 'user.name=Dev', '-c', 'user.email=dev@example.com', ...args]);

beforeAll(async () => {
  server = await startGitServer({ token: TOKEN });
  temp = await mkdtemp(join(tmpdir(), 'flow-forward-only-'));
  app = join(temp, 'app');
  await mkdir(app);
  await appGit('init', '-q', '-b', 'main');
  for (const name of ['A', 'B', 'C'] as const) {
    await writeFile(join(app, 'version.txt'), `${name}\n`);
    await appGit('add', '.');
    await appGit('commit', '-qm', name);
    commits[name] = (await appGit('rev-parse', 'HEAD')).stdout.trim();
  }
  await appGit('switch', '-q', '-c', 'hotfix', commits.A);
  await writeFile(join(app, 'version.txt'), 'X\n');
  await appGit('commit', '-qam', 'X');
  commits.X = (await appGit('rev-parse', 'HEAD')).stdout.trim();
  await appGit('switch', '-q', 'main');
});
afterAll(async () => {
  await server.stop();
  await rm(temp, { recursive: true, force: true });
});
beforeEach(async () => {
  counter += 1;
  repo = await server.createBareRepository(`acme/manifests-forward-${counter}`, {
    files: await manifestRepositoryFiles(),
  });
});

function clientFor(name: string): ManifestGit {
  const masker = new SecretMasker();
  masker.add(TOKEN);
  return createGit({
    dir: join(temp, `clone-${counter}-${name}`),
    url: repo.url,
    token: TOKEN,
    author: AUTHOR,
    masker,
  });
}

function request(
  commit: keyof typeof commits | undefined,
  overrides: Partial<UpdateRequest> = {},
): UpdateRequest {
  const sha = commit ? commits[commit] : undefined;
  return {
    repositoryLabel: 'acme/manifests',
    paths: ['envs/stage'],
    target: { name: 'ghcr.io/acme/api', tag: sha ? sha.slice(0, 7) : 'no-lineage' },
    format: 'auto',
    helmKeys: [],
    mode: 'push',
    lineage: sha ? { sourceCommit: sha } : {},
    dryRun: false,
    forwardOnly: true,
    ...overrides,
  };
}

async function deploy(
  commit: keyof typeof commits | undefined,
  name: string,
  overrides: Partial<UpdateRequest> = {},
) {
  return updateManifest(request(commit, overrides), {
    git: clientFor(name),
    appHistory: await openAppHistory(app, context),
  });
}

describe('forward-only (real manifest repository, real app history)', () => {
  it('an older commit after a newer one is skipped, green: nothing is committed, the newer one stays', async () => {
    const newer = await deploy('C', 'c');
    expect(newer).toMatchObject({ status: 'pushed', forward: { kind: 'forward', notice: false } });
    const head = await headOf(repo.path);

    const older = await deploy('B', 'b');
    expect(older.commit).toBeUndefined();
    expect(older).toMatchObject({
      status: 'behind',
      changedFiles: [],
      forward: { kind: 'behind', runs: commits.C, deploy: head },
    });
    expect(await headOf(repo.path)).toBe(head);
    const stage = (await git(['--git-dir', repo.path, 'show', 'main:envs/stage/kustomization.yaml'])).stdout;
    expect(stage).toContain(`newTag: "${commits.C.slice(0, 7)}"`);

    // A dry run says the same and writes nothing either.
    expect((await deploy('A', 'a', { dryRun: true })).status).toBe('behind');
    // Without forward-only the older commit is deployed, as before.
    expect((await deploy('B', 'b2', { forwardOnly: false })).status).toBe('pushed');
  });

  it('a newer deploy that wins the race is seen on the retry: the older one then skips', async () => {
    await deploy('A', 'a');
    let releaseOlder: () => void = () => {};
    const newerPushed = new Promise<void>((resolve) => {
      releaseOlder = resolve;
    });
    const held = holdPushes(clientFor('b'), newerPushed);
    const appHistory = await openAppHistory(app, context);
    const [older, newer] = await Promise.all([
      updateManifest(request('B'), { git: held, appHistory, sleep: async () => {} }),
      updateManifest(request('C'), { git: clientFor('c'), appHistory }).finally(() => releaseOlder()),
    ]);
    expect(newer.status).toBe('pushed');
    expect(older).toMatchObject({ status: 'behind', attempts: 2, forward: { runs: commits.C } });
    expect(await headOf(repo.path)).toBe(newer.commit);
  });

  it('after a revert the environment runs what ran before: a commit newer than that is deployed', async () => {
    await deploy('A', 'a');
    const c = await deploy('C', 'c');
    await revertManifestCommit(
      {
        repositoryLabel: 'acme/manifests',
        paths: ['envs/stage'],
        deployOf: commits.C,
        lineage: {},
        dryRun: false,
      },
      { git: clientFor('revert') },
    );
    expect(c.status).toBe('pushed');
    const b = await deploy('B', 'b');
    expect(b).toMatchObject({ status: 'pushed', forward: { kind: 'forward' } });
    expect(String(b.forward?.reason)).toContain(
      `${commits.B.slice(0, 7)} is newer than ${commits.A.slice(0, 7)}`,
    );
  });

  it('what cannot be compared is deployed with the reason: no lineage, another line of history, a commit the checkout lacks', async () => {
    await deploy(undefined, 'none');
    const noTrailer = await deploy('B', 'b');
    expect(noTrailer).toMatchObject({ status: 'pushed', forward: { kind: 'forward', notice: true } });
    expect(String(noTrailer.forward?.reason)).toContain('names no commit (no Flow-Source-Commit trailer)');

    const hotfix = await deploy('X', 'x');
    expect(String(hotfix.forward?.reason)).toContain('are on different lines of history');
    expect(hotfix.status).toBe('pushed');

    const unknown = await updateManifest(
      { ...request('C'), lineage: { sourceCommit: 'f'.repeat(40) } },
      { git: clientFor('f'), appHistory: await openAppHistory(app, context) },
    );
    expect(unknown.status).toBe('pushed');
    expect(String(unknown.forward?.reason)).toContain(
      `ffffff is not in the history of the checkout in ${app}`,
    );
  });
});

describe('the app checkout forward-only reads', () => {
  it('a shallow clone (fetch-depth 1) is deepened from origin, then compares like a full one', async () => {
    const shallow = join(temp, 'shallow');
    await git(['clone', '-q', '--depth', '1', '--no-single-branch', `file://${app}`, shallow]);
    expect((await git(['-C', shallow, 'rev-parse', '--is-shallow-repository'])).stdout.trim()).toBe('true');
    const history = await openAppHistory(shallow, context);
    expect((await git(['-C', shallow, 'rev-parse', '--is-shallow-repository'])).stdout.trim()).toBe('false');
    expect(await history.isAncestor(commits.A, commits.C)).toBe(true);
    expect(await history.isAncestor(commits.C, commits.A)).toBe(false);
    expect(await history.contains(commits.X)).toBe(true);
  });

  it('a shallow clone whose origin cannot be reached is refused with the fix, naming the input', async () => {
    const stranded = join(temp, 'stranded');
    await git(['clone', '-q', '--depth', '1', `file://${app}`, stranded]);
    await git(['-C', stranded, 'remote', 'set-url', 'origin', join(temp, 'gone')]);
    const error = await openAppHistory(stranded, context).catch((caught: unknown) => caught as Error);
    expect(isConfigurationError(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /^Input "forward-only" needs the app repository's history, and .*stranded is a shallow clone whose history could not be fetched \(.+\): fetch it first \(in a workflow: actions\/checkout with fetch-depth: 0, before this step; on a terminal: git fetch --unshallow\)\.$/,
    );
  });

  it('a folder that is no git checkout is refused with the fix', async () => {
    const empty = await mkdtemp(join(temp, 'empty-'));
    const error = await openAppHistory(empty, context).catch((caught: unknown) => caught as Error);
    expect(isConfigurationError(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /^Input "forward-only" compares commits in the app repository's history, but .*empty-\w+ is not a git checkout \(.*\): check the repository out with its history first \(in a workflow: actions\/checkout with fetch-depth: 0, before this step\)\.$/,
    );
  });
});
