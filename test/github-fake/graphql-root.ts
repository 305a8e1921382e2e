import { latestOpinions, mergeBlocker, reviewDecision, WRITERS } from './branch-protection';
import { type JsonRecord, makeActionsBot, shaOf } from './factories';
import type { FakeCommit, GitHubFakeState } from './github-fake';
import { GitHubGraphQLError, GraphQLRequestRefused } from './graphql';
import { type Permissions, permitsField } from './permissions';

/** What the resolvers read and change: the fake's state, seen as GitHub's GraphQL API shows it. */
export interface GraphQLRootContext {
  /** `owner/name` of the one repository the fake serves. */
  repository: string;
  state: GitHubFakeState;
  /** The commit a branch, tag or sha names, as the REST routes resolve it. */
  resolveRef: (ref: string) => string | undefined;
  /** The fake's model of a commit (a default one for a sha nobody seeded). */
  commitOf: (sha: string) => FakeCommit;
  /** The login the request's token acts as. */
  actor: string;
  /** What the token may do; undefined: everything. */
  permissions: Permissions | undefined;
  now: () => Date;
}

type Args = Record<string, unknown>;

const MAX_PAGE = 100;
const CHANGE_TYPES: Readonly<Record<string, string>> = {
  added: 'ADDED',
  removed: 'DELETED',
  modified: 'MODIFIED',
  renamed: 'RENAMED',
  copied: 'COPIED',
  changed: 'CHANGED',
  unchanged: 'MODIFIED',
};
/** Timeline item types the fake models; asking for another is an unmodelled field. */
const TIMELINE_TYPES = new Set(['LABELED_EVENT', 'UNLABELED_EVENT']);

/**
 * The root the fake's GraphQL endpoint resolves from: `repository`, `node` and the auto-merge
 * mutations, over the same state the REST routes serve. Each object lists exactly the fields the
 * fake models; a query for another field is a response violation, never a silent null.
 */
export function createGraphQLRoot(context: GraphQLRootContext): Record<string, unknown> {
  const { state } = context;
  const [owner = '', name = ''] = context.repository.split('/');
  const protection = () => ({
    requiredApprovingReviews: state.requiredApprovingReviews,
    requiredStatusChecks: state.requiredStatusChecks,
  });

  const requirePermission = (field: string) => {
    if (context.permissions && !permitsField(context.permissions, field))
      throw new GitHubGraphQLError('FORBIDDEN', 'Resource not accessible by integration');
  };

  const actor = (login: string) => ({
    __typename: login.endsWith('[bot]') ? 'Bot' : 'User',
    login: login.endsWith('[bot]') ? login.slice(0, -'[bot]'.length) : login,
  });
  /** GitHub's GraphQL names a bot without its `[bot]` suffix; REST with it. */
  const userActor = (user: JsonRecord) => actor(String(user.login));

  const reviewNode = (review: JsonRecord) => {
    const teams = state.reviewTeams.get(Number(review.id)) ?? [];
    return {
      __typename: 'PullRequestReview',
      id: review.node_id,
      databaseId: review.id,
      state: review.state,
      body: review.body,
      url: review.html_url,
      submittedAt: review.submitted_at ?? null,
      authorAssociation: review.author_association,
      // Branch protection counts reviewers with write access; the fake reads it from the association.
      authorCanPushToRepository: WRITERS.has(String(review.author_association)),
      author: userActor(review.user as JsonRecord),
      commit: commitNode(String(review.commit_id)),
      onBehalfOf: (args: Args) =>
        connection(
          teams.map((team) => {
            const [org = '', slug = ''] = team.split('/');
            return {
              __typename: 'Team',
              slug,
              name: slug,
              organization: { __typename: 'Organization', login: org },
            };
          }),
          args,
          'onBehalfOf',
        ),
    };
  };

  const blobNode = (text: string) => ({
    __typename: 'Blob',
    text,
    isTruncated: false,
    isBinary: false,
    byteSize: Buffer.byteLength(text),
    oid: shaOf(`blob ${text}`),
  });

  const checkRunNode = (run: JsonRecord) => ({
    __typename: 'CheckRun',
    databaseId: run.id,
    name: run.name,
    status: String(run.status).toUpperCase(),
    conclusion: run.conclusion === null ? null : String(run.conclusion).toUpperCase(),
    startedAt: run.started_at,
    completedAt: run.completed_at,
    detailsUrl: run.details_url,
    url: run.html_url,
    externalId: run.external_id,
    title: (run.output as JsonRecord).title,
    summary: (run.output as JsonRecord).summary,
  });

  const statusNode = (status: JsonRecord) => ({
    __typename: 'StatusContext',
    context: status.context,
    state: String(status.state).toUpperCase(),
    description: status.description,
    targetUrl: status.target_url,
    createdAt: status.created_at,
  });

  /** Like the PR's checks box: the newest run of each name and the newest status of each context. */
  const rollup = (sha: string) => {
    const runs = new Map<string, JsonRecord>();
    for (const run of state.checkRuns)
      if (run.head_sha === sha) {
        const known = runs.get(String(run.name));
        if (!known || Number(run.id) > Number(known.id)) runs.set(String(run.name), run);
      }
    const statuses = new Map<string, JsonRecord>();
    for (const { sha: of, status } of state.statuses)
      if (of === sha) {
        const known = statuses.get(String(status.context));
        if (!known || Number(status.id) > Number(known.id)) statuses.set(String(status.context), status);
      }
    const contexts = [
      ...[...runs.values()].sort((a, b) => Number(a.id) - Number(b.id)).map(checkRunNode),
      ...[...statuses.values()].sort((a, b) => Number(a.id) - Number(b.id)).map(statusNode),
    ];
    if (contexts.length === 0) return null;
    const states = [
      ...[...runs.values()].map((run) =>
        run.status !== 'completed'
          ? 'PENDING'
          : ['success', 'neutral', 'skipped'].includes(String(run.conclusion))
            ? 'SUCCESS'
            : 'FAILURE',
      ),
      ...[...statuses.values()].map((status) => String(status.state).toUpperCase()),
    ];
    return {
      __typename: 'StatusCheckRollup',
      state: states.some((value) => value === 'FAILURE' || value === 'ERROR')
        ? 'FAILURE'
        : states.includes('PENDING')
          ? 'PENDING'
          : 'SUCCESS',
      contexts: (args: Args) => connection(contexts, args, 'contexts'),
    };
  };

  const deploymentNode = (deployment: JsonRecord) => {
    const statuses = state.deploymentStatuses
      .filter((entry) => entry.deploymentId === deployment.id)
      .map((entry) => entry.status);
    const latest = statuses.reduce<JsonRecord | undefined>(
      (newest, status) => (!newest || Number(status.id) > Number(newest.id) ? status : newest),
      undefined,
    );
    return {
      __typename: 'Deployment',
      databaseId: deployment.id,
      environment: deployment.environment,
      commitOid: deployment.sha,
      createdAt: deployment.created_at,
      latestStatus: latest
        ? {
            __typename: 'DeploymentStatus',
            state: String(latest.state).toUpperCase(),
            createdAt: latest.created_at,
            description: latest.description || null,
            environmentUrl: latest.environment_url ?? null,
            logUrl: latest.log_url ?? null,
          }
        : null,
    };
  };

  function commitNode(sha: string) {
    const commit = context.commitOf(sha);
    const person = (login: string) => ({
      __typename: 'GitActor',
      name: login,
      email: `${login}@users.noreply.github.com`,
      user: { __typename: 'User', login },
    });
    return {
      __typename: 'Commit',
      oid: commit.sha,
      message: commit.message,
      messageHeadline: commit.message.split('\n', 1)[0],
      author: person(commit.author),
      committer: person(commit.committer),
      file: (args: Args) => {
        requirePermission('Commit.file');
        const path = String(args.path);
        const text = commit.files[path];
        return text === undefined
          ? null
          : { __typename: 'TreeEntry', path, name: path.split('/').at(-1), object: blobNode(text) };
      },
      statusCheckRollup: () => {
        requirePermission('Commit.statusCheckRollup');
        return rollup(commit.sha);
      },
      deployments: (args: Args) => {
        requirePermission('Commit.deployments');
        const environments = args.environments as string[] | null | undefined;
        const order = args.orderBy as { direction?: string } | null | undefined;
        const deployments = state.deployments
          .filter((deployment) => deployment.sha === commit.sha)
          .filter((deployment) => !environments || environments.includes(String(deployment.environment)))
          .sort((a, b) => (Number(a.id) - Number(b.id)) * (order?.direction === 'DESC' ? -1 : 1));
        return connection(deployments.map(deploymentNode), args, 'deployments');
      },
    };
  }

  const filesOf = (pull: JsonRecord) => state.diffs.get(String((pull.head as JsonRecord).sha)) ?? [];

  const pullRequestNode = (pull: JsonRecord) => {
    const head = pull.head as JsonRecord;
    const base = pull.base as JsonRecord;
    const number = Number(pull.number);
    const commits = () => state.pullRequestCommits.get(number) ?? [String(head.sha)];
    return {
      __typename: 'PullRequest',
      id: pull.node_id,
      number: pull.number,
      title: pull.title,
      url: pull.html_url,
      state: pull.state === 'open' ? 'OPEN' : pull.merged ? 'MERGED' : 'CLOSED',
      isDraft: pull.draft,
      author: userActor(pull.user as JsonRecord),
      isCrossRepository: (head.repo as JsonRecord).full_name !== (base.repo as JsonRecord).full_name,
      headRefName: head.ref,
      headRefOid: head.sha,
      baseRefName: base.ref,
      baseRef: () => {
        const sha = context.resolveRef(String(base.ref));
        return sha
          ? { __typename: 'Ref', name: base.ref, prefix: 'refs/heads/', target: commitNode(sha) }
          : null;
      },
      mergeStateStatus: () =>
        pull.state !== 'open' ? 'UNKNOWN' : (mergeBlocker(state, protection(), pull)?.status ?? 'CLEAN'),
      reviewDecision: () => reviewDecision(state, protection(), pull),
      latestOpinionatedReviews: (args: Args) =>
        connection(
          latestOpinions(state, pull, args.writersOnly === true).map(reviewNode),
          args,
          'latestOpinionatedReviews',
        ),
      reviews: (args: Args) => {
        const states = args.states as string[] | null | undefined;
        if (args.author != null) throw new Error('the fake does not model reviews(author:)');
        const reviews = state.reviews
          .filter((review) => review.pull_request_url === pull.url)
          .filter((review) => !states || states.includes(String(review.state)))
          .sort((a, b) => Number(a.id) - Number(b.id));
        return connection(reviews.map(reviewNode), args, 'reviews');
      },
      labels: (args: Args) =>
        connection(
          ((pull.labels as JsonRecord[]) ?? []).map((label) => ({ __typename: 'Label', name: label.name })),
          args,
          'labels',
        ),
      timelineItems: (args: Args) => {
        const types = args.itemTypes as string[] | null | undefined;
        if (!types || types.some((type) => !TIMELINE_TYPES.has(type)))
          throw new Error(`the fake models only the timeline items ${[...TIMELINE_TYPES].join(', ')}`);
        if (args.since != null || args.skip != null) throw new Error('the fake does not model since or skip');
        const events = (state.issueEvents.get(number) ?? [])
          .filter((event) => types.includes(event.event === 'labeled' ? 'LABELED_EVENT' : 'UNLABELED_EVENT'))
          .map((event) => ({
            __typename: event.event === 'labeled' ? 'LabeledEvent' : 'UnlabeledEvent',
            createdAt: event.created_at,
            actor: userActor(event.actor as JsonRecord),
            label: { __typename: 'Label', name: (event.label as JsonRecord).name },
          }));
        return connection(events, args, 'timelineItems');
      },
      files: (args: Args) =>
        connection(
          filesOf(pull).map((file) => ({
            __typename: 'PullRequestChangedFile',
            path: file.filename,
            additions: file.additions,
            deletions: file.deletions,
            changeType: CHANGE_TYPES[String(file.status)] ?? 'MODIFIED',
          })),
          args,
          'files',
        ),
      commits: (args: Args) =>
        connection(
          commits().map((sha) => ({ __typename: 'PullRequestCommit', commit: commitNode(sha) })),
          args,
          'commits',
        ),
      autoMergeRequest: () => {
        const request = state.autoMergeRequests.get(number);
        const enabledBy = (pull.auto_merge as JsonRecord | null)?.enabled_by as JsonRecord | undefined;
        return request
          ? {
              mergeMethod: request.mergeMethod,
              enabledAt: request.enabledAt,
              enabledBy: actor(String(enabledBy?.login)),
            }
          : null;
      },
    };
  };

  /** The pull request that matches, or GitHub's NOT_FOUND saying what it looked for. */
  const findPull = (predicate: (pull: JsonRecord) => boolean, notFound: string) => {
    const pull = state.pullRequests.find(predicate);
    if (!pull) throw new GitHubGraphQLError('NOT_FOUND', notFound);
    return pull;
  };
  const pullByNodeId = (id: unknown) =>
    findPull((entry) => entry.node_id === id, `Could not resolve to a node with the global id of '${id}'`);

  const repositoryObject = state.repository;
  return {
    repository: (args: Args) => {
      if (
        String(args.owner).toLowerCase() !== owner.toLowerCase() ||
        String(args.name).toLowerCase() !== name.toLowerCase()
      )
        throw new GitHubGraphQLError(
          'NOT_FOUND',
          `Could not resolve to a Repository with the name '${args.owner}/${args.name}'.`,
        );
      return {
        __typename: 'Repository',
        id: repositoryObject.node_id,
        name: repositoryObject.name,
        nameWithOwner: repositoryObject.full_name,
        autoMergeAllowed: () => repositoryObject.allow_auto_merge === true,
        mergeCommitAllowed: () => repositoryObject.allow_merge_commit !== false,
        squashMergeAllowed: () => repositoryObject.allow_squash_merge !== false,
        rebaseMergeAllowed: () => repositoryObject.allow_rebase_merge !== false,
        pullRequest: (pullArgs: Args) => {
          requirePermission('Repository.pullRequest');
          const pull = findPull(
            (entry) => entry.number === pullArgs.number,
            `Could not resolve to a PullRequest with the number of ${pullArgs.number}.`,
          );
          return pullRequestNode(pull);
        },
        object: (objectArgs: Args) => {
          requirePermission('Repository.object');
          if (objectArgs.oid != null) {
            const oid = String(objectArgs.oid);
            return context.state.commits.has(oid) || context.resolveRef(oid) ? commitNode(oid) : null;
          }
          const [revision = '', ...path] = String(objectArgs.expression ?? '').split(':');
          const sha = context.resolveRef(revision);
          if (!sha) return null;
          if (path.length === 0) return commitNode(sha);
          const text = context.commitOf(sha).files[path.join(':')];
          return text === undefined ? null : blobNode(text);
        },
      };
    },
    node: (args: Args) => {
      requirePermission('Query.node');
      return pullRequestNode(pullByNodeId(args.id));
    },
    enablePullRequestAutoMerge: (args: Args) => {
      const input = args.input as { pullRequestId: string; mergeMethod?: string; clientMutationId?: string };
      const pull = pullByNodeId(input.pullRequestId);
      requirePermission('Mutation.enablePullRequestAutoMerge');
      if (repositoryObject.allow_auto_merge !== true)
        throw new GitHubGraphQLError('UNPROCESSABLE', 'Auto merge is not allowed for this repository');
      if (pull.state !== 'open')
        throw new GitHubGraphQLError('UNPROCESSABLE', 'Pull request Pull request is closed');
      // The schema's default for an omitted mergeMethod.
      const mergeMethod = input.mergeMethod ?? 'MERGE';
      const allowed = {
        MERGE: 'allow_merge_commit',
        SQUASH: 'allow_squash_merge',
        REBASE: 'allow_rebase_merge',
      }[mergeMethod];
      if (allowed && repositoryObject[allowed] === false)
        throw new GitHubGraphQLError(
          'UNPROCESSABLE',
          `Merge method ${mergeMethod.toLowerCase()} merging is not allowed on this repository`,
        );
      // GitHub enables auto-merge only on a pull request that cannot merge yet; one that can must be merged.
      if (!mergeBlocker(state, protection(), pull))
        throw new GitHubGraphQLError('UNPROCESSABLE', 'Pull request Pull request is in clean status');
      const bot = makeActionsBot();
      state.autoMergeRequests.set(Number(pull.number), {
        mergeMethod,
        enabledAt: context
          .now()
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z'),
      });
      // The REST view of the pull request shows it too.
      pull.auto_merge = {
        enabled_by: bot,
        merge_method: mergeMethod.toLowerCase(),
        commit_title: String(pull.title),
        commit_message: '',
      };
      return {
        actor: actor(context.actor),
        clientMutationId: input.clientMutationId ?? null,
        pullRequest: pullRequestNode(pull),
      };
    },
    disablePullRequestAutoMerge: (args: Args) => {
      const input = args.input as { pullRequestId: string; clientMutationId?: string };
      const pull = pullByNodeId(input.pullRequestId);
      requirePermission('Mutation.disablePullRequestAutoMerge');
      state.autoMergeRequests.delete(Number(pull.number));
      pull.auto_merge = null;
      return {
        actor: actor(context.actor),
        clientMutationId: input.clientMutationId ?? null,
        pullRequest: pullRequestNode(pull),
      };
    },
  };
}

/**
 * A connection as GitHub pages it: `first` or `last` (at most 100) is required; `after` continues
 * a `first` paging from a cursor this connection gave. `before` is not modelled.
 */
function connection(items: unknown[], args: Args, field: string) {
  const first = args.first as number | null | undefined;
  const last = args.last as number | null | undefined;
  if (first == null && last == null)
    throw new GraphQLRequestRefused(
      `You must provide a \`first\` or \`last\` value to properly paginate the \`${field}\` connection.`,
    );
  for (const [limit, value] of [
    ['first', first],
    ['last', last],
  ] as const)
    if (value != null && (value < 0 || value > MAX_PAGE))
      throw new GraphQLRequestRefused(
        `Requesting ${value} records on the \`${field}\` connection exceeds the \`${limit}\` limit of ${MAX_PAGE} records.`,
      );
  if (args.before != null) throw new Error('the fake does not model `before` cursors');
  let start = 0;
  if (args.after != null) {
    const match = /^cursor:v2:(\d+)$/.exec(Buffer.from(String(args.after), 'base64').toString());
    if (!match) throw new GraphQLRequestRefused(`\`${args.after}\` does not appear to be a valid cursor.`);
    start = Number(match[1]) + 1;
  }
  const rest = items.slice(start);
  const page = first != null ? rest.slice(0, first) : rest.slice(Math.max(0, rest.length - (last ?? 0)));
  const offset = first != null ? start : start + rest.length - page.length;
  const cursor = (index: number) => Buffer.from(`cursor:v2:${offset + index}`).toString('base64');
  return {
    totalCount: items.length,
    nodes: page,
    edges: page.map((node, index) => ({ cursor: cursor(index), node })),
    pageInfo: {
      hasNextPage: offset + page.length < items.length,
      hasPreviousPage: offset > 0,
      startCursor: page.length > 0 ? cursor(0) : null,
      endCursor: page.length > 0 ? cursor(page.length - 1) : null,
    },
  };
}
