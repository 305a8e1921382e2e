import type { WorkflowEvent } from './triggers';
import { DEFAULT_BRANCH } from './triggers';
import type { Commit } from './world';
import { ACTOR, PR_AUTHOR, REPOSITORY } from './world';

// Webhook payloads with the fields GitHub sends that the templates and our actions read; their
// shapes follow the recorded payloads that commit-identity is tested against.

const repository = {
  full_name: REPOSITORY,
  name: REPOSITORY.split('/')[1],
  owner: { login: REPOSITORY.split('/')[0] },
  default_branch: DEFAULT_BRANCH,
};

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
  action: 'opened' | 'synchronize' | 'reopened' | 'ready_for_review' | 'closed' | 'labeled' | 'unlabeled';
  number: number;
  head: Commit;
  branch: string;
  /** GitHub's merge commit of the head into the base: GITHUB_SHA of a pull_request run. */
  merge: string;
  base: string;
  draft: boolean;
  /** The head's repository; a fork's differs. Default: this repository. */
  headRepository?: string;
  /** The pull request's author. Default: dev. */
  author?: string;
  /** Who caused the event (`sender`), e.g. who added a label. Default: the author. */
  sender?: string;
  /** For labeled and unlabeled: the label. */
  label?: string;
}

/** The `pull_request` object of a pull request's payloads. */
function pullRequestObject(options: Omit<PullRequestEventOptions, 'action' | 'merge' | 'sender' | 'label'>) {
  return {
    number: options.number,
    draft: options.draft,
    state: 'open',
    user: user(options.author ?? PR_AUTHOR),
    head: {
      sha: options.head.sha,
      ref: options.branch,
      repo: { full_name: options.headRepository ?? REPOSITORY },
    },
    base: { sha: options.base, ref: DEFAULT_BRANCH, repo: { full_name: REPOSITORY } },
  };
}

function user(login: string) {
  return { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' };
}

export function pullRequest(options: PullRequestEventOptions): WorkflowEvent {
  return {
    name: 'pull_request',
    sha: options.merge,
    ref: `refs/pull/${options.number}/merge`,
    payload: {
      action: options.action,
      number: options.number,
      pull_request: pullRequestObject(options),
      ...(options.label === undefined ? {} : { label: { name: options.label } }),
      repository,
      sender: user(options.sender ?? options.author ?? PR_AUTHOR),
    },
  };
}

export interface ReviewEventOptions extends Omit<PullRequestEventOptions, 'action' | 'sender' | 'label'> {
  action: 'submitted' | 'dismissed';
  /** The reviewer. */
  reviewer: string;
  /** As the webhook writes it: approved, changes_requested, commented, dismissed. */
  state: 'approved' | 'changes_requested' | 'commented' | 'dismissed';
  /** The head the review was given on. Default: the pull request's head. */
  commitId?: string;
}

/** A review submitted or dismissed: GITHUB_SHA is the merge commit, as for pull_request. */
export function pullRequestReview(options: ReviewEventOptions): WorkflowEvent {
  return {
    name: 'pull_request_review',
    sha: options.merge,
    ref: `refs/pull/${options.number}/merge`,
    payload: {
      action: options.action,
      review: {
        user: user(options.reviewer),
        state: options.state,
        commit_id: options.commitId ?? options.head.sha,
        submitted_at: new Date().toISOString(),
      },
      pull_request: pullRequestObject(options),
      repository,
      sender: user(options.reviewer),
    },
  };
}

/** The pull requests a check or workflow run names: those of this repository whose head is the commit. */
export interface PullRequestRef {
  number: number;
  headSha: string;
  branch: string;
}

function pullRequestRefs(pulls: readonly PullRequestRef[]) {
  return pulls.map((pull) => ({
    number: pull.number,
    head: { sha: pull.headSha, ref: pull.branch },
    base: { ref: DEFAULT_BRANCH },
  }));
}

/**
 * Another app's check run on a commit completed. GITHUB_SHA is the default branch's head: the
 * workflow runs as the default branch has it. `pull_requests` is empty for a fork's head.
 */
export function checkRunCompleted(
  name: string,
  conclusion: string,
  headSha: string,
  defaultBranchHead: string,
  pulls: readonly PullRequestRef[] = [],
): WorkflowEvent {
  return {
    name: 'check_run',
    sha: defaultBranchHead,
    ref: `refs/heads/${DEFAULT_BRANCH}`,
    payload: {
      action: 'completed',
      check_run: {
        name,
        head_sha: headSha,
        status: 'completed',
        conclusion,
        app: { slug: 'acme-ci' },
        pull_requests: pullRequestRefs(pulls),
      },
      repository,
      sender: user('acme-ci[bot]'),
    },
  };
}

/** Another app's commit status on a commit. GITHUB_SHA is the default branch's head. */
export function commitStatus(
  context: string,
  state: 'success' | 'failure' | 'error' | 'pending',
  sha: string,
  defaultBranchHead: string,
): WorkflowEvent {
  return {
    name: 'status',
    sha: defaultBranchHead,
    ref: `refs/heads/${DEFAULT_BRANCH}`,
    payload: { sha, context, state, repository, sender: user('acme-ci[bot]') },
  };
}

/**
 * A deployment's status changed. GITHUB_SHA is the deployed commit and GITHUB_REF its branch: the
 * workflow runs as that commit has it, a pull request's head included.
 */
export function deploymentStatus(
  environment: string,
  state: 'success' | 'failure' | 'error' | 'in_progress' | 'inactive',
  head: Commit,
  branch: string,
  deploymentId: number,
): WorkflowEvent {
  return {
    name: 'deployment_status',
    sha: head.sha,
    ref: `refs/heads/${branch}`,
    payload: {
      action: 'created',
      deployment: { id: deploymentId, sha: head.sha, ref: branch, environment },
      deployment_status: { state, environment },
      repository,
      sender: user('acme-cd[bot]'),
    },
  };
}

/** The merge queue asks for checks on its commit of a pull request: GITHUB_SHA is that commit. */
export function mergeGroup(number: number, queueSha: string, prHead: string, base: string): WorkflowEvent {
  const headRef = `refs/heads/gh-readonly-queue/${DEFAULT_BRANCH}/pr-${number}-${prHead}`;
  return {
    name: 'merge_group',
    sha: queueSha,
    ref: headRef,
    payload: {
      action: 'checks_requested',
      merge_group: {
        head_sha: queueSha,
        head_ref: headRef,
        base_sha: base,
        base_ref: `refs/heads/${DEFAULT_BRANCH}`,
      },
      repository,
      sender: user('github-merge-queue[bot]'),
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
  event?:
    | 'push'
    | 'pull_request'
    | 'workflow_dispatch'
    | 'pull_request_review'
    | 'merge_group'
    | 'workflow_run';
  /** The branch it ran on. Default: the default branch. */
  headBranch?: string;
  /** The repository of its head commit; a fork's pull request names the fork. Default: this one. */
  headRepository?: string;
  /** The pull requests of this repository whose head it ran on (none for a fork's). Default: none. */
  pullRequests?: readonly PullRequestRef[];
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
        pull_requests: pullRequestRefs(options.pullRequests ?? []),
      },
      repository,
      sender: user(ACTOR),
    },
  };
}

export interface IssueCommentOptions {
  /** `created` runs a command; an edit or a deletion must run nothing. */
  action: 'created' | 'edited' | 'deleted';
  /** The issue or pull request the comment is on. */
  number: number;
  /** On a pull request's conversation (GitHub then sets `issue.pull_request`); else an issue's. */
  onPullRequest: boolean;
  /** The comment's id, as the reactions route names it. */
  commentId: number;
  body: string;
  /** Who wrote the comment; a login ending in `[bot]` is a bot. */
  commenter: string;
  /** Who opened the issue or pull request. Default: dev. */
  author?: string;
  /** For an edit: the body before it. */
  previousBody?: string;
  /** The default branch's head: GITHUB_SHA of an issue_comment run. */
  defaultBranchHead: string;
}

/**
 * A comment on an issue or a pull request's conversation. GITHUB_SHA and GITHUB_REF are the
 * default branch's: the workflow runs as the default branch has it, whatever the pull request
 * holds. The shape follows the recorded `issue_comment` payloads.
 */
export function issueComment(options: IssueCommentOptions): WorkflowEvent {
  const apiBase = `https://api.github.com/repos/${REPOSITORY}`;
  const htmlBase = `https://github.com/${REPOSITORY}`;
  const kind = options.onPullRequest ? 'pull' : 'issues';
  return {
    name: 'issue_comment',
    sha: options.defaultBranchHead,
    ref: `refs/heads/${DEFAULT_BRANCH}`,
    payload: {
      action: options.action,
      issue: {
        number: options.number,
        state: 'open',
        user: user(options.author ?? PR_AUTHOR),
        html_url: `${htmlBase}/${kind}/${options.number}`,
        ...(options.onPullRequest
          ? {
              pull_request: {
                url: `${apiBase}/pulls/${options.number}`,
                html_url: `${htmlBase}/pull/${options.number}`,
                merged_at: null,
              },
            }
          : {}),
      },
      comment: {
        id: options.commentId,
        html_url: `${htmlBase}/${kind}/${options.number}#issuecomment-${options.commentId}`,
        body: options.body,
        user: user(options.commenter),
        created_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
      ...(options.action === 'edited' ? { changes: { body: { from: options.previousBody ?? '' } } } : {}),
      repository,
      sender: user(options.commenter),
    },
  };
}
