import type { Octokit, OctokitOptions } from '@octokit/core';
import type { PaginateInterface } from '@octokit/plugin-paginate-rest';

/**
 * What the client keeps about one call while Octokit sends, repeats and pages it; passed along as
 * `request.flowCall`, which Octokit hands untouched to every hook.
 */
export interface CallState {
  /** How messages name the call: `GitHub API GET /repos/…` or `GitHub GraphQL query Name`. */
  label: string;
  method: string;
  /** The API path (and query) of the call, for `GitHubApiError.path`. */
  path: string;
  /** The permission the call needs, for 401/403/404 advice. */
  permission: string;
  /** Requests sent for this call so far, the first included. */
  attempts: number;
  /** Set when GitHub rate-limited the call. */
  rateLimited: boolean;
  /** Set when GitHub asked for a longer wait than the client allows. */
  askedWaitMs?: number;
}

/** The Octokit the client drives: `@octokit/core` with pagination, retries and rate-limit handling. */
export type FlowOctokit = Octokit & { paginate: PaginateInterface };
export type FlowOctokitClass = new (options: OctokitOptions) => FlowOctokit;

let loading: Promise<FlowOctokitClass> | undefined;

/**
 * Imports Octokit on the first GitHub call, not at start: a step that never calls GitHub never
 * loads it (ncc puts a dynamic import in a chunk of its own). Plugins registered later wrap the
 * earlier ones, so throttling (outermost) waits out rate limits around retry's 5xx backoff, and
 * the attempt counter sits inside both, seeing every request sent.
 */
export function loadOctokit(): Promise<FlowOctokitClass> {
  loading ??= Promise.all([
    import('@octokit/core'),
    import('@octokit/plugin-paginate-rest'),
    import('@octokit/plugin-retry'),
    import('@octokit/plugin-throttling'),
  ]).then(
    ([{ Octokit }, { paginateRest }, { retry }, { throttling }]) =>
      Octokit.plugin(countAttempts, paginateRest, retry, throttling) as unknown as FlowOctokitClass,
  );
  return loading;
}

/** Counts each request a call sends, retries and rate-limit repeats included, and logs the repeats. */
function countAttempts(octokit: Octokit): void {
  octokit.hook.wrap('request', (request, options) => {
    const call = (options.request as { flowCall?: CallState } | undefined)?.flowCall;
    if (call) {
      call.attempts += 1;
      if (call.attempts > 1) octokit.log.debug(`${call.label}: attempt ${call.attempts}`);
    }
    return request(options);
  });
}
