// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings hold workflow ${{ }} expressions, not JavaScript templates
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { readTombstone } from '@flow-actions/artifact-protocol';
import { openStore } from '@flow-actions/oci-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releasedAction } from '../e2e/release-tree';
import { skopeoDigest } from '../support/skopeo';
import { dispatch, pullRequest, pushTag, pushToMain, workflowRunCompleted } from './simulation/events';
import type { StandIns, WorkflowRun } from './simulation/runner';
import { checkout, dockerLogin, ghReleases, pretend, script } from './simulation/stand-ins';
import { expectSecretsKept, explain, job, listStandIns, results, step } from './simulation/story';
import {
  ACTOR,
  type Commit,
  GATE_POLICY,
  POLICY_FILE,
  SECRETS,
  startWorld,
  TEST_LEG,
  WORKFLOWS_DIR,
  type World,
} from './simulation/world';
import { listTemplates, readTemplate } from './templates';

// The templates run as a product repository would run them: one story from a pull request to a
// rollback and a yank, then an npm release. Every step of ours runs as the runner runs it (the
// bundled action on Node 24) with its inputs evaluated by GitHub's expression engine from the
// event and the earlier steps' outputs, against the real registry, a real git manifest repository
// and verdaccio. The steps that are not ours are stood in for, and each story lists them.

let world: World;
let temp: string;
let authFile: string;
/** What the `gh` shim of the release-notes step recorded, per release. */
let releases: string;
/** `matrix.version` as each leg of npm-release's test job saw it. */
const testedRunnerVersions: string[] = [];

const commits: Record<string, Commit> = {};
/** Runs of copies broken on purpose, left out of the checks every template must pass. */
const brokenCopies = new Set<number>();
const digests: Record<string, string> = {};

beforeAll(async () => {
  world = await startWorld(releasedAction);
  temp = await mkdtemp(join(tmpdir(), 'flow-templates-story-'));
  releases = join(temp, 'releases');
  authFile = join(temp, 'auth.json');
  const auth = Buffer.from(`${ACTOR}:${SECRETS.GITHUB_TOKEN}`).toString('base64');
  await writeFile(authFile, JSON.stringify({ auths: { [world.registry.host]: { auth } } }));
  await publishTestRunner(['1.0.0', '1.0.1', '1.1.0', '2.0.0-beta.1']);
  commits.start = await world.commit(
    {
      Dockerfile: 'FROM scratch\nCOPY greeting.txt /greeting.txt\n',
      'greeting.txt': 'hi\n',
      'package.json': packageJson('1.0.0'),
      // pull-request.yml's risk job reads the merge gate's policy.
      [POLICY_FILE]: GATE_POLICY,
    },
    'chore: start the api',
  );
}, 180_000);
afterAll(async () => {
  await world?.stop();
  if (temp) await rm(temp, { recursive: true, force: true });
});

/** Versions of the test-runner package, published with the real npm CLI. */
async function publishTestRunner(versions: string[]): Promise<void> {
  const npmrc = await world.verdaccio.writeNpmrc(join(temp, '.npmrc'));
  for (const version of versions) {
    const dir = await mkdtemp(join(temp, 'runner-'));
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: '@acme/test-runner', version }));
    await exec(
      'npm',
      ['publish', '--userconfig', npmrc, '--registry', `${world.verdaccio.url}/`, '--tag', 'any'],
      {
        cwd: dir,
      },
    );
  }
}

function packageJson(version: string): string {
  return `${JSON.stringify({ name: '@acme/api-client', version, description: 'Client of the acme API.', license: 'MIT' }, null, 2)}\n`;
}

/** The third-party actions every template uses, plus the story's own stand-ins for `run:` steps. */
function standIns(extra: StandIns = {}): StandIns {
  return {
    'actions/checkout': checkout(world.app),
    'docker/login-action': dockerLogin(SECRETS.GITHUB_TOKEN),
    'actions/setup-node': pretend('installs Node 22; the runner has Node already'),
    ...extra,
  };
}

async function registryDigest(image: string, tag: string): Promise<string | undefined> {
  return skopeoDigest(`${image}:${tag}`, { authFile });
}

async function tombstoneOf(image: string, sha: string) {
  const store = await openStore(image, { username: ACTOR, password: SECRETS.GITHUB_TOKEN });
  return readTombstone(store, sha);
}

const short = (commit: Commit | undefined) => (commit?.sha ?? '').slice(0, 7);
const head = async () => (await exec('git', ['-C', world.app, 'rev-parse', 'main'])).stdout.trim();

describe('templates, simulated on the bundled actions against real services', () => {
  it('the repository holds each template as an adopter copies it: the same bytes but the CHANGE values of env:', async () => {
    for (const name of await listTemplates()) {
      const template = (await readTemplate(name)).text.split('\n');
      const { stdout } = await exec('git', ['-C', world.app, 'show', `HEAD:${WORKFLOWS_DIR}/${name}.yml`]);
      const copy = stdout.split('\n');
      expect(copy.length, name).toBe(template.length);
      const changed = copy.flatMap((line, index) =>
        line === template[index] ? [] : [[template[index], line]],
      );
      for (const [before, after] of changed) {
        const key = /^ {2}([A-Z_]+): /.exec(before ?? '')?.[1] ?? '';
        expect(world.values, `${name}.yml: ${before}`).toHaveProperty(key);
        expect(after).toBe(`  ${key}: ${world.values[key]}`);
      }
      if (name === 'main')
        expect(changed.map(([before]) => before)).toEqual([
          '  REGISTRY: ghcr.io',
          '  IMAGE: ghcr.io/acme/api',
        ]);
    }
  });

  it('pull-request: a draft runs CI only; made ready, its head is built into develop as <sha> and pr-7', async () => {
    const pull = await world.openPullRequest({
      number: 7,
      branch: 'greeting',
      commits: [{ files: { 'greeting.txt': 'hello\n' }, subject: 'feat(api): greet callers' }],
      draft: true,
    });
    commits.A = pull.head;
    const A = commits.A;
    const { merge } = pull;
    const event = (action: 'opened' | 'ready_for_review', draft: boolean) =>
      pullRequest({ ...pull, action, draft });
    const extra = standIns({ Test: pretend('npm ci && npm test, the adopter’s CI') });

    const draft = await world.run('pull-request', event('opened', true), extra);
    expect(results(draft), explain(draft)).toEqual({
      risk: 'success',
      [TEST_LEG]: 'success',
      build: 'skipped',
    });
    expect(await registryDigest(world.values.DEVELOP_IMAGE as string, 'pr-7')).toBeUndefined();

    const ready = await world.run('pull-request', event('ready_for_review', false), extra);
    expect(results(ready), explain(ready)).toEqual({
      risk: 'success',
      [TEST_LEG]: 'success',
      build: 'success',
    });
    // A change behind no toggle is tested once, under the stable name the gate's policy expects.
    expect(job(ready, 'risk').outputs['toggle-matrix']).toBe('{"toggle":["default"]}');
    expect(step(ready, 'test', 'Test').standIn).toBeDefined();
    const build = step(ready, 'build', 'build');
    // The head commit, never GitHub's merge commit.
    expect(build.inputs).toEqual({ image: world.values.DEVELOP_IMAGE, 'extra-tags': 'pr-7' });
    expect(build.action?.outputs).toMatchObject({ sha: A.sha, tag: short(A), built: 'true' });
    // actions/checkout as GitHub runs it: CI tests the merge commit, the build checks out the head.
    expect(step(ready, 'test', 'actions/checkout').outputs.commit).toBe(merge);
    expect(step(ready, 'build', 'actions/checkout').outputs.commit).toBe(A.sha);
    const digest = job(ready, 'build').outputs.digest as string;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await registryDigest(world.values.DEVELOP_IMAGE as string, short(A))).toBe(digest);
    expect(await registryDigest(world.values.DEVELOP_IMAGE as string, 'pr-7')).toBe(digest);
    // Nothing reaches the release repository from a pull request.
    expect(await registryDigest(world.values.IMAGE as string, short(A))).toBeUndefined();

    const fork = await world.openPullRequest({
      number: 8,
      branch: 'fork-greeting',
      commits: [{ files: { 'greeting.txt': 'hello from a fork\n' }, subject: 'feat(api): greet forks' }],
      forkOwner: 'someone',
    });
    expect(
      results(await world.run('pull-request', pullRequest({ ...fork, action: 'opened' }), extra)),
    ).toEqual({
      risk: 'success',
      [TEST_LEG]: 'success',
      build: 'skipped',
    });
    expect(listStandIns(ready)).toEqual([
      `${TEST_LEG}: actions/checkout — git fetch from the local app repository (all history and tags when fetch-depth is 0)`,
      `${TEST_LEG}: actions/setup-node — not run: installs Node 22; the runner has Node already (success)`,
      `${TEST_LEG}: Test — not run: npm ci && npm test, the adopter’s CI (success)`,
      'build: actions/checkout — git fetch from the local app repository (all history and tags when fetch-depth is 0)',
      'build: docker/login-action — writes the registry credentials to ~/.docker/config.json, as docker login does',
    ]);
  });

  it('main: the merged head is built into the release image, stage points at its digest, checks pass', async () => {
    const A = commits.A as Commit;
    await world.fastForward('greeting');
    const run = await world.run('main', pushToMain(A, commits.start?.sha as string), mainStandIns('success'));
    expect(results(run), explain(run)).toEqual({
      build: 'success',
      'stage-checks': 'success',
      yank: 'skipped',
    });
    digests.A = job(run, 'build').outputs.digest as string;
    expect(await registryDigest(world.values.IMAGE as string, short(A))).toBe(digests.A);
    expect(step(run, 'stage-checks', 'deploy').inputs).toMatchObject({
      repository: 'acme/manifests',
      path: 'envs/stage',
      tag: short(A),
      digest: digests.A,
      'source-commit': A.sha,
      'forward-only': 'true',
    });
    // Read back from the artifact through the registry: the job may read packages, and logged in.
    expect(step(run, 'stage-checks', 'deploy').action?.warnings).toEqual([]);
    expect(step(run, 'stage-checks', 'deploy').action?.summary).toContain(
      `source commit \`${A.sha}\` (the artifact's revision)`,
    );
    expect(step(run, 'stage-checks', 'Not checked on stage').outcome).toBe('skipped');
    expect(await world.manifestAt('stage')).toContain(`newTag: "${short(A)}"`);
    expect(await world.manifestAt('stage')).toContain(`digest: ${digests.A}`);
    // GitHub records the job as a check run of the commit: promote and publish require it.
    expect(checkRun('Stage checks', A.sha)).toBe('success');
    expect(listStandIns(run)).toEqual([
      'build: actions/checkout — git fetch from the local app repository (all history and tags when fetch-depth is 0)',
      'build: docker/login-action — writes the registry credentials to ~/.docker/config.json, as docker login does',
      'stage-checks: actions/checkout — git fetch from the local app repository (all history and tags when fetch-depth is 0)',
      'stage-checks: docker/login-action — writes the registry credentials to ~/.docker/config.json, as docker login does',
      'stage-checks: Stage checks (replace me) — its own script, run with bash',
    ]);
    // The checks ran on the commit that was built and deployed.
    expect(step(run, 'stage-checks', 'actions/checkout').outputs.commit).toBe(A.sha);
  });

  it('a copy with branches: [$default-branch] never runs, as on GitHub: only an organization’s New workflow page fills it in', async () => {
    const A = commits.A as Commit;
    const placeholder = (text: string) => text.replace('branches: [main]', 'branches: [$default-branch]');
    const main = await world.run(
      'main',
      pushToMain(A, commits.start?.sha as string),
      mainStandIns('success'),
      placeholder,
    );
    expect(main).toMatchObject({
      trigger: { runs: false, reason: 'branch main does not match on.push.branches' },
      jobs: [],
    });
    // npm-release.yml as it was: the same placeholder under workflow_run.
    const npm = await world.run(
      'npm-release',
      workflowRunCompleted('Main', 'success', A, A.sha),
      npmStandIns(),
      (text) =>
        text.replace('    types: [completed]\n', '    types: [completed]\n    branches: [$default-branch]\n'),
    );
    expect(npm).toMatchObject({
      trigger: { runs: false, reason: 'branch main does not match on.workflow_run.branches' },
      jobs: [],
    });
  });

  it('main: a docs-only push starts nothing (paths-ignore)', async () => {
    commits.B = await world.commit({ 'docs/greetings.md': '# Greetings\n' }, 'docs: explain greetings');
    const run = await world.run(
      'main',
      pushToMain(commits.B, commits.A?.sha as string),
      mainStandIns('success'),
    );
    expect(run.trigger).toEqual({
      runs: false,
      reason: 'every changed path is filtered out (docs/greetings.md)',
    });
    expect(run.jobs).toEqual([]);
  });

  it('promote: rc-1 on the docs-only commit promotes its nearest built ancestor and points demo at it', async () => {
    const B = commits.B as Commit;
    const run = await world.run('promote', pushTag('rc-1', B, await world.tag('rc-1', B.sha)), standIns());
    expect(results(run), explain(run)).toEqual({ demo: 'success', prod: 'skipped', release: 'skipped' });
    const promote = step(run, 'demo', 'promote');
    expect(promote.action?.outputs).toMatchObject({ digest: digests.A, 'source-sha': commits.A?.sha });
    expect(await registryDigest(world.values.IMAGE as string, 'rc-1')).toBe(digests.A);
    expect(await world.manifestAt('demo')).toContain('newTag: "rc-1"');
    expect(await world.manifestAt('demo')).toContain(`digest: ${digests.A}`);
  });

  it('promote: v1.0.0 (annotated) goes to prod with latest, records the deployment, publishes notes', async () => {
    const B = commits.B as Commit;
    const tagObject = await world.tag('v1.0.0', B.sha, true);
    expect(tagObject).not.toBe(B.sha);
    const run = await world.run('promote', pushTag('v1.0.0', B, tagObject), promoteStandIns());
    expect(results(run), explain(run)).toEqual({ demo: 'skipped', prod: 'success', release: 'success' });
    for (const tag of ['v1.0.0', 'latest', 'prod'])
      expect(await registryDigest(world.values.IMAGE as string, tag)).toBe(digests.A);
    expect(await world.manifestAt('prod')).toContain('newTag: "v1.0.0"');
    expect(await world.manifestAt('prod')).toContain(`digest: ${digests.A}`);
    expect(deployments('prod').at(-1)).toMatchObject({ sha: commits.A?.sha });
    const notes = await readFile(join(releases, 'v1.0.0', 'notes.md'), 'utf8');
    expect(notes).toContain('Changes since the first commit.');
    expect(notes).toContain(`### Features\n\n- feat(api): greet callers (${short(commits.A)})`);
    expect(notes).not.toContain('docs: explain greetings');
    const args = (await readFile(join(releases, 'v1.0.0', 'args'), 'utf8')).split('\n');
    expect(args).toEqual(
      expect.arrayContaining(['release', 'create', 'v1.0.0', '--verify-tag', '--notes-file']),
    );
    expect(args).not.toContain('--prerelease');
    expect(await readFile(join(releases, 'v1.0.0', 'token-given'), 'utf8')).toBe('yes\n');
  });

  it('main: a commit whose stage checks fail is yanked and stage put back; its rc tag is then refused', async () => {
    commits.C = await world.commit({ 'greeting.txt': 'hello, world\n' }, 'feat(api): greet the world');
    const C = commits.C;
    const stageBefore = await world.manifestAt('stage');
    const run = await world.run('main', pushToMain(C, commits.B?.sha as string), mainStandIns('failure'));
    expect(results(run), explain(run)).toEqual({
      build: 'success',
      'stage-checks': 'failure',
      yank: 'success',
    });
    expect(checkRun('Stage checks', C.sha)).toBe('failure');
    // The deploy of C happened before its checks; once C is yanked, stage is put back on A.
    const deployCommit = job(run, 'stage-checks').outputs.deployed as string;
    expect(deployCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(step(run, 'yank', 'Put stage back').inputs).toMatchObject({
      'revert-deploy-of': C.sha,
      path: 'envs/stage',
    });
    expect(await world.manifestAt('stage')).toBe(stageBefore);
    expect(stageBefore).toContain(`digest: ${digests.A}`);
    const { stdout: restored } = await exec('git', [
      '--git-dir',
      world.manifests.path,
      'log',
      '-1',
      '--format=%s%n%(trailers:key=Flow-Reverts,valueonly)',
    ]);
    expect(restored.trim().split('\n')).toEqual([`Put stage back; ${short(C)} was yanked`, deployCommit]);
    expect(step(run, 'yank', 'yank').inputs).toMatchObject({ sha: C.sha, image: world.values.IMAGE });
    expect(await registryDigest(world.values.IMAGE as string, short(C))).toBeUndefined();
    expect((await tombstoneOf(world.values.IMAGE as string, C.sha))?.reason).toMatch(
      /^Stage checks failed in http:\/\/127\.0\.0\.1:\d+\/acme\/api\/actions\/runs\/\d+$/,
    );

    const demoBefore = await world.manifestAt('demo');
    const rc = await world.run('promote', pushTag('rc-2', C, await world.tag('rc-2', C.sha)), standIns());
    expect(results(rc)).toEqual({ demo: 'failure', prod: 'skipped', release: 'skipped' });
    expect(step(rc, 'demo', 'promote').action?.errors.join('\n')).toMatch(/yanked/);
    expect(step(rc, 'demo', 'deploy').outcome).toBe('skipped');
    expect(await registryDigest(world.values.IMAGE as string, 'rc-2')).toBeUndefined();
    expect(await world.manifestAt('demo')).toBe(demoBefore);
  });

  it('main then promote: the fix passes stage and v1.1.0 goes to prod with notes since v1.0.0', async () => {
    commits.D = await world.commit(
      { 'greeting.txt': 'hello again\n', 'package.json': packageJson('1.1.0') },
      'fix(api): keep the greeting short',
    );
    const D = commits.D;
    const main = await world.run('main', pushToMain(D, commits.C?.sha as string), mainStandIns('success'));
    expect(results(main), explain(main)).toMatchObject({ build: 'success', 'stage-checks': 'success' });
    digests.D = job(main, 'build').outputs.digest as string;

    const run = await release('v1.1.0', D);
    expect(results(run), explain(run)).toEqual({ demo: 'skipped', prod: 'success', release: 'success' });
    expect(await registryDigest(world.values.IMAGE as string, 'prod')).toBe(digests.D);
    expect(await world.manifestAt('prod')).toContain(`digest: ${digests.D}`);
    const notes = await readFile(join(releases, 'v1.1.0', 'notes.md'), 'utf8');
    expect(notes).toContain('Changes since v1.0.0.');
    expect(notes).toContain(`### Features\n\n- feat(api): greet the world (${short(commits.C)})`);
    expect(notes).toContain(`### Fixes\n\n- fix(api): keep the greeting short (${short(D)})`);
    expect(notes).not.toContain('greet callers');
  });

  it('rollback: v1.0.0 becomes prod again — the same digest, never rebuilt', async () => {
    const run = await world.run('rollback', dispatch({ version: 'v1.0.0' }, await head()), standIns());
    expect(results(run), explain(run)).toEqual({ rollback: 'success' });
    expect(await registryDigest(world.values.IMAGE as string, 'prod')).toBe(digests.A);
    expect(await registryDigest(world.values.IMAGE as string, 'latest')).toBe(digests.A);
    expect(await registryDigest(world.values.IMAGE as string, 'v1.1.0')).toBe(digests.D);
    const prod = await world.manifestAt('prod');
    expect(prod).toContain('newTag: "v1.0.0"');
    expect(prod).toContain(`digest: ${digests.A}`);
    const { stdout: subject } = await exec('git', [
      '--git-dir',
      world.manifests.path,
      'log',
      '-1',
      '--format=%s',
    ]);
    expect(subject.trim()).toBe('Roll prod back to v1.0.0');
    expect(deployments('prod').at(-1)).toMatchObject({ sha: commits.A?.sha });
    expect(listStandIns(run)).toEqual([
      'rollback: docker/login-action — writes the registry credentials to ~/.docker/config.json, as docker login does',
    ]);
  });

  it('a broken copy of rollback.yml fails in the simulation, where the static checks cannot see it', async () => {
    const prodBefore = await world.manifestAt('prod');
    const tagBefore = await registryDigest(world.values.IMAGE as string, 'prod');
    // Every input still exists and every output read is real: only the value is wrong.
    const run = await world.run(
      'rollback',
      dispatch({ version: 'v1.1.0' }, await head()),
      standIns(),
      (text) => text.replace('from: ${{ inputs.version }}', 'from: ${{ github.ref_name }}'),
    );
    expect(results(run)).toEqual({ rollback: 'failure' });
    expect(step(run, 'rollback', 'promote').inputs?.from).toBe('main');
    expect(step(run, 'rollback', 'promote').action?.errors).toHaveLength(1);
    expect(step(run, 'rollback', 'deploy').outcome).toBe('skipped');
    expect(await world.manifestAt('prod')).toBe(prodBefore);
    expect(await registryDigest(world.values.IMAGE as string, 'prod')).toBe(tagBefore);
  });

  it('a job whose permissions: lack what its steps call fails: rollback.yml without deployments: write', async () => {
    const run = await world.run(
      'rollback',
      dispatch({ version: 'v1.0.0' }, await head()),
      standIns(),
      (text) => text.replace('      deployments: write\n', ''),
    );
    expect(results(run)).toEqual({ rollback: 'failure' });
    // The promote step's own error names the permission to add.
    expect(step(run, 'rollback', 'promote').action?.errors.join('\n')).toMatch(
      /answered 403: Resource not accessible by integration — .*deployments: write/,
    );
    expect(step(run, 'rollback', 'deploy').outcome).toBe('skipped');
  });

  it('npm-release: after Main succeeds, the test job runs over backcompat-matrix’s legs, then the gate publishes', async () => {
    const D = commits.D as Commit;
    const failed = await world.run(
      'npm-release',
      workflowRunCompleted('Main', 'failure', D, D.sha),
      npmStandIns(),
    );
    expect(results(failed)).toEqual({ matrix: 'skipped', test: 'skipped', publish: 'skipped' });

    const run = await world.run(
      'npm-release',
      workflowRunCompleted('Main', 'success', D, D.sha),
      npmStandIns(),
    );
    expect(results(run), explain(run)).toEqual({
      matrix: 'success',
      'Test with 1.0.0': 'success',
      'Test with 1.1.0': 'success',
      publish: 'success',
    });
    expect(JSON.parse(job(run, 'matrix').outputs.matrix as string)).toEqual({
      include: [
        { version: '1.0.0', role: 'compat' },
        { version: '1.1.0', role: 'current' },
      ],
    });
    // Each leg's step saw its own matrix.version, evaluated from the matrix job's output.
    expect(testedRunnerVersions).toEqual(['1.0.0', '1.1.0']);
    expect(JSON.parse(step(run, 'publish', 'publish').action?.outputs.published ?? '')).toEqual([
      expect.objectContaining({ name: '@acme/api-client', version: '1.1.0', tag: 'latest' }),
    ]);
    const { stdout } = await exec('npm', [
      'view',
      '@acme/api-client@1.1.0',
      'version',
      '--registry',
      `${world.verdaccio.url}/`,
    ]);
    expect(stdout.trim()).toBe('1.1.0');
    expect(listStandIns(run)).toEqual([
      'matrix: actions/checkout — git fetch from the local app repository (all history and tags when fetch-depth is 0)',
      'Test with 1.0.0: actions/checkout — git fetch from the local app repository (all history and tags when fetch-depth is 0)',
      'Test with 1.0.0: actions/setup-node — not run: installs Node 22; the runner has Node already (success)',
      'Test with 1.0.0: Test — not run: npm ci, npm install of the test-runner at matrix.version, npm test (success)',
      'Test with 1.1.0: actions/checkout — git fetch from the local app repository (all history and tags when fetch-depth is 0)',
      'Test with 1.1.0: actions/setup-node — not run: installs Node 22; the runner has Node already (success)',
      'Test with 1.1.0: Test — not run: npm ci, npm install of the test-runner at matrix.version, npm test (success)',
      'publish: actions/checkout — git fetch from the local app repository (all history and tags when fetch-depth is 0)',
    ]);
  });

  it('yank: a dispatch deletes the commit from the release and develop images and leaves tombstones', async () => {
    const opened = await world.openPullRequest({
      number: 9,
      branch: 'farewell',
      commits: [{ files: { 'greeting.txt': 'bye\n' }, subject: 'feat(api): say goodbye' }],
    });
    commits.E = opened.head;
    const E = commits.E;
    const pr = pullRequest({ ...opened, action: 'opened' });
    const extra = standIns({ Test: pretend('npm ci && npm test, the adopter’s CI') });
    expect(results(await world.run('pull-request', pr, extra))).toEqual({
      risk: 'success',
      [TEST_LEG]: 'success',
      build: 'success',
    });
    await world.fastForward('farewell');
    const stageOnD = await world.manifestAt('stage');
    const main = await world.run('main', pushToMain(E, commits.D?.sha as string), mainStandIns('success'));
    expect(results(main), explain(main)).toMatchObject({ build: 'success', 'stage-checks': 'success' });
    const images = [world.values.IMAGE as string, world.values.DEVELOP_IMAGE as string];
    for (const image of images) expect(await registryDigest(image, short(E))).toBeDefined();

    const run = await world.run(
      'yank',
      dispatch({ sha: E.sha, reason: 'says goodbye to everyone' }, E.sha),
      standIns(),
    );
    expect(results(run), explain(run)).toEqual({ yank: 'success' });
    expect(step(run, 'yank', 'yank').inputs).toEqual({
      image: `${images.join('\n')}\n`,
      sha: E.sha,
      reason: 'says goodbye to everyone',
      force: 'false',
    });
    for (const image of images) {
      expect(await registryDigest(image, short(E))).toBeUndefined();
      expect((await tombstoneOf(image, E.sha))?.reason).toBe('says goodbye to everyone');
    }
    // The moving pr-9 tag named the same manifest: it went with it.
    expect(await registryDigest(world.values.DEVELOP_IMAGE as string, 'pr-9')).toBeUndefined();
    // Stage ran E: its deploy is undone, so stage runs D again. Demo runs rc-1: nothing to do.
    expect(await world.manifestAt('stage')).not.toContain(short(E));
    expect(await world.manifestAt('stage')).toBe(stageOnD);
    expect(step(run, 'yank', 'Put stage back').action?.outputs.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(step(run, 'yank', 'Put demo back')).toMatchObject({ outcome: 'success' });
    expect(step(run, 'yank', 'Put demo back').action?.outputs.commit).toBe('');

    // Never rebuilt: main again on the yanked commit stops at build-by-sha.
    const again = await world.run('main', pushToMain(E, commits.D?.sha as string), mainStandIns('success'));
    expect(results(again)).toEqual({
      build: 'failure',
      'stage-checks': 'skipped',
      yank: 'skipped',
    });
    expect(step(again, 'build', 'build').action?.errors.join('\n')).toMatch(/yanked/);
    expect(await registryDigest(world.values.IMAGE as string, short(E))).toBeUndefined();
  });

  it('yank: a released commit is refused unless force is set; nothing is deleted', async () => {
    const D = commits.D as Commit;
    const run = await world.run(
      'yank',
      dispatch({ sha: D.sha, reason: 'second thoughts' }, await head()),
      standIns(),
    );
    expect(results(run)).toEqual({ yank: 'failure' });
    expect(step(run, 'yank', 'yank').action?.errors.join('\n')).toMatch(/v1\.1\.0.*force/s);
    expect(step(run, 'yank', 'Put stage back').outcome).toBe('skipped');
    expect(await registryDigest(world.values.IMAGE as string, short(D))).toBe(digests.D);
    expect(await tombstoneOf(world.values.IMAGE as string, D.sha)).toBeUndefined();
  });

  it('main: two pushes in quick succession both get their artifact; stage deploys and checks each in turn and ends on the newer', async () => {
    const before = await head();
    const F = await world.commit({ 'greeting.txt': 'hello, F\n' }, 'feat(api): greet as F');
    const G = await world.commit({ 'greeting.txt': 'hello, G\n' }, 'feat(api): greet as G');
    const since = world.scheduler.history.length;
    const [f, g] = await Promise.all([
      world.run('main', pushToMain(F, before), mainStandIns('success')),
      world.run('main', pushToMain(G, F.sha), mainStandIns('success')),
    ]);
    for (const [run, commit] of [
      [f, F],
      [g, G],
    ] as const) {
      expect(results(run), explain(run)).toEqual({
        build: 'success',
        'stage-checks': 'success',
        yank: 'skipped',
      });
      expect(await registryDigest(world.values.IMAGE as string, short(commit))).toBe(
        job(run, 'build').outputs.digest,
      );
      expect(checkRun('Stage checks', commit.sha)).toBe('success');
    }
    // G's deploy waited for F's checks, then replaced F on stage.
    expect(world.scheduler.history.slice(since)).toEqual(stageInTurn(f, g));
    expect(await world.manifestAt('stage')).toContain(`newTag: "${short(G)}"`);
    expect(await world.manifestAt('stage')).toContain(`digest: ${job(g, 'build').outputs.digest}`);
    expect(await manifestLog(2)).toEqual([
      `Deploy ${world.values.IMAGE}:${short(G)} to envs/stage`,
      `Deploy ${world.values.IMAGE}:${short(F)} to envs/stage`,
    ]);
  });

  it('main: two pushes whose builds finish out of order (the older build is slower): stage ends on the newer; the older commit is not deployed, not checked, not promoted', async () => {
    const before = await head();
    const older = await world.commit({ 'greeting.txt': 'hello, slow\n' }, 'feat(api): greet slowly');
    const newer = await world.commit({ 'greeting.txt': 'hello, fast\n' }, 'feat(api): greet fast');
    const since = world.scheduler.history.length;
    const [o, n] = await Promise.all([
      world.run('main', pushToMain(older, before), mainStandIns('success'), undefined, {
        slowJobs: ['build'],
      }),
      world.run('main', pushToMain(newer, older.sha), mainStandIns('success')),
    ]);
    expect(results(n), explain(n)).toEqual({ build: 'success', 'stage-checks': 'success', yank: 'skipped' });
    expect(results(o), explain(o)).toEqual({ build: 'success', 'stage-checks': 'failure', yank: 'skipped' });
    // Both commits have their artifact; the newer one's stage job ran first, the older one's second.
    for (const [run, commit] of [
      [o, older],
      [n, newer],
    ] as const)
      expect(await registryDigest(world.values.IMAGE as string, short(commit))).toBe(
        job(run, 'build').outputs.digest,
      );
    expect(world.scheduler.history.slice(since)).toEqual(stageInTurn(n, o));
    // Stage stays on the newer commit: the older one's deploy was skipped, green, and said so.
    expect(await world.manifestAt('stage')).toContain(`newTag: "${short(newer)}"`);
    expect(await world.manifestAt('stage')).toContain(`digest: ${job(n, 'build').outputs.digest}`);
    expect(await manifestLog(1)).toEqual([`Deploy ${world.values.IMAGE}:${short(newer)} to envs/stage`]);
    const deploy = step(o, 'stage-checks', 'deploy');
    expect(deploy.outcome).toBe('success');
    expect(deploy.action?.outputs).toMatchObject({ commit: '', changed: '', 'superseded-by': newer.sha });
    expect(
      deploy.action?.commands
        .filter((command) => command.command === 'notice')
        .map((command) => command.message),
    ).toEqual([
      `Skipped: the environment runs ${short(newer)}, which is newer than ${short(older)} (${short(older)} is its ancestor), so deploying ${short(older)} would move it back. Nothing was changed; ${short(newer)}'s run checks it.`,
    ]);
    // The checks never ran against the newer commit in the older one's name: the job fails instead.
    expect(step(o, 'stage-checks', 'Not checked on stage').errors).toEqual([
      `Stage runs ${newer.sha}, a newer commit than ${older.sha}, whose build finished later: ${older.sha} was not deployed and its stage checks did not run, so it is not promoted. Nothing to fix: release ${newer.sha} or a later commit, which stage checks.`,
    ]);
    expect(step(o, 'stage-checks', 'Stage checks (replace me)').outcome).toBe('skipped');
    expect(job(o, 'stage-checks').outputs.deployed).toBe('');
    expect([older, newer].map((commit) => checkRun('Stage checks', commit.sha))).toEqual([
      'failure',
      'success',
    ]);
    // Not yanked: its artifact stays (the newer commit contains it); a release candidate of it is refused.
    expect(await tombstoneOf(world.values.IMAGE as string, older.sha)).toBeUndefined();
    const rc = await world.run(
      'promote',
      pushTag('rc-4', older, await world.tag('rc-4', older.sha)),
      standIns(),
    );
    expect(results(rc)).toEqual({ demo: 'failure', prod: 'skipped', release: 'skipped' });
    expect(step(rc, 'demo', 'promote').action?.errors.join('\n')).toMatch(
      /did not pass: `Stage checks` \(check run failure — .*\): it failed/,
    );
    expect(await registryDigest(world.values.IMAGE as string, 'rc-4')).toBeUndefined();
  });

  it('a copy of main.yml whose stage job may not read packages records its source commit unverified: the warning every template is checked against', async () => {
    const before = await head();
    const P = await world.commit({ 'greeting.txt': 'hello, P\n' }, 'feat(api): greet as P');
    const run = await world.run('main', pushToMain(P, before), mainStandIns('success'), (text) =>
      text.replace(
        "      packages: read # read the artifact's lineage on ghcr.io; drop it for another registry\n",
        '',
      ),
    );
    brokenCopies.add(run.id);
    expect(results(run), explain(run)).toEqual({
      build: 'success',
      'stage-checks': 'success',
      yank: 'skipped',
    });
    expect(step(run, 'stage-checks', 'deploy').action?.warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Could not read .*acme/api:.*rejected the credentials.*; input "source-commit" ${P.sha} is recorded as Flow-Source-Commit unverified\\.$`,
        ),
      ),
    ]);
  });

  it('main: three pushes in quick succession all get their artifact; the middle deploy, replaced while pending, is cancelled and its commit never promoted', async () => {
    const before = await head();
    const H = await world.commit({ 'greeting.txt': 'hello, H\n' }, 'feat(api): greet as H');
    const I = await world.commit({ 'greeting.txt': 'hello, I\n' }, 'feat(api): greet as I');
    const J = await world.commit({ 'greeting.txt': 'hello, J\n' }, 'feat(api): greet as J');
    commits.J = J;
    const since = world.scheduler.history.length;
    const [h, i, j] = await Promise.all([
      world.run('main', pushToMain(H, before), mainStandIns('success')),
      world.run('main', pushToMain(I, H.sha), mainStandIns('success')),
      world.run('main', pushToMain(J, I.sha), mainStandIns('success')),
    ]);
    for (const [run, commit] of [
      [h, H],
      [i, I],
      [j, J],
    ] as const) {
      expect(job(run, 'build').result, explain(run)).toBe('success');
      expect(await registryDigest(world.values.IMAGE as string, short(commit))).toBe(
        job(run, 'build').outputs.digest,
      );
    }
    expect(results(i)).toEqual({ build: 'success', 'stage-checks': 'cancelled', yank: 'skipped' });
    expect(world.scheduler.history.slice(since)).toEqual([
      `deploy-stage: run ${h.id} job stage-checks in progress`,
      `deploy-stage: run ${i.id} job stage-checks pending`,
      `deploy-stage: run ${j.id} job stage-checks pending`,
      `deploy-stage: run ${i.id} job stage-checks cancelled`,
      `deploy-stage: run ${h.id} job stage-checks done`,
      `deploy-stage: run ${j.id} job stage-checks in progress`,
      `deploy-stage: run ${j.id} job stage-checks done`,
    ]);
    expect([H, I, J].map((commit) => checkRun('Stage checks', commit.sha))).toEqual([
      'success',
      'cancelled',
      'success',
    ]);
    expect(await world.manifestAt('stage')).toContain(`newTag: "${short(J)}"`);
    expect(await manifestLog(2)).toEqual([
      `Deploy ${world.values.IMAGE}:${short(J)} to envs/stage`,
      `Deploy ${world.values.IMAGE}:${short(H)} to envs/stage`,
    ]);
    // I was never checked on stage: its artifact is there, but a release candidate of it is refused.
    const rc = await world.run('promote', pushTag('rc-3', I, await world.tag('rc-3', I.sha)), standIns());
    expect(results(rc)).toEqual({ demo: 'failure', prod: 'skipped', release: 'skipped' });
    expect(step(rc, 'demo', 'promote').action?.errors.join('\n')).toMatch(/Stage checks.*cancelled/);
    expect(await registryDigest(world.values.IMAGE as string, 'rc-3')).toBeUndefined();
  });

  it('a copy of main.yml with the old workflow-wide concurrency group loses the middle of three quick pushes: it is never built', async () => {
    const workflowWide = (text: string) =>
      text
        .replace('    concurrency:\n      group: deploy-stage\n      cancel-in-progress: false\n', '')
        .replace(
          'permissions: {}\n',
          'concurrency:\n  group: deploy-stage\n  cancel-in-progress: false\n\npermissions: {}\n',
        );
    const before = await head();
    const K = await world.commit({ 'greeting.txt': 'hello, K\n' }, 'feat(api): greet as K');
    const L = await world.commit({ 'greeting.txt': 'hello, L\n' }, 'feat(api): greet as L');
    const M = await world.commit({ 'greeting.txt': 'hello, M\n' }, 'feat(api): greet as M');
    commits.L = L;
    commits.M = M;
    const [k, l, m] = await Promise.all([
      world.run('main', pushToMain(K, before), mainStandIns('success'), workflowWide),
      world.run('main', pushToMain(L, K.sha), mainStandIns('success'), workflowWide),
      world.run('main', pushToMain(M, L.sha), mainStandIns('success'), workflowWide),
    ]);
    expect(l).toMatchObject({
      jobs: [],
      cancelled: "Canceling since a higher priority waiting request for 'deploy-stage' exists",
    });
    expect(await registryDigest(world.values.IMAGE as string, short(L))).toBeUndefined();
    for (const run of [k, m])
      expect(results(run), explain(run)).toMatchObject({ build: 'success', 'stage-checks': 'success' });
    digests.M = job(m, 'build').outputs.digest as string;
    expect(await world.manifestAt('stage')).toContain(`newTag: "${short(M)}"`);
  });

  it('build: a commit of main that no run built is built by hand from its short sha; stage and the head’s checks are left alone', async () => {
    const L = commits.L as Commit;
    const M = commits.M as Commit;
    const stageBefore = await world.manifestAt('stage');
    const run = await world.run('build', dispatch({ sha: short(L) }, M.sha), buildStandIns());
    expect(results(run), explain(run)).toEqual({ build: 'success' });
    expect(step(run, 'build', 'Check the commit').outputs).toEqual({ sha: L.sha });
    expect(
      job(run, 'build')
        .steps.filter((s) => s.label === 'actions/checkout')
        .map((s) => s.outputs.commit),
    ).toEqual([M.sha, L.sha]);
    expect(step(run, 'build', 'build').action?.outputs).toMatchObject({
      sha: L.sha,
      tag: short(L),
      built: 'true',
    });
    expect(await registryDigest(world.values.IMAGE as string, short(L))).toBe(
      job(run, 'build').outputs.digest,
    );
    expect(await world.manifestAt('stage')).toBe(stageBefore);
    // GitHub files a dispatch's checks under the branch head (M): they must not stand in for M's.
    expect(checkRun('Build a commit by hand', M.sha)).toBe('success');
    expect(checkRun('Stage checks', M.sha)).toBe('success');
  });

  it.each([
    ['a branch name', 'main', /^Input sha "main" is not a commit sha: give the full sha of a commit of main/],
    ['shell text', '$(touch pwned)', /^Input sha "\?\?touch\?pwned\?" is not a commit sha/],
    ['an unknown sha', 'deadbee', /^Input sha deadbee names no commit here, or more than one/],
    [
      'a commit of another branch',
      'elsewhere',
      /^Input sha [0-9a-f]{7} is commit [0-9a-f]{40}, which is not on main/,
    ],
  ])('build: %s as the sha is refused before anything is built', async (_, given, message) => {
    const sha =
      given === 'elsewhere'
        ? short(await world.commit({ 'greeting.txt': 'elsewhere\n' }, 'feat(api): elsewhere', 'elsewhere'))
        : given;
    const run = await world.run('build', dispatch({ sha }, await head()), buildStandIns());
    expect(results(run)).toEqual({ build: 'failure' });
    expect(step(run, 'build', 'Check the commit').errors).toEqual([expect.stringMatching(message)]);
    expect(step(run, 'build', 'build').outcome).toBe('skipped');
    if (given === 'elsewhere')
      expect(await registryDigest(world.values.IMAGE as string, sha)).toBeUndefined();
  });

  it('promote: a prerelease v2.0.0-beta.1 goes to demo only; prod and latest stay, and its GitHub release is a prerelease, not latest', async () => {
    const M = commits.M as Commit;
    const prodBefore = await world.manifestAt('prod');
    const deploymentsBefore = deployments('prod').length;
    const latestBefore = await registryDigest(world.values.IMAGE as string, 'latest');
    const run = await release('v2.0.0-beta.1', M);
    expect(results(run), explain(run)).toEqual({ demo: 'success', prod: 'skipped', release: 'success' });
    expect(await registryDigest(world.values.IMAGE as string, 'v2.0.0-beta.1')).toBe(digests.M);
    expect(await registryDigest(world.values.IMAGE as string, 'latest')).toBe(latestBefore);
    expect(await registryDigest(world.values.IMAGE as string, 'prod')).toBe(digests.A);
    expect(await world.manifestAt('demo')).toContain('newTag: "v2.0.0-beta.1"');
    expect(await world.manifestAt('prod')).toBe(prodBefore);
    expect(deployments('prod')).toHaveLength(deploymentsBefore);
    const args = (await readFile(join(releases, 'v2.0.0-beta.1', 'args'), 'utf8')).split('\n');
    expect(args).toEqual(expect.arrayContaining(['v2.0.0-beta.1', '--prerelease', '--latest=false']));
    expect(await readFile(join(releases, 'v2.0.0-beta.1', 'notes.md'), 'utf8')).toContain(
      'Changes since v1.1.0.',
    );
  });

  it.each([
    [
      'a fork’s pull request from its own branch named main',
      { event: 'pull_request', headBranch: 'main', headRepository: 'someone/api' },
    ],
    ['a pull request from a branch of this repository', { event: 'pull_request', headBranch: 'feature' }],
    ['a push to another branch', { event: 'push', headBranch: 'feature' }],
    ['a run of Main started by hand', { event: 'workflow_dispatch' }],
  ] as const)(
    'npm-release: a green run of Main for %s publishes nothing, checks nothing out',
    async (_, options) => {
      const fork = await world.commit(
        { 'package.json': packageJson('9.9.9') },
        'feat: publish me',
        'fork-main',
      );
      const run = await world.run(
        'npm-release',
        workflowRunCompleted('Main', 'success', fork, await head(), options),
        npmStandIns(),
      );
      expect(results(run)).toEqual({ matrix: 'skipped', test: 'skipped', publish: 'skipped' });
      const view = await exec(
        'npm',
        ['view', '@acme/api-client@9.9.9', 'version', '--registry', `${world.verdaccio.url}/`],
        {
          allowFailure: true,
        },
      );
      expect(view.stdout.trim()).toBe('');
    },
  );

  it('a copy of pull-request.yml whose build checks out without ref: gets GitHub’s merge commit, not the head it tags', async () => {
    const opened = await world.openPullRequest({
      number: 11,
      branch: 'hey',
      commits: [{ files: { 'greeting.txt': 'hey\n' }, subject: 'feat(api): say hey' }],
    });
    const { head: N, merge } = opened;
    const event = pullRequest({ ...opened, action: 'opened' });
    const run = await world.run(
      'pull-request',
      event,
      standIns({ Test: pretend('npm ci && npm test, the adopter’s CI') }),
      (text) => text.replace('          ref: ${{ github.event.pull_request.head.sha }}\n', ''),
    );
    expect(merge).not.toBe(N.sha);
    expect(step(run, 'build', 'actions/checkout').outputs).toEqual({
      ref: 'refs/pull/11/merge',
      commit: merge,
    });
    expect(step(run, 'build', 'build').inputs).toEqual({
      image: world.values.DEVELOP_IMAGE,
      'extra-tags': 'pr-11',
    });
    // build-by-sha sees the merge commit checked out where the head is tagged, and says which ref: to use.
    expect(results(run).build, explain(run)).toBe('failure');
    expect(step(run, 'build', 'build').action?.errors.join('\n')).toContain(
      'ref: ${{ github.event.pull_request.head.sha }}',
    );
  });

  it('every deploy of every template verified its source commit against the artifact: no warning, nothing unverified', async () => {
    const deploys = world.runs
      .filter((run) => !brokenCopies.has(run.id))
      .flatMap((run) => run.jobs.flatMap((done) => done.steps))
      .filter((s) => s.action && s.outcome === 'success' && s.inputs?.repository && s.inputs.image);
    // stage from main.yml, demo and prod from promote.yml, prod from rollback.yml.
    expect(deploys.length).toBeGreaterThan(15);
    for (const done of deploys) {
      expect(done.action?.warnings, done.label).toEqual([]);
      expect(done.action?.log).not.toMatch(/unverified/);
      // A deploy that forward-only skipped writes no lineage; every other names the artifact's own commit.
      if (done.action?.outputs['superseded-by'] === '')
        expect(done.action?.summary).toMatch(/source commit `[0-9a-f]{40}` \(the artifact's revision\)/);
    }
  });

  it('no secret appears in any log, output, summary or error of any step of ours; each was masked', async () => {
    const secrets = [SECRETS.GITHUB_TOKEN, SECRETS.MANIFEST_TOKEN, world.verdaccio.token];
    expect(expectSecretsKept(world.runs, secrets)).toBeGreaterThan(20);
  });
});

/** deploy-stage's history when `first`'s stage job holds it and `second`'s waits its turn. */
function stageInTurn(first: WorkflowRun, second: WorkflowRun): string[] {
  return [
    `deploy-stage: run ${first.id} job stage-checks in progress`,
    `deploy-stage: run ${second.id} job stage-checks pending`,
    `deploy-stage: run ${first.id} job stage-checks done`,
    `deploy-stage: run ${second.id} job stage-checks in progress`,
    `deploy-stage: run ${second.id} job stage-checks done`,
  ];
}

/** The subjects of the manifest repository's newest commits, newest first. */
async function manifestLog(count: number): Promise<string[]> {
  const { stdout } = await exec('git', [
    '--git-dir',
    world.manifests.path,
    'log',
    `-${count}`,
    '--format=%s',
  ]);
  return stdout.trim().split('\n');
}

function buildStandIns(): StandIns {
  return standIns({ 'Check the commit': script() });
}

function mainStandIns(stageChecks: 'success' | 'failure'): StandIns {
  return standIns({
    'Not checked on stage': script(),
    'Stage checks (replace me)':
      stageChecks === 'success' ? script() : pretend('the adopter’s stage checks', 'failure'),
  });
}

function npmStandIns(): StandIns {
  return standIns({
    Test: {
      description: 'not run: npm ci, npm install of the test-runner at matrix.version, npm test (success)',
      async run({ env }) {
        testedRunnerVersions.push(env.RUNNER_VERSION ?? '');
        return 'success';
      },
    },
  });
}

function promoteStandIns(): StandIns {
  return standIns({ 'Release notes': ghReleases(releases) });
}

/** An annotated v* tag pushed on a commit, and the promote run it starts. */
async function release(tag: string, commit: Commit): Promise<WorkflowRun> {
  return world.run(
    'promote',
    pushTag(tag, commit, await world.tag(tag, commit.sha, true)),
    promoteStandIns(),
  );
}

/** The conclusion of the newest check run of that name on a commit, as the fake GitHub holds it. */
function checkRun(name: string, sha: string): unknown {
  return world.github.state.checkRuns.filter((run) => run.name === name && run.head_sha === sha).at(-1)
    ?.conclusion;
}

function deployments(environment: string) {
  return world.github.state.deployments.filter((deployment) => deployment.environment === environment);
}
