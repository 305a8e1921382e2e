import { type JsonRecord, makeActionsBot } from './factories';
import { GitHubGraphQLError, GraphQLRequestRefused } from './graphql';
import { type Permissions, permitsField } from './permissions';

/** What the resolvers read and change: the fake's state, seen as GitHub's GraphQL API shows it. */
export interface GraphQLRootContext {
  /** `owner/name` of the one repository the fake serves. */
  repository: string;
  repositoryObject: JsonRecord;
  pullRequests: JsonRecord[];
  reviews: JsonRecord[];
  /** Approving reviews the base branch's protection requires; 0 means none (`reviewDecision` null). */
  requiredApprovingReviews: () => number;
  /** When auto-merge was enabled, and how, per pull request number. */
  autoMergeRequests: Map<number, { mergeMethod: string; enabledAt: string }>;
  permissions: Permissions | undefined;
  now: () => Date;
}

type Args = Record<string, unknown>;

/** Reviewers with write access: only their reviews count toward branch protection. */
const WRITERS = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);
/** Review states that state an opinion; a later comment does not undo an approval. */
const OPINIONS = new Set(['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED']);
const MAX_PAGE = 100;

/**
 * The root the fake's GraphQL endpoint resolves from: `repository`, `node` and the
 * `enablePullRequestAutoMerge` mutation, over the same state the REST routes serve. Each object
 * lists exactly the fields the fake models; a query for another field is a response violation.
 */
export function createGraphQLRoot(context: GraphQLRootContext): Record<string, unknown> {
  const [owner = '', name = ''] = context.repository.split('/');

  const requirePermission = (field: string) => {
    if (context.permissions && !permitsField(context.permissions, field))
      throw new GitHubGraphQLError('FORBIDDEN', 'Resource not accessible by integration');
  };

  const latestOpinions = (pull: JsonRecord, writersOnly: boolean) => {
    const latest = new Map<string, JsonRecord>();
    const reviews = context.reviews
      .filter((review) => review.pull_request_url === pull.url && OPINIONS.has(String(review.state)))
      .filter((review) => !writersOnly || WRITERS.has(String(review.author_association)))
      .sort(
        (a, b) => String(a.submitted_at).localeCompare(String(b.submitted_at)) || Number(a.id) - Number(b.id),
      );
    for (const review of reviews) latest.set(String((review.user as JsonRecord).login), review);
    return [...latest.values()];
  };

  const reviewDecision = (pull: JsonRecord) => {
    const required = context.requiredApprovingReviews();
    if (required === 0) return null;
    const opinions = latestOpinions(pull, true);
    if (opinions.some((review) => review.state === 'CHANGES_REQUESTED')) return 'CHANGES_REQUESTED';
    const approvals = opinions.filter((review) => review.state === 'APPROVED').length;
    return approvals >= required ? 'APPROVED' : 'REVIEW_REQUIRED';
  };

  const actor = (login: string) => ({ __typename: 'User', login });

  const reviewNode = (review: JsonRecord) => ({
    __typename: 'PullRequestReview',
    id: review.node_id,
    state: review.state,
    body: review.body,
    url: review.html_url,
    submittedAt: review.submitted_at ?? null,
    authorAssociation: review.author_association,
    author: actor(String((review.user as JsonRecord).login)),
  });

  const pullRequestNode = (pull: JsonRecord) => {
    const head = pull.head as JsonRecord;
    const base = pull.base as JsonRecord;
    return {
      __typename: 'PullRequest',
      id: pull.node_id,
      number: pull.number,
      title: pull.title,
      url: pull.html_url,
      state: pull.state === 'open' ? 'OPEN' : pull.merged ? 'MERGED' : 'CLOSED',
      isDraft: pull.draft,
      headRefName: head.ref,
      headRefOid: head.sha,
      baseRefName: base.ref,
      reviewDecision: () => reviewDecision(pull),
      latestOpinionatedReviews: (args: Args) =>
        connection(
          latestOpinions(pull, args.writersOnly === true).map(reviewNode),
          args,
          'latestOpinionatedReviews',
        ),
      autoMergeRequest: () => {
        const request = context.autoMergeRequests.get(Number(pull.number));
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
    const pull = context.pullRequests.find(predicate);
    if (!pull) throw new GitHubGraphQLError('NOT_FOUND', notFound);
    return pull;
  };
  const pullByNodeId = (id: unknown) =>
    findPull((entry) => entry.node_id === id, `Could not resolve to a node with the global id of '${id}'`);

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
        id: context.repositoryObject.node_id,
        name: context.repositoryObject.name,
        nameWithOwner: context.repositoryObject.full_name,
        autoMergeAllowed: () => context.repositoryObject.allow_auto_merge === true,
        pullRequest: (pullArgs: Args) => {
          requirePermission('Repository.pullRequest');
          const pull = findPull(
            (entry) => entry.number === pullArgs.number,
            `Could not resolve to a PullRequest with the number of ${pullArgs.number}.`,
          );
          return pullRequestNode(pull);
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
      if (context.repositoryObject.allow_auto_merge !== true)
        throw new GitHubGraphQLError('UNPROCESSABLE', 'Auto merge is not allowed for this repository');
      if (pull.state !== 'open')
        throw new GitHubGraphQLError('UNPROCESSABLE', 'Pull request Pull request is closed');
      // The schema's default for an omitted mergeMethod.
      const mergeMethod = input.mergeMethod ?? 'MERGE';
      const bot = makeActionsBot();
      context.autoMergeRequests.set(Number(pull.number), {
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
        actor: actor(bot.login),
        clientMutationId: input.clientMutationId ?? null,
        pullRequest: pullRequestNode(pull),
      };
    },
  };
}

/**
 * A connection as GitHub pages it: `first` or `last` (at most 100) is required. Cursors (`after`,
 * `before`) are not modelled.
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
  if (args.after != null || args.before != null) throw new Error('the fake does not model cursors');
  const page = first != null ? items.slice(0, first) : items.slice(Math.max(0, items.length - (last ?? 0)));
  const offset = first != null ? 0 : items.length - page.length;
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
