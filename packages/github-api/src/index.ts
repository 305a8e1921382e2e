export type {
  CheckRunWrite,
  CreateAnnotatedTagOptions,
  CreateDeploymentOptions,
  CreateDeploymentStatusOptions,
  CreatePullRequestOptions,
  CreateReleaseOptions,
  DeletePackageVersionOptions,
  FetchLike,
  GitHubClientOptions,
  PackageOptions,
  PullRequestLookup,
  UpdatePullRequestOptions,
} from './client';
export { GitHubClient } from './client';
export type { GitHubApiErrorDetails } from './errors';
export { GitHubApiError, isGitHubApiError } from './errors';
export type { RequiredCheckRow, RequiredCheckState, RequiredChecksResult } from './required-checks';
export { checkRequiredChecks, conclusionMeaning, evaluateRequiredChecks } from './required-checks';
export type {
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
