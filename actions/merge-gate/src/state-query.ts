import type { GitHubClient, PullRequestMergeMethod } from '@flow-actions/github-api';
import type {
  ChangedFile,
  PullRequestSnapshot,
  SnapshotCheckRun,
  SnapshotDeployment,
  SnapshotLabel,
  SnapshotReview,
  SnapshotStatus,
} from './snapshot';

/**
 * Everything the gate and the risk step decide on, read in ONE GraphQL query: the pull request,
 * its labels with who added them, its reviews, files and commits, the checks, statuses and
 * deployments of the commit the checks are read on, the base branch's policy file and CODEOWNERS,
 * and the repository's merge settings. Connections longer than a page are read on with further
 * requests (see readPullRequestState).
 */
const CONTEXT_FRAGMENT = `fragment GateContext on StatusCheckRollupContext {
  __typename
  ... on CheckRun { databaseId name status conclusion startedAt completedAt detailsUrl url externalId }
  ... on StatusContext { context state description targetUrl createdAt }
}`;

const CHECKS_FRAGMENT = `fragment GateChecks on Commit {
  statusCheckRollup {
    contexts(first: 100) {
      pageInfo { hasNextPage endCursor }
      nodes { ...GateContext }
    }
  }
  deployments(first: 100, orderBy: { field: CREATED_AT, direction: DESC }) {
    nodes {
      databaseId environment commitOid createdAt
      latestStatus { state createdAt description environmentUrl logUrl }
    }
  }
}
${CONTEXT_FRAGMENT}`;

const REVIEW_FIELDS = `pageInfo { hasNextPage endCursor }
      nodes {
        databaseId state submittedAt url authorAssociation authorCanPushToRepository
        author { __typename login }
        commit { oid }
        onBehalfOf(first: 10) { nodes { slug organization { login } } }
      }`;

const COMMIT_FIELDS = `pageInfo { hasNextPage endCursor }
      nodes { commit { oid message } }`;

const BLOB = '{ object { ... on Blob { text isTruncated } } }';

export const STATE_QUERY = `query MergeGateState($owner: String!, $name: String!, $number: Int!, $policyPath: String!, $checksSha: GitObjectID, $inMergeQueue: Boolean!, $withChecks: Boolean!) {
  repository(owner: $owner, name: $name) {
    mergeCommitAllowed squashMergeAllowed rebaseMergeAllowed autoMergeAllowed
    pullRequest(number: $number) {
      id number state isDraft isCrossRepository
      author { __typename login }
      headRefOid baseRefName
      autoMergeRequest { mergeMethod }
      baseRef {
        target {
          ... on Commit {
            oid
            policy: file(path: $policyPath) ${BLOB}
            githubCodeowners: file(path: ".github/CODEOWNERS") ${BLOB}
            rootCodeowners: file(path: "CODEOWNERS") ${BLOB}
            docsCodeowners: file(path: "docs/CODEOWNERS") ${BLOB}
          }
        }
      }
      labels(first: 100) { nodes { name } }
      timelineItems(itemTypes: [LABELED_EVENT], last: 100) {
        nodes { ... on LabeledEvent { createdAt actor { __typename login } label { name } } }
      }
      reviews(first: 100, states: [APPROVED, CHANGES_REQUESTED, DISMISSED]) {
      ${REVIEW_FIELDS}
      }
      files(first: 100) {
        pageInfo { hasNextPage endCursor }
        nodes { path additions deletions changeType }
      }
      commits(first: 100) {
      ${COMMIT_FIELDS}
      }
      head: commits(last: 1) {
        nodes { commit { oid ...GateChecks @include(if: $withChecks) author { user { login } } committer { user { login } } } }
      }
    }
    mergeQueueCommit: object(oid: $checksSha) @include(if: $inMergeQueue) { ... on Commit { oid ...GateChecks } }
  }
}
${CHECKS_FRAGMENT}`;

const MORE_CONTEXTS_QUERY = `query MergeGateMoreChecks($owner: String!, $name: String!, $sha: GitObjectID!, $after: String!) {
  repository(owner: $owner, name: $name) {
    object(oid: $sha) {
      ... on Commit {
        statusCheckRollup {
          contexts(first: 100, after: $after) {
            pageInfo { hasNextPage endCursor }
            nodes { ...GateContext }
          }
        }
      }
    }
  }
}
${CONTEXT_FRAGMENT}`;

const MORE_REVIEWS_QUERY = `query MergeGateMoreReviews($owner: String!, $name: String!, $number: Int!, $after: String!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviews(first: 100, after: $after, states: [APPROVED, CHANGES_REQUESTED, DISMISSED]) {
      ${REVIEW_FIELDS}
      }
    }
  }
}`;

const MORE_COMMITS_QUERY = `query MergeGateMoreCommits($owner: String!, $name: String!, $number: Int!, $after: String!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      commits(first: 100, after: $after) {
      ${COMMIT_FIELDS}
      }
    }
  }
}`;

const FILE_AT_QUERY = `query MergeGateFileAt($owner: String!, $name: String!, $base: String!, $head: String!) {
  repository(owner: $owner, name: $name) {
    base: object(expression: $base) { ... on Blob { text isTruncated } }
    head: object(expression: $head) { ... on Blob { text isTruncated } }
  }
}`;

interface Page<T> {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: T[];
}
interface Login {
  __typename: string;
  login: string;
}
type Blob = { object: { text: string | null; isTruncated: boolean } | null } | null;
type ContextNode =
  | {
      __typename: 'CheckRun';
      databaseId: number;
      name: string;
      status: string;
      conclusion: string | null;
      startedAt: string | null;
      completedAt: string | null;
      detailsUrl: string | null;
      url: string;
      externalId: string | null;
    }
  | {
      __typename: 'StatusContext';
      context: string;
      state: string;
      description: string | null;
      targetUrl: string | null;
      createdAt: string;
    };
interface ChecksCommit {
  oid: string;
  /** Absent when the query leaves the checks out. */
  statusCheckRollup?: { contexts: Page<ContextNode> } | null;
  deployments?: {
    nodes: {
      databaseId: number;
      environment: string;
      commitOid: string;
      createdAt: string;
      latestStatus: {
        state: string;
        createdAt: string;
        description: string | null;
        environmentUrl: string | null;
        logUrl: string | null;
      } | null;
    }[];
  };
}
interface ReviewNode {
  databaseId: number;
  state: string;
  submittedAt: string | null;
  url: string;
  authorAssociation: string;
  authorCanPushToRepository: boolean;
  author: Login | null;
  commit: { oid: string } | null;
  onBehalfOf: { nodes: { slug: string; organization: { login: string } }[] };
}
interface CommitNode {
  commit: { oid: string; message: string };
}
interface StateAnswer {
  repository: {
    mergeCommitAllowed: boolean;
    squashMergeAllowed: boolean;
    rebaseMergeAllowed: boolean;
    autoMergeAllowed: boolean;
    pullRequest: {
      id: string;
      number: number;
      state: string;
      isDraft: boolean;
      isCrossRepository: boolean;
      author: Login | null;
      headRefOid: string;
      baseRefName: string;
      autoMergeRequest: { mergeMethod: PullRequestMergeMethod } | null;
      baseRef: {
        target: {
          oid: string;
          policy: Blob;
          githubCodeowners: Blob;
          rootCodeowners: Blob;
          docsCodeowners: Blob;
        } | null;
      } | null;
      labels: { nodes: { name: string }[] };
      timelineItems: {
        nodes: (
          | { createdAt: string; actor: Login | null; label: { name: string } }
          | Record<string, never>
        )[];
      };
      reviews: Page<ReviewNode>;
      files: Page<{ path: string; additions: number; deletions: number; changeType: string }>;
      commits: Page<CommitNode>;
      head: {
        nodes: {
          commit: ChecksCommit & {
            author: { user: { login: string } | null } | null;
            committer: { user: { login: string } | null } | null;
          };
        }[];
      };
    } | null;
    mergeQueueCommit?: ChecksCommit | null;
  };
}

/** The state of one pull request as read, and what it takes to post on it and merge it. */
export interface PullRequestState {
  /** When the read began: evaluations are ordered by it (evaluation.ts). */
  readAt: Date;
  /** The node id, for auto-merge. */
  id: string;
  number: number;
  /** `OPEN`, `CLOSED` or `MERGED`. */
  state: string;
  /** A draft never merges. */
  isDraft: boolean;
  /** A fork's pull request: its events get a read-only token. */
  isCrossRepository: boolean;
  autoMergeRequest: { mergeMethod: PullRequestMergeMethod } | null;
  /** The merge methods the repository allows, in the order the gate prefers them. */
  mergeMethods: PullRequestMergeMethod[];
  autoMergeAllowed: boolean;
  /** The pull request's own head commit. */
  headSha: string;
  baseRef: string;
  /** The base branch's head commit the policy was read from. */
  baseSha: string | undefined;
  /** The policy file as the base branch has it; undefined when there is none. */
  policyFile?: { path: string; text: string };
  /**
   * Every check run of the commit the checks are read on (the merge queue's, or the head), as the
   * decision sees them; the gate finds its own earlier runs among them.
   */
  snapshot: PullRequestSnapshot;
}

export interface StateRequest {
  number: number;
  /**
   * Read the checks, statuses and deployments (needs `checks: read`, `statuses: read`,
   * `deployments: read`); the risk step does not. Default: true.
   */
  withChecks?: boolean;
  /** The policy file's path, read from the base branch. */
  policyPath: string;
  /** For `merge_group`: the queue's commit, whose checks count. */
  mergeGroupSha?: string;
}

/** GitHub's GraphQL API names a bot without the `[bot]` that REST logins and policies carry. */
function loginOf(actor: Login | null | undefined): string | undefined {
  if (!actor) return undefined;
  return actor.__typename === 'Bot' && !actor.login.endsWith('[bot]') ? `${actor.login}[bot]` : actor.login;
}

const MERGE_METHOD_ORDER: readonly [PullRequestMergeMethod, keyof StateAnswer['repository']][] = [
  // A merge commit keeps the reviewed commits as they were approved; squash and rebase rewrite them.
  ['MERGE', 'mergeCommitAllowed'],
  ['SQUASH', 'squashMergeAllowed'],
  ['REBASE', 'rebaseMergeAllowed'],
];

/**
 * Reads one pull request: the state query, then only what did not fit — further pages of checks,
 * reviews and commits (GraphQL), and the files through REST when there are more than 100 or a
 * rename among them (REST pages are not spaced like GraphQL queries, and they name a renamed
 * file's old path, which GraphQL does not). Labels count as added by the actor of their newest
 * `labeled` event among the last 100 label events; a label added before those counts as added by
 * nobody known, so it is never trusted.
 */
export async function readPullRequestState(
  client: GitHubClient,
  request: StateRequest,
): Promise<PullRequestState> {
  const owner = client.owner ?? '';
  const name = client.repo ?? '';
  const readAt = new Date();
  const answer = await client.graphql<StateAnswer>(
    STATE_QUERY,
    {
      owner,
      name,
      number: request.number,
      policyPath: request.policyPath,
      checksSha: request.mergeGroupSha ?? null,
      inMergeQueue: request.mergeGroupSha !== undefined,
      withChecks: request.withChecks !== false,
    },
    request.withChecks === false
      ? 'pull-requests: read, contents: read'
      : 'pull-requests: read, checks: read, statuses: read, deployments: read, contents: read',
  );
  const pull = answer.repository.pullRequest;
  if (!pull) throw new Error(`Pull request #${request.number} was not found in ${owner}/${name}.`);
  const head = pull.head.nodes[0]?.commit;
  if (!head) throw new Error(`Pull request #${request.number} has no commits.`);
  const checksCommit = request.mergeGroupSha ? answer.repository.mergeQueueCommit : head;
  if (!checksCommit)
    throw new Error(`The merge queue's commit ${request.mergeGroupSha} was not found in ${owner}/${name}.`);

  const readMore = async <T>(
    page: Page<T>,
    next: (after: string) => Promise<Page<T> | undefined>,
  ): Promise<T[]> => {
    const items = [...page.nodes];
    let info = page.pageInfo;
    while (info.hasNextPage && info.endCursor) {
      const more = await next(info.endCursor);
      if (!more) break;
      items.push(...more.nodes);
      info = more.pageInfo;
    }
    return items;
  };

  const contexts = checksCommit.statusCheckRollup
    ? await readMore(checksCommit.statusCheckRollup.contexts, async (after) => {
        const more = await client.graphql<{
          repository: { object: { statusCheckRollup: { contexts: Page<ContextNode> } | null } | null };
        }>(
          MORE_CONTEXTS_QUERY,
          { owner, name, sha: checksCommit.oid, after },
          'checks: read, statuses: read',
        );
        return more.repository.object?.statusCheckRollup?.contexts;
      })
    : [];
  const reviews = await readMore(pull.reviews, async (after) => {
    const more = await client.graphql<{ repository: { pullRequest: { reviews: Page<ReviewNode> } } }>(
      MORE_REVIEWS_QUERY,
      { owner, name, number: request.number, after },
      'pull-requests: read',
    );
    return more.repository.pullRequest.reviews;
  });
  const commits = await readMore(pull.commits, async (after) => {
    const more = await client.graphql<{ repository: { pullRequest: { commits: Page<CommitNode> } } }>(
      MORE_COMMITS_QUERY,
      { owner, name, number: request.number, after },
      'pull-requests: read',
    );
    return more.repository.pullRequest.commits;
  });
  let files: ChangedFile[] = pull.files.nodes.map((file) => ({
    path: file.path,
    additions: file.additions,
    deletions: file.deletions,
  }));
  if (pull.files.pageInfo.hasNextPage || pull.files.nodes.some((file) => file.changeType === 'RENAMED')) {
    const listed = await client.listPullRequestFiles(request.number);
    files = listed.map((file) => ({
      path: file.filename,
      ...(file.previous_filename ? { previousPath: file.previous_filename } : {}),
      additions: file.additions,
      deletions: file.deletions,
    }));
  }

  const addedBy = new Map<string, string | undefined>();
  for (const event of pull.timelineItems.nodes)
    if ('label' in event) addedBy.set(event.label.name, loginOf(event.actor));
  const labels: SnapshotLabel[] = pull.labels.nodes.map((label) => {
    const actor = addedBy.get(label.name);
    return { name: label.name, ...(actor ? { addedBy: actor } : {}) };
  });

  const checkRuns: SnapshotCheckRun[] = [];
  const statuses: SnapshotStatus[] = [];
  for (const node of contexts)
    if (node.__typename === 'CheckRun')
      checkRuns.push({
        id: node.databaseId,
        name: node.name,
        headSha: checksCommit.oid,
        status: node.status,
        conclusion: node.conclusion,
        startedAt: node.startedAt,
        completedAt: node.completedAt,
        url: node.detailsUrl ?? node.url,
        externalId: node.externalId,
      });
    else
      statuses.push({
        // Status contexts have no database id; their order breaks ties between equal times.
        id: statuses.length + 1,
        context: node.context,
        state: node.state,
        description: node.description,
        targetUrl: node.targetUrl,
        updatedAt: node.createdAt,
      });
  const deployments: SnapshotDeployment[] = (checksCommit.deployments?.nodes ?? []).map((deployment) => ({
    id: deployment.databaseId,
    environment: deployment.environment,
    sha: deployment.commitOid,
    createdAt: deployment.createdAt,
    statuses: deployment.latestStatus
      ? [
          {
            id: deployment.databaseId,
            state: deployment.latestStatus.state,
            createdAt: deployment.latestStatus.createdAt,
            description: deployment.latestStatus.description,
            environmentUrl: deployment.latestStatus.environmentUrl,
            logUrl: deployment.latestStatus.logUrl,
          },
        ]
      : [],
  }));
  const snapshotReviews: SnapshotReview[] = reviews.flatMap((review) => {
    const author = loginOf(review.author);
    if (!author || !review.commit || !review.submittedAt) return [];
    return [
      {
        id: review.databaseId,
        author,
        authorIsBot: review.author?.__typename === 'Bot',
        authorCanPush: review.authorCanPushToRepository,
        association: review.authorAssociation,
        state: review.state,
        commitId: review.commit.oid,
        submittedAt: review.submittedAt,
        url: review.url,
        onBehalfOf: review.onBehalfOf.nodes.map((team) => `${team.organization.login}/${team.slug}`),
      },
    ];
  });

  const base = pull.baseRef?.target ?? undefined;
  const text = (blob: Blob | undefined) => blob?.object?.text ?? undefined;
  const policyText = text(base?.policy);
  // GitHub reads the first CODEOWNERS it finds, in this order.
  const codeowners = text(base?.githubCodeowners) ?? text(base?.rootCodeowners) ?? text(base?.docsCodeowners);
  const pusher = head.committer?.user?.login ?? head.author?.user?.login;
  const author = loginOf(pull.author) ?? '';

  return {
    readAt,
    id: pull.id,
    number: pull.number,
    state: pull.state,
    isDraft: pull.isDraft,
    isCrossRepository: pull.isCrossRepository,
    autoMergeRequest: pull.autoMergeRequest,
    mergeMethods: MERGE_METHOD_ORDER.filter(([, setting]) => answer.repository[setting] === true).map(
      ([method]) => method,
    ),
    autoMergeAllowed: answer.repository.autoMergeAllowed,
    headSha: pull.headRefOid,
    baseRef: pull.baseRefName,
    baseSha: base?.oid,
    ...(policyText === undefined ? {} : { policyFile: { path: request.policyPath, text: policyText } }),
    snapshot: {
      number: pull.number,
      author,
      headSha: checksCommit.oid,
      ...(request.mergeGroupSha ? { reviewHeadSha: pull.headRefOid } : {}),
      baseRef: pull.baseRefName,
      // Who committed the head commit stands for who pushed it: GitHub keeps no pusher in the
      // pull request's state. A reviewer who made the newest commit cannot approve it.
      ...(pusher && pusher.toLowerCase() !== author.toLowerCase() ? { lastPusher: pusher } : {}),
      checkRuns,
      statuses,
      deployments,
      reviews: snapshotReviews,
      onlyBaseMergedSince: [],
      labels,
      files,
      commits: commits.map((node) => ({ sha: node.commit.oid, message: node.commit.message })),
      ...(codeowners === undefined ? {} : { codeowners }),
    },
  };
}

/**
 * A file as the pull request's base and head commits have it (the toggles file), in one query.
 * Undefined for a side that does not have it.
 */
export async function readFileAtBaseAndHead(
  client: GitHubClient,
  path: string,
  baseSha: string,
  headSha: string,
): Promise<{ base?: string; head?: string }> {
  const answer = await client.graphql<{
    repository: { base: { text: string | null } | null; head: { text: string | null } | null };
  }>(
    FILE_AT_QUERY,
    {
      owner: client.owner ?? '',
      name: client.repo ?? '',
      base: `${baseSha}:${path}`,
      head: `${headSha}:${path}`,
    },
    'contents: read',
  );
  const base = answer.repository.base?.text ?? undefined;
  const head = answer.repository.head?.text ?? undefined;
  return { ...(base === undefined ? {} : { base }), ...(head === undefined ? {} : { head }) };
}
