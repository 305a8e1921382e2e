import { ConfigurationError } from '@flow-actions/action-kit';

/** What an event says about which pull request to decide, before anything is read from GitHub. */
export interface EventTarget {
  /** Pull requests the event names; empty when only a commit is known. */
  pullRequests: number[];
  /**
   * The commit to find open pull requests by, when the event names none: a status, a deployment,
   * or a fork's check or workflow run (GitHub leaves their `pull_requests` empty).
   */
  commit?: string;
  /**
   * For `merge_group`: the merge queue's commit. Its checks count, and the gate's check goes on it;
   * the approvals are still those of the pull request's own head.
   */
  mergeGroupSha?: string;
  /** Where the target came from, for the log and the summary, e.g. `check_run.pull_requests`. */
  source: string;
}

/** The events the gate is re-evaluated on; the README lists the permissions each gets. */
export const SUPPORTED_EVENTS = [
  'pull_request',
  'pull_request_target',
  'pull_request_review',
  'check_run',
  'check_suite',
  'status',
  'deployment_status',
  'merge_group',
  'workflow_run',
] as const;

interface PullRequestRef {
  number?: number;
  base?: { repo?: { url?: string; name?: string } };
}

/** The fields of the webhook payloads read here; everything else is ignored. */
export interface GateEventPayload {
  pull_request?: { number?: number };
  check_run?: { head_sha?: string; pull_requests?: PullRequestRef[] };
  check_suite?: { head_sha?: string; pull_requests?: PullRequestRef[] };
  sha?: string;
  deployment?: { sha?: string };
  merge_group?: { head_sha?: string; head_ref?: string };
  workflow_run?: { head_sha?: string; pull_requests?: PullRequestRef[] };
}

/** `gh-readonly-queue/<base>/pr-<number>-<base sha>`: the queue's branch names the pull request it tests. */
const MERGE_QUEUE_BRANCH = /(?:^|\/)gh-readonly-queue\/.+\/pr-(\d+)-[0-9a-f]{40}$/;
const SHA = /^[0-9a-f]{40}$/i;

/**
 * Which pull request an event is about. A `workflow_run` or `check_run` names its pull requests
 * only for branches of this repository (those of `repository`, when the payload says which
 * repository each merges into); a fork's come with an empty list and are found by their head
 * commit. Never the event's `GITHUB_SHA`: for `workflow_run` that is the default branch's head,
 * and a check posted there would gate nothing.
 */
export function eventTarget(eventName: string, payload: GateEventPayload, repository: string): EventTarget {
  const byCommit = (sha: string | undefined, source: string): EventTarget => {
    if (!sha || !SHA.test(sha))
      throw new ConfigurationError(
        `The ${eventName} event has no commit sha in ${source}: the gate cannot tell which pull request it is about.`,
      );
    return { pullRequests: [], commit: sha.toLowerCase(), source };
  };
  const listed = (
    pulls: PullRequestRef[] | undefined,
    headSha: string | undefined,
    field: string,
  ): EventTarget => {
    const numbers = (pulls ?? [])
      .filter((pull) => mergesInto(pull, repository))
      .map((pull) => pull.number)
      .filter((number): number is number => Number.isInteger(number));
    return numbers.length > 0
      ? { pullRequests: [...new Set(numbers)], source: `${field}.pull_requests` }
      : byCommit(headSha, `${field}.head_sha`);
  };

  switch (eventName) {
    case 'pull_request':
    case 'pull_request_target':
    case 'pull_request_review': {
      const number = payload.pull_request?.number;
      if (!Number.isInteger(number))
        throw new ConfigurationError(`The ${eventName} event has no pull_request.number in its payload.`);
      return { pullRequests: [number as number], source: 'pull_request.number' };
    }
    case 'check_run':
      return listed(payload.check_run?.pull_requests, payload.check_run?.head_sha, 'check_run');
    case 'check_suite':
      return listed(payload.check_suite?.pull_requests, payload.check_suite?.head_sha, 'check_suite');
    case 'workflow_run':
      return listed(payload.workflow_run?.pull_requests, payload.workflow_run?.head_sha, 'workflow_run');
    case 'status':
      return byCommit(payload.sha, 'sha');
    case 'deployment_status':
      return byCommit(payload.deployment?.sha, 'deployment.sha');
    case 'merge_group': {
      const group = payload.merge_group;
      const number = MERGE_QUEUE_BRANCH.exec(group?.head_ref ?? '')?.[1];
      if (!number || !group?.head_sha || !SHA.test(group.head_sha))
        throw new ConfigurationError(
          `The merge_group event's head_ref "${group?.head_ref ?? ''}" does not name a pull request (gh-readonly-queue/<base>/pr-<number>-<sha>), or it has no head_sha.`,
        );
      return {
        pullRequests: [Number(number)],
        mergeGroupSha: group.head_sha.toLowerCase(),
        source: 'merge_group.head_ref',
      };
    }
    default:
      throw new ConfigurationError(
        `The ${eventName} event does not say which pull request to decide: run the gate on ${SUPPORTED_EVENTS.join(', ')}.`,
      );
  }
}

/**
 * GitHub lists pull requests of other repositories too (a branch that is also the head of a pull
 * request into a fork's upstream): only those that merge into this repository count. A payload
 * that does not say (older GitHub Enterprise) is taken as this repository's.
 */
function mergesInto(pull: PullRequestRef, repository: string): boolean {
  const url = pull.base?.repo?.url;
  if (!url) return true;
  return url.toLowerCase().endsWith(`/repos/${repository.toLowerCase()}`);
}
