import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { readTombstone } from '@flow-actions/artifact-protocol';
import { VALUES } from '@flow-actions/flow-cli/init';
import { openStore } from '@flow-actions/oci-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeScratch, scratchDir } from '../release/world';
import { type FlowActionsRemote, makeFlowActionsRemote } from '../support/flow-actions-remote';
import { runFlow } from '../support/flow-cli';
import { skopeoDigest } from '../support/skopeo';
import { dispatch, pullRequest, pushTag, pushToMain, workflowRunCompleted } from './simulation/events';
import type { StandIns, WorkflowRun } from './simulation/runner';
import { checkout, dockerLogin, ghReleases, pretend, script } from './simulation/stand-ins';
import { job, results } from './simulation/story';
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
import { listTemplates } from './templates';

// The workflows `flow init` writes, run as GitHub runs them: flow init itself (a real process)
// adopts the templates of a release of acme/flow-actions — a bare repository `pnpm release` fed
// with the tree this test run assembled — into the simulated app repository, and every step of
// ours runs from the release commit its `uses:` pins (`acme/flow-actions/<path>@<sha>`), checked
// out of that repository as the runner would fetch it. Two registries: one that takes the job's
// GITHUB_TOKEN, as ghcr.io does, and one with a user and password of its own, from two secrets.
// Then a new release of flow-actions: flow init run again moves the pins and nothing else, and the
// next push runs the new release commit.

const OURS = /^acme\/flow-actions\/([a-z0-9-]+)@([0-9a-f]{40})$/;

let scratch: string;
let flowActions: FlowActionsRemote;
/** Release commit → its tree, checked out: what the runner runs for `acme/flow-actions/<path>@<commit>`. */
const trees = new Map<string, string>();
/** Every release commit a step of ours ran from. */
const ranFrom = new Set<string>();

beforeAll(async () => {
  scratch = await scratchDir('flow-init-simulation-');
  flowActions = await makeFlowActionsRemote(scratch);
  await checkOut(await flowActions.release('1.0.0'));
}, 180_000);
afterAll(removeScratch);

/** The release commit's files, as the runner downloads an action pinned to it. */
async function checkOut(commit: string): Promise<void> {
  const dir = join(scratch, `tree-${commit}`);
  await mkdir(dir);
  await exec('sh', [
    '-c',
    'git --git-dir "$1" archive "$2" | tar -x -C "$3"',
    'sh',
    flowActions.path,
    commit,
    dir,
  ]);
  trees.set(commit, dir);
}

function actionDir(path: string, ref?: string): string {
  const tree = ref && trees.get(ref);
  if (!tree) throw new Error(`acme/flow-actions/${path}@${ref} is no release commit of acme/flow-actions`);
  ranFrom.add(ref);
  return join(tree, path);
}

interface Configuration {
  /** What the registry takes, and how flow init is told. */
  login: string[];
  registryUser?: { username: string; password: string };
  secrets?: Record<string, string>;
  /** docker/login-action's inputs, as every run must evaluate them. */
  expectedLogin: (world: World) => Record<string, string>;
}

const REGISTRY_PASSWORD = `pw-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;

const CONFIGURATIONS: Record<string, Configuration> = {
  "the job's GITHUB_TOKEN, as ghcr.io takes it": {
    login: ['--registry-login', 'github-token'],
    expectedLogin: (world) => ({
      registry: world.registry.host,
      username: ACTOR,
      password: SECRETS.GITHUB_TOKEN,
    }),
  },
  'a user and a password from two secrets': {
    login: [
      '--registry-username-secret',
      'REGISTRY_USERNAME',
      '--registry-password-secret',
      'REGISTRY_PASSWORD',
    ],
    registryUser: { username: 'acme-ci', password: REGISTRY_PASSWORD },
    secrets: { REGISTRY_USERNAME: 'acme-ci', REGISTRY_PASSWORD },
    expectedLogin: (world) => ({
      registry: world.registry.host,
      username: 'acme-ci',
      password: REGISTRY_PASSWORD,
    }),
  },
};

describe.each(Object.entries(CONFIGURATIONS))(
  'flow init’s workflows with %s, simulated',
  (_, configuration) => {
    let world: World;
    let authFile: string;
    let notes: string;
    const commits: Record<string, Commit> = {};
    /** The inputs of every docker/login-action step that ran, as the runner evaluated them. */
    const logins: Record<string, string>[] = [];
    const digests: Record<string, string> = {};

    beforeAll(async () => {
      world = await startWorld(actionDir, {
        ourAction: OURS,
        ...(configuration.registryUser ? { registryUser: configuration.registryUser } : {}),
        ...(configuration.secrets ? { secrets: configuration.secrets } : {}),
        async adopt(app, values) {
          // Each value the adopter sets, through its flag (or --set for one flow init has no flag for).
          const set = Object.entries(values).flatMap(([name, value]) => {
            const spec = VALUES.find((candidate) => candidate.name === name);
            return spec ? [`--${spec.flag}`, value] : ['--set', `${name}=${value}`];
          });
          const run = await flowInit(app, [
            ...set,
            // Both stories start on the first release; the second release is the last test's.
            '--version',
            'v1.0.0',
            ...configuration.login,
          ]);
          expect(run.exitCode, run.stderr).toBe(0);
        },
      });
      const temp = await mkdtemp(join(tmpdir(), 'flow-init-story-'));
      notes = join(temp, 'notes');
      authFile = join(temp, 'auth.json');
      const user = configuration.registryUser ?? { username: ACTOR, password: SECRETS.GITHUB_TOKEN };
      const auth = Buffer.from(`${user.username}:${user.password}`).toString('base64');
      await writeFile(authFile, JSON.stringify({ auths: { [world.registry.host]: { auth } } }));
      const npmrc = await world.verdaccio.writeNpmrc(join(temp, '.npmrc'));
      for (const version of ['1.0.0', '1.1.0']) {
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
      commits.start = await world.commit(
        {
          Dockerfile: 'FROM scratch\nCOPY greeting.txt /greeting.txt\n',
          'greeting.txt': 'hi\n',
          'package.json': pkg('1.0.0'),
          // pull-request.yml's risk job reads the merge gate's policy.
          [POLICY_FILE]: GATE_POLICY,
        },
        'chore: start the api',
      );
    }, 180_000);
    afterAll(() => world?.stop());

    function flowInit(app: string, args: string[]) {
      return runFlow(['init', '--flow-actions', flowActions.path, ...args], {
        cwd: app,
        env: { HOME: scratch },
      });
    }

    const pkg = (version: string) =>
      `${JSON.stringify({ name: '@acme/api-client', version, license: 'MIT' }, null, 2)}\n`;
    const short = (commit?: Commit) => (commit?.sha ?? '').slice(0, 7);
    const failures = (run: WorkflowRun) =>
      run.jobs
        .flatMap((done) => done.steps)
        .filter((done) => done.outcome === 'failure')
        .map((done) => `${done.label}: ${done.action?.errors.join(' | ') ?? done.errors?.join(' | ')}`)
        .join('\n');
    const digest = (image: string, tag: string) => skopeoDigest(`${image}:${tag}`, { authFile });
    const manifest = async (environment: string) =>
      (
        await exec('git', [
          '--git-dir',
          world.manifests.path,
          'show',
          `main:envs/${environment}/kustomization.yaml`,
        ])
      ).stdout;
    const image = () => world.values.IMAGE as string;
    const develop = () => world.values.DEVELOP_IMAGE as string;

    function standIns(extra: StandIns = {}): StandIns {
      const login = dockerLogin(SECRETS.GITHUB_TOKEN);
      return {
        'actions/checkout': checkout(world.app),
        'docker/login-action': {
          description: login.description,
          run: (context) => {
            logins.push(context.with);
            return login.run(context);
          },
        },
        'actions/setup-node': pretend('installs Node 22; the runner has Node already'),
        Test: pretend('the adopter’s tests'),
        'Stage checks (replace me)': script(),
        'Check the commit': script(),
        'Release notes': ghReleases(notes),
        ...extra,
      };
    }

    it('flow init wrote every template, pinned to v1.0.0’s release commit, into the app repository’s first commit', async () => {
      const { stdout } = await exec('git', [
        '-C',
        world.app,
        'ls-tree',
        '--name-only',
        'HEAD',
        `${WORKFLOWS_DIR}/`,
      ]);
      expect(stdout.trim().split('\n')).toEqual(
        (await listTemplates()).map((name) => `${WORKFLOWS_DIR}/${name}.yml`),
      );
      const main = (await exec('git', ['-C', world.app, 'show', `HEAD:${WORKFLOWS_DIR}/main.yml`])).stdout;
      const [commit] = trees.keys();
      expect(main).toContain(`uses: acme/flow-actions/build-by-sha@${commit} # v1.0.0`);
    });

    it('pull-request: the ready pull request’s head is built into develop as <sha> and pr-7', async () => {
      const pull = await world.openPullRequest({
        number: 7,
        branch: 'greeting',
        commits: [{ files: { 'greeting.txt': 'hello\n' }, subject: 'feat(api): greet callers' }],
      });
      const A = pull.head;
      commits.A = A;
      const event = pullRequest({ ...pull, action: 'ready_for_review', draft: false });
      const run = await world.run('pull-request', event, standIns());
      expect(results(run), failures(run)).toEqual({
        risk: 'success',
        [TEST_LEG]: 'success',
        build: 'success',
      });
      expect(await digest(develop(), 'pr-7')).toBe(job(run, 'build').outputs.digest);
      expect(logins).toEqual([configuration.expectedLogin(world)]);
    });

    it('main: the merged head is built, deployed to stage and checked', async () => {
      const A = commits.A as Commit;
      await world.fastForward('greeting');
      const run = await world.run('main', pushToMain(A, commits.start?.sha as string), standIns());
      expect(results(run), failures(run)).toEqual({
        build: 'success',
        'stage-checks': 'success',
        yank: 'skipped',
      });
      digests.A = job(run, 'build').outputs.digest as string;
      expect(await digest(image(), short(A))).toBe(digests.A);
      expect(await manifest('stage')).toContain(`digest: ${digests.A}`);
    });

    it('promote: v1.0.0 goes to prod with latest, with release notes', async () => {
      const A = commits.A as Commit;
      const run = await world.run(
        'promote',
        pushTag('v1.0.0', A, await world.tag('v1.0.0', A.sha, true)),
        standIns(),
      );
      expect(results(run), failures(run)).toEqual({ demo: 'skipped', prod: 'success', release: 'success' });
      for (const tag of ['v1.0.0', 'latest', 'prod']) expect(await digest(image(), tag)).toBe(digests.A);
      expect(await manifest('prod')).toContain('newTag: "v1.0.0"');
      expect(await readFile(join(notes, 'v1.0.0', 'notes.md'), 'utf8')).toContain(
        '- feat(api): greet callers',
      );
    });

    it('main: a commit whose stage checks fail is yanked by the yank job, and stage is put back', async () => {
      const C = await world.commit({ 'greeting.txt': 'hello, world\n' }, 'feat(api): greet the world');
      const stage = await manifest('stage');
      const run = await world.run(
        'main',
        pushToMain(C, commits.A?.sha as string),
        standIns({
          'Stage checks (replace me)': pretend('the adopter’s stage checks', 'failure'),
        }),
      );
      expect(results(run), failures(run)).toEqual({
        build: 'success',
        'stage-checks': 'failure',
        yank: 'success',
      });
      expect(await digest(image(), short(C))).toBeUndefined();
      expect(await manifest('stage')).toBe(stage);
    });

    it('main, promote, rollback: v1.1.0 goes to prod, then v1.0.0 is prod again — the same digest, nothing rebuilt', async () => {
      const D = await world.commit(
        { 'greeting.txt': 'hello again\n', 'package.json': pkg('1.1.0') },
        'fix(api): keep it short',
      );
      commits.D = D;
      const main = await world.run('main', pushToMain(D, commits.A?.sha as string), standIns());
      expect(results(main), failures(main)).toMatchObject({ build: 'success', 'stage-checks': 'success' });
      digests.D = job(main, 'build').outputs.digest as string;
      const promote = await world.run(
        'promote',
        pushTag('v1.1.0', D, await world.tag('v1.1.0', D.sha, true)),
        standIns(),
      );
      expect(results(promote), failures(promote)).toMatchObject({ prod: 'success' });
      expect(await digest(image(), 'prod')).toBe(digests.D);
      const rollback = await world.run('rollback', dispatch({ version: 'v1.0.0' }, D.sha), standIns());
      expect(results(rollback), failures(rollback)).toEqual({ rollback: 'success' });
      expect(await digest(image(), 'prod')).toBe(digests.A);
      expect(await manifest('prod')).toContain(`digest: ${digests.A}`);
    });

    it('npm-release: after Main is green, the matrix, the tests and the gated publish', async () => {
      const D = commits.D as Commit;
      const run = await world.run(
        'npm-release',
        workflowRunCompleted('Main', 'success', D, D.sha),
        standIns(),
      );
      expect(results(run), failures(run)).toEqual({
        matrix: 'success',
        'Test with 1.0.0': 'success',
        'Test with 1.1.0': 'success',
        publish: 'success',
      });
      const view = await exec('npm', [
        'view',
        '@acme/api-client@1.1.0',
        'version',
        '--registry',
        `${world.verdaccio.url}/`,
      ]);
      expect(view.stdout.trim()).toBe('1.1.0');
    });

    it('build and yank by hand: a commit no run built is built from its short sha, then yanked from both images', async () => {
      const E = await world.commit({ 'greeting.txt': 'hey\n' }, 'feat(api): say hey');
      const build = await world.run('build', dispatch({ sha: short(E) }, E.sha), standIns());
      expect(results(build), failures(build)).toEqual({ build: 'success' });
      expect(await digest(image(), short(E))).toBe(job(build, 'build').outputs.digest);
      const yank = await world.run(
        'yank',
        dispatch({ sha: E.sha, reason: 'said hey to no one' }, E.sha),
        standIns(),
      );
      expect(results(yank), failures(yank)).toEqual({ yank: 'success' });
      expect(await digest(image(), short(E))).toBeUndefined();
      const user = configuration.registryUser ?? { username: ACTOR, password: SECRETS.GITHUB_TOKEN };
      const store = await openStore(image(), user);
      expect((await readTombstone(store, E.sha))?.reason).toBe('said hey to no one');
    });

    it('every login step logged in with the credentials its registry takes, and no secret reached a log', async () => {
      expect(logins.length).toBeGreaterThan(8);
      for (const login of logins) expect(login).toEqual(configuration.expectedLogin(world));
      const secrets = [
        SECRETS.GITHUB_TOKEN,
        SECRETS.MANIFEST_TOKEN,
        REGISTRY_PASSWORD,
        world.verdaccio.token,
      ];
      for (const run of world.runs)
        for (const done of run.jobs.flatMap((candidate) => candidate.steps).filter((step) => step.action)) {
          const visible = [
            done.action?.log,
            done.action?.stderr,
            done.action?.summary,
            JSON.stringify(done.action?.outputs),
          ].join('\n');
          for (const secret of secrets) expect(visible).not.toContain(secret);
        }
    });

    it('after a new release of flow-actions, flow init run again moves only the pins, and the next push runs the new release', async () => {
      const [before] = trees.keys();
      const after = await flowActions.release(`1.${trees.size}.0`);
      await checkOut(after);
      const version = `v1.${trees.size - 1}.0`;
      const run = await flowInit(world.app, []);
      expect(run.exitCode, run.stderr).toBe(0);
      const { stdout: diff } = await exec('git', ['-C', world.app, 'diff', '--unified=0', '--no-color']);
      const changed = diff.split('\n').filter((line) => /^[-+](?![-+])/.test(line));
      expect(changed.length).toBeGreaterThan(10);
      for (const line of changed)
        expect(line).toMatch(
          line.startsWith('-')
            ? new RegExp(`^- +(- )?uses: acme/flow-actions/[a-z-]+@${before} # v1\\.0\\.0$`)
            : new RegExp(
                `^\\+ +(- )?uses: acme/flow-actions/[a-z-]+@${after} # ${version.replaceAll('.', '\\.')}$`,
              ),
        );
      const F = await world.commit(
        { 'greeting.txt': 'hello, new pins\n' },
        'ci: flow-actions pinned to the new release',
      );
      expect(F.changedFiles).toContain('greeting.txt');
      ranFrom.clear();
      const main = await world.run('main', pushToMain(F, commits.D?.sha as string), standIns());
      expect(results(main), failures(main)).toEqual({
        build: 'success',
        'stage-checks': 'success',
        yank: 'skipped',
      });
      expect([...ranFrom]).toEqual([after]);
    });
  },
);
