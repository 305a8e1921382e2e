// biome-ignore-all lint/suspicious/noTemplateCurlyInString: a comment tries a workflow ${{ }} expression on purpose
import { access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { openStore } from '@flow-actions/oci-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releasedAction } from '../e2e/release-tree';
import type { JsonRecord } from '../github-fake';
import { skopeoDigest } from '../support/skopeo';
import { dispatch, issueComment, pullRequest } from './simulation/events';
import type { StandIns, WorkflowRun } from './simulation/runner';
import { checkout, dockerLogin, pretend, script } from './simulation/stand-ins';
import { explain, job, listStandIns, results, step } from './simulation/story';
import {
  ACTOR,
  type Commit,
  GATE_POLICY,
  type OpenedPullRequest,
  POLICY_FILE,
  SECRETS,
  startWorld,
  type World,
} from './simulation/world';

// chatops.yml as an adopter runs it: a comment on a pull request or an issue starts it, and it runs
// as the default branch has it. Every step of ours runs as the bundled action on Node 24 against the
// registry, the manifest repository over smart HTTP and the OpenAPI-checked GitHub fake, which
// holds the conversation (comments, reactions), who may deploy (collaborators, a team) and the
// environments' policy on main. The artifacts are real: main's commits built by build.yml (and
// given their release tags as promote.yml gives them), pull request 12 built by pull-request.yml.

let world: World;
/** main's head: GITHUB_SHA of every comment's run. */
let main: string;
let pull: OpenedPullRequest;
const releases: Record<string, Commit> = {};
const digests: Record<string, string> = {};
/** Who may what, on the repository and in the organization. */
const WRITER = 'alice';
const RELEASE_MANAGER = 'rita';
const READER = 'reed';
const FORK_AUTHOR = 'mallory';
const BOT = 'renovate[bot]';
const RELEASE_MANAGERS = 'acme/release-managers';
/**
 * The environments' policy, on main: appdev takes pull requests, prod releases from the release
 * managers; qa takes pull requests too, but its folder is missing from the manifest repository.
 */
const ENVIRONMENTS_FILE = '.github/flow-environments.yml';
const ENVIRONMENTS = [
  'environments:',
  '  appdev:',
  '    manifest-path: envs/appdev',
  '    sources: [pull-request]',
  '  qa:',
  '    manifest-path: envs/qa',
  '    sources: [pull-request]',
  '  prod:',
  '    manifest-path: envs/prod',
  "    sources: ['v*']",
  `    teams: [${RELEASE_MANAGERS}]`,
  '',
].join('\n');
/** What GitHub calls the job token's actor: replies and reactions are its. */
const ACTIONS_BOT = 'github-actions[bot]';

beforeAll(async () => {
  world = await startWorld(releasedAction);
  await world.commit(
    {
      Dockerfile: 'FROM scratch\nCOPY greeting.txt /greeting.txt\n',
      'greeting.txt': 'hi\n',
      // pull-request.yml's risk job reads the merge gate's policy.
      [POLICY_FILE]: GATE_POLICY,
      [ENVIRONMENTS_FILE]: ENVIRONMENTS,
    },
    'chore: start the api',
  );
  releases['v1.3.0'] = await world.commit({ 'greeting.txt': 'hello\n' }, 'feat(api): greet callers');
  releases['v1.4.0'] = await world.commit({ 'greeting.txt': 'hello there\n' }, 'feat(api): greet warmly');
  main = (releases['v1.4.0'] as Commit).sha;
  world.github.seed.collaborator(WRITER, 'write');
  world.github.seed.collaborator(RELEASE_MANAGER, 'maintain');
  world.github.seed.collaborator(READER, 'read');
  world.github.seed.collaborator(BOT, 'write');
  world.github.seed.teamMember(RELEASE_MANAGERS, RELEASE_MANAGER);
  // Each release's commit built once by build.yml; its version tag added as promote.yml adds it
  // (promote.yml's own run is another story's: here prod moves only by comments).
  for (const [version, commit] of Object.entries(releases)) {
    const run = await world.run(
      'build',
      dispatch({ sha: commit.sha }, main),
      standIns({ 'actions/checkout': checkout(world.app), 'Check the commit': script() }),
    );
    expect(results(run), explain(run)).toEqual({ build: 'success' });
    digests[version] = job(run, 'build').outputs.digest as string;
    const store = await openStore(world.values.IMAGE as string, registryLogin());
    const manifest = await store.getManifest(commit.sha.slice(0, 7));
    if (!manifest) throw new Error(`${version}: no artifact of ${commit.sha}`);
    await store.putManifest(version, manifest);
  }
  pull = await world.openPullRequest({
    number: 12,
    branch: 'wave',
    commits: [{ files: { 'greeting.txt': 'hello, wave\n' }, subject: 'feat(api): wave at callers' }],
    author: WRITER,
  });
  digests.first = await buildPullRequest('opened');
}, 300_000);
afterAll(async () => {
  await world?.stop();
});

function registryLogin() {
  return { username: ACTOR, password: SECRETS.GITHUB_TOKEN };
}

function standIns(extra: StandIns = {}): StandIns {
  return { 'docker/login-action': dockerLogin(SECRETS.GITHUB_TOKEN), ...extra };
}

/** pull-request.yml for pull request 12's head: its build tags `<sha>` and `pr-12` in the develop image. */
async function buildPullRequest(action: 'opened' | 'synchronize'): Promise<string> {
  const run = await world.run(
    'pull-request',
    pullRequest({ ...pull, action }),
    standIns({
      'actions/checkout': checkout(world.app),
      'actions/setup-node': pretend('installs Node 22; the runner has Node already'),
      Test: pretend('npm ci && npm test, the adopter’s CI'),
    }),
  );
  expect(results(run).build, explain(run)).toBe('success');
  const digest = job(run, 'build').outputs.digest as string;
  expect(await registryDigest(world.values.DEVELOP_IMAGE as string, 'pr-12')).toBe(digest);
  return digest;
}

interface Said {
  run: WorkflowRun;
  commentId: number;
  /** What GitHub shows under the comment, oldest first: eyes, then rocket or confused. */
  reactions: string[];
  /** The replies to it, as they read at the end of the run. */
  replies: string[];
}

interface SayOptions {
  /** The issue or pull request. Default: pull request 12. */
  number?: number;
  onPullRequest?: boolean;
  /** Who opened the conversation. Default: pull request 12's author, else dev. */
  author?: string;
  /** The copy as a careless adopter changed it (World.run's edit). */
  edit?: (text: string) => string;
}

/** A comment on the conversation, as GitHub has it, and the run of chatops.yml it starts (if any). */
async function say(body: string, commenter: string, options: SayOptions = {}): Promise<Said> {
  const said = startSaying(body, commenter, options);
  return said.then(async ({ run, commentId }) => ({ run, commentId, ...conversation(commentId) }));
}

function startSaying(
  body: string,
  commenter: string,
  options: SayOptions = {},
): Promise<{ run: WorkflowRun; commentId: number }> {
  const number = options.number ?? pull.number;
  const comment = world.github.seed.issueComment({ issueNumber: number, body, author: commenter });
  const commentId = Number(comment.id);
  const event = issueComment({
    action: 'created',
    number,
    onPullRequest: options.onPullRequest ?? true,
    commentId,
    body,
    commenter,
    author: options.author ?? (number === pull.number ? pull.author : 'dev'),
    defaultBranchHead: main,
  });
  return world.run('chatops', event, standIns(), options.edit).then((run) => ({ run, commentId }));
}

/** The reactions to a comment and the replies after it. */
function conversation(commentId: number): Pick<Said, 'reactions' | 'replies'> {
  const { state } = world.github;
  const on = state.issueComments.find(({ comment }) => comment.id === commentId)?.issueNumber;
  // The bot's comments on the same conversation after this one, up to the next person's.
  const after = state.issueComments.filter(
    ({ issueNumber, comment }) => issueNumber === on && Number(comment.id) > commentId,
  );
  const next = after.findIndex(({ comment }) => (comment.user as JsonRecord).login !== ACTIONS_BOT);
  return {
    reactions: (state.commentReactions.get(commentId) ?? []).map((reaction) => String(reaction.content)),
    replies: (next < 0 ? after : after.slice(0, next)).map(({ comment }) => String(comment.body)),
  };
}

async function registryDigest(image: string, tag: string): Promise<string | undefined> {
  return skopeoDigest(`${image}:${tag}`, { creds: `${ACTOR}:${SECRETS.GITHUB_TOKEN}` });
}

async function manifestHead(): Promise<string> {
  return (await exec('git', ['--git-dir', world.manifests.path, 'rev-parse', 'main'])).stdout.trim();
}

async function manifestMessage(commit: string): Promise<string> {
  return (await exec('git', ['--git-dir', world.manifests.path, 'log', '-1', '--format=%B', commit])).stdout;
}

/** GitHub's deployments of an environment, each with the states of its statuses, oldest first. */
function deploymentsOf(environment: string): { sha: string; states: string[] }[] {
  const { state } = world.github;
  return state.deployments
    .filter((deployment) => deployment.environment === environment)
    .map((deployment) => ({
      sha: String(deployment.sha),
      states: state.deploymentStatuses
        .filter(({ deploymentId }) => deploymentId === deployment.id)
        .map(({ status }) => String(status.state)),
    }));
}

/** What a refused command must leave as it was: the environments, their tags, their deployments. */
async function untouched(): Promise<unknown> {
  return {
    appdev: await world.manifestAt('appdev'),
    prod: await world.manifestAt('prod'),
    manifests: await manifestHead(),
    appdevTag: await registryDigest(world.values.DEVELOP_IMAGE as string, 'appdev'),
    prodTag: await registryDigest(world.values.IMAGE as string, 'prod'),
    deployments: world.github.state.deployments.length,
  };
}

const short = (sha: string) => sha.slice(0, 7);

describe('chatops.yml, simulated on the bundled actions against real services', () => {
  it('an allowed user deploys pr-12 to appdev: the digest of the pull request’s artifact, a manifest commit, a deployment, a reply', async () => {
    const before = await manifestHead();
    const said = await say('/deploy pr-12 to appdev', WRITER);
    const { run } = said;
    expect(results(run), explain(run)).toEqual({ accept: 'success', deploy: 'success', report: 'success' });
    const head = pull.head.sha;
    expect(job(run, 'accept').outputs).toMatchObject({
      accepted: 'true',
      environment: 'appdev',
      source: 'pr-12',
      image: world.values.DEVELOP_IMAGE,
      digest: digests.first,
      commit: head,
      tag: short(head),
      'manifest-path': 'envs/appdev',
    });
    // The digest resolved at acceptance is what the deploy job promoted and wrote.
    expect(step(run, 'deploy', 'promote').inputs).toMatchObject({
      image: world.values.DEVELOP_IMAGE,
      from: digests.first,
      to: 'appdev',
    });
    expect(await registryDigest(world.values.DEVELOP_IMAGE as string, 'appdev')).toBe(digests.first);
    const manifestCommit = job(run, 'deploy').outputs['manifest-commit'] as string;
    expect(manifestCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(manifestCommit).not.toBe(before);
    expect(await manifestHead()).toBe(manifestCommit);
    expect(await world.manifestAt('appdev')).toContain(`newTag: "${short(head)}"`);
    expect(await world.manifestAt('appdev')).toContain(`digest: ${digests.first}`);
    const message = await manifestMessage(manifestCommit);
    expect(message.split('\n')[0]).toBe(`Deploy pr-12 to appdev for @${WRITER}`);
    expect(message).toContain(`Flow-Source-Commit: ${head}`);
    expect(message).toContain(`Flow-Artifact-Digest: ${digests.first}`);
    // GitHub's own record of the deploy job: in progress, then its result.
    expect(deploymentsOf('appdev')).toEqual([{ sha: main, states: ['in_progress', 'success'] }]);
    // Seen, then deployed; the one reply is rewritten with the result table.
    expect(said.reactions).toEqual(['eyes', 'rocket']);
    expect(said.replies).toHaveLength(1);
    const reply = said.replies[0] as string;
    expect(reply).toContain('**Deployed `pr-12` to `appdev`.**');
    expect(reply).toContain(`→ \`${digests.first}\``);
    expect(reply).toContain(head.slice(0, 12));
    expect(reply).toContain(manifestCommit);
    expect(reply).toContain(`/acme/api/deployments/appdev`);
    expect(listStandIns(run)).toEqual([
      'accept: docker/login-action — writes the registry credentials to ~/.docker/config.json, as docker login does',
      'deploy: docker/login-action — writes the registry credentials to ~/.docker/config.json, as docker login does',
    ]);
  });

  it('a push to the pull request after the comment changes nothing: the digest resolved at acceptance is deployed', async () => {
    // A second push, built: pr-12 moves to it.
    pull = await world.pushToPullRequest(pull, { 'greeting.txt': 'hello, waves\n' }, 'feat(api): wave twice');
    digests.second = await buildPullRequest('synchronize');
    const resolvedHead = pull.head.sha;
    const { run, built } = await pushWhileDeployWaits('/deploy to appdev', 'hello, many waves\n');
    digests.third = built;
    expect(results(run), explain(run)).toEqual({ accept: 'success', deploy: 'success', report: 'success' });
    expect(digests.third).not.toBe(digests.second);
    expect(job(run, 'accept').outputs).toMatchObject({
      source: 'pr-12',
      digest: digests.second,
      commit: resolvedHead,
    });
    expect(await registryDigest(world.values.DEVELOP_IMAGE as string, 'pr-12')).toBe(digests.third);
    expect(await registryDigest(world.values.DEVELOP_IMAGE as string, 'appdev')).toBe(digests.second);
    expect(await world.manifestAt('appdev')).toContain(`digest: ${digests.second}`);
    expect(await world.manifestAt('appdev')).toContain(`newTag: "${short(resolvedHead)}"`);
    expect(deploymentsOf('appdev').map((deployment) => deployment.states)).toEqual([
      ['in_progress', 'success'],
      ['in_progress', 'success'],
    ]);
  }, 240_000);

  it('the check can fail: a copy that promotes what the comment named, not the resolved digest, deploys the later push', async () => {
    const resolvedHead = pull.head.sha;
    const { run, built } = await pushWhileDeployWaits(
      '/deploy to appdev',
      'hello, even more waves\n',
      (text) =>
        text
          .replace('from: ${{ needs.accept.outputs.digest }}', 'from: ${{ needs.accept.outputs.source }}')
          .replace(
            'digest: ${{ needs.accept.outputs.digest }}',
            'digest: ${{ steps.promote.outputs.digest }}',
          )
          .replace(
            'source-commit: ${{ needs.accept.outputs.commit }}',
            'source-commit: ${{ steps.promote.outputs.source-sha }}',
          ),
    );
    expect(results(run), explain(run)).toEqual({ accept: 'success', deploy: 'success', report: 'success' });
    expect(job(run, 'accept').outputs).toMatchObject({ digest: digests.third, commit: resolvedHead });
    expect(built).not.toBe(digests.third);
    // What the commenter was told is not what runs.
    expect(await registryDigest(world.values.DEVELOP_IMAGE as string, 'appdev')).toBe(built);
    expect(await world.manifestAt('appdev')).toContain(`digest: ${built}`);
  }, 240_000);

  it('a deploy that fails is reported too: GitHub’s deployment fails, the reply says how it ended', async () => {
    const said = await say('/deploy pr-12 to qa', WRITER);
    expect(results(said.run)).toEqual({ accept: 'success', deploy: 'failure', report: 'success' });
    expect(step(said.run, 'deploy', 'deploy').outcome).toBe('failure');
    expect(deploymentsOf('qa')).toEqual([{ sha: main, states: ['in_progress', 'failure'] }]);
    expect(said.reactions).toEqual(['eyes', 'confused']);
    expect(said.replies).toHaveLength(1);
    expect(said.replies[0]).toContain('**The deploy of `pr-12` to `qa` did not finish (failure)**');
  });

  it('an accept that fails (the registry refuses) is reported in its one reply, with the confused reaction', async () => {
    const before = await untouched();
    const permission =
      '      packages: read # resolve the artifact on ghcr.io; drop it for another registry\n';
    // An adopter who dropped packages: read: the job token may not read the registry.
    const said = await say('/deploy pr-12 to appdev', WRITER, {
      edit: (text) => {
        expect(text).toContain(permission);
        return text.replace(permission, '');
      },
    });
    expect(results(said.run), explain(said.run)).toEqual({
      accept: 'failure',
      deploy: 'skipped',
      report: 'success',
    });
    expect(said.reactions).toEqual(['eyes', 'confused']);
    expect(said.replies).toHaveLength(1);
    expect(said.replies[0]).toMatch(/^\*\*The deploy command did not finish \(failure\)\*\*: see the run\./);
    expect(await untouched()).toEqual(before);
  });

  it.each([
    [
      'a read-only collaborator',
      READER,
      {},
      `\`${READER}\` has read access to acme/api: deploying from a comment needs write, maintain or admin.`,
    ],
    ['a bot, even one with write access', BOT, {}, `\`${BOT}\` is a bot`],
  ])('%s is refused with a reply, and nothing moves', async (_, commenter, options, reason) => {
    const before = await untouched();
    const said = await say('/deploy pr-12 to appdev', commenter, options);
    expect(results(said.run), explain(said.run)).toEqual({
      accept: 'success',
      deploy: 'skipped',
      report: 'skipped',
    });
    expect(job(said.run, 'accept').outputs.accepted).toBe('false');
    expect(said.reactions).toEqual(['eyes', 'confused']);
    expect(said.replies).toHaveLength(1);
    expect(said.replies[0]).toContain('**Not deployed:**');
    expect(said.replies[0]).toContain(reason);
    expect(await untouched()).toEqual(before);
  });

  it('the author of a fork’s pull request is refused with a reply, and nothing moves', async () => {
    const fork = await world.openPullRequest({
      number: 13,
      branch: 'fork-wave',
      commits: [{ files: { 'greeting.txt': 'hello from a fork\n' }, subject: 'feat(api): wave from afar' }],
      author: FORK_AUTHOR,
      forkOwner: FORK_AUTHOR,
    });
    const before = await untouched();
    const said = await say('/deploy to appdev', FORK_AUTHOR, { number: fork.number, author: FORK_AUTHOR });
    expect(results(said.run), explain(said.run)).toEqual({
      accept: 'success',
      deploy: 'skipped',
      report: 'skipped',
    });
    expect(said.replies).toHaveLength(1);
    expect(said.replies[0]).toMatch(/^\*\*Not deployed:\*\* /);
    expect(said.replies[0]).toContain(`\`${FORK_AUTHOR}\``);
    expect(await untouched()).toEqual(before);
  });

  it('prod refuses pr-12, and accepts v1.4.0 only from the release managers', async () => {
    const before = await untouched();
    const pr = await say('/deploy pr-12 to prod', RELEASE_MANAGER);
    expect(results(pr.run)).toEqual({ accept: 'success', deploy: 'skipped', report: 'skipped' });
    expect(pr.replies[0]).toContain('`prod` accepts');
    const writer = await say('/deploy v1.4.0 to prod', WRITER);
    expect(results(writer.run)).toEqual({ accept: 'success', deploy: 'skipped', report: 'skipped' });
    expect(writer.replies[0]).toContain(
      `\`prod\` is for members of ${RELEASE_MANAGERS}; \`${WRITER}\` is not an active member.`,
    );
    expect(await untouched()).toEqual(before);

    const said = await say('/deploy v1.4.0 to prod', RELEASE_MANAGER, { number: 40, onPullRequest: false });
    expect(results(said.run), explain(said.run)).toEqual({
      accept: 'success',
      deploy: 'success',
      report: 'success',
    });
    const release = releases['v1.4.0'] as Commit;
    expect(job(said.run, 'accept').outputs).toMatchObject({
      image: world.values.IMAGE,
      digest: digests['v1.4.0'],
      tag: 'v1.4.0',
      commit: release.sha,
    });
    expect(await registryDigest(world.values.IMAGE as string, 'prod')).toBe(digests['v1.4.0']);
    expect(await world.manifestAt('prod')).toContain('newTag: "v1.4.0"');
    expect(await world.manifestAt('prod')).toContain(`digest: ${digests['v1.4.0']}`);
    expect(deploymentsOf('prod')).toEqual([{ sha: main, states: ['in_progress', 'success'] }]);
    // The group promote.yml and rollback.yml hold for prod.
    expect(world.scheduler.history).toContain(`deploy-prod: run ${said.run.id} job deploy in progress`);
    expect(said.reactions).toEqual(['eyes', 'rocket']);
    expect(said.replies[0]).toContain('**Deployed `v1.4.0` to `prod`.**');
  });

  it('/rollback prod restores the previous version: its artifact, never rebuilt', async () => {
    const said = await say('/rollback prod', RELEASE_MANAGER);
    expect(results(said.run), explain(said.run)).toEqual({
      accept: 'success',
      deploy: 'success',
      report: 'success',
    });
    expect(job(said.run, 'accept').outputs).toMatchObject({
      digest: digests['v1.3.0'],
      tag: 'v1.3.0',
      'from-digest': digests['v1.4.0'],
    });
    expect(await registryDigest(world.values.IMAGE as string, 'prod')).toBe(digests['v1.3.0']);
    expect(await registryDigest(world.values.IMAGE as string, 'v1.4.0')).toBe(digests['v1.4.0']);
    expect(await world.manifestAt('prod')).toContain('newTag: "v1.3.0"');
    expect(await world.manifestAt('prod')).toContain(`digest: ${digests['v1.3.0']}`);
    expect(said.replies[0]).toContain(`\`${digests['v1.4.0']}\` → \`${digests['v1.3.0']}\``);
  });

  it('a comment with shell metacharacters or an injection attempt does nothing but reply', async () => {
    const marker = join(tmpdir(), `chatops-injected-${process.pid}-${Date.now()}`);
    for (const body of [
      `/deploy pr-12 to appdev; touch ${marker}`,
      `/deploy $(touch ${marker}) to appdev`,
      `/deploy \`touch ${marker}\` to appdev`,
      '/deploy pr-12 to appdev && echo "${{ secrets.MANIFEST_TOKEN }}"',
      `/rollback prod to v1.3.0' || touch ${marker} #`,
    ]) {
      const before = await untouched();
      const said = await say(body, WRITER);
      expect(results(said.run), body).toEqual({ accept: 'success', deploy: 'skipped', report: 'skipped' });
      expect(said.replies, body).toHaveLength(1);
      expect(said.replies[0], body).toMatch(/^\*\*Not deployed:\*\* /);
      expect(await untouched(), body).toEqual(before);
    }
    await expect(access(marker)).rejects.toThrow();
  }, 180_000);

  it('an edited comment runs nothing again; a copy that listens to edits still deploys nothing', async () => {
    const first = await say('/deploy pr-12 to appdev', WRITER);
    expect(results(first.run).deploy).toBe('success');
    const before = await untouched();
    const edited = issueComment({
      action: 'edited',
      number: pull.number,
      onPullRequest: true,
      commentId: first.commentId,
      body: '/deploy pr-12 to appdev ',
      previousBody: '/deploy pr-12 to appdev',
      commenter: WRITER,
      defaultBranchHead: main,
    });
    const run = await world.run('chatops', edited, standIns());
    expect(run).toMatchObject({
      trigger: { runs: false, reason: 'activity type edited is not in created' },
      jobs: [],
    });
    // An adopter who dropped `types: [created]`: the edit starts a run, and the action ignores it.
    const careless = await world.run('chatops', edited, standIns(), (text) =>
      text.replace('    types: [created]\n', ''),
    );
    expect(results(careless), explain(careless)).toEqual({
      accept: 'success',
      deploy: 'skipped',
      report: 'skipped',
    });
    expect(job(careless, 'accept').outputs.accepted).toBe('false');
    expect(step(careless, 'accept', 'command').outputs.command).toBe('');
    expect(conversation(first.commentId)).toEqual({ reactions: first.reactions, replies: first.replies });
    expect(await untouched()).toEqual(before);
  });

  it('an ordinary comment starts no job', async () => {
    const said = await say('Looks good to me, thanks!', WRITER);
    expect(results(said.run)).toEqual({ accept: 'skipped', deploy: 'skipped', report: 'skipped' });
    expect(said.reactions).toEqual([]);
    expect(said.replies).toEqual([]);
  });

  it('the tokens: the manifest token reached only the deploy step, the teams token only the accept step; no secret in any log, output or summary', () => {
    const runs = world.runs.filter((run) => run.jobs.some((done) => done.id === 'accept'));
    expect(runs.length).toBeGreaterThan(10);
    const steps = runs.flatMap((run) =>
      run.jobs.flatMap((done) => done.steps.map((s) => ({ job: done.id, s }))),
    );
    for (const { job: jobId, s } of steps) {
      const inputs = JSON.stringify(s.inputs ?? {});
      if (!(jobId === 'deploy' && s.label === 'deploy')) expect(inputs).not.toContain(SECRETS.MANIFEST_TOKEN);
      if (!(jobId === 'accept' && s.label === 'command')) expect(inputs).not.toContain(SECRETS.TEAMS_TOKEN);
      const action = s.action;
      if (!action) continue;
      const seen = JSON.stringify([action.log, action.stderr, action.outputs, action.summary, action.errors]);
      for (const secret of [SECRETS.GITHUB_TOKEN, SECRETS.MANIFEST_TOKEN, SECRETS.TEAMS_TOKEN])
        expect(seen).not.toContain(secret);
    }
    for (const { comment } of world.github.state.issueComments)
      for (const secret of [SECRETS.GITHUB_TOKEN, SECRETS.MANIFEST_TOKEN, SECRETS.TEAMS_TOKEN])
        expect(String(comment.body)).not.toContain(secret);
    expect(world.github.schemaViolations).toEqual([]);
  });
});

/**
 * A command whose deploy job waits in deploy-appdev — an earlier deploy of appdev still holds it —
 * after the command was accepted; meanwhile the pull request gets a push, which pull-request.yml
 * builds (pr-12 moves to it). Then the earlier deploy ends and the waiting one runs. Returns the
 * command's run and the digest of the push built meanwhile.
 */
async function pushWhileDeployWaits(
  body: string,
  greeting: string,
  edit?: (text: string) => string,
): Promise<{ run: WorkflowRun; built: string }> {
  const holder = { label: 'an earlier deploy of appdev', start: () => {}, cancel: () => {} };
  world.scheduler.enter('deploy-appdev', false, holder);
  const seen = world.scheduler.history.length;
  const said = startSaying(body, WRITER, edit ? { edit } : {});
  await waitFor(() =>
    world.scheduler.history
      .slice(seen)
      .some((entry) => /^deploy-appdev: run \d+ job deploy pending$/.test(entry)),
  );
  pull = await world.pushToPullRequest(pull, { 'greeting.txt': greeting }, 'feat(api): wave again');
  const built = await buildPullRequest('synchronize');
  world.scheduler.leave('deploy-appdev', holder);
  return { run: (await said).run, built };
}

async function waitFor(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting for the run');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
