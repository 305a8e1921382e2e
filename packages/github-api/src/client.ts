import { ConfigurationError, type Logger, nullLogger, oneLine, SecretMasker } from '@flow-actions/action-kit';
import { adviceFor, GitHubApiError } from './errors';
import { parseLinkHeader } from './link';
import type {
  CheckRun,
  CombinedStatus,
  CommitStatus,
  Deployment,
  DeploymentState,
  DeploymentStatus,
  PackageVersion,
  PullRequest,
  Release,
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
  /** Waits between retries; tests pass a recorder. Default: setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Default: nullLogger. */
  logger?: Logger;
  /** Attempts per request for retryable answers, the first included. Default: 4. */
  maxAttempts?: number;
  /** First backoff step for 5xx without Retry-After; doubles each attempt. Default: 1 000 ms. */
  baseDelayMs?: number;
  /** Longest single wait; a rate limit that resets later than this fails at once. Default: 60 000 ms. */
  maxDelayMs?: number;
  /** Clock for `x-ratelimit-reset`. Default: Date.now. */
  now?: () => number;
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

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Query = Record<string, string | number | undefined>;

interface RequestSpec {
  method: Method;
  /** Path below the API base, each variable segment already encoded. */
  path: string;
  query?: Query;
  body?: unknown;
  /** The permission the call needs, for 403/404 advice, e.g. `checks: read`. */
  permission: string;
}

const RETRYABLE_STATUSES = new Set([500, 502, 503, 504]);
/** GitHub asks clients that hit a secondary limit without Retry-After to wait at least a minute. */
const SECONDARY_LIMIT_WAIT_MS = 60_000;
/** A server that keeps sending `rel="next"` must not keep us paging for ever. */
const MAX_PAGES = 1000;
const USER_AGENT = 'flow-actions';
/** GitHub refuses a longer deployment status description with 422. */
const DEPLOYMENT_STATUS_DESCRIPTION_MAX = 140;

/**
 * A small GitHub REST client on the global fetch: the few calls flow-actions makes, all pages,
 * retries for what is safe to repeat, and one-line errors that say which permission is missing.
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
  readonly #now: () => number;
  /** The URL each successful response answered, for messages (a Response built by a test has none). */
  readonly #urls = new WeakMap<Response, string>();

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
    this.#now = options.now ?? Date.now;
  }

  /** Every check run on `ref` (all pages, every run of each name: the gate picks the newest). Needs `checks: read`. */
  async listCheckRunsForRef(ref: string): Promise<CheckRun[]> {
    return this.#paginate<CheckRun>(
      {
        method: 'GET',
        path: `${this.#repoPath()}/commits/${encodeURIComponent(ref)}/check-runs`,
        query: { filter: 'all', per_page: 100 },
        permission: 'checks: read',
      },
      (body) => (body as { check_runs: CheckRun[] }).check_runs,
    );
  }

  /** GitHub's roll-up of the latest status per context (first 100 contexts). Needs `statuses: read`. */
  async getCombinedStatus(ref: string): Promise<CombinedStatus> {
    const response = await this.#request({
      method: 'GET',
      path: `${this.#repoPath()}/commits/${encodeURIComponent(ref)}/status`,
      query: { per_page: 100 },
      permission: 'statuses: read',
    });
    return (await this.#json(response, 'GET')) as CombinedStatus;
  }

  /** Every commit status on `ref`, newest first, all pages. Needs `statuses: read`. */
  async listCommitStatuses(ref: string): Promise<CommitStatus[]> {
    return this.#paginate<CommitStatus>(
      {
        method: 'GET',
        path: `${this.#repoPath()}/commits/${encodeURIComponent(ref)}/statuses`,
        query: { per_page: 100 },
        permission: 'statuses: read',
      },
      (body) => body as CommitStatus[],
    );
  }

  /** Records a deployment of `ref` to `environment`. Needs `deployments: write`. */
  async createDeployment(options: CreateDeploymentOptions): Promise<Deployment> {
    const response = await this.#request({
      method: 'POST',
      path: `${this.#repoPath()}/deployments`,
      body: {
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
    });
    // 202 means GitHub merged the default branch instead of deploying: only possible with autoMerge.
    if (response.status === 202) {
      const body = (await this.#json(response, 'POST')) as { message?: string };
      throw new GitHubApiError(
        oneLine(
          `GitHub did not create a deployment of ${options.ref}: ${body.message ?? 'it merged the default branch first'}; deploy with autoMerge false`,
        ),
        { status: 202, method: 'POST', path: `${this.#repoPath()}/deployments`, temporary: false },
      );
    }
    return (await this.#json(response, 'POST')) as Deployment;
  }

  /** Adds a status to a deployment. Needs `deployments: write`. */
  async createDeploymentStatus(
    deploymentId: number,
    options: CreateDeploymentStatusOptions,
  ): Promise<DeploymentStatus> {
    const body: Record<string, unknown> = {
      state: options.state,
      description: truncate(options.description, DEPLOYMENT_STATUS_DESCRIPTION_MAX),
    };
    if (options.environmentUrl) body.environment_url = options.environmentUrl;
    if (options.logUrl) body.log_url = options.logUrl;
    const response = await this.#request({
      method: 'POST',
      path: `${this.#repoPath()}/deployments/${deploymentId}/statuses`,
      body,
      permission: 'deployments: write',
    });
    return (await this.#json(response, 'POST')) as DeploymentStatus;
  }

  /** Every version of a package (all pages), newest first. Needs `packages: read`. */
  async listPackageVersions(options: PackageOptions): Promise<PackageVersion[]> {
    return this.#paginate<PackageVersion>(
      {
        method: 'GET',
        path: `${packagePath(options)}/versions`,
        // GitHub documents per_page and state only for organizations' packages; a user's are
        // paged by GitHub's default size, following its Link header all the same.
        query: options.ownerType === 'org' ? { per_page: 100, state: 'active' } : {},
        permission: 'packages: read',
      },
      (body) => body as PackageVersion[],
    );
  }

  /** Deletes one package version. Needs `packages: write` and admin rights on the package (`delete:packages` for a PAT). */
  async deletePackageVersion(options: DeletePackageVersionOptions): Promise<void> {
    const response = await this.#request({
      method: 'DELETE',
      path: `${packagePath(options)}/versions/${options.versionId}`,
      permission: 'packages: write',
    });
    await response.arrayBuffer();
  }

  /** The open pull request from `head` into `base`, if there is one. Needs `pull-requests: read`. */
  async findOpenPullRequest(lookup: PullRequestLookup): Promise<PullRequest | undefined> {
    const path = `${this.#repoPath()}/pulls`;
    const head = lookup.head.includes(':') ? lookup.head : `${this.owner}:${lookup.head}`;
    const pulls = await this.#paginate<PullRequest>(
      {
        method: 'GET',
        path,
        query: { state: 'open', head, base: lookup.base, per_page: 100 },
        permission: 'pull-requests: read',
      },
      (body) => body as PullRequest[],
    );
    return pulls[0];
  }

  /** Opens a pull request. Needs `pull-requests: write`. */
  async createPullRequest(options: CreatePullRequestOptions): Promise<PullRequest> {
    const response = await this.#request({
      method: 'POST',
      path: `${this.#repoPath()}/pulls`,
      body: { title: options.title, head: options.head, base: options.base, body: options.body },
      permission: 'pull-requests: write',
    });
    return (await this.#json(response, 'POST')) as PullRequest;
  }

  /** Changes the title and/or body of a pull request. Needs `pull-requests: write`. */
  async updatePullRequest(pullNumber: number, options: UpdatePullRequestOptions): Promise<PullRequest> {
    const body: Record<string, string> = {};
    if (options.title !== undefined) body.title = options.title;
    if (options.body !== undefined) body.body = options.body;
    const response = await this.#request({
      method: 'PATCH',
      path: `${this.#repoPath()}/pulls/${pullNumber}`,
      body,
      permission: 'pull-requests: write',
    });
    return (await this.#json(response, 'PATCH')) as PullRequest;
  }

  /** Publishes a release for `tagName`. Needs `contents: write`. */
  async createRelease(options: CreateReleaseOptions): Promise<Release> {
    const makeLatest = options.makeLatest ?? 'legacy';
    const body: Record<string, unknown> = {
      tag_name: options.tagName,
      name: options.name ?? options.tagName,
      body: options.body,
      prerelease: options.prerelease ?? false,
      make_latest: typeof makeLatest === 'boolean' ? String(makeLatest) : makeLatest,
    };
    if (options.targetCommitish) body.target_commitish = options.targetCommitish;
    const response = await this.#request({
      method: 'POST',
      path: `${this.#repoPath()}/releases`,
      body,
      permission: 'contents: write',
    });
    return (await this.#json(response, 'POST')) as Release;
  }

  /** A 2xx body that is not JSON (a proxy's HTML page, a cut connection) is an error that says so. */
  async #json(response: Response, method: Method): Promise<unknown> {
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch (error) {
      const path = this.#pathOf(this.#urls.get(response) ?? (response.url || this.apiUrl));
      throw new GitHubApiError(
        this.#redact(
          oneLine(
            `GitHub API ${method} ${path} answered ${response.status} with a body that is not JSON (${JSON.stringify(text.slice(0, 80))}): check GITHUB_API_URL and any proxy in between`,
          ),
        ),
        { status: response.status, method, path, temporary: false },
        { cause: error },
      );
    }
  }

  #repoPath(): string {
    if (this.owner === undefined || this.repo === undefined) {
      throw new ConfigurationError(
        'no repository for a repository-scoped GitHub call: GITHUB_REPOSITORY is not set; run in a workflow, or pass the repository (owner/name)',
      );
    }
    return `/repos/${encodeURIComponent(this.owner)}/${encodeURIComponent(this.repo)}`;
  }

  async #paginate<T>(spec: RequestSpec, pick: (body: unknown) => T[]): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    let url: string | undefined = this.#url(spec);
    while (url) {
      if (seen.has(url) || seen.size >= MAX_PAGES)
        throw new GitHubApiError(
          oneLine(`GitHub API ${spec.method} ${spec.path} kept paging (${seen.size} pages): giving up`),
          { status: undefined, method: spec.method, path: spec.path, temporary: false },
        );
      seen.add(url);
      const response = await this.#send(spec, url);
      items.push(...pick(await this.#json(response, spec.method)));
      const next: string | undefined = parseLinkHeader(response.headers.get('link')).next;
      url = next === undefined ? undefined : this.#checkSameOrigin(next, spec);
    }
    return items;
  }

  async #request(spec: RequestSpec): Promise<Response> {
    return this.#send(spec, this.#url(spec));
  }

  #url(spec: RequestSpec): string {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(spec.query ?? {}))
      if (value !== undefined) query.set(key, String(value));
    const search = query.size > 0 ? `?${query}` : '';
    return `${this.apiUrl}${spec.path}${search}`;
  }

  /** The token goes only to the API it was given for, never to a host a Link header names. */
  #checkSameOrigin(next: string, spec: RequestSpec): string {
    const url = new URL(next, `${this.apiUrl}/`);
    if (url.origin !== new URL(this.apiUrl).origin)
      throw new GitHubApiError(
        oneLine(
          `GitHub API ${spec.method} ${spec.path} sent a next page on another host (${url.origin}): refused`,
        ),
        { status: undefined, method: spec.method, path: spec.path, temporary: false },
      );
    return url.toString();
  }

  async #send(spec: RequestSpec, url: string): Promise<Response> {
    const path = this.#pathOf(url);
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.#token}`,
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
      'User-Agent': USER_AGENT,
    };
    let body: string | undefined;
    if (spec.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(spec.body);
    }
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        this.requestCount++;
        response = await this.#fetch(url, { method: spec.method, headers, body });
      } catch (error) {
        // A POST that may have reached GitHub is not replayed: it could create a second object.
        const canRetry = spec.method !== 'POST' && attempt < this.#maxAttempts;
        const cause = this.#redact(error instanceof Error ? describeNetworkError(error) : String(error));
        if (!canRetry)
          throw new GitHubApiError(
            oneLine(
              `GitHub API ${spec.method} ${path} could not reach ${new URL(this.apiUrl).host} after ${attempt} attempt(s): ${cause}; check the network and re-run`,
            ),
            { status: undefined, method: spec.method, path, temporary: true },
            { cause: error },
          );
        const wait = this.#backoff(attempt);
        this.#logger.debug(`GitHub API ${spec.method} ${path}: ${cause}; retrying in ${wait} ms`);
        await this.#sleep(wait);
        continue;
      }
      if (response.ok) {
        this.#urls.set(response, url);
        return response;
      }
      const text = await response.text().catch(() => '');
      const wait = this.#retryWait(spec.method, response, text, attempt);
      if (wait === undefined || attempt >= this.#maxAttempts || wait > this.#maxDelayMs)
        throw this.#toError(spec, path, response, text, attempt, wait);
      this.#logger.debug(
        `GitHub API ${spec.method} ${path} answered ${response.status}; retrying in ${wait} ms`,
      );
      await this.#sleep(wait);
    }
  }

  /** How long to wait before repeating, or undefined when the answer must not be repeated. */
  #retryWait(method: Method, response: Response, text: string, attempt: number): number | undefined {
    const retryAfter = parseRetryAfter(response.headers.get('retry-after'), this.#now());
    const rateLimited =
      response.status === 429 ||
      (response.status === 403 &&
        (retryAfter !== undefined ||
          response.headers.get('x-ratelimit-remaining') === '0' ||
          /secondary rate limit/i.test(text)));
    if (rateLimited) {
      // A rate-limited request was refused, not run, so even a POST may be repeated.
      if (retryAfter !== undefined) return retryAfter;
      const reset = Number(response.headers.get('x-ratelimit-reset'));
      if (response.headers.get('x-ratelimit-remaining') === '0' && Number.isFinite(reset) && reset > 0)
        return Math.max(0, reset * 1000 - this.#now()) + 1000;
      return SECONDARY_LIMIT_WAIT_MS;
    }
    // A 5xx may come after GitHub did the work: only requests that are safe to repeat are.
    if (RETRYABLE_STATUSES.has(response.status) && method !== 'POST')
      return retryAfter ?? this.#backoff(attempt);
    return undefined;
  }

  #backoff(attempt: number): number {
    return Math.min(this.#baseDelayMs * 2 ** (attempt - 1), this.#maxDelayMs);
  }

  #toError(
    spec: RequestSpec,
    path: string,
    response: Response,
    text: string,
    attempt: number,
    wait: number | undefined,
  ): GitHubApiError {
    const { message, documentationUrl } = parseErrorBody(text);
    const status = response.status;
    const temporary = wait !== undefined;
    let advice = adviceFor(status, spec.permission);
    if (temporary && wait > this.#maxDelayMs)
      advice = `GitHub asks to wait ${Math.ceil(wait / 1000)} s, longer than the ${Math.ceil(this.#maxDelayMs / 1000)} s we wait: re-run the job later`;
    else if (temporary) advice = `${advice} (gave up after ${attempt} attempts)`;
    else if (status === 403 && /rate limit/i.test(message ?? ''))
      advice = 'rate limit exceeded: re-run the job later';
    const said = message ? `: ${message}` : '';
    const docs = documentationUrl ? ` (${documentationUrl})` : '';
    return new GitHubApiError(
      this.#redact(oneLine(`GitHub API ${spec.method} ${path} answered ${status}${said} — ${advice}${docs}`)),
      { status, method: spec.method, path, githubMessage: message, documentationUrl, temporary },
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

function truncate(text: string, max: number): string {
  const characters = [...text];
  return characters.length <= max ? text : `${characters.slice(0, max - 1).join('')}…`;
}

function packagePath(options: PackageOptions): string {
  const scope = options.ownerType === 'org' ? 'orgs' : 'users';
  // A nested name (`team/api`) is one path segment: its `/` must be sent as %2F.
  return `/${scope}/${encodeURIComponent(options.owner)}/packages/${options.packageType}/${encodeURIComponent(options.packageName)}`;
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

function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function parseErrorBody(text: string): { message?: string; documentationUrl?: string } {
  try {
    const body: unknown = JSON.parse(text);
    if (!body || typeof body !== 'object') return {};
    const record = body as Record<string, unknown>;
    const message = typeof record.message === 'string' ? record.message : undefined;
    const errors = Array.isArray(record.errors)
      ? record.errors.map(describeValidationError).filter(Boolean)
      : [];
    return {
      message: errors.length > 0 ? `${message ?? 'Validation Failed'} (${errors.join('; ')})` : message,
      documentationUrl: typeof record.documentation_url === 'string' ? record.documentation_url : undefined,
    };
  } catch {
    return text.trim() ? { message: text.trim().slice(0, 200) } : {};
  }
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
