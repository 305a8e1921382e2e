// release: the git database routes (annotated tags, tag refs) and a release by tag, through the
// real client, answered over a real git repository that git then reads back.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitHubApiError, GitHubClient } from '@flow-actions/github-api';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type GitHubFake, startGitHubFake } from './index';

const TOKEN = 'ghs_gitDatabaseTestToken7Qe';
const dir = mkdtempSync(join(tmpdir(), 'fake-git-database-'));
const env = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'a',
  GIT_AUTHOR_EMAIL: 'a@x',
  GIT_COMMITTER_NAME: 'a',
  GIT_COMMITTER_EMAIL: 'a@x',
};
const git = (...args: string[]) =>
  execFileSync('git', ['-C', dir, ...args], { env, encoding: 'utf8' }).trim();
let fake: GitHubFake;
let commit: string;

beforeAll(async () => {
  git('init', '-q', '-b', 'main');
  git('commit', '-q', '--allow-empty', '-m', 'feat: start');
  commit = git('rev-parse', 'HEAD');
  fake = await startGitHubFake({ token: TOKEN, repository: 'acme/api', gitDir: dir, gitMerges: true });
});
afterAll(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  expect(fake.schemaViolations.splice(0)).toEqual([]);
});

const client = () =>
  new GitHubClient({ token: TOKEN, repository: 'acme/api', apiUrl: fake.url, sleep: async () => {} });

describe('git database routes', () => {
  test('an annotated tag created through the API is a real tag object on the commit, read back by git and the API', async () => {
    const tag = await client().createAnnotatedTag({
      tag: 'api/v1.0.0',
      sha: commit,
      message: 'Release api/v1.0.0',
    });
    expect(tag).toMatchObject({
      tag: 'api/v1.0.0',
      object: { type: 'commit', sha: commit },
      message: 'Release api/v1.0.0\n',
    });
    expect(git('cat-file', '-t', 'refs/tags/api/v1.0.0')).toBe('tag');
    expect(git('rev-parse', 'refs/tags/api/v1.0.0^{commit}')).toBe(commit);
    expect(git('for-each-ref', '--format=%(taggername) %(contents:subject)', 'refs/tags/api/v1.0.0')).toBe(
      'github-actions[bot] Release api/v1.0.0',
    );
    expect(await client().getTagCommit('api/v1.0.0')).toBe(commit);
    expect(fake.requests.map((request) => request.operationId).slice(-4)).toEqual([
      'git/create-tag',
      'git/create-ref',
      'git/get-ref',
      'git/get-tag',
    ]);
  });

  test('a lightweight tag peels to its commit without a tag object; a missing tag is undefined', async () => {
    git('tag', 'light');
    expect(await client().getTagCommit('light')).toBe(commit);
    expect(await client().getTagCommit('v9.9.9')).toBeUndefined();
  });

  test('an existing ref is refused with 422 and left as it was', async () => {
    const before = git('rev-parse', 'refs/tags/api/v1.0.0');
    const error = await client()
      .createAnnotatedTag({ tag: 'api/v1.0.0', sha: commit, message: 'again' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GitHubApiError);
    expect((error as GitHubApiError).status).toBe(422);
    expect((error as Error).message).toMatch(/Reference already exists/);
    expect(git('rev-parse', 'refs/tags/api/v1.0.0')).toBe(before);
  });

  test('a tag on an object that does not exist is refused with 422', async () => {
    const error = await client()
      .createAnnotatedTag({ tag: 'v2.0.0', sha: 'f'.repeat(40), message: 'x' })
      .catch((caught: unknown) => caught);
    expect((error as GitHubApiError).status).toBe(422);
    expect((error as Error).message).toMatch(/Object does not exist/);
  });

  test('a release is found by its tag; a draft or a missing one is not', async () => {
    fake.seed.release({ tag_name: 'v1.0.0', body: 'notes' });
    fake.seed.release({ tag_name: 'v1.1.0', draft: true });
    expect(await client().getReleaseByTag('v1.0.0')).toMatchObject({ tag_name: 'v1.0.0', body: 'notes' });
    expect(await client().getReleaseByTag('v1.1.0')).toBeUndefined();
    expect(await client().getReleaseByTag('v3.0.0')).toBeUndefined();
  });

  test('a merged pull request is a real merge commit on the base branch as it is now, by GitHub for the merger', async () => {
    git('checkout', '-q', '-b', 'bump');
    git('commit', '-q', '--allow-empty', '-m', 'fix(api): bump api');
    const head = git('rev-parse', 'HEAD');
    git('checkout', '-q', 'main');
    git('commit', '-q', '--allow-empty', '-m', 'docs: meanwhile on main');
    const base = git('rev-parse', 'main');
    // main moved after the pull request was opened: GitHub merges into main's head, not the old base.
    fake.seed.pullRequest({
      title: 'fix(api): bump api',
      body: null,
      head: 'bump',
      base: 'main',
      headSha: head,
      baseSha: commit,
    });
    fake.state.requiredApprovingReviews = 0;
    const pull = Number(fake.state.pullRequests.at(-1)?.number);
    const merged = await client().mergePullRequest(pull, { sha: head, mergeMethod: 'MERGE' });
    expect(merged.merged).toBe(true);
    expect(git('rev-parse', 'main')).toBe(merged.sha);
    expect(git('rev-list', '--parents', '-n', '1', 'main')).toBe(`${merged.sha} ${base} ${head}`);
    expect(git('log', '-1', '--format=%an|%cn|%B', 'main')).toBe(
      `github-actions[bot]|GitHub|Merge pull request #${pull} from acme/bump\n\nfix(api): bump api`,
    );
    expect(fake.state.merges.at(-1)).toMatchObject({ number: pull, sha: merged.sha });
    expect(fake.state.pullRequests.at(-1)).toMatchObject({ merged: true, merge_commit_sha: merged.sha });
  });

  test('a job token without contents: write is refused with 403', async () => {
    fake.permissions = { contents: 'read' };
    try {
      const error = await client()
        .createAnnotatedTag({ tag: 'v4.0.0', sha: commit, message: 'x' })
        .catch((caught: unknown) => caught);
      expect((error as GitHubApiError).status).toBe(403);
      expect((error as Error).message).toMatch(/contents: write/);
    } finally {
      fake.permissions = undefined;
    }
  });
});
