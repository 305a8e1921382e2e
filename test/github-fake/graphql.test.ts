import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { JsonRecord } from './factories';
import { type GitHubFake, startGitHubFake } from './index';

// The fake's GraphQL endpoint over raw HTTP: what GitHub's schema lets through, what it answers
// from the fake's state, and what it records when a query or an answer breaks the schema.

const TOKEN = 'ghs_graphqlFakeToken7kL3pQ9zX';

let fake: GitHubFake;
beforeAll(async () => {
  fake = await startGitHubFake({ token: TOKEN, repository: 'acme/api' });
});
afterAll(async () => {
  await fake.stop();
});
afterEach(() => {
  // A test that expects violations takes them out; none may be left over.
  expect(fake.schemaViolations.splice(0)).toEqual([]);
  fake.permissions = undefined;
  fake.state.requiredApprovingReviews = 1;
});

interface GraphQLBody {
  data?: JsonRecord | null;
  errors?: { message: string; type?: string; path?: string[] }[];
  message?: string;
}

async function graphql(
  query: string,
  variables: Record<string, unknown> = {},
  token = TOKEN,
): Promise<{ status: number; body: GraphQLBody }> {
  const response = await fetch(`${fake.url}/graphql`, {
    method: 'POST',
    headers: { authorization: `bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as GraphQLBody };
}

const REVIEWS = `query Reviews($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      id
      number
      state
      reviewDecision
      latestOpinionatedReviews(first: 10, writersOnly: true) {
        totalCount
        nodes { state author { login } }
      }
    }
  }
}`;

function openPull(head: string): JsonRecord {
  return fake.seed.pullRequest({ title: `Deploy ${head}`, body: null, head, base: 'main' });
}

/** `data.repository.pullRequest` of an answer. */
function pullOf(body: GraphQLBody): JsonRecord {
  const repository = body.data?.repository as JsonRecord | undefined;
  return (repository?.pullRequest ?? {}) as JsonRecord;
}

describe('a valid query is answered from the fake’s state', () => {
  test('a pull request’s review decision and its latest writers’ reviews', async () => {
    const pull = openPull('flow/reviewed');
    fake.seed.review({ pullNumber: Number(pull.number), login: 'alice', state: 'APPROVED' });
    const { status, body } = await graphql(REVIEWS, { owner: 'acme', name: 'api', number: pull.number });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(pullOf(body)).toEqual({
      id: pull.node_id,
      number: pull.number,
      state: 'OPEN',
      reviewDecision: 'APPROVED',
      latestOpinionatedReviews: { totalCount: 1, nodes: [{ state: 'APPROVED', author: { login: 'alice' } }] },
    });
  });

  test.each([
    { title: 'no review yet', reviews: [], required: 1, decision: 'REVIEW_REQUIRED' },
    {
      title: 'an approval by someone without write access does not count',
      reviews: [{ login: 'outsider', state: 'APPROVED', authorAssociation: 'CONTRIBUTOR' }],
      required: 1,
      decision: 'REVIEW_REQUIRED',
    },
    {
      title: 'changes requested, then approved by the same reviewer',
      reviews: [
        { login: 'bob', state: 'CHANGES_REQUESTED', submittedAt: '2026-11-20T10:00:00Z' },
        { login: 'bob', state: 'APPROVED', submittedAt: '2026-11-20T11:00:00Z' },
      ],
      required: 1,
      decision: 'APPROVED',
    },
    {
      title: 'an approval does not outweigh another reviewer’s requested changes',
      reviews: [
        { login: 'alice', state: 'APPROVED' },
        { login: 'bob', state: 'CHANGES_REQUESTED' },
      ],
      required: 1,
      decision: 'CHANGES_REQUESTED',
    },
    {
      title: 'a later comment does not undo an approval',
      reviews: [
        { login: 'alice', state: 'APPROVED', submittedAt: '2026-11-20T10:00:00Z' },
        { login: 'alice', state: 'COMMENTED', submittedAt: '2026-11-20T11:00:00Z' },
      ],
      required: 1,
      decision: 'APPROVED',
    },
    {
      title: 'one approval of the two required',
      reviews: [{ login: 'alice', state: 'APPROVED' }],
      required: 2,
      decision: 'REVIEW_REQUIRED',
    },
    { title: 'a branch that requires no review', reviews: [], required: 0, decision: null },
  ])('reviewDecision: $title', async ({ reviews, required, decision }) => {
    const pull = openPull(`flow/decision-${fake.state.pullRequests.length}`);
    for (const review of reviews)
      fake.seed.review({ pullNumber: Number(pull.number), ...review } as Parameters<
        typeof fake.seed.review
      >[0]);
    fake.state.requiredApprovingReviews = required;
    const { body } = await graphql(REVIEWS, { owner: 'acme', name: 'api', number: pull.number });
    expect(pullOf(body).reviewDecision).toBe(decision);
  });
});

describe('GitHub’s own errors: 200 with `errors`, each with its type', () => {
  test('an unknown pull request is NOT_FOUND at its path', async () => {
    const { status, body } = await graphql(REVIEWS, { owner: 'acme', name: 'api', number: 9999 });
    expect(status).toBe(200);
    expect(body.data).toEqual({ repository: { pullRequest: null } });
    expect(body.errors).toMatchObject([
      {
        type: 'NOT_FOUND',
        path: ['repository', 'pullRequest'],
        message: 'Could not resolve to a PullRequest with the number of 9999.',
      },
    ]);
  });

  test('a field beyond the token’s permissions is FORBIDDEN', async () => {
    const pull = openPull('flow/forbidden');
    fake.permissions = { contents: 'read' };
    const { body } = await graphql(REVIEWS, { owner: 'acme', name: 'api', number: pull.number });
    expect(body.errors).toMatchObject([
      { type: 'FORBIDDEN', message: 'Resource not accessible by integration' },
    ]);
    fake.permissions = { 'pull-requests': 'read' };
    expect(
      (await graphql(REVIEWS, { owner: 'acme', name: 'api', number: pull.number })).body.errors,
    ).toBeUndefined();
  });

  test('a wrong token is a 401 before any query runs', async () => {
    const { status, body } = await graphql(REVIEWS, {}, 'ghs_notTheToken');
    expect(status).toBe(401);
    expect(body.message).toBe('Bad credentials');
  });
});

describe('a query GitHub’s schema refuses: answered as GitHub does, and recorded', () => {
  test.each([
    {
      title: 'a misspelt field',
      query: REVIEWS.replace('reviewDecision', 'reviewDecisio'),
      variables: { owner: 'acme', name: 'api', number: 1 },
      error:
        'Cannot query field "reviewDecisio" on type "PullRequest". Did you mean "reviewDecision", "reviewRequests", or "reviews"?',
    },
    {
      title: 'a variable of the wrong type',
      query: REVIEWS,
      variables: { owner: 'acme', name: 'api', number: 'one' },
      error: 'Variable "$number" got invalid value "one"; Int cannot represent non-integer value: "one"',
    },
    {
      title: 'a missing required variable',
      query: REVIEWS,
      variables: { owner: 'acme', name: 'api' },
      error: 'Variable "$number" of required type "Int!" was not provided.',
    },
    {
      title: 'a syntax error',
      query: 'query Broken { repository(owner: "acme" name: "api") { id }',
      variables: {},
      error: 'Syntax Error: Expected Name, found <EOF>.',
    },
    {
      title: 'a mutation input without its required field',
      query:
        'mutation NoId { enablePullRequestAutoMerge(input: { mergeMethod: SQUASH }) { clientMutationId } }',
      variables: {},
      error: 'Field "EnablePullRequestAutoMergeInput.pullRequestId" of required type "ID!" was not provided.',
    },
  ])('$title', async ({ query, variables, error }) => {
    const start = fake.requests.length;
    const { status, body } = await graphql(query, variables);
    expect(status).toBe(200);
    expect(body.data).toBeUndefined();
    expect(body.errors?.map((entry) => entry.message)).toEqual([error]);
    expect(fake.schemaViolations.splice(0)).toEqual([
      {
        method: 'POST',
        url: '/graphql',
        operationId: fake.requests[start]?.operationId,
        where: 'request',
        errors: [error],
      },
    ]);
  });

  test('a connection without `first` or `last`: GitHub’s paging rule, recorded too', async () => {
    const pull = openPull('flow/unpaged');
    const { status, body } = await graphql(REVIEWS.replace('first: 10, ', ''), {
      owner: 'acme',
      name: 'api',
      number: pull.number,
    });
    expect(status).toBe(200);
    expect(body.errors?.[0]?.message).toBe(
      'You must provide a `first` or `last` value to properly paginate the `latestOpinionatedReviews` connection.',
    );
    expect(fake.schemaViolations.splice(0)).toMatchObject([
      { operationId: 'graphql Reviews', where: 'request' },
    ]);
  });

  test('a body that is not JSON is a 400, as on GitHub', async () => {
    const response = await fetch(`${fake.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `bearer ${TOKEN}` },
      body: '{ query: nope',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ message: 'Problems parsing JSON' });
    expect(fake.schemaViolations.splice(0)).toMatchObject([
      { where: 'request', errors: ['the body is not JSON'] },
    ]);
  });
});

describe('the fake’s answers are checked too', () => {
  test('a field the fake does not model is a response violation, never a silent null', async () => {
    const pull = openPull('flow/unmodelled');
    const { status, body } = await graphql(
      'query Mergeable($number: Int!) { repository(owner: "acme", name: "api") { pullRequest(number: $number) { mergeable } } }',
      { number: pull.number },
    );
    expect(status).toBe(500);
    expect(body.message).toBe('fake GitHub: response breaks the GraphQL schema');
    expect(fake.schemaViolations.splice(0)).toEqual([
      {
        method: 'POST',
        url: '/graphql',
        operationId: 'graphql Mergeable',
        where: 'response',
        errors: ['repository.pullRequest.mergeable: the fake does not model PullRequest.mergeable'],
      },
    ]);
  });

  test('a drifted object that breaks the schema is caught: a pull request without its node id', async () => {
    const pull = openPull('flow/drifted');
    const nodeId = pull.node_id ?? null;
    pull.node_id = null;
    try {
      const { status } = await graphql(REVIEWS, { owner: 'acme', name: 'api', number: pull.number });
      expect(status).toBe(500);
      expect(fake.schemaViolations.splice(0)).toMatchObject([
        {
          operationId: 'graphql Reviews',
          where: 'response',
          errors: ['repository.pullRequest.id: Cannot return null for non-nullable field PullRequest.id.'],
        },
      ]);
    } finally {
      pull.node_id = nodeId;
    }
  });
});
