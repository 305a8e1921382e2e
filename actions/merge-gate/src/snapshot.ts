import type { Commit } from '@flow-actions/backcompat-matrix/breaking';

/**
 * The state of one pull request that the gate decides on: plain data, read by the caller (one
 * GraphQL query) and normalised into these shapes, so the decision itself reads no network.
 * Logins are compared without case, as GitHub does. States and conclusions are GitHub's words in
 * any case (`COMPLETED` and `completed` are the same).
 */
export interface PullRequestSnapshot {
  number: number;
  /** The PR author's login. */
  author: string;
  /** The full sha of the PR's head commit: every check and approval is read against it. */
  headSha: string;
  /**
   * The commit approvals are judged against, when it is not `headSha`: for a `merge_group` event
   * `headSha` is the merge queue's commit (its checks count) while reviewers approved the PR's own
   * head, which goes here. Default: `headSha`.
   */
  reviewHeadSha?: string;
  /** The branch it merges into. */
  baseRef: string;
  /**
   * Who made the newest push to the head branch, when known. Their approval counts no more than
   * the author's: otherwise anyone could push a commit to someone else's PR and approve it.
   */
  lastPusher?: string;
  /** Check runs on the head commit (runs of other commits are ignored). */
  checkRuns: readonly SnapshotCheckRun[];
  /** Commit statuses of the head commit. */
  statuses: readonly SnapshotStatus[];
  /** Deployments of the head commit, each with its statuses. */
  deployments: readonly SnapshotDeployment[];
  /** Every submitted review, in any order. */
  reviews: readonly SnapshotReview[];
  /**
   * Earlier head shas of this PR after which every push only merged the base branch in, with the
   * PR's own changes unchanged: `git diff base...<sha>` and `git diff base...head` have the same
   * patch id. An approval of one of these still counts (see reviews.ts); the caller must compare
   * the diffs, not only the shape of the commits, since a merge's conflict resolution can change
   * anything.
   */
  onlyBaseMergedSince: readonly string[];
  /** Labels on the PR, each with who added it. */
  labels: readonly SnapshotLabel[];
  /** Every changed file (all pages): for CODEOWNERS and the risk. */
  files: readonly ChangedFile[];
  /** The PR's commits, for their Conventional Commit messages. */
  commits: readonly Commit[];
  /**
   * The CODEOWNERS file of the **base** branch, when review.codeowners is on. Never the head's:
   * a PR could otherwise make its author the owner of everything.
   */
  codeowners?: string;
  /**
   * Members of the teams the policy names (high-risk team, CODEOWNERS teams), `org/team` →
   * logins, where the caller could read them. A review made on behalf of a team counts for it too.
   */
  teamMembers?: Readonly<Record<string, readonly string[]>>;
}

export interface SnapshotCheckRun {
  id: number;
  name: string;
  headSha: string;
  /** `queued`, `in_progress`, `completed`, `waiting`, `requested` or `pending`. */
  status: string;
  /** Set once completed: `success`, `failure`, `skipped`, `neutral`, … (see conclusionMeaning). */
  conclusion: string | null;
  startedAt: string | null;
  completedAt: string | null;
  /** Its details page, else its page on GitHub. */
  url: string | null;
  /** What its creator recorded with it: for the gate's own runs, which evaluation wrote it. */
  externalId?: string | null;
}

export interface SnapshotStatus {
  id: number;
  context: string;
  /** `success`, `failure`, `error` or `pending`. */
  state: string;
  description: string | null;
  targetUrl: string | null;
  /** When this state was set. */
  updatedAt: string;
}

export interface SnapshotDeployment {
  id: number;
  environment: string;
  sha: string;
  createdAt: string;
  statuses: readonly SnapshotDeploymentStatus[];
}

export interface SnapshotDeploymentStatus {
  id: number;
  /** `queued`, `pending`, `in_progress`, `success`, `failure`, `error` or `inactive`. */
  state: string;
  createdAt: string;
  description?: string | null;
  /** Where the deployed environment answers (preferred as the row's link). */
  environmentUrl?: string | null;
  logUrl?: string | null;
}

export interface SnapshotReview {
  id: number;
  author: string;
  /** A GitHub App or other bot account (`__typename: Bot`, REST `type: Bot`). */
  authorIsBot: boolean;
  /**
   * Whether the author can push to the repository (GraphQL `authorCanPushToRepository`). As in
   * branch protection, only such a reviewer's approval or change request counts.
   */
  authorCanPush: boolean;
  /** `OWNER`, `MEMBER`, `COLLABORATOR`, `CONTRIBUTOR`, `NONE`, …: shown, not decided on. */
  association: string;
  /** `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED` or `PENDING`. */
  state: string;
  /** The head sha the review was submitted on. */
  commitId: string;
  submittedAt: string;
  url?: string | null;
  /** Teams (`org/team`) the review was made on behalf of (GraphQL `onBehalfOf`). */
  onBehalfOf?: readonly string[];
}

export interface SnapshotLabel {
  name: string;
  /**
   * Who added the label, from the newest `labeled` event for it; undefined when unknown.
   * A label counts as an input only when this actor is trusted by the policy.
   */
  addedBy?: string;
}

export interface ChangedFile {
  path: string;
  /** For a rename, the path it had: the component it left is touched too. */
  previousPath?: string;
  additions: number;
  deletions: number;
}

/** Logins compare without case, as GitHub's do. */
export function sameLogin(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}
