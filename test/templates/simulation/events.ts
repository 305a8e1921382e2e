import type { WorkflowEvent } from './triggers';
import { DEFAULT_BRANCH } from './triggers';
import type { Commit } from './world';
import { REPOSITORY } from './world';

// Webhook payloads with the fields GitHub sends that the templates and our actions read; their
// shapes follow the recorded payloads that commit-identity is tested against.

const repository = { full_name: REPOSITORY, name: REPOSITORY.split('/')[1], default_branch: DEFAULT_BRANCH };

/** A push of `commit` to the default branch. */
export function pushToMain(commit: Commit, before: string): WorkflowEvent {
  return {
    name: 'push',
    sha: commit.sha,
    ref: `refs/heads/${DEFAULT_BRANCH}`,
    changedFiles: commit.changedFiles,
    payload: {
      ref: `refs/heads/${DEFAULT_BRANCH}`,
      before,
      after: commit.sha,
      head_commit: { id: commit.sha, message: commit.subject },
      repository,
    },
  };
}

/**
 * A pushed tag. For an annotated tag `after` is the tag object and `head_commit` the commit, as
 * GitHub sends it; GITHUB_SHA is the commit either way.
 */
export function pushTag(name: string, commit: Commit, tagObject: string): WorkflowEvent {
  return {
    name: 'push',
    sha: commit.sha,
    ref: `refs/tags/${name}`,
    payload: {
      ref: `refs/tags/${name}`,
      before: '0'.repeat(40),
      after: tagObject,
      created: true,
      head_commit: { id: commit.sha, message: commit.subject },
      repository,
    },
  };
}

export interface PullRequestEventOptions {
  action: 'opened' | 'synchronize' | 'reopened' | 'ready_for_review' | 'closed';
  number: number;
  head: Commit;
  branch: string;
  /** GitHub's merge commit of the head into the base: GITHUB_SHA of a pull_request run. */
  merge: string;
  base: string;
  draft: boolean;
  /** The head's repository; a fork's differs. Default: this repository. */
  headRepository?: string;
}

export function pullRequest(options: PullRequestEventOptions): WorkflowEvent {
  return {
    name: 'pull_request',
    sha: options.merge,
    ref: `refs/pull/${options.number}/merge`,
    payload: {
      action: options.action,
      number: options.number,
      pull_request: {
        number: options.number,
        draft: options.draft,
        state: 'open',
        head: {
          sha: options.head.sha,
          ref: options.branch,
          repo: { full_name: options.headRepository ?? REPOSITORY },
        },
        base: { sha: options.base, ref: DEFAULT_BRANCH, repo: { full_name: REPOSITORY } },
      },
      repository,
    },
  };
}

/** A run by hand from the default branch, whose head is `sha`. */
export function dispatch(inputs: Record<string, string>, sha: string): WorkflowEvent {
  return {
    name: 'workflow_dispatch',
    sha,
    ref: `refs/heads/${DEFAULT_BRANCH}`,
    payload: { inputs, ref: `refs/heads/${DEFAULT_BRANCH}`, repository },
  };
}

export interface WorkflowRunOptions {
  /** The event that started the run. Default: push. */
  event?: 'push' | 'pull_request' | 'workflow_dispatch';
  /** The branch it ran on. Default: the default branch. */
  headBranch?: string;
  /** The repository of its head commit; a fork's pull request names the fork. Default: this one. */
  headRepository?: string;
}

/** Another workflow's run completed; GITHUB_SHA is the default branch's head. */
export function workflowRunCompleted(
  workflow: string,
  conclusion: 'success' | 'failure',
  head: Commit,
  defaultBranchHead: string,
  options: WorkflowRunOptions = {},
): WorkflowEvent {
  const headRepository = options.headRepository ?? REPOSITORY;
  const event = options.event ?? 'push';
  return {
    name: 'workflow_run',
    sha: defaultBranchHead,
    ref: `refs/heads/${DEFAULT_BRANCH}`,
    payload: {
      action: 'completed',
      workflow_run: {
        name: workflow,
        event,
        status: 'completed',
        conclusion,
        head_sha: head.sha,
        head_branch: options.headBranch ?? DEFAULT_BRANCH,
        head_commit: { id: head.sha, message: head.subject },
        head_repository: { full_name: headRepository },
        repository: { full_name: REPOSITORY },
        pull_requests: [],
      },
      repository,
    },
  };
}
