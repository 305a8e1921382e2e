import { ConfigurationError, type Logger, nullLogger, oneLine, SecretMasker } from '@flow-actions/action-kit';
import { adviceFor, GitHubApiError } from './errors';
import { type CallState, type FlowOctokit, loadOctokit } from './octokit';
import type {
  AutoMergeRequest,
  CheckRun,
  CheckRunState,
  CollaboratorPermission,
  CombinedStatus,
  CommentReaction,
  CommitStatus,
  Comparison,
  Deployment,
  DeploymentState,
  DeploymentStatus,
  GitRef,
  GitTag,
  IssueComment,
  MergeResult,
  PackageVersion,
  PullRequest,
  PullRequestDetail,
  PullRequestFile,
  PullRequestMergeMethod,
  Release,
  ReviewDecision,
} from './types';

/** The subset of `fetch` the client uses; tests may pass a recorder, production uses Node's global fetch. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface GitHubClientOptions {
  /** A token for the API (`${{ github.token }}` or an app/PAT token). Required; masked before any use. */
  token: string;
  /**
   * `owner/name` of the repository the repository-scoped calls act on. Default: none, for a client
   * that only calls the Packages API (addressed by owner); a repository-scoped call then fails.
   */
  repository?: string;
  /** Base URL of the REST API. Default: `GITHUB_API_URL`, else `https://api.github.com`. */
  apiUrl?: string;
  /** Redacts the token from messages; the token is added to it. Default: a private masker. */
  masker?: SecretMasker;
  /** Default: the global fetch. */
  fetch?: FetchLike;
  /** Waits out a rate limit for as long as GitHub asks; tests pass a recorder. Default: setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Default: nullLogger. */
  logger?: Logger;
  /** Attempts per request for 5xx, network errors and rate limits, the first included. Default: 4. */
  maxAttempts?: number;
  /** Octokit's retry backoff unit: the n-th repeat after a 5xx waits n² times this. Default: 1 000 ms. */
  baseDelayMs?: number;
  /** Longest rate-limit wait; a limit that resets later than this fails at once. Default: 60 000 ms. */
  maxDelayMs?: number;
}

export interface CreateDeploymentOptions {
  /** The commit sha (or ref) deployed. */
  ref: string;
  environment: string;
  /** Free-form JSON stored with the deployment, e.g. digest and tags. Default: `{}`. */
  payload?: Record<string, unknown>;
  description: string;
  /** GitHub would merge the default branch into `ref` first; we never want that. Default: false. */
  autoMerge?: boolean;
  /** Status contexts GitHub checks before creating; our own gate has run already. Default: `[]`. */
  requiredContexts?: string[];
  /** Default: false. */
  productionEnvironment?: boolean;
  /** Default: false. */
  transientEnvironment?: boolean;
}

export interface CreateDeploymentStatusOptions {
  state: DeploymentState;
  /** Where the deployed thing can be reached. Default: none. */
  environmentUrl?: string;
  /** The run that deployed it. Default: none. */
  logUrl?: string;
  /** Cut to GitHub's 140 characters (with an ellipsis) rather than refused. */
  description: string;
}

export interface PackageOptions {
  /** The user or organization that owns the package. */
  owner: string;
  ownerType: 'org' | 'user';
  packageType: 'container' | 'npm';
  /** The package name; nested names such as `team/api` are encoded (`team%2Fapi`) in the path. */
  packageName: string;
}

export interface DeletePackageVersionOptions extends PackageOptions {
  versionId: number;
}

export interface PullRequestLookup {
  /** The branch with the changes; `branch` is taken as `<repository owner>:branch`. */
  head: string;
  base: string;
}

export interface CreatePullRequestOptions {
  title: string;
  head: string;
  base: string;
  body: string;
}

export interface UpdatePullRequestOptions {
  title?: string;
  body?: string;
  /** `closed` closes the pull request without merging it. */
  state?: 'open' | 'closed';
}

export interface CreateReleaseOptions {
  tagName: string;
  /** Default: the tag name. */
  name?: string;
  body: string;
  /** Default: false. */
  prerelease?: boolean;
  /** Whether the release becomes "Latest"; `legacy` lets GitHub decide by date and semver. Default: `legacy`. */
  makeLatest?: boolean | 'legacy';
  /** The commitish the tag is created from when it does not exist yet. Default: GitHub's (the default branch). */
  targetCommitish?: string;
}

export interface CreateAnnotatedTagOptions {
  /** The tag's name, e.g. `v1.4.0` (the ref is `refs/tags/<tag>`). */
  tag: string;
  message: string;
  /** The commit it names (full sha). */
  sha: string;
}

export interface CheckRunWrite {
  /** `in_progress` with no conclusion, or `completed` with one. */
  state: CheckRunState;
  /** Ours to set: e.g. which evaluation wrote the run, so a newer one can tell. Default: none. */
  externalId?: string;
  output: { title: string; summary: string; text?: string };
  /** Where "Details" leads, e.g. the workflow run. Default: GitHub's page of the run. */
  detailsUrl?: string;
}

/** A REST call as Octokit takes it. */
interface RestCall {
  /** Octokit's route, e.g. `GET /repos/{owner}/{repo}/pulls`. */
  route: string;
  /** Path variables, then query parameters (GET, DELETE) or body fields (POST, PATCH). */
  params: Record<string, unknown>;
  /** The permission the call needs, for 401/403/404 advice, e.g. `checks: read`. */
  permission: string;
  /** Never repeated after a 5xx or a network error: GitHub may have done it. Default: only POST is not. */
  once?: boolean;
}

/** What Octokit's `request` resolves to, as far as the client reads it. */
interface RestResponse {
  status: number;
  data: unknown;
}

/** The request plugin-paginate-rest makes for each page. */
interface PageRequest {
  method: string;
  url: string;
  headers: Record<string, string | number | undefined>;
}

/** Octokit's `RequestError` (name `HttpError`): an HTTP answer ≥ 400, or no answer (then no `response`). */
interface RequestErrorLike extends Error {
  status: number;
  response?: { status: number; data: unknown };
}

/** `@octokit/graphql`'s `GraphqlResponseError`: HTTP 200 with an `errors` array. */
interface GraphqlResponseErrorLike extends Error {
  errors: { message: string; type?: string }[];
}

const RETRYABLE_STATUSES = new Set([500, 502, 503, 504]);
/**
 * plugin-retry repeats every status ≥ 400 that is not listed here (and network errors, which it
 * sees as 500): we list all but 500, 502, 503 and 504. 403 and 429 are rate limits, which the
 * throttling plugin waits out; other 4xx would only fail again.
 */
const NOT_RETRIED = Array.from({ length: 200 }, (_, index) => 400 + index).filter(
  (status) => !RETRYABLE_STATUSES.has(status),
);
/** A server that keeps sending `rel="next"` must not keep us paging for ever. */
const MAX_PAGES = 1000;
const USER_AGENT = 'flow-actions';
const REST_HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };
/** GitHub refuses a longer deployment status description with 422. */
const DEPLOYMENT_STATUS_DESCRIPTION_MAX = 140;
/** Keys `octokit.graphql` reads as request options, not as variables. */
const GRAPHQL_OPTION_KEYS = new Set([
  'query',
  'method',
  'url',
  'baseUrl',
  'headers',
  'request',
  'mediaType',
  'operationName',
]);
/** GitHub's GraphQL error `type`s and the REST status whose advice fits them. */
const GRAPHQL_ERROR_STATUS: Readonly<Record<string, number>> = {
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  UNPROCESSABLE: 422,
  RATE_LIMITED: 429,
};

const REVIEW_DECISION_QUERY = `query PullRequestReviewDecision($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      id
      number
      reviewDecision
      latestOpinionatedReviews(first: 100, writersOnly: true) {
        nodes { state author { login } }
      }
    }
  }
}`;

const ENABLE_AUTO_MERGE_MUTATION = `mutation EnablePullRequestAutoMerge($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod!) {
  enablePullRequestAutoMerge(input: { pullRequestId: $pullRequestId, mergeMethod: $mergeMethod }) {
    pullRequest { number autoMergeRequest { mergeMethod enabledAt } }
  }
}`;

const DISABLE_AUTO_MERGE_MUTATION = `mutation DisablePullRequestAutoMerge($pullRequestId: ID!) {
  disablePullRequestAutoMerge(input: { pullRequestId: $pullRequestId }) {
    pullRequest { number autoMergeRequest { mergeMethod } }
  }
}`;

/**
 * The few GitHub calls flow-actions makes, on Octokit (`@octokit/core` with the paginate, retry
 * and throttling plugins, imported on the first call): all pages, retries for what is safe to
 * repeat, rate limits waited out within a bound, and one-line errors that say which permission
 * is missing and never show the token.
 */
export class GitHubClient {
  /** Undefined when no repository was given. */
  readonly owner: string | undefined;
  readonly repo: string | undefined;
  /** The API base without a trailing slash. */
  readonly apiUrl: string;
  /** Requests sent (retries included), for tests and benchmarks. */
  requestCount = 0;
  readonly #token: string;
  readonly #masker: SecretMasker;
  readonly #fetch: FetchLike;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #logger: Logger;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  #octokit: Promise<FlowOctokit> | undefined;

  constructor(options: GitHubClientOptions) {
    this.#masker = options.masker ?? new SecretMasker();
    // Masked before anything else can print it.
    this.#masker.add(options.token);
    if (!options.token?.trim())
      throw new ConfigurationError(
        "no GitHub token: set the step's `github-token` input (default: github.token) to a token with the permissions it needs",
      );
    this.#token = options.token.trim();
    const [owner, repo, ...rest] = (options.repository ?? '').split('/');
    if (options.repository !== undefined && (!owner || !repo || rest.length > 0))
      throw new ConfigurationError(
        `repository "${options.repository}" is not owner/name: pass it as e.g. \`acme/api\` (default \${{ github.repository }})`,
      );
    this.owner = options.repository === undefined ? undefined : owner;
    this.repo = options.repository === undefined ? undefined : repo;
    this.apiUrl = parseApiUrl(options.apiUrl ?? process.env.GITHUB_API_URL ?? 'https://api.github.com');
    this.#fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#logger = options.logger ?? nullLogger;
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.#baseDelayMs = options.baseDelayMs ?? 1000;
    this.#maxDelayMs = options.maxDelayMs ?? 60_000;
  }

  /**
   * Every check run on `ref` (all pages, every run of each name: the gate picks the newest), or
   * only those named `checkName`. Needs `checks: read`.
   */
  async listCheckRunsForRef(ref: string, checkName?: string): Promise<CheckRun[]> {
    return this.#paginate<CheckRun>({
      route: 'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
      params: {
        ...this.#repository(),
        ref,
        ...(checkName === undefined ? {} : { check_name: checkName }),
        filter: 'all',
        per_page: 100,
      },
      permission: 'checks: read',
    });
  }

  /** Creates a check run on `headSha`. Needs `checks: write`. */
  async createCheckRun(name: string, headSha: string, write: CheckRunWrite): Promise<CheckRun> {
    return (await this.#json({
      route: 'POST /repos/{owner}/{repo}/check-runs',
      params: { ...this.#repository(), name, head_sha: headSha, ...checkRunFields(write, new Date()) },
      permission: 'checks: write',
    })) as CheckRun;
  }

  /**
   * Rewrites a check run's state and output. Once completed, GitHub keeps a run's status and
   * conclusion: to show another, create a new run. Needs `checks: write`.
   */
  async updateCheckRun(checkRunId: number, write: CheckRunWrite): Promise<CheckRun> {
    return (await this.#json({
      route: 'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
      params: { ...this.#repository(), check_run_id: checkRunId, ...checkRunFields(write, new Date()) },
      permission: 'checks: write',
    })) as CheckRun;
  }

  /**
   * The pull requests whose head is (or contains) `sha`: open ones for a commit not on the default
   * branch, which is how a fork's commit is found, whose events carry no pull request. Needs
   * `pull-requests: read` and `contents: read`.
   */
  async listPullRequestsForCommit(sha: string): Promise<PullRequest[]> {
    return this.#paginate<PullRequest>({
      route: 'GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls',
      params: { ...this.#repository(), commit_sha: sha, per_page: 100 },
      permission: 'pull-requests: read',
    });
  }

  /** Every changed file of a pull request, all pages (GitHub lists at most 3 000). Needs `pull-requests: read`. */
  async listPullRequestFiles(pullNumber: number): Promise<PullRequestFile[]> {
    return this.#paginate<PullRequestFile>({
      route: 'GET /repos/{owner}/{repo}/pulls/{pull_number}/files',
      params: { ...this.#repository(), pull_number: pullNumber, per_page: 100 },
      permission: 'pull-requests: read',
    });
  }

  /**
   * `base...head`: the changes of `head` since its merge base with `base`, file by file with their
   * patches (GitHub lists at most 300 files). Needs `contents: read`.
   */
  async compareCommits(base: string, head: string): Promise<Comparison> {
    return (await this.#json({
      route: 'GET /repos/{owner}/{repo}/compare/{basehead}',
      params: { ...this.#repository(), basehead: `${base}...${head}`, per_page: 100 },
      permission: 'contents: read',
    })) as Comparison;
  }

  /** Adds labels to an issue or pull request; GitHub creates a label that does not exist. Needs `issues: write`. */
  async addLabels(issueNumber: number, labels: readonly string[]): Promise<void> {
    await this.#send({
      route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels',
      params: { ...this.#repository(), issue_number: issueNumber, labels: [...labels] },
      permission: 'issues: write',
    });
  }

  /**
   * Removes a label from an issue or pull request; one it does not carry is no error (the goal is
   * reached). Octokit encodes the name as one path segment (`risk:low` → `risk%3Alow`). Needs
   * `issues: write`.
   */
  async removeLabel(issueNumber: number, name: string): Promise<void> {
    try {
      await this.#send({
        route: 'DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}',
        params: { ...this.#repository(), issue_number: issueNumber, name },
        permission: 'issues: write',
      });
    } catch (error) {
      if (error instanceof GitHubApiError && error.status === 404) return;
      throw error;
    }
  }

  /**
   * Merges a pull request now, only if its head is still `sha`: a push in between makes GitHub
   * refuse (409) rather than merge code nobody checked. Never repeated. Needs `contents: write`.
   */
  async mergePullRequest(
    pullNumber: number,
    options: { sha: string; mergeMethod: PullRequestMergeMethod },
  ): Promise<MergeResult> {
    return (await this.#json({
      route: 'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge',
      params: {
        ...this.#repository(),
        pull_number: pullNumber,
        sha: options.sha,
        merge_method: options.mergeMethod.toLowerCase(),
      },
      permission: 'contents: write',
      once: true,
    })) as MergeResult;
  }

  /** GitHub's roll-up of the latest status per context (first 100 contexts). Needs `statuses: read`. */
  async getCombinedStatus(ref: string): Promise<CombinedStatus> {
    return (await this.#json({
      route: 'GET /repos/{owner}/{repo}/commits/{ref}/status',
      params: { ...this.#repository(), ref, per_page: 100 },
      permission: 'statuses: read',
    })) as CombinedStatus;
  }

  /** Every commit status on `ref`, newest first, all pages. Needs `statuses: read`. */
  async listCommitStatuses(ref: string): Promise<CommitStatus[]> {
    return this.#paginate<CommitStatus>({
      route: 'GET /repos/{owner}/{repo}/commits/{ref}/statuses',
      params: { ...this.#repository(), ref, per_page: 100 },
      permission: 'statuses: read',
    });
  }

  /** Records a deployment of `ref` to `environment`. Needs `deployments: write`. */
  async createDeployment(options: CreateDeploymentOptions): Promise<Deployment> {
    const call: RestCall = {
      route: 'POST /repos/{owner}/{repo}/deployments',
      params: {
        ...this.#repository(),
        ref: options.ref,
        environment: options.environment,
        payload: options.payload ?? {},
        description: options.description,
        auto_merge: options.autoMerge ?? false,
        required_contexts: options.requiredContexts ?? [],
        production_environment: options.productionEnvironment ?? false,
        transient_environment: options.transientEnvironment ?? false,
      },
      permission: 'deployments: write',
    };
    const { response, state } = await this.#send(call);
    const body = this.#checkJson(response, state);
    // 202 means GitHub merged the default branch instead of deploying: only possible with autoMerge.
    if (response.status === 202) {
      const { message } = body as { message?: string };
      throw new GitHubApiError(
        oneLine(
          `GitHub did not create a deployment of ${options.ref}: ${message ?? 'it merged the default branch first'}; deploy with autoMerge false`,
        ),
        { status: 202, method: 'POST', path: state.path, temporary: false },
      );
    }
    return body as Deployment;
  }

  /** Adds a status to a deployment. Needs `deployments: write`. */
  async createDeploymentStatus(
    deploymentId: number,
    options: CreateDeploymentStatusOptions,
  ): Promise<DeploymentStatus> {
    return (await this.#json({
      route: 'POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
      params: {
        ...this.#repository(),
        deployment_id: deploymentId,
        state: options.state,
        description: truncate(options.description, DEPLOYMENT_STATUS_DESCRIPTION_MAX),
        ...(options.environmentUrl ? { environment_url: options.environmentUrl } : {}),
        ...(options.logUrl ? { log_url: options.logUrl } : {}),
      },
      permission: 'deployments: write',
    })) as DeploymentStatus;
  }

  /** Every version of a package (all pages), newest first. Needs `packages: read`. */
  async listPackageVersions(options: PackageOptions): Promise<PackageVersion[]> {
    return this.#paginate<PackageVersion>({
      route: `GET ${packageRoute(options)}/versions`,
      params: {
        ...packageParams(options),
        // GitHub documents per_page and state only for organizations' packages; a user's are
        // paged by GitHub's default size, following its Link header all the same.
        ...(options.ownerType === 'org' ? { per_page: 100, state: 'active' } : {}),
      },
      permission: 'packages: read',
    });
  }

  /** Deletes one package version. Needs `packages: write` and admin rights on the package (`delete:packages` for a PAT). */
  async deletePackageVersion(options: DeletePackageVersionOptions): Promise<void> {
    await this.#send({
      route: `DELETE ${packageRoute(options)}/versions/{package_version_id}`,
      params: { ...packageParams(options), package_version_id: options.versionId },
      permission: 'packages: write',
    });
  }

  /** The open pull request from `head` into `base`, if there is one. Needs `pull-requests: read`. */
  async findOpenPullRequest(lookup: PullRequestLookup): Promise<PullRequest | undefined> {
    const repository = this.#repository();
    const head = lookup.head.includes(':') ? lookup.head : `${repository.owner}:${lookup.head}`;
    const pulls = await this.#paginate<PullRequest>({
      route: 'GET /repos/{owner}/{repo}/pulls',
      params: { ...repository, state: 'open', head, base: lookup.base, per_page: 100 },
      permission: 'pull-requests: read',
    });
    return pulls[0];
  }

  /** Opens a pull request. Needs `pull-requests: write`. */
  async createPullRequest(options: CreatePullRequestOptions): Promise<PullRequest> {
    return (await this.#json({
      route: 'POST /repos/{owner}/{repo}/pulls',
      params: {
        ...this.#repository(),
        title: options.title,
        head: options.head,
        base: options.base,
        body: options.body,
      },
      permission: 'pull-requests: write',
    })) as PullRequest;
  }

  /** Changes the title and/or body of a pull request. Needs `pull-requests: write`. */
  async updatePullRequest(pullNumber: number, options: UpdatePullRequestOptions): Promise<PullRequest> {
    return (await this.#json({
      route: 'PATCH /repos/{owner}/{repo}/pulls/{pull_number}',
      params: {
        ...this.#repository(),
        pull_number: pullNumber,
        ...(options.title !== undefined ? { title: options.title } : {}),
        ...(options.body !== undefined ? { body: options.body } : {}),
        ...(options.state !== undefined ? { state: options.state } : {}),
      },
      permission: 'pull-requests: write',
    })) as PullRequest;
  }

  /** Every open pull request into `base`, all pages, newest first. Needs `pull-requests: read`. */
  async listOpenPullRequests(base: string): Promise<PullRequest[]> {
    return this.#paginate<PullRequest>({
      route: 'GET /repos/{owner}/{repo}/pulls',
      params: { ...this.#repository(), state: 'open', base, per_page: 100 },
      permission: 'pull-requests: read',
    });
  }

  /** Publishes a release for `tagName`. Needs `contents: write`. */
  async createRelease(options: CreateReleaseOptions): Promise<Release> {
    const makeLatest = options.makeLatest ?? 'legacy';
    return (await this.#json({
      route: 'POST /repos/{owner}/{repo}/releases',
      params: {
        ...this.#repository(),
        tag_name: options.tagName,
        name: options.name ?? options.tagName,
        body: options.body,
        prerelease: options.prerelease ?? false,
        make_latest: typeof makeLatest === 'boolean' ? String(makeLatest) : makeLatest,
        ...(options.targetCommitish ? { target_commitish: options.targetCommitish } : {}),
      },
      permission: 'contents: write',
    })) as Release;
  }

  /** The published release of `tag`, or undefined when there is none (GitHub does not show drafts here). Needs `contents: read`. */
  async getReleaseByTag(tag: string): Promise<Release | undefined> {
    return (await this.#jsonOrUndefined({
      route: 'GET /repos/{owner}/{repo}/releases/tags/{tag}',
      params: { ...this.#repository(), tag },
      permission: 'contents: read',
    })) as Release | undefined;
  }

  /**
   * The commit `refs/tags/<tag>` names, an annotated tag peeled to its commit; undefined when the
   * tag does not exist. Needs `contents: read`.
   */
  async getTagCommit(tag: string): Promise<string | undefined> {
    const ref = (await this.#jsonOrUndefined({
      route: 'GET /repos/{owner}/{repo}/git/ref/{ref}',
      params: { ...this.#repository(), ref: `tags/${tag}` },
      permission: 'contents: read',
    })) as GitRef | undefined;
    if (!ref) return undefined;
    let object = ref.object;
    // A tag of a tag is legal in git: peel until a commit, a few levels at most.
    for (let depth = 0; object.type === 'tag' && depth < 5; depth++) {
      const tagObject = (await this.#json({
        route: 'GET /repos/{owner}/{repo}/git/tags/{tag_sha}',
        params: { ...this.#repository(), tag_sha: object.sha },
        permission: 'contents: read',
      })) as GitTag;
      object = tagObject.object;
    }
    return object.type === 'commit' ? object.sha : undefined;
  }

  /**
   * Creates an annotated tag on a commit: the tag object (`POST git/tags`), then its ref
   * (`POST git/refs`), as `git tag -a` and a push would. The tagger is the token's user. Each call
   * is never repeated. Needs `contents: write`.
   */
  async createAnnotatedTag(options: CreateAnnotatedTagOptions): Promise<GitTag> {
    const tag = (await this.#json({
      route: 'POST /repos/{owner}/{repo}/git/tags',
      params: {
        ...this.#repository(),
        tag: options.tag,
        message: options.message,
        object: options.sha,
        type: 'commit',
      },
      permission: 'contents: write',
    })) as GitTag;
    await this.#json({
      route: 'POST /repos/{owner}/{repo}/git/refs',
      params: { ...this.#repository(), ref: `refs/tags/${options.tag}`, sha: tag.sha },
      permission: 'contents: write',
    });
    return tag;
  }

  /**
   * A pull request's review state as branch protection sees it: GitHub's `reviewDecision` and the
   * latest approving or change-requesting review of each reviewer with write access (the first
   * 100). Needs `pull-requests: read`.
   */
  async getReviewDecision(pullNumber: number): Promise<ReviewDecision> {
    const { owner, repo } = this.#repository();
    const data = await this.graphql<{
      repository: {
        pullRequest: {
          id: string;
          number: number;
          reviewDecision: ReviewDecision['decision'];
          latestOpinionatedReviews: { nodes: { state: string; author: { login: string } | null }[] };
        };
      };
    }>(REVIEW_DECISION_QUERY, { owner, name: repo, number: pullNumber }, 'pull-requests: read');
    const pull = data.repository.pullRequest;
    const reviewers = (state: string) =>
      pull.latestOpinionatedReviews.nodes
        .filter((review) => review.state === state && review.author)
        .map((review) => review.author?.login ?? '');
    return {
      pullRequestId: pull.id,
      number: pull.number,
      decision: pull.reviewDecision,
      approvedBy: reviewers('APPROVED'),
      changesRequestedBy: reviewers('CHANGES_REQUESTED'),
    };
  }

  /**
   * Asks GitHub to merge the pull request (its node id, `ReviewDecision.pullRequestId`) once its
   * requirements pass. The repository must allow auto-merge. Needs `pull-requests: write`
   * (and `contents: write` for the merge itself). Never repeated: GitHub may have done it.
   */
  async enableAutoMerge(
    pullRequestId: string,
    mergeMethod: PullRequestMergeMethod,
  ): Promise<AutoMergeRequest> {
    const data = await this.graphql<{
      enablePullRequestAutoMerge: {
        pullRequest: { number: number; autoMergeRequest: Omit<AutoMergeRequest, 'number'> | null };
      };
    }>(ENABLE_AUTO_MERGE_MUTATION, { pullRequestId, mergeMethod }, 'pull-requests: write');
    const pull = data.enablePullRequestAutoMerge.pullRequest;
    if (!pull.autoMergeRequest)
      throw new GitHubApiError(
        `GitHub GraphQL mutation EnablePullRequestAutoMerge left pull request #${pull.number} without auto-merge: check the repository's "Allow auto-merge" setting`,
        { status: 200, method: 'POST', path: '/graphql', temporary: false },
      );
    return { number: pull.number, ...pull.autoMergeRequest };
  }

  /** Turns auto-merge off again (the change's risk rose). Needs `pull-requests: write`. Never repeated. */
  async disableAutoMerge(pullRequestId: string): Promise<void> {
    await this.graphql(DISABLE_AUTO_MERGE_MUTATION, { pullRequestId }, 'pull-requests: write');
  }

  // deploy-command: the conversation (reactions, replies), who may deploy, and what the default branch says.

  /** Adds a reaction to an issue or pull request comment; one already there is no error. Needs `issues: write`. */
  async addCommentReaction(commentId: number, content: CommentReaction): Promise<void> {
    await this.#send({
      route: 'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions',
      params: { ...this.#repository(), comment_id: commentId, content },
      permission: 'issues: write',
    });
  }

  /** Comments on an issue or pull request. Needs `issues: write` (`pull-requests: write` on a pull request). */
  async createIssueComment(issueNumber: number, body: string): Promise<IssueComment> {
    return (await this.#json({
      route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
      params: { ...this.#repository(), issue_number: issueNumber, body },
      permission: 'issues: write',
    })) as IssueComment;
  }

  /** Rewrites a comment's body. Needs `issues: write`. */
  async updateIssueComment(commentId: number, body: string): Promise<IssueComment> {
    return (await this.#json({
      route: 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
      params: { ...this.#repository(), comment_id: commentId, body },
      permission: 'issues: write',
    })) as IssueComment;
  }

  /**
   * A user's permission on the repository; undefined for someone GitHub does not know as a
   * collaborator (404). Needs `metadata: read`, which every token has.
   */
  async getCollaboratorPermission(username: string): Promise<CollaboratorPermission | undefined> {
    try {
      return (await this.#json({
        route: 'GET /repos/{owner}/{repo}/collaborators/{username}/permission',
        params: { ...this.#repository(), username },
        permission: 'metadata: read',
      })) as CollaboratorPermission;
    } catch (error) {
      if (error instanceof GitHubApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /**
   * Whether `username` is an active member of the team `org/teamSlug`: a pending invitation is
   * not, and GitHub answers 404 for a non-member. Needs the organization's `members: read`.
   */
  async isActiveTeamMember(org: string, teamSlug: string, username: string): Promise<boolean> {
    try {
      const membership = (await this.#json({
        route: 'GET /orgs/{org}/teams/{team_slug}/memberships/{username}',
        params: { org, team_slug: teamSlug, username },
        permission: 'members: read (organization)',
      })) as { state?: string };
      return membership.state === 'active';
    } catch (error) {
      if (error instanceof GitHubApiError && error.status === 404) return false;
      throw error;
    }
  }

  /** A file's text at `ref`, through the contents API; undefined when it does not exist. Needs `contents: read`. */
  async getFileText(path: string, ref: string): Promise<string | undefined> {
    let file: { type?: string; content?: string; encoding?: string };
    try {
      file = (await this.#json({
        route: 'GET /repos/{owner}/{repo}/contents/{path}',
        params: { ...this.#repository(), path, ref },
        permission: 'contents: read',
      })) as typeof file;
    } catch (error) {
      if (error instanceof GitHubApiError && error.status === 404) return undefined;
      throw error;
    }
    if (file.type !== 'file' || file.encoding !== 'base64' || file.content === undefined)
      throw new ConfigurationError(
        `${path} at ${ref} is not a file GitHub returns whole (type ${file.type ?? 'none'}, encoding ${file.encoding ?? 'none'}): make it a file under 1 MB`,
      );
    return Buffer.from(file.content, 'base64').toString('utf8');
  }

  /** One pull request, with its head and whether that head lives in a fork. Needs `pull-requests: read`. */
  async getPullRequest(pullNumber: number): Promise<PullRequestDetail> {
    return (await this.#json({
      route: 'GET /repos/{owner}/{repo}/pulls/{pull_number}',
      params: { ...this.#repository(), pull_number: pullNumber },
      permission: 'pull-requests: read',
    })) as PullRequestDetail;
  }

  /**
   * Runs a GraphQL query or mutation (Octokit's `graphql`) and returns its `data`. GitHub's
   * `errors` become a one-line `GitHubApiError` naming the operation; `permission` names what the
   * document needs, for the advice. A query is repeated like a GET, a mutation never (GitHub may
   * have done it). Variables may not be named like Octokit's request options (`headers`, `url`, …).
   */
  async graphql<T>(document: string, variables: Record<string, unknown>, permission: string): Promise<T> {
    const operation = describeOperation(document);
    const reserved = Object.keys(variables).filter((name) => GRAPHQL_OPTION_KEYS.has(name));
    // Octokit would send them as request options: a mistake in our code, not the user's.
    if (reserved.length > 0)
      throw new Error(
        `GraphQL variable(s) ${reserved.join(', ')} of ${operation.name} collide with Octokit's request options: rename them in the document`,
      );
    const octokit = await this.#getOctokit();
    const state: CallState = {
      label: `GitHub GraphQL ${operation.kind} ${operation.name}`,
      method: 'POST',
      path: '/graphql',
      permission,
      attempts: 0,
      rateLimited: false,
    };
    try {
      return await octokit.graphql<T>(document, {
        ...variables,
        request: { flowCall: state, ...(operation.kind === 'mutation' ? { retries: 0 } : {}) },
      });
    } catch (error) {
      throw this.#toError(error, state);
    }
  }

  /** The repository's path variables, or a ConfigurationError when the client has no repository. */
  #repository(): { owner: string; repo: string } {
    if (this.owner === undefined || this.repo === undefined) {
      throw new ConfigurationError(
        'no repository for a repository-scoped GitHub call: GITHUB_REPOSITORY is not set; run in a workflow, or pass the repository (owner/name)',
      );
    }
    return { owner: this.owner, repo: this.repo };
  }

  #getOctokit(): Promise<FlowOctokit> {
    this.#octokit ??= loadOctokit().then(
      (Octokit) =>
        new Octokit({
          auth: this.#token,
          baseUrl: this.apiUrl,
          userAgent: USER_AGENT,
          log: {
            debug: (message: string) => this.#logger.debug(this.#redact(message)),
            info: (message: string) => this.#logger.debug(this.#redact(message)),
            warn: (message: string) => this.#logger.warning(this.#redact(message)),
            error: (message: string) => this.#logger.warning(this.#redact(message)),
          },
          request: {
            fetch: (url: string, init: RequestInit) => {
              this.requestCount++;
              return this.#fetch(url, init);
            },
          },
          retry: {
            doNotRetry: NOT_RETRIED,
            retries: this.#maxAttempts - 1,
            retryAfterBaseValue: this.#baseDelayMs,
          },
          throttle: {
            onRateLimit: this.#onRateLimit('primary'),
            onSecondaryRateLimit: this.#onRateLimit('secondary'),
            // The wait happens in #onRateLimit, through `sleep`, so that it is bounded and testable.
            retryAfterBaseValue: 0,
          },
        }),
    );
    return this.#octokit;
  }

  /**
   * The throttling plugin's handler: wait as long as GitHub asks and repeat (even a POST: a
   * rate-limited request was refused, not run), unless GitHub asks for longer than maxDelayMs or
   * the attempts are spent.
   */
  #onRateLimit(kind: 'primary' | 'secondary') {
    return async (retryAfterSeconds: number, options: { request?: unknown }) => {
      const call = (options.request as { flowCall?: CallState } | undefined)?.flowCall;
      if (!call) return false;
      call.rateLimited = true;
      const waitMs = retryAfterSeconds * 1000;
      if (waitMs > this.#maxDelayMs) {
        call.askedWaitMs = waitMs;
        return false;
      }
      if (call.attempts >= this.#maxAttempts) return false;
      this.#logger.debug(`${call.label} hit GitHub's ${kind} rate limit; waiting ${retryAfterSeconds} s`);
      await this.#sleep(waitMs);
      return true;
    };
  }

  #newCall(method: string, url: string, permission: string): CallState {
    const path = this.#pathOf(url);
    return {
      label: `GitHub API ${method} ${path}`,
      method,
      path,
      permission,
      attempts: 0,
      rateLimited: false,
    };
  }

  async #send(call: RestCall): Promise<{ response: RestResponse; state: CallState }> {
    const octokit = await this.#getOctokit();
    const method = call.route.split(' ')[0] ?? 'GET';
    const params = { ...call.params, headers: REST_HEADERS };
    const state = this.#newCall(method, octokit.request.endpoint(call.route, params).url, call.permission);
    try {
      const response = await octokit.request(call.route, {
        ...params,
        // A POST that may have reached GitHub is not replayed: it could create a second object.
        request: { flowCall: state, ...(method === 'POST' || call.once ? { retries: 0 } : {}) },
      });
      return { response, state };
    } catch (error) {
      throw this.#toError(error, state);
    }
  }

  async #json(call: RestCall): Promise<unknown> {
    const { response, state } = await this.#send(call);
    return this.#checkJson(response, state);
  }

  /** `#json`, with GitHub's 404 ("no such thing") as undefined. */
  async #jsonOrUndefined(call: RestCall): Promise<unknown> {
    try {
      return await this.#json(call);
    } catch (error) {
      if (error instanceof GitHubApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** A 2xx body that is not JSON (a proxy's HTML page, a cut connection) is an error that says so. */
  #checkJson(response: RestResponse, state: CallState): unknown {
    if (response.data !== null && typeof response.data === 'object') return response.data;
    const text = typeof response.data === 'string' ? response.data : '';
    throw new GitHubApiError(
      this.#redact(
        oneLine(
          `${state.label} answered ${response.status} with a body that is not JSON (${JSON.stringify(text.slice(0, 80))}): check GITHUB_API_URL and any proxy in between`,
        ),
      ),
      { status: response.status, method: state.method, path: state.path, temporary: false },
    );
  }

  /**
   * Every page of a list, through plugin-paginate-rest, which follows `Link: rel="next"`. Each
   * next page is checked before it is requested: the token goes only to the API it was given for,
   * never to a host a Link header names, and a server that keeps paging is stopped.
   */
  async #paginate<T>(call: RestCall): Promise<T[]> {
    const octokit = await this.#getOctokit();
    const first = octokit.request.endpoint(call.route, { ...call.params, headers: REST_HEADERS });
    const state = this.#newCall('GET', first.url, call.permission);
    const seen = new Set<string>();
    const sendPage = async (options: PageRequest) => {
      this.#checkNextPage(options.url, state, seen);
      Object.assign(state, this.#newCall('GET', options.url, call.permission));
      const response = await octokit.request({ ...options, request: { flowCall: state } });
      // Checked before the plugin reads the page, which expects JSON.
      this.#checkJson(response, state);
      return response;
    };
    // The iterator takes a request function in place of a route: ours checks each page first.
    const iterate = octokit.paginate.iterator as unknown as (
      request: typeof sendPage & { endpoint: typeof octokit.request.endpoint },
      first: PageRequest,
    ) => AsyncIterable<RestResponse>;
    const items: T[] = [];
    try {
      const pages = iterate(Object.assign(sendPage, { endpoint: octokit.request.endpoint }), first);
      for await (const page of pages) items.push(...(page.data as T[]));
    } catch (error) {
      throw this.#toError(error, state);
    }
    return items;
  }

  #checkNextPage(next: string, state: CallState, seen: Set<string>): void {
    const url = new URL(next, `${this.apiUrl}/`);
    if (url.origin !== new URL(this.apiUrl).origin)
      throw new GitHubApiError(
        oneLine(`${state.label} sent a next page on another host (${url.origin}): refused`),
        { status: undefined, method: state.method, path: state.path, temporary: false },
      );
    if (seen.has(url.href) || seen.size >= MAX_PAGES)
      throw new GitHubApiError(oneLine(`${state.label} kept paging (${seen.size} pages): giving up`), {
        status: undefined,
        method: state.method,
        path: state.path,
        temporary: false,
      });
    seen.add(url.href);
  }

  /** Any failure of a call as one line that names it, says what to do and never shows the token. */
  #toError(error: unknown, state: CallState): Error {
    if (error instanceof GitHubApiError || error instanceof ConfigurationError) return error;
    const details = { method: state.method, path: state.path };
    if (isGraphqlResponseError(error)) return this.#graphqlError(error, state);
    if (!isRequestError(error))
      return new GitHubApiError(
        this.#redact(
          oneLine(`${state.label} failed: ${error instanceof Error ? error.message : String(error)}`),
        ),
        { ...details, status: undefined, temporary: false },
        { cause: error },
      );
    if (!error.response) {
      const cause = this.#redact(
        error.cause instanceof Error ? describeNetworkError(error.cause) : error.message,
      );
      return new GitHubApiError(
        oneLine(
          `${state.label} could not reach ${new URL(this.apiUrl).host} after ${state.attempts} attempt(s): ${cause}; check the network and re-run`,
        ),
        { ...details, status: undefined, temporary: true },
        { cause: error },
      );
    }
    const status = error.response.status;
    const described = describeErrorBody(error.response.data);
    const message = described.message === undefined ? undefined : this.#redact(described.message);
    const { documentationUrl } = described;
    const temporary = state.rateLimited || status >= 500 || status === 429;
    let advice = adviceFor(status, state.permission);
    if (state.askedWaitMs !== undefined)
      advice = `GitHub asks to wait ${Math.ceil(state.askedWaitMs / 1000)} s, longer than the ${Math.ceil(this.#maxDelayMs / 1000)} s we wait: re-run the job later`;
    else if (state.rateLimited)
      advice = `GitHub is rate-limiting this token: re-run the job later (gave up after ${state.attempts} attempts)`;
    else if (temporary) advice = `${advice} (gave up after ${state.attempts} attempts)`;
    else if (status === 403 && /rate limit/i.test(message ?? ''))
      advice = 'rate limit exceeded: re-run the job later';
    const said = message ? `: ${message}` : '';
    const docs = documentationUrl ? ` (${documentationUrl})` : '';
    // No `cause`: Octokit's error repeats GitHub's message unredacted, and an inspected error prints it.
    return new GitHubApiError(
      this.#redact(oneLine(`${state.label} answered ${status}${said} — ${advice}${docs}`)),
      { ...details, status, githubMessage: message, documentationUrl, temporary },
    );
  }

  /** GitHub answered 200 with `errors`: each message with its `type`, and advice for the first type. */
  #graphqlError(error: GraphqlResponseErrorLike, state: CallState): GitHubApiError {
    const said = this.#redact(
      error.errors
        .map((entry) => (entry.type ? `${entry.message} (${entry.type})` : entry.message))
        .join('; '),
    );
    const type = error.errors.find((entry) => entry.type)?.type;
    const status = type === undefined ? 422 : GRAPHQL_ERROR_STATUS[type];
    const advice = status === undefined ? 'see GitHub’s message' : adviceFor(status, state.permission);
    return new GitHubApiError(
      this.#redact(oneLine(`${state.label} answered with errors: ${said} — ${advice}`)),
      {
        status: 200,
        method: state.method,
        path: state.path,
        githubMessage: said,
        temporary: type === 'RATE_LIMITED',
      },
    );
  }

  #pathOf(url: string): string {
    const parsed = new URL(url);
    const base = new URL(this.apiUrl).pathname.replace(/\/$/, '');
    const pathname = parsed.pathname.startsWith(base) ? parsed.pathname.slice(base.length) : parsed.pathname;
    return this.#redact(`${pathname}${parsed.search}`);
  }

  #redact(text: string): string {
    return this.#masker.redact(text);
  }
}

/** A check run's writable fields as GitHub's REST API names them; completed_at when it completes. */
function checkRunFields(write: CheckRunWrite, now: Date): Record<string, unknown> {
  return {
    status: write.state.status,
    ...(write.state.status === 'completed'
      ? { conclusion: write.state.conclusion, completed_at: now.toISOString() }
      : {}),
    ...(write.externalId === undefined ? {} : { external_id: write.externalId }),
    ...(write.detailsUrl === undefined ? {} : { details_url: write.detailsUrl }),
    output: write.output,
  };
}

function truncate(text: string, max: number): string {
  const characters = [...text];
  return characters.length <= max ? text : `${characters.slice(0, max - 1).join('')}…`;
}

/** The package's route below the API; Octokit encodes a nested name (`team/api`) as one segment, `team%2Fapi`. */
function packageRoute(options: PackageOptions): string {
  return options.ownerType === 'org'
    ? '/orgs/{org}/packages/{package_type}/{package_name}'
    : '/users/{username}/packages/{package_type}/{package_name}';
}

function packageParams(options: PackageOptions): Record<string, string> {
  return {
    [options.ownerType === 'org' ? 'org' : 'username']: options.owner,
    package_type: options.packageType,
    package_name: options.packageName,
  };
}

function parseApiUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(`GitHub API URL "${value}" is not a URL: pass e.g. https://api.github.com`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new ConfigurationError(
      `GitHub API URL "${value}" is not HTTPS: the token must not travel in clear; use https://`,
    );
  return url.toString().replace(/\/+$/, '');
}

/** GitHub's error body as Octokit parsed it: JSON with `message`, `errors`, `documentation_url`, or text. */
function describeErrorBody(data: unknown): { message?: string; documentationUrl?: string } {
  if (typeof data === 'string') return data.trim() ? { message: data.trim().slice(0, 200) } : {};
  if (!data || typeof data !== 'object') return {};
  const record = data as Record<string, unknown>;
  const message = typeof record.message === 'string' ? record.message : undefined;
  const errors = Array.isArray(record.errors)
    ? record.errors.map(describeValidationError).filter(Boolean)
    : [];
  return {
    message: errors.length > 0 ? `${message ?? 'Validation Failed'} (${errors.join('; ')})` : message,
    documentationUrl: typeof record.documentation_url === 'string' ? record.documentation_url : undefined,
  };
}

/** GitHub's 422 bodies list `{ resource, field, code, message? }` or plain strings. */
function describeValidationError(entry: unknown): string {
  if (typeof entry === 'string') return entry;
  if (!entry || typeof entry !== 'object') return '';
  const record = entry as Record<string, unknown>;
  if (typeof record.message === 'string') return record.message;
  return [record.resource, record.field, record.code].filter((part) => typeof part === 'string').join(' ');
}

function describeNetworkError(error: Error): string {
  const cause = error.cause;
  if (cause instanceof Error) return `${error.message} (${cause.message})`;
  return error.message;
}

function isRequestError(error: unknown): error is RequestErrorLike {
  return (
    error instanceof Error &&
    error.name === 'HttpError' &&
    typeof (error as RequestErrorLike).status === 'number'
  );
}

function isGraphqlResponseError(error: unknown): error is GraphqlResponseErrorLike {
  return (
    error instanceof Error &&
    error.name === 'GraphqlResponseError' &&
    Array.isArray((error as GraphqlResponseErrorLike).errors)
  );
}

/** The first operation of a GraphQL document: its kind and name, for messages. */
function describeOperation(document: string): { kind: string; name: string } {
  const named = /\b(query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(document);
  if (named?.[1] && named[2]) return { kind: named[1], name: named[2] };
  const kind = /^\s*(mutation|subscription)\b/.exec(document)?.[1] ?? 'query';
  return { kind, name: '(anonymous)' };
}
