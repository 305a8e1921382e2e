import { GitHubClient } from '@flow-actions/github-api';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type GitHubFake, shaOf, startGitHubFake } from './index';

// deploy-command's routes, through the client the action uses, each answer checked by the fake
// against GitHub's OpenAPI description (schemaViolations stays empty).

const TOKEN = 'ghs_deployCommandRoutes7Qx2';
const TEAMS_TOKEN = 'ghs_teamsReader9Lm4';

let fake: GitHubFake;
let client: GitHubClient;
beforeAll(async () => {
  fake = await startGitHubFake({
    token: TOKEN,
    repository: 'acme/api',
    otherTokens: { [TEAMS_TOKEN]: 'teams-app[bot]' },
  });
  client = new GitHubClient({ token: TOKEN, repository: 'acme/api', apiUrl: fake.url, maxAttempts: 1 });
});
afterAll(async () => {
  await fake.stop();
});
afterEach(() => {
  expect(fake.schemaViolations).toEqual([]);
  fake.permissions = undefined;
});

describe('deploy-command: the conversation', () => {
  test('a reaction on a comment: 201 new, 200 for the same one again, 404 for an unknown comment', async () => {
    const comment = fake.seed.issueComment({
      issueNumber: 12,
      body: '/deploy pr-12 to appdev',
      author: 'alice',
    });
    await client.addCommentReaction(Number(comment.id), 'eyes');
    await client.addCommentReaction(Number(comment.id), 'eyes');
    await client.addCommentReaction(Number(comment.id), 'rocket');
    const reactions = fake.state.commentReactions.get(Number(comment.id)) ?? [];
    expect(reactions.map((reaction) => reaction.content)).toEqual(['eyes', 'rocket']);
    expect(reactions.map((reaction) => (reaction.user as { login: string }).login)).toEqual([
      'github-actions[bot]',
      'github-actions[bot]',
    ]);
    expect(fake.requests.filter((r) => r.url.endsWith('/reactions')).map((r) => r.status)).toEqual([
      201, 200, 201,
    ]);
    await expect(client.addCommentReaction(999_999, 'eyes')).rejects.toMatchObject({ status: 404 });
  });

  test('a reply is created by the token’s actor, then rewritten in place', async () => {
    const reply = await client.createIssueComment(12, 'Deploying…');
    expect(reply.html_url).toBe(`https://github.com/acme/api/issues/12#issuecomment-${reply.id}`);
    const updated = await client.updateIssueComment(reply.id, '| environment | appdev |');
    expect(updated.body).toBe('| environment | appdev |');
    const stored = fake.state.issueComments.find(({ comment }) => comment.id === reply.id);
    expect(stored?.issueNumber).toBe(12);
    expect(stored?.comment.user).toMatchObject({ login: 'github-actions[bot]' });
  });

  test('a job without issues: write gets 403 for reactions and comments, as on GitHub', async () => {
    const comment = fake.seed.issueComment({ issueNumber: 3, body: '/deploy help', author: 'alice' });
    fake.permissions = { contents: 'read', 'pull-requests': 'read' };
    await expect(client.addCommentReaction(Number(comment.id), 'eyes')).rejects.toMatchObject({
      status: 403,
    });
    await expect(client.createIssueComment(3, 'x')).rejects.toMatchObject({ status: 403 });
  });
});

describe('deploy-command: who may deploy', () => {
  test('collaborator permission: the role, maintain folded to write in permission; a stranger is 404 (undefined)', async () => {
    fake.seed.collaborator('mona', 'maintain');
    fake.seed.collaborator('rita', 'read');
    expect(await client.getCollaboratorPermission('mona')).toMatchObject({
      permission: 'write',
      role_name: 'maintain',
      user: { login: 'mona' },
    });
    expect(await client.getCollaboratorPermission('rita')).toMatchObject({
      permission: 'read',
      role_name: 'read',
    });
    expect(await client.getCollaboratorPermission('mallory')).toBeUndefined();
  });

  test('team membership: active counts, pending and strangers do not; the job token cannot read teams', async () => {
    fake.seed.teamMember('acme/release-managers', 'rob');
    fake.seed.teamMember('acme/release-managers', 'ivy', 'pending');
    const teams = new GitHubClient({ token: TEAMS_TOKEN, apiUrl: fake.url, maxAttempts: 1 });
    expect(await teams.isActiveTeamMember('acme', 'release-managers', 'rob')).toBe(true);
    expect(await teams.isActiveTeamMember('acme', 'release-managers', 'ivy')).toBe(false);
    expect(await teams.isActiveTeamMember('acme', 'release-managers', 'mallory')).toBe(false);
    expect(await teams.isActiveTeamMember('acme', 'other-team', 'rob')).toBe(false);
    fake.permissions = { contents: 'read', issues: 'write', 'pull-requests': 'write' };
    await expect(client.isActiveTeamMember('acme', 'release-managers', 'rob')).rejects.toMatchObject({
      status: 403,
    });
  });
});

describe('deploy-command: the policy file and the pull request', () => {
  test('a file is read from the ref asked for, decoded from GitHub’s base64 lines; a missing one is undefined', async () => {
    const text = `environments:\n  appdev:\n    manifest-path: envs/appdev\n    sources: [pull-request]\n${'# long comment line '.repeat(10)}\n`;
    fake.seed.file('main', '.github/flow-environments.yml', text);
    fake.seed.file('feature', '.github/flow-environments.yml', 'environments: {}\n');
    expect(await client.getFileText('.github/flow-environments.yml', 'main')).toBe(text);
    expect(await client.getFileText('.github/flow-environments.yml', 'feature')).toBe('environments: {}\n');
    expect(await client.getFileText('.github/missing.yml', 'main')).toBeUndefined();
    // The path is one segment, encoded, as octokit sends it and GitHub accepts it.
    expect(fake.requests.at(-1)?.url).toContain('/contents/.github%2Fmissing.yml?ref=main');
  });

  test('one pull request: head sha, author, and its fork', async () => {
    const own = fake.seed.pullRequest({
      title: 'own',
      body: null,
      head: 'feature-a',
      base: 'main',
      author: 'alice',
    });
    const fork = fake.seed.pullRequest({
      title: 'fork',
      body: null,
      head: 'patch-1',
      base: 'main',
      author: 'mallory',
      forkOwner: 'mallory',
    });
    const got = await client.getPullRequest(Number(own.number));
    expect(got.head.sha).toBe((own.head as { sha: string }).sha);
    expect(got.head.repo?.fork).toBe(false);
    expect(got.user?.login).toBe('alice');
    const forked = await client.getPullRequest(Number(fork.number));
    expect(forked.head.repo).toMatchObject({ full_name: 'mallory/api', fork: true });
    const pushed = fake.seed.push(Number(own.number), { message: 'later' });
    expect((await client.getPullRequest(Number(own.number))).head.sha).toBe(pushed);
    await expect(client.getPullRequest(4242)).rejects.toMatchObject({ status: 404 });
    expect(pushed).not.toBe(shaOf('feature-a'));
  });
});
