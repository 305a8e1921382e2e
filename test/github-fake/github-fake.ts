import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BranchProtection, mergeBlocker } from './branch-protection';
import {
  type ChangedFileSeed,
  type CheckRunSeed,
  type DeploymentSeed,
  type FactoryContext,
  type JsonRecord,
  type JsonValue,
  makeActionsBot,
  makeCheckRun,
  makeCommit,
  makeContentFile,
  makeDeployment,
  makeDeploymentStatus,
  makeDiffEntry,
  makeIssueComment,
  makeLabel,
  makeLabelEvent,
  makePackageVersion,
  makePullRequest,
  makeReaction,
  makeRelease,
  makeRepository,
  makeReview,
  makeStatus,
  makeUser,
  type PackageVersionSeed,
  type PullRequestSeed,
  type ReleaseSeed,
  type ReviewSeed,
  type StatusSeed,
  shaOf,
} from './factories';
import { gitDatabaseRoutes, mergeInGitDatabase } from './git-database';
import { checkGraphQLRequest, runGraphQL } from './graphql';
import { createGraphQLRoot } from './graphql-root';
import { getOperation, type OpenApiOperation, validateRequest, validateResponse } from './openapi';
import { type Permissions, permits } from './permissions';

export interface GitHubFakeOptions {
  /** The only token the fake accepts (as `Bearer` or `token`). */
  token: string;
  /** `owner/name` of the one repository the fake serves. Default: `acme/api`. */
  repository?: string;
  /** Numeric id of that repository, used in Link headers as GitHub does. Default: 1296269. */
  repositoryId?: number;
  /**
   * More tokens the fake accepts, each acting as the login it maps to — e.g. a GitHub App's token
   * for merges. They have every permission (`permissions` restricts `token` only). The main token
   * acts as `github-actions[bot]`.
   */
  otherTokens?: Record<string, string>;
  // release: the git database.
  /**
   * A git repository (bare or not) whose object database the git data routes use: annotated tags
   * are written with `git mktag`, refs with `git update-ref`, so that `git` reads back what a
   * client created. Default: none — those routes then answer 404 (reads) and 422 (writes).
   */
  gitDir?: string;
  /**
   * Merges through `PUT …/pulls/{n}/merge` are real merge commits in `gitDir` that move the base
   * branch, as GitHub's are. Off by default: in a repository with a work tree (a simulation's app
   * checkout) moving the checked-out branch under it would leave the work tree behind.
   */
  gitMerges?: boolean;
}

/** The fake's model of a commit: what GraphQL and the compare, files and merge routes show of it. */
export interface FakeCommit {
  sha: string;
  message: string;
  /** Logins. */
  author: string;
  committer: string;
  parents: string[];
  /** Files the commit holds that a test cares about (path → text), e.g. a policy file or CODEOWNERS. */
  files: Record<string, string>;
  date: string;
}

/** The fake's in-memory GitHub; tests push seeded objects (see `seed`) and read what the client did. */
export interface GitHubFakeState {
  /** Branch and tag names to commit shas; a full 40-hex sha always resolves to itself. */
  refs: Map<string, string>;
  checkRuns: JsonRecord[];
  /** Commit statuses; GitHub's status object does not name its commit, so the sha is kept beside it. */
  statuses: { sha: string; status: JsonRecord }[];
  /** Versions per package, keyed by `packageKey(...)`; served newest (highest id) first. */
  packageVersions: Map<string, JsonRecord[]>;
  deployments: JsonRecord[];
  deploymentStatuses: { deploymentId: number; status: JsonRecord }[];
  pullRequests: JsonRecord[];
  releases: JsonRecord[];
  /** Pull request reviews (REST shape; `pull_request_url` names the pull request). */
  reviews: JsonRecord[];
  /**
   * The repository as `GET /repos/{owner}/{repo}` returns it. `allow_auto_merge` is false, GitHub's
   * default: set it to let `enablePullRequestAutoMerge` succeed.
   */
  repository: JsonRecord;
  /** Approving reviews the base branch's protection requires; 0: none, and `reviewDecision` is null. Default: 1. */
  requiredApprovingReviews: number;
  /** Auto-merge enabled through GraphQL, per pull request number (also shown as the REST `auto_merge`). */
  autoMergeRequests: Map<number, { mergeMethod: string; enabledAt: string }>;
  /**
   * Check or status names the base branch's protection requires green on the head: with them (and
   * the required approvals) a pull request is in clean status, and only then does a merge succeed.
   * Default: none.
   */
  requiredStatusChecks: string[];
  /** Commits beyond their sha (messages, authors, files); a sha nobody seeded gets a plain default. */
  commits: Map<string, FakeCommit>;
  /** Each pull request's commits, oldest first; the last is its head. Default: the head alone. */
  pullRequestCommits: Map<number, string[]>;
  /**
   * The changes of a pull request as of a head commit (REST `diff-entry`s), by that sha: the PR's
   * files (REST and GraphQL) are those of its head, and `compare/<base>...<sha>` shows them.
   */
  diffs: Map<string, JsonRecord[]>;
  /** `labeled` and `unlabeled` events per issue or pull request number, oldest first. */
  issueEvents: Map<number, JsonRecord[]>;
  /** Teams (`org/slug`) a review was given on behalf of, by review id. */
  reviewTeams: Map<number, string[]>;
  /** Merges done through `PUT …/pulls/{n}/merge`, in order, with who merged. */
  merges: { number: number; sha: string; mergeMethod: string; actor: string }[];
  // deploy-command: the conversation and who may deploy.
  /** Issue and pull request comments, oldest first, with the number they were made on. */
  issueComments: { issueNumber: number; comment: JsonRecord }[];
  /** Reactions by comment id, oldest first. */
  commentReactions: Map<number, JsonRecord[]>;
  /** Role on the repository by login (admin, maintain, write, triage, read); others are no collaborators. */
  collaborators: Map<string, string>;
  /** Team memberships by `org/slug`, then login: active, or pending (invited). */
  teamMembers: Map<string, Map<string, 'active' | 'pending'>>;
}

export interface RecordedRequest {
  method: string;
  /** Path and query as received (still percent-encoded). */
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The OpenAPI operation it matched, if any; `graphql <OperationName>` for a GraphQL request. */
  operationId?: string;
  status: number;
  /** When it arrived (`performance.now()`), for tests of the waits between retries. */
  receivedAt: number;
}

export interface SchemaViolation {
  method: string;
  url: string;
  operationId: string;
  where: 'request' | 'response';
  errors: string[];
}

/** An answer to send instead of the real one, for retry tests. */
export interface ScriptedFault {
  /** Default: any method. */
  method?: string;
  /** Matches the path (without query). Default: any path. */
  path?: string | RegExp;
  status: number;
  headers?: Record<string, string>;
  /** Default: GitHub's error shape with the status text. */
  body?: string;
  /** How many requests it answers. Default: 1. */
  times?: number;
}

export interface GitHubFake {
  /** `http://127.0.0.1:PORT`: pass it as `apiUrl` / `GITHUB_API_URL`. */
  url: string;
  state: GitHubFakeState;
  requests: RecordedRequest[];
  /**
   * Every request or response that broke GitHub's OpenAPI description or GraphQL schema (or a
   * rule of its GraphQL API, such as paging connections); tests assert it stays empty.
   */
  schemaViolations: SchemaViolation[];
  /** Builds complete objects and pushes them into `state`. */
  seed: GitHubFakeSeeder;
  /** Answers the next matching request(s) with a fault instead. */
  failNext(fault: ScriptedFault): void;
  /**
   * Rewrites a response body just before it is validated and sent: only for proving that the
   * validation catches a drifted fake. Default: none.
   */
  tamper: ((operationId: string, body: JsonValue) => JsonValue) | undefined;
  /**
   * The permissions the token is granted, as a job's `permissions:` grants them to its
   * GITHUB_TOKEN; an operation beyond them is answered 403 as GitHub does. Default: undefined,
   * everything allowed (a personal token).
   */
  permissions: Permissions | undefined;
  stop(): Promise<void>;
}

export interface PackageVersionsSeed extends Omit<PackageVersionSeed, 'name' | 'tags'> {
  count: number;
  /** Tags of version `i` (0 = oldest). Default: `[sha-like tag]`. */
  tags?: (index: number) => string[];
  /** Name (digest or version) of version `i`. Default: a sha256 digest. */
  name?: (index: number) => string;
}

export interface GitHubFakeSeeder {
  /** Maps a branch or tag name to a sha; returns the sha. Default sha: derived from the name. */
  ref(name: string, sha?: string): string;
  checkRun(seed: CheckRunSeed): JsonRecord;
  status(sha: string, seed: StatusSeed): JsonRecord;
  packageVersion(seed: PackageVersionSeed): JsonRecord;
  /** Seeds `count` versions, oldest first, so that the last seeded is the newest served. */
  packageVersions(seed: PackageVersionsSeed): JsonRecord[];
  deployment(seed: DeploymentSeed): JsonRecord;
  pullRequest(seed: PullRequestFakeSeed): JsonRecord;
  release(seed: ReleaseSeed): JsonRecord;
  /** A review of a pull request, submitted now unless `submittedAt` says otherwise. */
  review(seed: ReviewSeed): JsonRecord;
  /** A commit the fake knows (for GraphQL's messages and files); moves `branch` to it when given. */
  commit(seed: CommitSeed): string;
  /** Writes a file into the commit a branch or sha names (the base branch's policy, CODEOWNERS…). */
  file(ref: string, path: string, text: string): void;
  /**
   * Pushes a commit to a pull request's head. Without `files`, the PR's changes stay as they were
   * (as when only the base branch is merged in); with them, they become the PR's changes.
   */
  push(pullNumber: number, seed: PushSeed): string;
  /** Adds a label to an issue or pull request as `actor` did, with its `labeled` event. */
  label(issueNumber: number, name: string, actor: string): void;
  /** A status of a deployment (its newest counts). */
  deploymentStatus(
    deploymentId: number,
    seed: { state: string; description?: string; environment_url?: string; log_url?: string },
  ): JsonRecord;
  // deploy-command: the conversation and who may deploy.
  /** A comment by `author` on an issue or pull request, as the issue_comment event carries it. */
  issueComment(seed: {
    issueNumber: number;
    body: string;
    author: string;
    authorType?: 'User' | 'Bot';
  }): JsonRecord;
  /** Gives `login` a role on the repository: admin, maintain, write, triage or read. */
  collaborator(login: string, role: string): void;
  /** Makes `login` a member of the team `org/slug` (pending: invited, not yet a member). */
  teamMember(team: string, login: string, membership?: 'active' | 'pending'): void;
}

export interface CommitSeed {
  /** Default: derived from the message and parents. */
  sha?: string;
  message: string;
  /** Login. Default: octocat. */
  author?: string;
  /** Login. Default: the author. */
  committer?: string;
  parents?: string[];
  files?: Record<string, string>;
  /** A branch to point at the commit. */
  branch?: string;
}

export interface PushSeed {
  message: string;
  sha?: string;
  author?: string;
  committer?: string;
  files?: ChangedFileSeed[];
}

export interface PullRequestFakeSeed
  extends Omit<PullRequestSeed, 'number' | 'headSha' | 'baseSha'>,
    Partial<Pick<PullRequestSeed, 'number' | 'headSha' | 'baseSha'>> {
  /** The changes (default: none). */
  files?: ChangedFileSeed[];
  /** Its commits, oldest first; the last is the head (default: one commit titled like the PR). */
  commits?: { message: string; author?: string; sha?: string }[];
}

/** The key of a package's versions in `state.packageVersions`. */
export function packageKey(
  seed: Pick<PackageVersionSeed, 'owner' | 'ownerType' | 'packageType' | 'packageName'>,
): string {
  return `${seed.ownerType}/${seed.owner}/${seed.packageType}/${seed.packageName}`;
}

export interface Answer {
  status: number;
  body?: JsonValue;
  headers?: Record<string, string>;
}

export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: JsonRecord;
  /** The path the Link header should repeat (GitHub rewrites repository routes to /repositories/{id}). */
  linkPath: string;
  operation: OpenApiOperation;
  /** The login the request's token acts as. */
  actor: string;
}

export interface Route {
  method: string;
  /** The OpenAPI path template. */
  path: string;
  handle: (context: RouteContext) => Answer;
}

const SHA_PATTERN = /^[0-9a-f]{40}$/;

/** Starts the fake on 127.0.0.1 on a free port. */
export async function startGitHubFake(options: GitHubFakeOptions): Promise<GitHubFake> {
  const repository = options.repository ?? 'acme/api';
  const [repoOwner, repoName] = repository.split('/');
  if (!repoOwner || !repoName) throw new Error(`repository "${repository}" is not owner/name`);
  const repositoryId = options.repositoryId ?? 1296269;
  let lastId = 1000;
  const context: FactoryContext = {
    repository,
    repositoryId,
    nextId: () => ++lastId,
    now: () => new Date(),
  };
  const repositoryObject = makeRepository(context);
  const state: GitHubFakeState = {
    refs: new Map([['main', shaOf('main')]]),
    checkRuns: [],
    statuses: [],
    packageVersions: new Map(),
    deployments: [],
    deploymentStatuses: [],
    pullRequests: [],
    releases: [],
    reviews: [],
    repository: repositoryObject,
    requiredApprovingReviews: 1,
    autoMergeRequests: new Map(),
    requiredStatusChecks: [],
    commits: new Map(),
    pullRequestCommits: new Map(),
    diffs: new Map(),
    issueEvents: new Map(),
    reviewTeams: new Map(),
    merges: [],
    issueComments: [],
    commentReactions: new Map(),
    collaborators: new Map(),
    teamMembers: new Map(),
  };
  const tokens = new Map<string, string>([
    [options.token, 'github-actions[bot]'],
    ...Object.entries(options.otherTokens ?? {}),
  ]);
  const protection = (): BranchProtection => ({
    requiredApprovingReviews: state.requiredApprovingReviews,
    requiredStatusChecks: state.requiredStatusChecks,
  });
  const iso = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const commitOf = (sha: string): FakeCommit =>
    state.commits.get(sha) ?? {
      sha,
      message: `commit ${sha.slice(0, 7)}`,
      author: 'octocat',
      committer: 'octocat',
      parents: [],
      files: {},
      date: '2026-11-20T09:00:00Z',
    };
  const findPull = (number: string | undefined) =>
    state.pullRequests.find((entry) => String(entry.number) === number);
  const requests: RecordedRequest[] = [];
  const schemaViolations: SchemaViolation[] = [];
  const faults: (ScriptedFault & { left: number })[] = [];
  let baseUrl = '';

  const resolveRef = (ref: string): string | undefined => {
    const name = ref.replace(/^refs\/(heads|tags)\//, '');
    if (SHA_PATTERN.test(name)) return name;
    return state.refs.get(name);
  };

  const notFound = (operation: OpenApiOperation, message = 'Not Found'): Answer => ({
    status: 404,
    body: { message, documentation_url: operation.documentationUrl, status: '404' },
  });

  const validationFailed = (operation: OpenApiOperation, message: string, errors: JsonRecord[]): Answer => ({
    status: 422,
    body: { message, errors, documentation_url: operation.documentationUrl, status: '422' },
  });

  const isOurRepository = (params: Record<string, string>) =>
    params.owner?.toLowerCase() === repoOwner.toLowerCase() &&
    params.repo?.toLowerCase() === repoName.toLowerCase();

  /** Slices `items` the way GitHub does: per_page (default 30, at most 100), page (from 1), and a Link header. */
  const paginate = <T>(items: T[], route: RouteContext): { page: T[]; headers: Record<string, string> } => {
    const perPage = Math.min(Math.max(Number(route.query.get('per_page') ?? 30) || 30, 1), 100);
    const page = Math.max(Number(route.query.get('page') ?? 1) || 1, 1);
    const lastPage = Math.max(Math.ceil(items.length / perPage), 1);
    const link = (target: number) => {
      const query = new URLSearchParams(route.query);
      query.set('page', String(target));
      return `<${baseUrl}${route.linkPath}?${query}>`;
    };
    const parts: string[] = [];
    if (page > 1) parts.push(`${link(Math.min(page - 1, lastPage))}; rel="prev"`);
    if (page < lastPage) parts.push(`${link(page + 1)}; rel="next"`, `${link(lastPage)}; rel="last"`);
    if (page > 1) parts.push(`${link(1)}; rel="first"`);
    return {
      page: items.slice((page - 1) * perPage, page * perPage),
      headers: parts.length > 0 ? { link: parts.join(', ') } : {},
    };
  };

  const statusesFor = (sha: string) =>
    state.statuses
      .filter((entry) => entry.sha === sha)
      .map((entry) => entry.status)
      .sort(
        (a, b) => String(b.created_at).localeCompare(String(a.created_at)) || Number(b.id) - Number(a.id),
      );

  const findPackage = (params: Record<string, string>, ownerType: 'org' | 'user') =>
    state.packageVersions.get(
      packageKey({
        owner: params.org ?? params.username ?? '',
        ownerType,
        packageType: params.package_type as 'container' | 'npm',
        packageName: params.package_name ?? '',
      }),
    );

  const listVersions = (ownerType: 'org' | 'user') => (route: RouteContext) => {
    const versions = findPackage(route.params, ownerType);
    if (!versions) return notFound(route.operation, 'Package not found.');
    const sorted = [...versions].sort((a, b) => Number(b.id) - Number(a.id));
    const { page, headers } = paginate(sorted, route);
    return { status: 200, body: page, headers };
  };

  const deleteVersion = (ownerType: 'org' | 'user') => (route: RouteContext) => {
    const versions = findPackage(route.params, ownerType);
    const index =
      versions?.findIndex((version) => String(version.id) === route.params.package_version_id) ?? -1;
    if (!versions || index < 0) return notFound(route.operation, 'Package version not found.');
    versions.splice(index, 1);
    return { status: 204 };
  };

  const routes: Route[] = [
    {
      method: 'GET',
      path: '/repos/{owner}/{repo}',
      handle: (route) =>
        isOurRepository(route.params) ? { status: 200, body: repositoryObject } : notFound(route.operation),
    },
    {
      method: 'GET',
      path: '/repos/{owner}/{repo}/commits/{ref}/check-runs',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const sha = resolveRef(route.params.ref ?? '');
        if (!sha)
          return validationFailed(route.operation, `No commit found for SHA: ${route.params.ref}`, []);
        const name = route.query.get('check_name');
        const status = route.query.get('status');
        let runs = state.checkRuns.filter(
          (run) => run.head_sha === sha && (!name || run.name === name) && (!status || run.status === status),
        );
        if (route.query.get('filter') !== 'all') {
          // filter=latest (GitHub's default) keeps the most recent run of each name.
          const newest = new Map<string, JsonRecord>();
          for (const run of runs) {
            const known = newest.get(String(run.name));
            if (!known || Number(run.id) > Number(known.id)) newest.set(String(run.name), run);
          }
          runs = [...newest.values()];
        }
        runs = [...runs].sort((a, b) => Number(b.id) - Number(a.id));
        const { page, headers } = paginate(runs, route);
        return { status: 200, body: { total_count: runs.length, check_runs: page }, headers };
      },
    },
    {
      method: 'GET',
      path: '/repos/{owner}/{repo}/commits/{ref}/statuses',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const sha = resolveRef(route.params.ref ?? '');
        const { page, headers } = paginate(sha ? statusesFor(sha) : [], route);
        return { status: 200, body: page, headers };
      },
    },
    {
      method: 'GET',
      path: '/repos/{owner}/{repo}/commits/{ref}/status',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const sha = resolveRef(route.params.ref ?? '');
        if (!sha) return notFound(route.operation, `No commit found for SHA: ${route.params.ref}`);
        const latest = new Map<string, JsonRecord>();
        for (const status of statusesFor(sha))
          if (!latest.has(String(status.context))) latest.set(String(status.context), status);
        const all = [...latest.values()];
        const { page } = paginate(all, route);
        const states = all.map((status) => status.state);
        const combined = states.some((value) => value === 'failure' || value === 'error')
          ? 'failure'
          : states.length === 0 || states.includes('pending')
            ? 'pending'
            : 'success';
        return {
          status: 200,
          body: {
            state: combined,
            statuses: page.map(({ creator: _unused, ...status }) => status),
            sha,
            total_count: all.length,
            repository: repositoryObject,
            commit_url: `https://api.github.com/repos/${repository}/commits/${sha}`,
            url: `https://api.github.com/repos/${repository}/commits/${sha}/status`,
          },
        };
      },
    },
    {
      method: 'POST',
      path: '/repos/{owner}/{repo}/deployments',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const ref = String(route.body.ref);
        const sha = resolveRef(ref);
        if (!sha) return validationFailed(route.operation, `No ref found for: ${ref}`, []);
        const deployment = makeDeployment(context, {
          ref,
          sha,
          environment: typeof route.body.environment === 'string' ? route.body.environment : 'production',
          description: typeof route.body.description === 'string' ? route.body.description : null,
          payload: (route.body.payload as JsonRecord | string | undefined) ?? {},
          task: typeof route.body.task === 'string' ? route.body.task : 'deploy',
          production_environment: route.body.production_environment === true,
          transient_environment: route.body.transient_environment === true,
        });
        state.deployments.push(deployment);
        return { status: 201, body: deployment };
      },
    },
    {
      method: 'POST',
      path: '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const deploymentId = Number(route.params.deployment_id);
        const deployment = state.deployments.find((entry) => entry.id === deploymentId);
        if (!deployment) return notFound(route.operation);
        if (typeof route.body.description === 'string' && [...route.body.description].length > 140)
          return validationFailed(route.operation, 'Validation Failed', [
            {
              resource: 'DeploymentStatus',
              code: 'custom',
              field: 'description',
              message: 'description is too long (maximum is 140 characters)',
            },
          ]);
        const status = makeDeploymentStatus(context, {
          deploymentId,
          environment: String(route.body.environment ?? deployment.environment),
          state: String(route.body.state),
          description: typeof route.body.description === 'string' ? route.body.description : '',
          environment_url:
            typeof route.body.environment_url === 'string' ? route.body.environment_url : undefined,
          log_url:
            typeof route.body.log_url === 'string'
              ? route.body.log_url
              : typeof route.body.target_url === 'string'
                ? route.body.target_url
                : undefined,
        });
        state.deploymentStatuses.push({ deploymentId, status });
        return { status: 201, body: status, headers: { location: String(status.url) } };
      },
    },
    {
      method: 'GET',
      path: '/orgs/{org}/packages/{package_type}/{package_name}/versions',
      handle: listVersions('org'),
    },
    {
      method: 'GET',
      path: '/users/{username}/packages/{package_type}/{package_name}/versions',
      handle: listVersions('user'),
    },
    {
      method: 'DELETE',
      path: '/orgs/{org}/packages/{package_type}/{package_name}/versions/{package_version_id}',
      handle: deleteVersion('org'),
    },
    {
      method: 'DELETE',
      path: '/users/{username}/packages/{package_type}/{package_name}/versions/{package_version_id}',
      handle: deleteVersion('user'),
    },
    {
      method: 'GET',
      path: '/repos/{owner}/{repo}/pulls',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const wanted = route.query.get('state') ?? 'open';
        const head = route.query.get('head');
        const base = route.query.get('base');
        const pulls = state.pullRequests
          .filter((pull) => wanted === 'all' || pull.state === wanted)
          .filter((pull) => !head || (pull.head as JsonRecord).label === head)
          .filter((pull) => !base || (pull.base as JsonRecord).ref === base)
          .sort((a, b) => Number(b.number) - Number(a.number));
        const { page, headers } = paginate(pulls, route);
        return { status: 200, body: page.map(toSimplePullRequest), headers };
      },
    },
    {
      method: 'POST',
      path: '/repos/{owner}/{repo}/pulls',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const head = String(route.body.head);
        const branch = head.includes(':') ? head.slice(head.indexOf(':') + 1) : head;
        const base = String(route.body.base);
        const label = `${repoOwner}:${branch}`;
        const open = state.pullRequests.find(
          (pull) =>
            pull.state === 'open' &&
            (pull.head as JsonRecord).label === label &&
            (pull.base as JsonRecord).ref === base,
        );
        if (open)
          return validationFailed(route.operation, 'Validation Failed', [
            {
              resource: 'PullRequest',
              code: 'custom',
              message: `A pull request already exists for ${label}.`,
            },
          ]);
        const pull = seeder.pullRequest({
          title: String(route.body.title ?? ''),
          body: typeof route.body.body === 'string' ? route.body.body : null,
          head: branch,
          base,
        });
        return { status: 201, body: pull, headers: { location: String(pull.url) } };
      },
    },
    {
      method: 'PATCH',
      path: '/repos/{owner}/{repo}/pulls/{pull_number}',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const pull = state.pullRequests.find((entry) => String(entry.number) === route.params.pull_number);
        if (!pull) return notFound(route.operation);
        for (const field of ['title', 'body', 'state'] as const)
          if (route.body[field] !== undefined) pull[field] = route.body[field] as JsonValue;
        pull.updated_at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        return { status: 200, body: pull };
      },
    },
    {
      method: 'POST',
      path: '/repos/{owner}/{repo}/check-runs',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const run = seeder.checkRun({
          name: String(route.body.name),
          head_sha: String(route.body.head_sha),
          status: (route.body.status as CheckRunSeed['status']) ?? 'queued',
          conclusion: (route.body.conclusion as string | undefined) ?? null,
          ...(typeof route.body.external_id === 'string' ? { external_id: route.body.external_id } : {}),
          ...(typeof route.body.details_url === 'string' ? { details_url: route.body.details_url } : {}),
          output: readOutput(route.body.output),
        });
        // A run created as completed has a conclusion; one created in progress has none yet.
        if (run.status === 'completed' && run.conclusion === null)
          return validationFailed(route.operation, 'Validation Failed', [
            { resource: 'CheckRun', code: 'missing_field', field: 'conclusion' },
          ]);
        return { status: 201, body: run };
      },
    },
    {
      method: 'PATCH',
      path: '/repos/{owner}/{repo}/check-runs/{check_run_id}',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const run = state.checkRuns.find((entry) => String(entry.id) === route.params.check_run_id);
        if (!run) return notFound(route.operation);
        // Once completed, a run's status and conclusion stay as they are (GitHub: "it's not possible
        // to modify its status nor its conclusion further"); its output and ids still change.
        if (run.status !== 'completed') {
          const status = route.body.status as string | undefined;
          if (status !== undefined) run.status = status;
          if (route.body.conclusion !== undefined) {
            run.conclusion = route.body.conclusion as JsonValue;
            run.status = 'completed';
          }
          if (run.status === 'completed')
            run.completed_at =
              typeof route.body.completed_at === 'string' ? route.body.completed_at : iso(new Date());
        }
        for (const field of ['external_id', 'details_url', 'name'] as const)
          if (typeof route.body[field] === 'string') run[field] = route.body[field] as string;
        if (route.body.output !== undefined)
          run.output = { ...(run.output as JsonRecord), ...readOutput(route.body.output) };
        return { status: 200, body: run };
      },
    },
    {
      method: 'GET',
      path: '/repos/{owner}/{repo}/commits/{commit_sha}/pulls',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const sha = resolveRef(route.params.commit_sha ?? '');
        const pulls = state.pullRequests
          .filter(
            (pull) =>
              pull.state === 'open' &&
              sha !== undefined &&
              (
                state.pullRequestCommits.get(Number(pull.number)) ?? [String((pull.head as JsonRecord).sha)]
              ).includes(sha),
          )
          .sort((a, b) => Number(b.number) - Number(a.number));
        const { page, headers } = paginate(pulls, route);
        return { status: 200, body: page.map(toSimplePullRequest), headers };
      },
    },
    {
      method: 'GET',
      path: '/repos/{owner}/{repo}/pulls/{pull_number}/files',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const pull = findPull(route.params.pull_number);
        if (!pull) return notFound(route.operation);
        const { page, headers } = paginate(
          state.diffs.get(String((pull.head as JsonRecord).sha)) ?? [],
          route,
        );
        return { status: 200, body: page, headers };
      },
    },
    {
      method: 'GET',
      path: '/repos/{owner}/{repo}/compare/{basehead}',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const [base = '', head = ''] = (route.params.basehead ?? '').split('...');
        const baseSha = resolveRef(base);
        const headSha = resolveRef(head);
        if (!baseSha || !headSha) return notFound(route.operation);
        const commit = (sha: string) => {
          const known = commitOf(sha);
          return makeCommit(context, known);
        };
        const files = state.diffs.get(headSha) ?? [];
        return {
          status: 200,
          body: {
            url: `https://api.github.com/repos/${repository}/compare/${base}...${head}`,
            html_url: `https://github.com/${repository}/compare/${base}...${head}`,
            permalink_url: `https://github.com/${repository}/compare/${base}...${head}`,
            diff_url: `https://github.com/${repository}/compare/${base}...${head}.diff`,
            patch_url: `https://github.com/${repository}/compare/${base}...${head}.patch`,
            base_commit: commit(baseSha),
            merge_base_commit: commit(baseSha),
            status: files.length === 0 ? 'identical' : 'diverged',
            ahead_by: files.length === 0 ? 0 : 1,
            behind_by: 0,
            total_commits: files.length === 0 ? 0 : 1,
            commits: files.length === 0 ? [] : [commit(headSha)],
            files,
          },
        };
      },
    },
    {
      method: 'POST',
      path: '/repos/{owner}/{repo}/issues/{issue_number}/labels',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const pull = findPull(route.params.issue_number);
        if (!pull) return notFound(route.operation);
        const names = ((route.body.labels as JsonValue[] | undefined) ?? []).map((label) =>
          typeof label === 'string' ? label : String((label as JsonRecord).name),
        );
        for (const name of names) seeder.label(Number(pull.number), name, route.actor);
        return { status: 200, body: pull.labels as JsonRecord[] };
      },
    },
    {
      method: 'DELETE',
      path: '/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const pull = findPull(route.params.issue_number);
        const labels = (pull?.labels as JsonRecord[] | undefined) ?? [];
        const index = labels.findIndex((label) => label.name === route.params.name);
        if (!pull || index < 0) return notFound(route.operation, 'Label does not exist');
        labels.splice(index, 1);
        addIssueEvent(Number(pull.number), 'unlabeled', String(route.params.name), route.actor);
        return { status: 200, body: labels };
      },
    },
    {
      method: 'PUT',
      path: '/repos/{owner}/{repo}/pulls/{pull_number}/merge',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const pull = findPull(route.params.pull_number);
        if (!pull) return notFound(route.operation);
        const refuse = (status: number, message: string): Answer => ({
          status,
          body: { message, documentation_url: route.operation.documentationUrl, status: String(status) },
        });
        if (pull.state !== 'open') return refuse(405, 'Pull Request is not mergeable');
        const head = pull.head as JsonRecord;
        if (typeof route.body.sha === 'string' && route.body.sha !== head.sha)
          return refuse(409, 'Head branch was modified. Review and try the merge again.');
        const method = typeof route.body.merge_method === 'string' ? route.body.merge_method : 'merge';
        const setting = {
          merge: 'allow_merge_commit',
          squash: 'allow_squash_merge',
          rebase: 'allow_rebase_merge',
        }[method];
        if (setting && state.repository[setting] === false)
          return refuse(
            405,
            `${method === 'merge' ? 'Merge commits' : `${method[0]?.toUpperCase()}${method.slice(1)} merges`} are not allowed on this repository.`,
          );
        const blocker = mergeBlocker(state, protection(), pull);
        if (blocker) return refuse(405, blocker.message);
        const base = pull.base as JsonRecord;
        // As GitHub words a merge commit: the title is its body.
        const message = `Merge pull request #${pull.number} from ${repoOwner}/${String(head.ref)}\n\n${String(pull.title)}`;
        // release: with a git database, the merge is a real merge commit on the base branch.
        const merged =
          options.gitDir && options.gitMerges
            ? mergeInGitDatabase(options.gitDir, {
                base: String(base.ref),
                head: String(head.sha),
                message,
                actor: route.actor,
              })
            : undefined;
        const sha = seeder.commit({
          ...(merged ? { sha: merged } : {}),
          message,
          author: route.actor,
          parents: [String(base.sha), String(head.sha)],
          branch: String(base.ref),
        });
        pull.state = 'closed';
        pull.merged = true;
        pull.merged_at = iso(new Date());
        pull.closed_at = pull.merged_at;
        pull.merge_commit_sha = sha;
        pull.merged_by =
          route.actor === 'github-actions[bot]' ? makeActionsBot() : makeUser(route.actor, 8_100_000);
        state.merges.push({ number: Number(pull.number), sha, mergeMethod: method, actor: route.actor });
        return { status: 200, body: { sha, merged: true, message: 'Pull Request successfully merged' } };
      },
    },
    {
      method: 'POST',
      path: '/repos/{owner}/{repo}/releases',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const tag = String(route.body.tag_name);
        if (state.releases.some((release) => release.tag_name === tag))
          return validationFailed(route.operation, 'Validation Failed', [
            { resource: 'Release', code: 'already_exists', field: 'tag_name' },
          ]);
        const release = seeder.release({
          tag_name: tag,
          name: typeof route.body.name === 'string' ? route.body.name : null,
          body: typeof route.body.body === 'string' ? route.body.body : null,
          target_commitish:
            typeof route.body.target_commitish === 'string' ? route.body.target_commitish : 'main',
          draft: route.body.draft === true,
          prerelease: route.body.prerelease === true,
        });
        return { status: 201, body: release, headers: { location: String(release.url) } };
      },
    },
    // release: tags and refs in the git database (options.gitDir), and a release by its tag.
    ...gitDatabaseRoutes({
      gitDir: options.gitDir,
      repository,
      isOurRepository,
      notFound,
      validationFailed,
      now: () => context.now(),
      nextId: () => context.nextId(),
      onTagRef: (name, commit) => state.refs.set(name, commit),
    }),
    {
      method: 'GET',
      path: '/repos/{owner}/{repo}/releases/tags/{tag}',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const release = state.releases.find(
          (entry) => entry.tag_name === route.params.tag && entry.draft !== true,
        );
        return release ? { status: 200, body: release } : notFound(route.operation);
      },
    },
    // deploy-command: the conversation (reactions, comments), who may deploy, the policy file, one pull request.
    {
      method: 'POST',
      path: '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const commentId = Number(route.params.comment_id);
        if (!state.issueComments.some(({ comment }) => comment.id === commentId))
          return notFound(route.operation);
        const reactions = state.commentReactions.get(commentId) ?? [];
        const content = String(route.body.content);
        // GitHub answers 200 with the reaction the same user already left, 201 for a new one.
        const same = reactions.find(
          (reaction) => reaction.content === content && (reaction.user as JsonRecord).login === route.actor,
        );
        if (same) return { status: 200, body: same };
        const id = context.nextId();
        const reaction = makeReaction(context, {
          id,
          content,
          user: makeUser(route.actor, 90_000 + id, route.actor.endsWith('[bot]') ? 'Bot' : 'User'),
        });
        reactions.push(reaction);
        state.commentReactions.set(commentId, reactions);
        return {
          status: 201,
          body: reaction,
          headers: { location: `https://api.github.com/reactions/${id}` },
        };
      },
    },
    {
      method: 'POST',
      path: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const comment = seeder.issueComment({
          issueNumber: Number(route.params.issue_number),
          body: String(route.body.body),
          author: route.actor,
        });
        return { status: 201, body: comment, headers: { location: String(comment.url) } };
      },
    },
    {
      method: 'PATCH',
      path: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const found = state.issueComments.find(
          ({ comment }) => String(comment.id) === route.params.comment_id,
        );
        if (!found) return notFound(route.operation);
        found.comment.body = String(route.body.body);
        found.comment.updated_at = iso(new Date());
        return { status: 200, body: found.comment };
      },
    },
    {
      method: 'GET',
      path: '/repos/{owner}/{repo}/collaborators/{username}/permission',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const login = route.params.username ?? '';
        const role = state.collaborators.get(login);
        // GitHub: "404 if the user is not a collaborator" (repository's own organization members aside).
        if (!role) return notFound(route.operation);
        // The legacy permission folds maintain into write and triage into read.
        const permission = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
        return {
          status: 200,
          body: {
            permission,
            role_name: role,
            user: { ...makeUser(login, 60_000, login.endsWith('[bot]') ? 'Bot' : 'User'), role_name: role },
          },
        };
      },
    },
    {
      method: 'GET',
      path: '/orgs/{org}/teams/{team_slug}/memberships/{username}',
      handle: (route) => {
        const team = `${route.params.org}/${route.params.team_slug}`.toLowerCase();
        const membership = state.teamMembers.get(team)?.get((route.params.username ?? '').toLowerCase());
        // The description documents this 404 without a body.
        if (!membership) return { status: 404 };
        return {
          status: 200,
          body: {
            url: `https://api.github.com/organizations/9919/team/1/memberships/${encodeURIComponent(route.params.username ?? '')}`,
            role: 'member',
            state: membership,
          },
        };
      },
    },
    {
      method: 'GET',
      path: '/repos/{owner}/{repo}/contents/{path}',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const ref = route.query.get('ref') ?? String(repositoryObject.default_branch);
        const sha = resolveRef(ref);
        if (!sha) return notFound(route.operation, `No commit found for the ref ${ref}`);
        const path = route.params.path ?? '';
        const text = commitOf(sha).files[path];
        if (text === undefined) return notFound(route.operation);
        return { status: 200, body: makeContentFile({ repository, ref, sha, path, text }) };
      },
    },
    {
      method: 'GET',
      path: '/repos/{owner}/{repo}/pulls/{pull_number}',
      handle: (route) => {
        if (!isOurRepository(route.params)) return notFound(route.operation);
        const pull = findPull(route.params.pull_number);
        return pull ? { status: 200, body: pull } : notFound(route.operation);
      },
    },
  ];
  const operations = new Map(routes.map((route) => [route, getOperation(route.method, route.path)]));

  const seeder: GitHubFakeSeeder = {
    ref(name, sha = shaOf(name)) {
      state.refs.set(name, sha);
      return sha;
    },
    checkRun(seed) {
      const run = makeCheckRun(context, seed);
      state.checkRuns.push(run);
      return run;
    },
    status(sha, seed) {
      const status = makeStatus(context, seed);
      state.statuses.push({ sha, status });
      return status;
    },
    packageVersion(seed) {
      const version = makePackageVersion(context, seed);
      const key = packageKey(seed);
      const versions = state.packageVersions.get(key) ?? [];
      versions.push(version);
      state.packageVersions.set(key, versions);
      return version;
    },
    packageVersions(seed) {
      const start = Date.parse('2026-01-01T00:00:00Z');
      return Array.from({ length: seed.count }, (_, index) =>
        seeder.packageVersion({
          owner: seed.owner,
          ownerType: seed.ownerType,
          packageType: seed.packageType,
          packageName: seed.packageName,
          name: seed.name?.(index) ?? `sha256:${shaOf(`${seed.packageName}:${index}`).padEnd(64, '0')}`,
          tags: seed.tags?.(index) ?? [shaOf(`commit ${index}`).slice(0, 7)],
          created_at: new Date(start + index * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        }),
      );
    },
    deployment(seed) {
      const deployment = makeDeployment(context, seed);
      state.deployments.push(deployment);
      return deployment;
    },
    pullRequest(seed) {
      const number = seed.number ?? Math.max(0, ...state.pullRequests.map((pull) => Number(pull.number))) + 1;
      const baseSha = seed.baseSha ?? resolveRef(seed.base) ?? seeder.ref(seed.base);
      let headSha = seed.headSha ?? resolveRef(seed.head) ?? shaOf(seed.head);
      if (seed.commits) {
        let parent = baseSha;
        const shas = seed.commits.map((commit, index) => {
          parent = seeder.commit({
            message: commit.message,
            parents: [parent],
            ...(commit.author ? { author: commit.author } : seed.author ? { author: seed.author } : {}),
            ...(commit.sha
              ? { sha: commit.sha }
              : index === (seed.commits?.length ?? 0) - 1 && seed.headSha
                ? { sha: seed.headSha }
                : {}),
          });
          return parent;
        });
        headSha = shas.at(-1) ?? headSha;
        state.pullRequestCommits.set(number, shas);
      } else if (!state.commits.has(headSha))
        seeder.commit({
          sha: headSha,
          message: seed.title,
          parents: [baseSha],
          ...(seed.author ? { author: seed.author } : {}),
        });
      if (!seed.forkOwner) state.refs.set(seed.head, headSha);
      state.diffs.set(
        headSha,
        (seed.files ?? []).map((file) => makeDiffEntry(context, file, headSha)),
      );
      const pull = makePullRequest(
        { ...context, repositoryObject },
        {
          number,
          title: seed.title,
          body: seed.body,
          head: seed.head,
          base: seed.base,
          headSha,
          baseSha,
          state: seed.state,
          ...(seed.author ? { author: seed.author } : {}),
          ...(seed.forkOwner ? { forkOwner: seed.forkOwner } : {}),
          ...(seed.draft !== undefined ? { draft: seed.draft } : {}),
        },
      );
      state.pullRequests.push(pull);
      return pull;
    },
    release(seed) {
      const release = makeRelease(context, seed);
      state.releases.push(release);
      return release;
    },
    review(seed) {
      const review = makeReview(context, seed);
      state.reviews.push(review);
      if (seed.onBehalfOf) state.reviewTeams.set(Number(review.id), seed.onBehalfOf);
      return review;
    },
    commit(seed) {
      const parents = seed.parents ?? [];
      const sha = seed.sha ?? shaOf(`${seed.message}\n${parents.join(' ')}\n${lastId}`);
      const author = seed.author ?? 'octocat';
      state.commits.set(sha, {
        sha,
        message: seed.message,
        author,
        committer: seed.committer ?? author,
        parents,
        files: { ...(parents[0] ? commitOf(parents[0]).files : {}), ...seed.files },
        date: iso(context.now()),
      });
      if (seed.branch) state.refs.set(seed.branch, sha);
      return sha;
    },
    file(ref, path, text) {
      const sha = resolveRef(ref) ?? seeder.ref(ref);
      const commit = commitOf(sha);
      state.commits.set(sha, { ...commit, files: { ...commit.files, [path]: text } });
    },
    push(pullNumber, seed) {
      const pull = findPull(String(pullNumber));
      if (!pull) throw new Error(`no pull request #${pullNumber}`);
      const head = pull.head as JsonRecord;
      const before = String(head.sha);
      const sha = seeder.commit({
        message: seed.message,
        parents: [before],
        ...(seed.sha ? { sha: seed.sha } : {}),
        ...(seed.author ? { author: seed.author } : {}),
        ...(seed.committer ? { committer: seed.committer } : {}),
      });
      head.sha = sha;
      state.refs.set(String(head.ref), sha);
      state.pullRequestCommits.set(pullNumber, [
        ...(state.pullRequestCommits.get(pullNumber) ?? [before]),
        sha,
      ]);
      state.diffs.set(
        sha,
        seed.files
          ? seed.files.map((file) => makeDiffEntry(context, file, sha))
          : (state.diffs.get(before) ?? []),
      );
      return sha;
    },
    label(issueNumber, name, actor) {
      const pull = findPull(String(issueNumber));
      if (!pull) throw new Error(`no pull request #${issueNumber}`);
      const labels = pull.labels as JsonRecord[];
      if (!labels.some((label) => label.name === name))
        labels.push(makeLabel(context, name, context.nextId()));
      addIssueEvent(issueNumber, 'labeled', name, actor);
    },
    deploymentStatus(deploymentId, seed) {
      const deployment = state.deployments.find((entry) => entry.id === deploymentId);
      if (!deployment) throw new Error(`no deployment ${deploymentId}`);
      const status = makeDeploymentStatus(context, {
        deploymentId,
        environment: String(deployment.environment),
        ...seed,
      });
      state.deploymentStatuses.push({ deploymentId, status });
      return status;
    },
    // deploy-command: the conversation and who may deploy.
    issueComment(seed) {
      const comment = makeIssueComment(context, {
        id: context.nextId(),
        issueNumber: seed.issueNumber,
        body: seed.body,
        user: makeUser(
          seed.author,
          70_000 + lastId,
          seed.authorType ?? (seed.author.endsWith('[bot]') ? 'Bot' : 'User'),
        ),
        authorAssociation: state.collaborators.has(seed.author) ? 'COLLABORATOR' : 'NONE',
      });
      state.issueComments.push({ issueNumber: seed.issueNumber, comment });
      return comment;
    },
    collaborator(login, role) {
      state.collaborators.set(login, role);
    },
    teamMember(team, login, membership = 'active') {
      const members = state.teamMembers.get(team.toLowerCase()) ?? new Map();
      members.set(login.toLowerCase(), membership);
      state.teamMembers.set(team.toLowerCase(), members);
    },
  };

  function addIssueEvent(issueNumber: number, event: 'labeled' | 'unlabeled', label: string, actor: string) {
    const events = state.issueEvents.get(issueNumber) ?? [];
    events.push(makeLabelEvent(context, { event, label, actor }));
    state.issueEvents.set(issueNumber, events);
  }

  const fake: GitHubFake = {
    url: '',
    state,
    requests,
    schemaViolations,
    seed: seeder,
    failNext(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    tamper: undefined,
    permissions: undefined,
    stop: async () => {},
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const receivedAt = performance.now();
    const body = await readBody(request);
    const url = new URL(request.url ?? '/', baseUrl);
    const method = request.method ?? 'GET';
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([key, value]) => [
        key,
        Array.isArray(value) ? value.join(', ') : (value ?? ''),
      ]),
    );
    const record: RecordedRequest = {
      method,
      url: request.url ?? '/',
      headers,
      body,
      status: 0,
      receivedAt,
    };
    requests.push(record);
    const send = (answer: Answer) => {
      const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
      record.status = answer.status;
      response.writeHead(answer.status, {
        ...(answer.body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
        'x-github-api-version-selected': '2022-11-28',
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '4999',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
        'x-ratelimit-resource': 'core',
        ...answer.headers,
      });
      response.end(text);
    };

    const fault = faults.find(
      (entry) =>
        entry.left > 0 &&
        (!entry.method || entry.method === method) &&
        (!entry.path ||
          (typeof entry.path === 'string' ? entry.path === url.pathname : entry.path.test(url.pathname))),
    );
    if (fault) {
      fault.left--;
      if (fault.left === 0) faults.splice(faults.indexOf(fault), 1);
      record.status = fault.status;
      response.writeHead(fault.status, {
        'content-type': 'application/json; charset=utf-8',
        ...fault.headers,
      });
      response.end(
        fault.body ?? JSON.stringify({ message: `Fake fault ${fault.status}`, status: String(fault.status) }),
      );
      return;
    }

    const authorization = headers.authorization ?? '';
    const presented = /^(?:Bearer|token) (.+)$/i.exec(authorization)?.[1];
    const actor = presented === undefined ? undefined : tokens.get(presented);
    // Only the job's own token is limited to the job's permissions.
    const permissions = presented === options.token ? fake.permissions : undefined;
    if (actor === undefined) {
      send({
        status: 401,
        body: {
          message: presented === undefined ? 'Requires authentication' : 'Bad credentials',
          documentation_url: 'https://docs.github.com/rest',
          status: '401',
        },
      });
      return;
    }
    if (method === 'POST' && url.pathname === '/graphql') {
      const violation = (operationId: string, where: 'request' | 'response', errors: string[]) =>
        schemaViolations.push({ method, url: record.url, operationId, where, errors });
      const checked = checkGraphQLRequest(body);
      record.operationId = `graphql ${checked.operationName}`;
      // GitHub answers a query it cannot run with 200 and `errors`; the test sees the violation.
      if ('status' in checked) {
        violation(record.operationId, 'request', checked.errors);
        send({ status: checked.status, body: checked.body as JsonValue });
        return;
      }
      const answer = await runGraphQL(
        checked,
        createGraphQLRoot({
          repository,
          state,
          resolveRef,
          commitOf,
          actor,
          permissions,
          now: context.now,
        }),
      );
      if (answer.requestErrors.length > 0) violation(record.operationId, 'request', answer.requestErrors);
      if (answer.responseErrors.length > 0) {
        violation(record.operationId, 'response', answer.responseErrors);
        send({
          status: 500,
          body: { message: 'fake GitHub: response breaks the GraphQL schema', errors: answer.responseErrors },
        });
        return;
      }
      send({ status: 200, body: answer.body });
      return;
    }

    const version = headers['x-github-api-version'];
    if (version !== undefined && version !== '2022-11-28') {
      send({
        status: 400,
        body: {
          message: `API version '${version}' is not supported.`,
          documentation_url: 'https://docs.github.com/rest/overview/api-versions',
          status: '400',
        },
      });
      return;
    }

    const { route, params, linkPath } = matchRoute(routes, method, url.pathname, repositoryId, repository);
    if (!route) {
      schemaViolations.push({
        method,
        url: record.url,
        operationId: '(none)',
        where: 'request',
        errors: [`the fake serves no ${method} ${url.pathname}`],
      });
      send({
        status: 404,
        body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' },
      });
      return;
    }
    const operation = operations.get(route) as OpenApiOperation;
    record.operationId = operation.operationId;
    if (permissions && !permits(permissions, route.method, route.path)) {
      send({
        status: 403,
        body: {
          message: 'Resource not accessible by integration',
          documentation_url: 'https://docs.github.com/rest',
          status: '403',
        },
      });
      return;
    }
    const violation = (where: 'request' | 'response', errors: string[]) => {
      schemaViolations.push({ method, url: record.url, operationId: operation.operationId, where, errors });
      send({
        status: 500,
        body: { message: `fake GitHub: ${where} breaks the OpenAPI description`, errors },
      });
    };

    const requestErrors = validateRequest(operation, {
      pathParams: params,
      query: url.searchParams,
      body,
      alsoAllowed: method === 'GET' ? ['page'] : [],
    });
    if (requestErrors.length > 0) return violation('request', requestErrors);

    let answer: Answer;
    try {
      answer = route.handle({
        params,
        query: url.searchParams,
        body: body ? (JSON.parse(body) as JsonRecord) : {},
        linkPath,
        operation,
        actor,
      });
    } catch (error) {
      return violation('response', [
        `the fake failed: ${error instanceof Error ? error.message : String(error)}`,
      ]);
    }
    if (answer.body !== undefined && fake.tamper)
      answer = { ...answer, body: fake.tamper(operation.operationId, answer.body) };
    const responseHeaders: Record<string, string> = {
      ...(answer.body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      ...answer.headers,
    };
    const responseErrors = validateResponse(operation, {
      status: answer.status,
      headers: responseHeaders,
      body: answer.body === undefined ? '' : JSON.stringify(answer.body),
    });
    if (responseErrors.length > 0) return violation('response', responseErrors);
    send(answer);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify({ message: `fake GitHub crashed: ${String(error)}` }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;
  fake.url = baseUrl;
  fake.stop = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });
  return fake;
}

/** A check run's `output` as written: title, summary and text (annotations are not modelled). */
function readOutput(value: JsonValue | undefined): {
  title: string | null;
  summary: string | null;
  text: string | null;
} {
  const output = (value ?? {}) as JsonRecord;
  const text = (key: string) => (typeof output[key] === 'string' ? (output[key] as string) : null);
  return { title: text('title'), summary: text('summary'), text: text('text') };
}

/** A pull request as the list endpoint returns it (`pull-request-simple`: no counts or merge state). */
function toSimplePullRequest(pull: JsonRecord): JsonRecord {
  const {
    merged: _merged,
    mergeable: _mergeable,
    rebaseable: _rebaseable,
    mergeable_state: _state,
    merged_by: _by,
    comments: _comments,
    review_comments: _reviews,
    maintainer_can_modify: _modify,
    commits: _commits,
    additions: _additions,
    deletions: _deletions,
    changed_files: _files,
    ...simple
  } = pull;
  return simple;
}

/**
 * Finds the route for a path, decoding each segment: `team%2Fapi` is one segment `team/api`,
 * while an unencoded `team/api` is two and matches nothing, as on GitHub. GitHub's Link headers
 * name repository routes as `/repositories/{id}/…`, so those are served too.
 */
function matchRoute(
  routes: Route[],
  method: string,
  pathname: string,
  repositoryId: number,
  repository: string,
): { route?: Route; params: Record<string, string>; linkPath: string } {
  const segments = pathname.split('/').slice(1);
  if (segments[0] === 'repositories' && segments[1] === String(repositoryId)) {
    const [owner = '', repo = ''] = repository.split('/');
    return matchSegments(routes, method, ['repos', owner, repo, ...segments.slice(2)], segments);
  }
  const match = matchSegments(routes, method, segments, segments);
  if (match.route?.path.startsWith('/repos/{owner}/{repo}/'))
    match.linkPath = `/repositories/${repositoryId}/${segments.slice(3).join('/')}`;
  return match;
}

function matchSegments(
  routes: Route[],
  method: string,
  segments: string[],
  linkSegments: string[],
): { route?: Route; params: Record<string, string>; linkPath: string } {
  const linkPath = `/${linkSegments.join('/')}`;
  for (const route of routes) {
    if (route.method !== method) continue;
    const template = route.path.split('/').slice(1);
    if (template.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let matched = true;
    for (const [index, part] of template.entries()) {
      const segment = segments[index] ?? '';
      const name = /^\{(.+)\}$/.exec(part)?.[1];
      if (name) {
        try {
          params[name] = decodeURIComponent(segment);
        } catch {
          matched = false;
        }
      } else if (part !== segment) matched = false;
      if (!matched) break;
    }
    if (matched) return { route, params, linkPath };
  }
  return { params: {}, linkPath };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
