export interface GitHubApiErrorDetails {
  /** HTTP status, or undefined when GitHub could not be reached. */
  status: number | undefined;
  method: string;
  /** The request path (and query) on the API, without host or credentials. */
  path: string;
  /** GitHub's `message` from the error body, if any. */
  githubMessage?: string;
  /** GitHub's `documentation_url` from the error body, if any. */
  documentationUrl?: string;
  /** True when the same request may succeed later (5xx, rate limits, network errors). */
  temporary: boolean;
}

/**
 * A GitHub REST answer the client cannot turn into a result. Its message is one line that names
 * the request, GitHub's own message and what to do; it never contains the token.
 */
export class GitHubApiError extends Error {
  override name = 'GitHubApiError';
  readonly status: number | undefined;
  readonly method: string;
  readonly path: string;
  readonly githubMessage: string | undefined;
  readonly documentationUrl: string | undefined;
  readonly temporary: boolean;

  constructor(message: string, details: GitHubApiErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.status = details.status;
    this.method = details.method;
    this.path = details.path;
    this.githubMessage = details.githubMessage;
    this.documentationUrl = details.documentationUrl;
    this.temporary = details.temporary;
  }
}

export function isGitHubApiError(error: unknown): error is GitHubApiError {
  return error instanceof GitHubApiError;
}

/** What the caller should do about a refused request, by status; `permission` names the scope the call needs. */
export function adviceFor(status: number | undefined, permission: string): string {
  switch (status) {
    case 401:
      return "the token is missing, invalid or expired: pass a valid token in the step's `github-token` input (default: github.token)";
    case 403:
      return `the token lacks \`${permission}\`: add \`${permission}\` to the job's \`permissions:\`, or use a token that has it`;
    case 404:
      return `check the repository, ref and names; GitHub also answers 404 when the token cannot see the resource (it needs \`${permission}\`)`;
    case 422:
      return 'GitHub refused the request as invalid: see its message';
    default:
      return status !== undefined && (status >= 500 || status === 429)
        ? 'GitHub is unavailable or rate-limiting: re-run the job later'
        : 'see GitHub’s message';
  }
}
