import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type GitHubFake,
  getOperation,
  permits,
  shaOf,
  startGitHubFake,
  toPermissions,
  validateRequest,
  validateResponse,
} from './index';

const TOKEN = 'ghs_fakeTestToken4fG7hK9mQ2';
const auth = { authorization: `Bearer ${TOKEN}`, accept: 'application/vnd.github+json' };

let fake: GitHubFake;
beforeAll(async () => {
  fake = await startGitHubFake({ token: TOKEN, repository: 'acme/api' });
});
afterAll(async () => {
  await fake.stop();
});

async function get(path: string, headers: Record<string, string> = auth) {
  const response = await fetch(`${fake.url}${path}`, { headers });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe('the OpenAPI validation bites', () => {
  test('a check run without head_sha is not a check run', () => {
    const operation = getOperation('GET', '/repos/{owner}/{repo}/commits/{ref}/check-runs');
    const run = fake.seed.checkRun({ name: 'lint', head_sha: shaOf('drift') });
    const { head_sha: _dropped, ...withoutSha } = run;
    const errors = validateResponse(operation, {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ total_count: 1, check_runs: [withoutSha] }),
    });
    expect(errors).toEqual(["body/check_runs/0 must have required property 'head_sha'"]);
    expect(
      validateResponse(operation, {
        status: 200,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ total_count: 1, check_runs: [run] }),
      }),
    ).toEqual([]);
  });

  test('a drifted response is answered 500 with the errors and recorded', async () => {
    const sha = shaOf('tampered');
    fake.seed.checkRun({ name: 'lint', head_sha: sha });
    fake.tamper = (operationId, body) => {
      if (operationId !== 'checks/list-for-ref') return body;
      const list = body as { check_runs: Record<string, unknown>[] };
      for (const run of list.check_runs) {
        delete run.head_sha;
        run.status = 'done';
      }
      return body as never;
    };
    try {
      const answer = await get(`/repos/acme/api/commits/${sha}/check-runs`);
      expect(answer.status).toBe(500);
      expect(answer.body.errors).toEqual([
        "body/check_runs/0 must have required property 'head_sha'",
        'body/check_runs/0/status must be equal to one of the allowed values (["queued","in_progress","completed","waiting","requested","pending"])',
      ]);
      expect(fake.schemaViolations.splice(0)).toMatchObject([
        { operationId: 'checks/list-for-ref', where: 'response', errors: answer.body.errors },
      ]);
    } finally {
      fake.tamper = undefined;
    }
  });

  test.each([
    {
      title: 'a misspelt field',
      body: { ref: 'main', environmnet: 'prod' },
      error: 'request body must NOT have additional properties (environmnet)',
    },
    {
      title: 'a wrong type',
      body: { ref: 'main', auto_merge: 'no' },
      error: 'request body/auto_merge must be boolean',
    },
    {
      title: 'a missing required field',
      body: { environment: 'prod' },
      error: "request body must have required property 'ref'",
    },
  ])('a request body with $title fails loudly and changes nothing', async ({ body, error }) => {
    const before = fake.state.deployments.length;
    const response = await fetch(`${fake.url}/repos/acme/api/deployments`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(500);
    expect(((await response.json()) as { errors: string[] }).errors).toContain(error);
    expect(fake.state.deployments).toHaveLength(before);
    expect(fake.schemaViolations.splice(0)).toMatchObject([
      { operationId: 'repos/create-deployment', where: 'request' },
    ]);
  });

  test('a URL field must be a URI; GitHub’s own "" for an unset one passes', async () => {
    const deployment = fake.seed.deployment({ ref: 'main', sha: shaOf('main'), environment: 'prod' });
    const operation = getOperation('POST', '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses');
    const check = (fields: Record<string, string>) =>
      validateResponse(operation, {
        status: 201,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({
          ...deployment,
          state: 'success',
          deployment_url: deployment.url,
          description: '',
          target_url: '',
          ...fields,
        }),
      });
    expect(check({})).toEqual([]);
    expect(check({ target_url: 'not a url' })).toEqual(['body/target_url must match format "uri"']);
  });

  test('an unknown query parameter or an out-of-range value is a violation', () => {
    const operation = getOperation('GET', '/repos/{owner}/{repo}/commits/{ref}/check-runs');
    const errors = validateRequest(operation, {
      pathParams: { owner: 'acme', repo: 'api', ref: 'main' },
      query: new URLSearchParams({ per_pag: '100', filter: 'newest' }),
      body: '',
    });
    expect(errors).toEqual([
      'query parameter per_pag is not a parameter of checks/list-for-ref',
      'query filter must be equal to one of the allowed values (["latest","all"])',
    ]);
  });

  test('a body-less answer must have no body, a documented header its schema', () => {
    const operation = getOperation(
      'DELETE',
      '/orgs/{org}/packages/{package_type}/{package_name}/versions/{package_version_id}',
    );
    expect(validateResponse(operation, { status: 204, headers: {}, body: '' })).toEqual([]);
    expect(validateResponse(operation, { status: 204, headers: {}, body: '{}' })).toEqual([
      'status 204 has no body in the description, but one was sent',
    ]);
    expect(validateResponse(operation, { status: 200, headers: {}, body: '' })).toEqual([
      'status 200 is not documented for packages/delete-package-version-for-org',
    ]);
    const list = getOperation('GET', '/repos/{owner}/{repo}/pulls');
    expect(
      validateResponse(list, {
        status: 200,
        headers: { 'content-type': 'application/json', link: '</x?page=2>; rel=next' },
        body: '[]',
      }),
    ).toEqual(['header Link "</x?page=2>; rel=next" is not GitHub\'s <url>; rel="…" list']);
  });
});

describe('authentication', () => {
  test.each<{ title: string; headers: Record<string, string>; message: string }>([
    {
      title: 'no token',
      headers: { accept: 'application/vnd.github+json' },
      message: 'Requires authentication',
    },
    { title: 'a wrong token', headers: { authorization: 'Bearer ghs_wrong' }, message: 'Bad credentials' },
  ])('$title gets GitHub’s 401', async ({ headers, message }) => {
    const answer = await get('/repos/acme/api', headers);
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({
      message,
      documentation_url: 'https://docs.github.com/rest',
      status: '401',
    });
  });

  test('the token is also accepted in the older `token` form', async () => {
    const answer = await get('/repos/acme/api', { authorization: `token ${TOKEN}` });
    expect(answer.status).toBe(200);
    expect(answer.body.full_name).toBe('acme/api');
  });
});

describe('pagination as GitHub does it', () => {
  test('per_page and page slice the list; Link has prev, next, last and first as they apply', async () => {
    fake.seed.packageVersions({
      owner: 'acme',
      ownerType: 'org',
      packageType: 'container',
      packageName: 'team/web',
      count: 250,
    });
    const base = '/orgs/acme/packages/container/team%2Fweb/versions';
    const first = await get(`${base}?per_page=100`);
    const page = (n: number) => `<${fake.url}${base}?per_page=100&page=${n}>`;
    expect(first.headers.get('link')).toBe(`${page(2)}; rel="next", ${page(3)}; rel="last"`);
    expect(first.body).toHaveLength(100);
    const second = await get(`${base}?per_page=100&page=2`);
    expect(second.headers.get('link')).toBe(
      `${page(1)}; rel="prev", ${page(3)}; rel="next", ${page(3)}; rel="last", ${page(1)}; rel="first"`,
    );
    const third = await get(`${base}?per_page=100&page=3`);
    expect(third.headers.get('link')).toBe(`${page(2)}; rel="prev", ${page(1)}; rel="first"`);
    expect(third.body).toHaveLength(50);
    const defaultPage = await get(base);
    expect(defaultPage.body).toHaveLength(30);
  });

  test('repository routes link through /repositories/{id}, which is served too', async () => {
    const sha = shaOf('many statuses');
    for (let index = 0; index < 3; index++)
      fake.seed.status(sha, { context: `ci/${index}`, state: 'success' });
    const first = await get(`/repos/acme/api/commits/${sha}/statuses?per_page=2`);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1] ?? '';
    expect(next).toBe(`${fake.url}/repositories/1296269/commits/${sha}/statuses?per_page=2&page=2`);
    const second = await get(next.slice(fake.url.length));
    expect(second.status).toBe(200);
    expect(second.body).toHaveLength(1);
  });

  test('a nested package name sent unencoded matches no route', async () => {
    const answer = await get('/orgs/acme/packages/container/team/web/versions');
    expect(answer.status).toBe(404);
    expect(fake.schemaViolations.splice(0)).toMatchObject([
      { errors: ['the fake serves no GET /orgs/acme/packages/container/team/web/versions'] },
    ]);
  });

  test('an unknown package gets GitHub’s 404 with the operation’s documentation', async () => {
    const answer = await get('/orgs/acme/packages/container/nope/versions');
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({
      message: 'Package not found.',
      documentation_url: expect.stringMatching(/^https:\/\/docs\.github\.com\/rest\/packages\//),
      status: '404',
    });
  });
});

test('every answer above kept to the description', () => {
  expect(fake.schemaViolations).toEqual([]);
});

describe('the token’s permissions, as a job’s permissions: grant them', () => {
  test('an operation beyond them is answered 403 as GitHub does; within them it is served', async () => {
    const sha = shaOf('permissions');
    fake.seed.checkRun({ name: 'Stage checks', head_sha: sha });
    try {
      fake.permissions = { contents: 'read' };
      const refused = await get(`/repos/acme/api/commits/${sha}/check-runs`);
      expect(refused.status).toBe(403);
      expect(refused.body.message).toBe('Resource not accessible by integration');
      // Metadata needs no permission.
      expect((await get('/repos/acme/api')).status).toBe(200);
      fake.permissions = { contents: 'read', checks: 'read' };
      expect((await get(`/repos/acme/api/commits/${sha}/check-runs`)).status).toBe(200);
    } finally {
      fake.permissions = undefined;
    }
  });

  test('write covers read; read-all and write-all expand to every scope', () => {
    const path = '/repos/{owner}/{repo}/deployments';
    expect(permits({ deployments: 'read' }, 'POST', path)).toBe(false);
    expect(permits({ deployments: 'write' }, 'POST', path)).toBe(true);
    expect(permits(toPermissions('read-all'), 'GET', '/repos/{owner}/{repo}/pulls')).toBe(true);
    expect(permits(toPermissions('read-all'), 'POST', '/repos/{owner}/{repo}/releases')).toBe(false);
    expect(permits(toPermissions('write-all'), 'POST', '/repos/{owner}/{repo}/releases')).toBe(true);
    expect(toPermissions({})).toEqual({});
  });
});
