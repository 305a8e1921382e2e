/**
 * The parts of GitHub's REST objects that flow-actions reads. GitHub sends more; these types
 * name only what the actions use, so a field we rely on is visible here.
 */

/** A check run (`GET /repos/{owner}/{repo}/commits/{ref}/check-runs`). */
export interface CheckRun {
  id: number;
  name: string;
  head_sha: string;
  /** `queued`, `in_progress`, `completed`, `waiting`, `requested` or `pending`. */
  status: string;
  /** Set once `status` is `completed`: `success`, `failure`, `neutral`, `cancelled`, `skipped`, `timed_out`, `action_required`, `stale`, `startup_failure`. */
  conclusion: string | null;
  started_at: string | null;
  completed_at: string | null;
  html_url: string | null;
  details_url: string | null;
  /** Set by whoever created the run, e.g. which evaluation wrote it. */
  external_id: string | null;
  output?: { title: string | null; summary: string | null; text?: string | null };
}

/** A check run's state as written: in progress, or completed with a conclusion. */
export type CheckRunState =
  | { status: 'in_progress' }
  | { status: 'completed'; conclusion: 'success' | 'failure' | 'neutral' };

/** One commit status (`GET /repos/{owner}/{repo}/commits/{ref}/statuses`). */
export interface CommitStatus {
  id: number;
  /** `success`, `failure`, `error` or `pending`. */
  state: string;
  context: string;
  description: string | null;
  target_url: string | null;
  created_at: string;
  updated_at: string;
}

/** The combined status of a ref (`GET /repos/{owner}/{repo}/commits/{ref}/status`). */
export interface CombinedStatus {
  /** `success`, `failure` or `pending`: GitHub's roll-up of the latest status per context. */
  state: string;
  sha: string;
  total_count: number;
  statuses: CommitStatus[];
}

export interface Deployment {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  description: string | null;
  url: string;
  statuses_url: string;
  created_at: string;
}

export type DeploymentState =
  | 'error'
  | 'failure'
  | 'inactive'
  | 'in_progress'
  | 'queued'
  | 'pending'
  | 'success';

export interface DeploymentStatus {
  id: number;
  state: DeploymentState;
  description: string;
  environment_url?: string;
  log_url?: string;
  url: string;
}

/** A version of a GitHub Packages package; container versions carry their tags in `metadata`. */
export interface PackageVersion {
  id: number;
  /** For containers the manifest digest (`sha256:…`); for npm the version. */
  name: string;
  html_url?: string;
  created_at: string;
  updated_at: string;
  metadata?: {
    package_type: string;
    container?: { tags: string[] };
  };
}

export interface PullRequest {
  id: number;
  number: number;
  state: string;
  title: string;
  body: string | null;
  html_url: string;
  url: string;
  head: { ref: string; sha: string; label: string };
  base: { ref: string; sha: string; label: string };
  /** The labels it carries (names as GitHub spells them). */
  labels?: { name: string }[];
}

export interface Release {
  id: number;
  tag_name: string;
  name: string | null;
  body?: string | null;
  prerelease: boolean;
  draft: boolean;
  html_url: string;
  url: string;
}

/** A changed file of a pull request (`GET /repos/{o}/{r}/pulls/{n}/files`). */
export interface PullRequestFile {
  filename: string;
  /** `added`, `removed`, `modified`, `renamed`, `copied`, `changed` or `unchanged`. */
  status: string;
  additions: number;
  deletions: number;
  /** For a rename or copy, the path it had. */
  previous_filename?: string;
  /** The unified diff; absent for binary files and very large diffs. */
  patch?: string;
}

/** `GET /repos/{o}/{r}/compare/{base}...{head}`, as far as it is read. */
export interface Comparison {
  /** `diverged`, `ahead`, `behind` or `identical`. */
  status: string;
  merge_base_commit: { sha: string };
  /** At most 300, with their patches. */
  files?: PullRequestFile[];
}

/** `PUT /repos/{o}/{r}/pulls/{n}/merge`. */
export interface MergeResult {
  sha: string;
  merged: boolean;
  message: string;
}

/** How GitHub merges a pull request (GraphQL `PullRequestMergeMethod`). */
export type PullRequestMergeMethod = 'MERGE' | 'SQUASH' | 'REBASE';

/** A pull request's review state, read through GraphQL (`getReviewDecision`). */
export interface ReviewDecision {
  /** The pull request's node id, which mutations such as `enableAutoMerge` take. */
  pullRequestId: string;
  number: number;
  /**
   * GitHub's verdict under the base branch's protection: `APPROVED`, `CHANGES_REQUESTED` or
   * `REVIEW_REQUIRED`; null when the branch requires no review.
   */
  decision: 'APPROVED' | 'CHANGES_REQUESTED' | 'REVIEW_REQUIRED' | null;
  /** Logins whose latest review approves, among reviewers with write access. */
  approvedBy: string[];
  /** Logins whose latest review requests changes, among reviewers with write access. */
  changesRequestedBy: string[];
}

/** Auto-merge as GitHub recorded it on a pull request (`enableAutoMerge`). */
export interface AutoMergeRequest {
  number: number;
  mergeMethod: PullRequestMergeMethod;
  /** When auto-merge was enabled (ISO 8601). */
  enabledAt: string;
}

/** A git reference (`GET /repos/{o}/{r}/git/ref/{ref}`): a tag ref names a tag object or a commit. */
export interface GitRef {
  ref: string;
  object: { type: string; sha: string };
}

/** An annotated tag object (`git/tags`). */
export interface GitTag {
  sha: string;
  tag: string;
  message: string;
  object: { type: string; sha: string };
}

// deploy-command: the conversation and who may deploy.

/** The reactions GitHub offers on a comment. */
export type CommentReaction = '+1' | '-1' | 'laugh' | 'confused' | 'heart' | 'hooray' | 'rocket' | 'eyes';

/** An issue or pull request comment (`POST /repos/{o}/{r}/issues/{n}/comments`). */
export interface IssueComment {
  id: number;
  body?: string;
  html_url: string;
}

/** `GET /repos/{o}/{r}/collaborators/{u}/permission`. */
export interface CollaboratorPermission {
  /** admin, write, read or none: maintain reads write here and triage read. */
  permission: string;
  /** The role itself: admin, maintain, write, triage, read, or a custom role's name. */
  role_name: string;
  user: { login: string } | null;
}

/** A pull request as `GET /repos/{o}/{r}/pulls/{n}` returns it: the head's repository says whether it is a fork. */
export interface PullRequestDetail extends PullRequest {
  user: { login: string; type: string } | null;
  head: PullRequest['head'] & { repo: { full_name: string; fork: boolean } | null };
  base: PullRequest['base'] & { repo: { full_name: string } };
}
