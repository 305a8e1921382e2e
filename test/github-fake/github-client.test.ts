import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import {
  checkRequiredChecks,
  GitHubApiError,
  GitHubClient,
  type GitHubClientOptions,
  type PackageOptions,
} from '@flow-actions/github-api';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type GitHubFake, shaOf, startGitHubFake } from './index';

const TOKEN = 'ghs_clientTestTokenZ8xW2vN5pL';

let fake: GitHubFake;
let waits: number[];

beforeAll(async () => {
  fake = await startGitHubFake({ token: TOKEN, repository: 'acme/api' });
});
afterAll(async () => {
  await fake.stop();
});
afterEach(() => {
  // Every request the client sent and every answer the fake gave kept to GitHub's description.
  expect(fake.schemaViolations.splice(0)).toEqual([]);
});

function client(options: Partial<GitHubClientOptions> = {}): GitHubClient {
  waits = [];
  return new GitHubClient({
    token: TOKEN,
    repository: 'acme/api',
    apiUrl: fake.url,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...options,
  });
}

async function failure(promise: Promise<unknown>): Promise<GitHubApiError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GitHubApiError);
  const apiError = error as GitHubApiError;
  expect(apiError.message).not.toContain(TOKEN);
  expect(apiError.message).not.toMatch(/\n/);
  return apiError;
}

function requestsSince(start: number) {
  return fake.requests.slice(start);
}

describe('every method against the fake', () => {
  test('sends the headers GitHub asks for', async () => {
    const start = fake.requests.length;
    await client().listCheckRunsForRef(shaOf('nothing'));
    const [request] = requestsSince(start);
    // Octokit sends the token in the `token` form (GitHub takes it as it takes `Bearer`) and adds
    // its own name and version to our user agent.
    expect(request?.headers).toMatchObject({
      authorization: `token ${TOKEN}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': expect.stringMatching(/^flow-actions octokit-core\.js\/\d/),
    });
  });

  test('listCheckRunsForRef returns every run of the commit, re-runs included, across pages', async () => {
    const sha = fake.seed.ref('release/1.2');
    for (let index = 0; index < 120; index++) fake.seed.checkRun({ name: `job ${index}`, head_sha: sha });
    fake.seed.checkRun({ name: 'job 0', head_sha: sha, conclusion: 'failure' });
    fake.seed.checkRun({ name: 'elsewhere', head_sha: shaOf('other') });
    const start = fake.requests.length;
    const runs = await client().listCheckRunsForRef('release/1.2');
    expect(runs).toHaveLength(121);
    expect(new Set(runs.map((run) => run.head_sha))).toEqual(new Set([sha]));
    expect(
      runs
        .filter((run) => run.name === 'job 0')
        .map((run) => run.conclusion)
        .sort(),
    ).toEqual(['failure', 'success']);
    expect(requestsSince(start).map((request) => request.url)).toEqual([
      '/repos/acme/api/commits/release%2F1.2/check-runs?filter=all&per_page=100',
      '/repositories/1296269/commits/release%2F1.2/check-runs?filter=all&per_page=100&page=2',
    ]);
  });

  test('listCommitStatuses and getCombinedStatus', async () => {
    const sha = shaOf('statuses');
    fake.seed.status(sha, { context: 'ci/jenkins', state: 'failure', created_at: '2026-11-20T10:00:00Z' });
    fake.seed.status(sha, { context: 'ci/jenkins', state: 'success', created_at: '2026-11-20T10:05:00Z' });
    fake.seed.status(sha, { context: 'security/snyk', state: 'pending', created_at: '2026-11-20T10:01:00Z' });
    const github = client();
    const statuses = await github.listCommitStatuses(sha);
    expect(statuses.map((status) => `${status.context}=${status.state}`)).toEqual([
      'ci/jenkins=success',
      'security/snyk=pending',
      'ci/jenkins=failure',
    ]);
    const combined = await github.getCombinedStatus(sha);
    expect(combined).toMatchObject({ state: 'pending', sha, total_count: 2 });
    expect(combined.statuses.map((status) => `${status.context}=${status.state}`)).toEqual([
      'ci/jenkins=success',
      'security/snyk=pending',
    ]);
  });

  test('createDeployment and createDeploymentStatus', async () => {
    const sha = shaOf('deploy me');
    const github = client();
    const deployment = await github.createDeployment({
      ref: sha,
      environment: 'prod',
      payload: { digest: `sha256:${'a'.repeat(64)}`, tags: ['v1.2.3'] },
      description: 'promote v1.2.3',
    });
    expect(deployment).toMatchObject({ sha, ref: sha, environment: 'prod', description: 'promote v1.2.3' });
    const status = await github.createDeploymentStatus(deployment.id, {
      state: 'success',
      environmentUrl: 'https://api.acme.example/',
      logUrl: 'https://github.com/acme/api/actions/runs/42',
      description: 'v1.2.3 is live',
    });
    expect(status).toMatchObject({
      state: 'success',
      environment_url: 'https://api.acme.example/',
      log_url: 'https://github.com/acme/api/actions/runs/42',
    });
    const long = await github.createDeploymentStatus(deployment.id, {
      state: 'inactive',
      description: 'x'.repeat(300),
    });
    expect(long.description).toBe(`${'x'.repeat(139)}…`);
    const refused = await fetch(`${fake.url}/repos/acme/api/deployments/${deployment.id}/statuses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'success', description: 'y'.repeat(141) }),
    });
    expect(refused.status).toBe(422);
    const sent = fake.requests.find(
      (request) => request.url === '/repos/acme/api/deployments' && request.method === 'POST',
    );
    expect(JSON.parse(sent?.body ?? '{}')).toMatchObject({ auto_merge: false, required_contexts: [] });
    expect(fake.state.deploymentStatuses).toMatchObject([
      { deploymentId: deployment.id },
      { deploymentId: deployment.id },
    ]);
  });

  test('createDeployment of an unknown ref names GitHub’s message', async () => {
    const error = await failure(
      client().createDeployment({ ref: 'no-such-branch', environment: 'prod', description: 'x' }),
    );
    expect(error.status).toBe(422);
    expect(error.message).toContain('answered 422: No ref found for: no-such-branch');
  });

  describe('packages', () => {
    const pkg: PackageOptions = {
      owner: 'acme',
      ownerType: 'org',
      packageType: 'container',
      packageName: 'team/api',
    };
    beforeAll(() => {
      fake.seed.packageVersions({
        ...pkg,
        count: 250,
        tags: (index) => (index === 3 ? ['abc1234', 'rc-1'] : [shaOf(`commit ${index}`).slice(0, 7)]),
      });
    });

    test('listPackageVersions pages through 250 versions with the nested name encoded', async () => {
      const start = fake.requests.length;
      const versions = await client().listPackageVersions(pkg);
      expect(versions).toHaveLength(250);
      expect(new Set(versions.map((version) => version.id)).size).toBe(250);
      expect(
        versions.find((version) => version.metadata?.container?.tags.includes('rc-1'))?.metadata?.container
          ?.tags,
      ).toEqual(['abc1234', 'rc-1']);
      expect(requestsSince(start).map((request) => request.url)).toEqual([
        '/orgs/acme/packages/container/team%2Fapi/versions?per_page=100&state=active',
        '/orgs/acme/packages/container/team%2Fapi/versions?per_page=100&state=active&page=2',
        '/orgs/acme/packages/container/team%2Fapi/versions?per_page=100&state=active&page=3',
      ]);
    });

    test('deletePackageVersion removes the version found by tag', async () => {
      const github = client();
      const version = (await github.listPackageVersions(pkg)).find((entry) =>
        entry.metadata?.container?.tags.includes('abc1234'),
      );
      expect(version).toBeDefined();
      await github.deletePackageVersion({ ...pkg, versionId: version?.id ?? 0 });
      const after = await github.listPackageVersions(pkg);
      expect(after).toHaveLength(249);
      expect(after.some((entry) => entry.metadata?.container?.tags.includes('abc1234'))).toBe(false);
    });

    test('a user-owned npm package: GitHub documents no per_page there, so its default pages are followed', async () => {
      const npm: PackageOptions = {
        owner: 'octo',
        ownerType: 'user',
        packageType: 'npm',
        packageName: '@acme/lib',
      };
      fake.seed.packageVersions({ ...npm, count: 35, name: (index) => `1.0.${index}` });
      const github = client();
      let start = fake.requests.length;
      const versions = await github.listPackageVersions(npm);
      expect(versions.map((version) => version.name).slice(0, 3)).toEqual(['1.0.34', '1.0.33', '1.0.32']);
      expect(versions).toHaveLength(35);
      expect(requestsSince(start).map((request) => request.url)).toEqual([
        '/users/octo/packages/npm/%40acme%2Flib/versions',
        '/users/octo/packages/npm/%40acme%2Flib/versions?page=2',
      ]);
      start = fake.requests.length;
      await github.deletePackageVersion({ ...npm, versionId: versions[0]?.id ?? 0 });
      expect(requestsSince(start)[0]?.url).toBe(
        `/users/octo/packages/npm/%40acme%2Flib/versions/${versions[0]?.id}`,
      );
    });

    test('a missing package is a 404 that says what to check', async () => {
      const error = await failure(client().listPackageVersions({ ...pkg, packageName: 'team/nope' }));
      expect(error.status).toBe(404);
      expect(error.message).toMatch(
        /^GitHub API GET \/orgs\/acme\/packages\/container\/team%2Fnope\/versions\?per_page=100&state=active answered 404: Package not found\. — check the repository, ref and names; .*it needs `packages: read`/,
      );
    });
  });

  test('pull requests: find none, create, find it, update it, refuse a duplicate', async () => {
    const github = client();
    const lookup = { head: 'flow/deploy-prod', base: 'main' };
    expect(await github.findOpenPullRequest(lookup)).toBeUndefined();
    const created = await github.createPullRequest({
      title: 'Deploy api abc1234 to prod',
      head: 'flow/deploy-prod',
      base: 'main',
      body: 'Lineage: abc1234',
    });
    expect(created).toMatchObject({
      state: 'open',
      head: { ref: 'flow/deploy-prod' },
      base: { ref: 'main' },
    });
    expect((await github.findOpenPullRequest(lookup))?.number).toBe(created.number);
    const start = fake.requests.length;
    const updated = await github.updatePullRequest(created.number, {
      title: 'Deploy api def5678 to prod',
      body: 'x',
    });
    expect(updated).toMatchObject({ number: created.number, title: 'Deploy api def5678 to prod', body: 'x' });
    expect(requestsSince(start)[0]).toMatchObject({
      method: 'PATCH',
      url: `/repos/acme/api/pulls/${created.number}`,
    });
    const error = await failure(
      github.createPullRequest({ title: 't', head: 'flow/deploy-prod', base: 'main', body: '' }),
    );
    expect(error.message).toContain(
      'answered 422: Validation Failed (A pull request already exists for acme:flow/deploy-prod.)',
    );
  });

  test('createRelease', async () => {
    const github = client();
    const release = await github.createRelease({
      tagName: 'v1.4.0',
      body: '## Changes\n- x',
      makeLatest: true,
    });
    expect(release).toMatchObject({ tag_name: 'v1.4.0', name: 'v1.4.0', prerelease: false, draft: false });
    const sent = JSON.parse(fake.requests.at(-1)?.body ?? '{}');
    expect(sent).toEqual({
      tag_name: 'v1.4.0',
      name: 'v1.4.0',
      body: '## Changes\n- x',
      prerelease: false,
      make_latest: 'true',
    });
    const error = await failure(github.createRelease({ tagName: 'v1.4.0', body: '' }));
    expect(error.message).toContain('answered 422: Validation Failed (Release tag_name already_exists)');
  });
});

describe('errors', () => {
  test('a wrong token: 401 says what to do and never shows the token', async () => {
    const wrong = 'ghs_wrongTokenQ1w2e3r4t5y6';
    const error = await failure(client({ token: wrong }).listCheckRunsForRef(shaOf('x')));
    expect(error.status).toBe(401);
    expect(error.message).toContain(
      'answered 401: Bad credentials — the token is missing, invalid or expired',
    );
    expect(error.message).not.toContain(wrong);
    expect(waits).toEqual([]);
  });

  test('403 names the permission the token lacks', async () => {
    fake.failNext({
      path: /check-runs$/,
      status: 403,
      body: JSON.stringify({
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest/checks/runs#list-check-runs-for-a-git-reference',
        status: '403',
      }),
    });
    const error = await failure(client().listCheckRunsForRef(shaOf('x')));
    expect(error.message).toContain(
      'answered 403: Resource not accessible by integration — the token lacks `checks: read`: add `checks: read` to the job',
    );
    expect(error.documentationUrl).toBe(
      'https://docs.github.com/rest/checks/runs#list-check-runs-for-a-git-reference',
    );
    expect(waits).toEqual([]);
  });
});

/** A second loopback server that records what reaches it: where a token must never go. */
async function startBystander(): Promise<{
  url: string;
  seen: { url: string; headers: IncomingHttpHeaders }[];
  stop: () => Promise<void>;
}> {
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((request, response) => {
    seen.push({ url: request.url ?? '', headers: request.headers });
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('[]');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('the token goes only to the API it was given for', () => {
  test('a Link to another host is refused: that host sees no request', async () => {
    const bystander = await startBystander();
    try {
      fake.failNext({
        path: /statuses$/,
        status: 200,
        headers: { link: `<${bystander.url}/steal?page=2>; rel="next"` },
        body: '[]',
      });
      const error = await failure(client().listCommitStatuses(shaOf('linked away')));
      expect(error.message).toBe(
        `GitHub API GET /repos/acme/api/commits/${shaOf('linked away')}/statuses?per_page=100 sent a next page on another host (${bystander.url}): refused`,
      );
      expect(bystander.seen).toEqual([]);
    } finally {
      await bystander.stop();
    }
  });

  test('a redirect to another host arrives there without the token', async () => {
    const bystander = await startBystander();
    try {
      fake.failNext({ path: /statuses$/, status: 302, headers: { location: `${bystander.url}/moved` } });
      expect(await client().listCommitStatuses(shaOf('redirected'))).toEqual([]);
      expect(bystander.seen).toHaveLength(1);
      expect(bystander.seen[0]?.headers.authorization).toBeUndefined();
      expect(JSON.stringify(bystander.seen)).not.toContain(TOKEN);
    } finally {
      await bystander.stop();
    }
  });

  test('a token with odd characters never shows in an error, not even encoded', async () => {
    const odd = 'ghp_a%b:c,"d';
    const echoed = `token ${odd} (${encodeURIComponent(odd)}) is revoked`;
    fake.failNext({
      path: /statuses$/,
      status: 401,
      body: JSON.stringify({ message: echoed, status: '401' }),
    });
    const github = client({ token: odd });
    const error = await failure(github.listCommitStatuses(shaOf('odd')));
    expect(error.message).toContain(
      'answered 401: token *** (***) is revoked — the token is missing, invalid or expired',
    );
    expect(error.githubMessage).toBe('token *** (***) is revoked');
    // Everything an error shows when logged or serialized, its causes included.
    const shown = (caught: Error) => `${inspect(caught, { depth: 10 })} ${JSON.stringify(caught)}`;
    expect(shown(error)).not.toContain(odd);
    expect(shown(error)).not.toContain(encodeURIComponent(odd));
    fake.failNext({
      path: '/graphql',
      status: 200,
      body: JSON.stringify({ data: null, errors: [{ type: 'FORBIDDEN', message: `Bad token ${odd}` }] }),
    });
    const echoedInGraphQL = await failure(github.getReviewDecision(1));
    expect(echoedInGraphQL.message).toContain('answered with errors: Bad token *** (FORBIDDEN)');
    expect(shown(echoedInGraphQL)).not.toContain(odd);
    const refused = await failure(github.getReviewDecision(1));
    expect(refused.message).toContain(
      'GitHub GraphQL query PullRequestReviewDecision answered 401: Bad credentials',
    );
    expect(shown(refused)).not.toContain(odd);
  });
});

describe('GraphQL against the fake, checked against GitHub’s schema', () => {
  function openPull(head: string) {
    return fake.seed.pullRequest({ title: `Deploy ${head}`, body: null, head, base: 'main' });
  }

  test('getReviewDecision: GitHub’s decision and who approved', async () => {
    const pull = openPull('flow/review-me');
    const number = Number(pull.number);
    fake.seed.review({ pullNumber: number, login: 'alice', state: 'APPROVED' });
    fake.seed.review({ pullNumber: number, login: 'mallory', state: 'APPROVED', authorAssociation: 'NONE' });
    fake.seed.review({ pullNumber: number, login: 'bob', state: 'COMMENTED' });
    const start = fake.requests.length;
    expect(await client().getReviewDecision(number)).toEqual({
      pullRequestId: pull.node_id,
      number,
      decision: 'APPROVED',
      approvedBy: ['alice'],
      changesRequestedBy: [],
    });
    expect(requestsSince(start)).toMatchObject([
      { method: 'POST', url: '/graphql', operationId: 'graphql PullRequestReviewDecision', status: 200 },
    ]);
    fake.seed.review({ pullNumber: number, login: 'carol', state: 'CHANGES_REQUESTED' });
    expect(await client().getReviewDecision(number)).toMatchObject({
      decision: 'CHANGES_REQUESTED',
      changesRequestedBy: ['carol'],
    });
  });

  test('an unknown pull request: one line with GitHub’s message, its type and what to check', async () => {
    const error = await failure(client().getReviewDecision(4242));
    expect(error.message).toBe(
      'GitHub GraphQL query PullRequestReviewDecision answered with errors: Could not resolve to a PullRequest with the number of 4242. (NOT_FOUND) — check the repository, ref and names; GitHub also answers 404 when the token cannot see the resource (it needs `pull-requests: read`)',
    );
    expect(error).toMatchObject({ status: 200, method: 'POST', path: '/graphql', temporary: false });
  });

  test('a token without pull-requests: read is told which permission to add', async () => {
    const pull = openPull('flow/forbidden-review');
    fake.permissions = { contents: 'write' };
    try {
      const error = await failure(client().getReviewDecision(Number(pull.number)));
      expect(error.message).toContain(
        'answered with errors: Resource not accessible by integration (FORBIDDEN) — the token lacks `pull-requests: read`: add `pull-requests: read` to the job',
      );
    } finally {
      fake.permissions = undefined;
    }
  });

  test('a query GitHub’s schema refuses is a one-line error, and the fake records it', async () => {
    const start = fake.requests.length;
    const error = await failure(
      client().graphql(
        'query Misspelt($owner: String!) { repository(owner: $owner, name: "api") { nameWithOwnr } }',
        { owner: 'acme' },
        'contents: read',
      ),
    );
    expect(error.message).toBe(
      'GitHub GraphQL query Misspelt answered with errors: Cannot query field "nameWithOwnr" on type "Repository". Did you mean "nameWithOwner"? — GitHub refused the request as invalid: see its message',
    );
    expect(requestsSince(start)).toHaveLength(1);
    expect(fake.schemaViolations.splice(0)).toMatchObject([
      { operationId: 'graphql Misspelt', where: 'request' },
    ]);
  });

  test('a variable named like an Octokit option is refused before anything is sent', async () => {
    const github = client();
    await expect(
      github.graphql('query Q($headers: String!) { viewer { login } }', { headers: 'x' }, 'contents: read'),
    ).rejects.toThrow("GraphQL variable(s) headers of Q collide with Octokit's request options");
    expect(github.requestCount).toBe(0);
  });

  test('enableAutoMerge: refused while the repository does not allow it, then recorded on the pull request', async () => {
    const pull = openPull('flow/auto-merge');
    const github = client();
    const refused = await failure(github.enableAutoMerge(String(pull.node_id), 'SQUASH'));
    expect(refused.message).toBe(
      'GitHub GraphQL mutation EnablePullRequestAutoMerge answered with errors: Auto merge is not allowed for this repository (UNPROCESSABLE) — GitHub refused the request as invalid: see its message',
    );
    fake.state.repository.allow_auto_merge = true;
    try {
      const enabled = await github.enableAutoMerge(String(pull.node_id), 'SQUASH');
      expect(enabled).toEqual({
        number: pull.number,
        mergeMethod: 'SQUASH',
        enabledAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      });
      // The REST view, checked against the OpenAPI description, shows it too.
      const open = await github.findOpenPullRequest({ head: 'flow/auto-merge', base: 'main' });
      expect((open as unknown as { auto_merge: unknown }).auto_merge).toMatchObject({
        merge_method: 'squash',
      });
    } finally {
      fake.state.repository.allow_auto_merge = false;
    }
  });

  test('a mutation is never replayed after a 502; a query is', async () => {
    const pull = openPull('flow/flaky-graphql');
    fake.state.repository.allow_auto_merge = true;
    try {
      fake.failNext({ path: '/graphql', status: 502 });
      const github = client({ baseDelayMs: 1 });
      const error = await failure(github.enableAutoMerge(String(pull.node_id), 'MERGE'));
      expect(error.message).toMatch(
        /^GitHub GraphQL mutation EnablePullRequestAutoMerge answered 502: Fake fault 502 — GitHub is unavailable/,
      );
      expect(github.requestCount).toBe(1);
      expect(fake.state.autoMergeRequests.has(Number(pull.number))).toBe(false);
      fake.failNext({ path: '/graphql', status: 502 });
      const reviews = await github.getReviewDecision(Number(pull.number));
      expect(reviews.decision).toBe('REVIEW_REQUIRED');
      expect(github.requestCount).toBe(3);
    } finally {
      fake.state.repository.allow_auto_merge = false;
    }
  });
});

describe('the merge gate’s calls', () => {
  test('check runs: created, updated to completed, a completed one keeps its conclusion, listed by name', async () => {
    const sha = fake.seed.ref('flow/gate-runs');
    const github = client();
    const output = { title: 'Pending', summary: 'waiting for CI', text: 'rows' };
    const created = await github.createCheckRun('Merge gate', sha, {
      state: { status: 'in_progress' },
      externalId: 'merge-gate/1',
      output,
    });
    expect(created).toMatchObject({
      name: 'Merge gate',
      head_sha: sha,
      status: 'in_progress',
      external_id: 'merge-gate/1',
    });
    const green = await github.updateCheckRun(created.id, {
      state: { status: 'completed', conclusion: 'success' },
      externalId: 'merge-gate/2',
      output: { title: 'Green', summary: 'all green' },
    });
    expect(green).toMatchObject({ status: 'completed', conclusion: 'success', external_id: 'merge-gate/2' });
    expect(green.completed_at).toMatch(/^\d{4}-/);
    // GitHub keeps a completed run's conclusion: only the output and ids change.
    const again = await github.updateCheckRun(created.id, {
      state: { status: 'completed', conclusion: 'failure' },
      externalId: 'merge-gate/3',
      output: { title: 'Red', summary: 'a test failed' },
    });
    expect(again).toMatchObject({
      conclusion: 'success',
      external_id: 'merge-gate/3',
      output: { title: 'Red' },
    });
    fake.seed.checkRun({ name: 'build', head_sha: sha });
    const red = await github.createCheckRun('Merge gate', sha, {
      state: { status: 'completed', conclusion: 'failure' },
      output: { title: 'Red', summary: 'a test failed' },
    });
    const runs = await github.listCheckRunsForRef(sha, 'Merge gate');
    expect(runs.map((run) => [run.id, run.conclusion])).toEqual([
      [red.id, 'failure'],
      [created.id, 'success'],
    ]);
  });

  test('pull requests of a commit: the open ones whose commits include it', async () => {
    const pull = fake.seed.pullRequest({
      title: 'feat: x',
      body: null,
      head: 'flow/of-commit',
      base: 'main',
    });
    const head = String((pull.head as { sha: string }).sha);
    fake.seed.pullRequest({
      title: 'old',
      body: null,
      head: 'flow/closed',
      base: 'main',
      headSha: head,
      state: 'closed',
    });
    const found = await client().listPullRequestsForCommit(head);
    expect(found.map((entry) => entry.number)).toEqual([pull.number]);
    expect(await client().listPullRequestsForCommit(shaOf('nowhere'))).toEqual([]);
  });

  test('every changed file of a pull request over pages, a rename with its old path; compare shows the same', async () => {
    const files = Array.from({ length: 230 }, (_, index) => ({
      path: `src/f${index}.ts`,
      additions: index,
      deletions: 1,
    }));
    files.push({ path: 'lib/moved.ts', additions: 0, deletions: 0, previousPath: 'src/old.ts' } as never);
    const pull = fake.seed.pullRequest({
      title: 'feat: big',
      body: null,
      head: 'flow/big',
      base: 'main',
      files,
    });
    const start = fake.requests.length;
    const listed = await client().listPullRequestFiles(Number(pull.number));
    expect(listed).toHaveLength(231);
    expect(listed.at(-1)).toMatchObject({
      filename: 'lib/moved.ts',
      status: 'renamed',
      previous_filename: 'src/old.ts',
    });
    expect(requestsSince(start).map((request) => request.operationId)).toEqual([
      'pulls/list-files',
      'pulls/list-files',
      'pulls/list-files',
    ]);
    const comparison = await client().compareCommits('main', String((pull.head as { sha: string }).sha));
    expect(comparison.files?.map((file) => [file.filename, file.patch])).toEqual(
      listed.map((file) => [file.filename, file.patch]),
    );
  });

  test('labels: added (created when new), removed by an encoded name, a missing one no error', async () => {
    const pull = fake.seed.pullRequest({
      title: 'feat: labels',
      body: null,
      head: 'flow/labels',
      base: 'main',
    });
    const number = Number(pull.number);
    const github = client();
    await github.addLabels(number, ['risk:low', 'size:S']);
    const start = fake.requests.length;
    await github.removeLabel(number, 'risk:low');
    await github.removeLabel(number, 'risk:low');
    expect(requestsSince(start).map((request) => [request.url, request.status])).toEqual([
      [`/repos/acme/api/issues/${number}/labels/risk%3Alow`, 200],
      [`/repos/acme/api/issues/${number}/labels/risk%3Alow`, 404],
    ]);
    expect((pull.labels as { name: string }[]).map((label) => label.name)).toEqual(['size:S']);
    expect(
      fake.state.issueEvents
        .get(number)
        ?.map((event) => [event.event, (event.actor as { login: string }).login]),
    ).toEqual([
      ['labeled', 'github-actions[bot]'],
      ['labeled', 'github-actions[bot]'],
      ['unlabeled', 'github-actions[bot]'],
    ]);
  });

  test('merge with the head sha: another sha is refused 409, a blocked one 405, then merged once', async () => {
    const pull = fake.seed.pullRequest({
      title: 'feat: merge',
      body: null,
      head: 'flow/merge',
      base: 'main',
    });
    const number = Number(pull.number);
    const head = String((pull.head as { sha: string }).sha);
    const github = client();
    const moved = await failure(
      github.mergePullRequest(number, { sha: shaOf('older'), mergeMethod: 'MERGE' }),
    );
    expect(moved).toMatchObject({
      status: 409,
      githubMessage: 'Head branch was modified. Review and try the merge again.',
    });
    const blocked = await failure(github.mergePullRequest(number, { sha: head, mergeMethod: 'MERGE' }));
    expect(blocked.status).toBe(405);
    fake.state.requiredApprovingReviews = 0;
    try {
      const merged = await github.mergePullRequest(number, { sha: head, mergeMethod: 'SQUASH' });
      expect(merged).toMatchObject({ merged: true, message: 'Pull Request successfully merged' });
      expect(fake.state.merges.at(-1)).toEqual({
        number,
        sha: merged.sha,
        mergeMethod: 'squash',
        actor: 'github-actions[bot]',
      });
      expect(
        (await failure(github.mergePullRequest(number, { sha: head, mergeMethod: 'SQUASH' }))).status,
      ).toBe(405);
    } finally {
      fake.state.requiredApprovingReviews = 1;
    }
  });

  test('disableAutoMerge turns it off again', async () => {
    const pull = fake.seed.pullRequest({
      title: 'feat: off',
      body: null,
      head: 'flow/auto-off',
      base: 'main',
    });
    fake.state.repository.allow_auto_merge = true;
    try {
      const github = client();
      await github.enableAutoMerge(String(pull.node_id), 'MERGE');
      await github.disableAutoMerge(String(pull.node_id));
      expect(fake.state.autoMergeRequests.has(Number(pull.number))).toBe(false);
      expect(pull.auto_merge).toBeNull();
    } finally {
      fake.state.repository.allow_auto_merge = false;
    }
  });
});

describe('retries', () => {
  /** The gaps between the requests the fake received since `start`, in ms. */
  function gapsSince(start: number): number[] {
    const times = requestsSince(start).map((request) => request.receivedAt);
    return times.slice(1).map((time, index) => time - (times[index] ?? time));
  }

  test("a GET is repeated after 502s with growing waits (Octokit's n² × base), then succeeds", async () => {
    const sha = shaOf('flaky');
    fake.seed.checkRun({ name: 'lint', head_sha: sha });
    fake.failNext({ path: /check-runs$/, status: 502, times: 2 });
    const github = client({ baseDelayMs: 50 });
    const start = fake.requests.length;
    const runs = await github.listCheckRunsForRef(sha);
    expect(runs.map((run) => run.name)).toEqual(['lint']);
    expect(github.requestCount).toBe(3);
    const [first = 0, second = 0] = gapsSince(start);
    expect(first).toBeGreaterThanOrEqual(45);
    expect(second).toBeGreaterThanOrEqual(195);
  });

  test('retries are capped: the error says how many attempts', async () => {
    fake.failNext({ path: /check-runs$/, status: 503, times: 3 });
    const github = client({ maxAttempts: 3, baseDelayMs: 1 });
    const error = await failure(github.listCheckRunsForRef(shaOf('down')));
    expect(error.status).toBe(503);
    expect(error.temporary).toBe(true);
    expect(error.message).toContain('(gave up after 3 attempts)');
    expect(github.requestCount).toBe(3);
  });

  test('a POST is not replayed after a 502: it may have been done', async () => {
    fake.failNext({ path: '/repos/acme/api/releases', status: 502 });
    const github = client({ baseDelayMs: 1 });
    const error = await failure(github.createRelease({ tagName: 'v9.9.9', body: '' }));
    expect(error.status).toBe(502);
    expect(error.message).toContain('answered 502');
    expect(github.requestCount).toBe(1);
    expect(fake.state.releases.some((release) => release.tag_name === 'v9.9.9')).toBe(false);
  });

  // GitHub's 429 is a secondary rate limit and says so; Octokit's throttling plugin knows it by
  // that message (the fake's default fault body, "Fake fault 429", is not GitHub's).
  test('429 with Retry-After: even a POST is repeated after the wait asked for', async () => {
    fake.failNext({
      path: '/repos/acme/api/releases',
      status: 429,
      headers: { 'retry-after': '7' },
      body: JSON.stringify({
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url:
          'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits',
        status: '429',
      }),
    });
    const github = client();
    const release = await github.createRelease({ tagName: 'v2.0.0', body: '' });
    expect(release.tag_name).toBe('v2.0.0');
    expect(waits).toEqual([7000]);
    expect(github.requestCount).toBe(2);
  });

  test('a secondary rate limit (403 + Retry-After) is waited out', async () => {
    fake.failNext({
      path: /statuses$/,
      status: 403,
      headers: { 'retry-after': '3' },
      body: JSON.stringify({ message: 'You have exceeded a secondary rate limit.', status: '403' }),
    });
    await client().listCommitStatuses(shaOf('x'));
    expect(waits).toEqual([3000]);
  });

  test("a secondary rate limit without Retry-After waits GitHub's minute", async () => {
    fake.failNext({
      path: /statuses$/,
      status: 403,
      body: JSON.stringify({ message: 'You have exceeded a secondary rate limit.', status: '403' }),
    });
    await client().listCommitStatuses(shaOf('x'));
    expect(waits).toEqual([60_000]);
  });

  test('an exhausted primary limit that resets too late fails at once, saying so', async () => {
    const reset = Math.floor(Date.now() / 1000) + 1800;
    fake.failNext({
      path: /statuses$/,
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      body: JSON.stringify({ message: 'API rate limit exceeded for installation ID 1.', status: '403' }),
    });
    const github = client();
    const error = await failure(github.listCommitStatuses(shaOf('x')));
    expect(error.message).toMatch(
      /answered 403: API rate limit exceeded .* GitHub asks to wait 18\d\d s, longer than the 60 s we wait: re-run the job later/,
    );
    expect(error.temporary).toBe(true);
    expect(waits).toEqual([]);
    expect(github.requestCount).toBe(1);
  });

  // Octokit's throttling plugin reads the clock itself, so the reset is set on the real one.
  test('an exhausted limit that resets soon is waited for, until a second past the reset', async () => {
    const reset = Math.floor(Date.now() / 1000) + 20;
    fake.failNext({
      path: /statuses$/,
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      body: JSON.stringify({ message: 'API rate limit exceeded for installation ID 1.', status: '403' }),
    });
    await client().listCommitStatuses(shaOf('x'));
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(20_000);
    expect(waits[0]).toBeLessThanOrEqual(21_000);
  });

  test('a rate limit that keeps coming gives up after maxAttempts, saying GitHub is rate-limiting', async () => {
    fake.failNext({
      path: /statuses$/,
      status: 403,
      headers: { 'retry-after': '1' },
      body: JSON.stringify({ message: 'You have exceeded a secondary rate limit.', status: '403' }),
      times: 3,
    });
    const github = client({ maxAttempts: 3 });
    const error = await failure(github.listCommitStatuses(shaOf('x')));
    expect(error.message).toContain(
      'answered 403: You have exceeded a secondary rate limit. — GitHub is rate-limiting this token: re-run the job later (gave up after 3 attempts)',
    );
    expect(waits).toEqual([1000, 1000]);
    expect(github.requestCount).toBe(3);
  });

  // plugin-paginate-rest reads a 409 on a list as GitHub's "Git Repository is empty" and returns
  // no items, so "never repeated" is shown on single calls.
  test.each([400, 409, 410, 422])('a %i is never repeated', async (status) => {
    fake.failNext({
      path: /status$/,
      status,
      body: JSON.stringify({ message: `refused with ${status}`, status: String(status) }),
    });
    const github = client();
    const error = await failure(github.getCombinedStatus(shaOf('x')));
    expect(error.status).toBe(status);
    expect(error.temporary).toBe(false);
    expect(github.requestCount).toBe(1);
  });
});

describe('the required-checks gate against the fake', () => {
  const required = ['lint', 'test', 'ci/jenkins'];
  test.each([
    {
      title: 'all green, statuses and check runs mixed',
      seed: (sha: string) => {
        fake.seed.checkRun({ name: 'lint', head_sha: sha });
        fake.seed.checkRun({ name: 'test', head_sha: sha, conclusion: 'success' });
        fake.seed.status(sha, { context: 'ci/jenkins', state: 'success' });
      },
      ok: true,
      states: ['success', 'success', 'success'],
      message: 'all 3 required check(s) are green',
    },
    // GitHub's OpenAPI description lists no `stale` among a check run's conclusions (the fake refuses
    // to answer one); the unit table covers it.
    ...(['skipped', 'neutral', 'cancelled', 'timed_out', 'action_required'] as const).map((conclusion) => ({
      title: `a check run that concluded ${conclusion} did not pass`,
      seed: (sha: string) => {
        fake.seed.checkRun({ name: 'lint', head_sha: sha });
        fake.seed.checkRun({ name: 'test', head_sha: sha, conclusion });
        fake.seed.status(sha, { context: 'ci/jenkins', state: 'success' });
      },
      ok: false,
      states: ['success', 'failure', 'success'],
      message: `1 of 3 required check(s) not green: did not pass: \`test\` (check run ${conclusion} — https://github.com/acme/api/actions/runs/`,
    })),
    {
      title: 'a failing check',
      seed: (sha: string) => {
        fake.seed.checkRun({ name: 'lint', head_sha: sha });
        fake.seed.checkRun({ name: 'test', head_sha: sha, conclusion: 'failure' });
        fake.seed.status(sha, { context: 'ci/jenkins', state: 'success' });
      },
      ok: false,
      states: ['success', 'failure', 'success'],
      message: 'did not pass: `test` (check run failure — https://github.com/acme/api/actions/runs/',
    },
    {
      title: 'a pending check',
      seed: (sha: string) => {
        fake.seed.checkRun({ name: 'lint', head_sha: sha });
        fake.seed.checkRun({ name: 'test', head_sha: sha, status: 'in_progress' });
        fake.seed.status(sha, { context: 'ci/jenkins', state: 'pending' });
      },
      ok: false,
      states: ['success', 'pending', 'pending'],
      message: 'wait for `test` (check run in_progress',
    },
    {
      title: 'a missing check',
      seed: (sha: string) => {
        fake.seed.checkRun({ name: 'lint', head_sha: sha });
        fake.seed.checkRun({ name: 'tests', head_sha: sha });
        fake.seed.status(sha, { context: 'ci/jenkins', state: 'success' });
      },
      ok: false,
      states: ['success', 'missing', 'success'],
      message: 'never reported on this commit: `test` — check the name for a typo',
    },
    {
      title: 'a success after an earlier failure',
      seed: (sha: string) => {
        fake.seed.checkRun({ name: 'lint', head_sha: sha });
        fake.seed.checkRun({
          name: 'test',
          head_sha: sha,
          conclusion: 'failure',
          started_at: '2026-11-20T10:00:00Z',
        });
        fake.seed.checkRun({
          name: 'test',
          head_sha: sha,
          conclusion: 'success',
          started_at: '2026-11-20T10:20:00Z',
        });
        fake.seed.status(sha, { context: 'ci/jenkins', state: 'error', created_at: '2026-11-20T10:00:00Z' });
        fake.seed.status(sha, {
          context: 'ci/jenkins',
          state: 'success',
          created_at: '2026-11-20T10:30:00Z',
        });
      },
      ok: true,
      states: ['success', 'success', 'success'],
      message: 'all 3 required check(s) are green',
    },
  ])('$title', async ({ title, seed, ok, states, message }) => {
    const sha = shaOf(`gate ${title}`);
    seed(sha);
    const result = await checkRequiredChecks(client(), sha, required);
    expect(result.ok).toBe(ok);
    expect(result.rows.map((row) => row.state)).toEqual(states);
    expect(result.message).toContain(message);
    expect(result.message).toContain(`(commit ${sha})`);
  });
});

// propose: the calls that keep one proposal per component — list into a base, close, comment.
describe('propose’s calls', () => {
  test('lists the open pull requests into a base, closes one, and comments on it', async () => {
    // Only this test's pull requests: the earlier ones are open into main too.
    fake.state.pullRequests.length = 0;
    const github = client();
    const kept = fake.seed.pullRequest({
      title: 'bump api',
      body: 'a',
      head: 'flow/propose/main/api',
      base: 'main',
    });
    const other = fake.seed.pullRequest({
      title: 'old',
      body: 'b',
      head: 'flow/propose/old/api',
      base: 'main',
    });
    fake.seed.pullRequest({
      title: 'hotfix',
      body: 'c',
      head: 'flow/propose/release-v1.4/api',
      base: 'release/v1.4',
    });
    fake.seed.label(Number(kept.number), 'semver:minor', 'propose-bot[bot]');
    const open = await github.listOpenPullRequests('main');
    expect(open.map((pull) => pull.number)).toEqual([Number(other.number), Number(kept.number)]);
    expect(
      open.find((pull) => pull.number === Number(kept.number))?.labels?.map((label) => label.name),
    ).toEqual(['semver:minor']);

    await github.createIssueComment(Number(other.number), 'Superseded by #1.');
    const closed = await github.updatePullRequest(Number(other.number), { state: 'closed' });
    expect(closed.state).toBe('closed');
    expect((await github.listOpenPullRequests('main')).map((pull) => pull.number)).toEqual([
      Number(kept.number),
    ]);
    const comment = fake.state.issueComments.at(-1);
    expect(comment?.issueNumber).toBe(Number(other.number));
    expect(comment?.comment).toMatchObject({
      body: 'Superseded by #1.',
      user: { login: 'github-actions[bot]' },
    });
    const commented = fake.requests.find((request) => request.operationId === 'issues/create-comment');
    expect(commented?.status).toBe(201);
  });
});
