import type { JsonRecord } from './factories';

/**
 * The base branch's protection as the fake models it, shared by the GraphQL fields
 * (`reviewDecision`, `mergeStateStatus`, auto-merge) and the REST merge, so both views agree.
 */
export interface BranchProtection {
  /** Approving reviews required; 0: none, and `reviewDecision` is null. */
  requiredApprovingReviews: number;
  /** Check or status names that must be green on the head. */
  requiredStatusChecks: readonly string[];
}

/** What the protection reads of the fake's state. */
export interface ProtectionState {
  reviews: readonly JsonRecord[];
  checkRuns: readonly JsonRecord[];
  statuses: readonly { sha: string; status: JsonRecord }[];
}

/** Reviewers with write access: only their reviews count toward branch protection. */
export const WRITERS = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);
/** Review states that state an opinion; a later comment does not undo an approval. */
const OPINIONS = new Set(['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED']);

/** Each reviewer's latest opinion on the pull request, oldest first. */
export function latestOpinions(state: ProtectionState, pull: JsonRecord, writersOnly: boolean): JsonRecord[] {
  const latest = new Map<string, JsonRecord>();
  const reviews = state.reviews
    .filter((review) => review.pull_request_url === pull.url && OPINIONS.has(String(review.state)))
    .filter((review) => !writersOnly || WRITERS.has(String(review.author_association)))
    .sort(
      (a, b) => String(a.submitted_at).localeCompare(String(b.submitted_at)) || Number(a.id) - Number(b.id),
    );
  for (const review of reviews) latest.set(String((review.user as JsonRecord).login), review);
  return [...latest.values()];
}

export function reviewDecision(
  state: ProtectionState,
  protection: BranchProtection,
  pull: JsonRecord,
): 'APPROVED' | 'CHANGES_REQUESTED' | 'REVIEW_REQUIRED' | null {
  if (protection.requiredApprovingReviews === 0) return null;
  const opinions = latestOpinions(state, pull, true);
  if (opinions.some((review) => review.state === 'CHANGES_REQUESTED')) return 'CHANGES_REQUESTED';
  const approvals = opinions.filter((review) => review.state === 'APPROVED').length;
  return approvals >= protection.requiredApprovingReviews ? 'APPROVED' : 'REVIEW_REQUIRED';
}

/**
 * Why the pull request cannot merge now, or undefined when it can (GitHub's `CLEAN`): a draft, a
 * required check not green on the head (the newest run or status of that name), or reviews
 * missing. The messages are GitHub's answers to a merge.
 */
export function mergeBlocker(
  state: ProtectionState,
  protection: BranchProtection,
  pull: JsonRecord,
): { status: 'DRAFT' | 'BLOCKED'; message: string } | undefined {
  if (pull.draft === true) return { status: 'DRAFT', message: 'Pull Request is still a draft' };
  const head = String((pull.head as JsonRecord).sha);
  for (const name of protection.requiredStatusChecks) {
    const run = state.checkRuns
      .filter((entry) => entry.head_sha === head && entry.name === name)
      .reduce<JsonRecord | undefined>(
        (newest, entry) => (!newest || Number(entry.id) > Number(newest.id) ? entry : newest),
        undefined,
      );
    const status = state.statuses
      .filter((entry) => entry.sha === head && entry.status.context === name)
      .map((entry) => entry.status)
      .reduce<JsonRecord | undefined>(
        (newest, entry) => (!newest || Number(entry.id) > Number(newest.id) ? entry : newest),
        undefined,
      );
    const green = run
      ? run.status === 'completed' && run.conclusion === 'success'
      : status?.state === 'success';
    if (!green)
      return {
        status: 'BLOCKED',
        message: `Required status check "${name}" is ${run || status ? 'failing or pending' : 'expected'}.`,
      };
  }
  const decision = reviewDecision(state, protection, pull);
  if (decision === 'CHANGES_REQUESTED')
    return { status: 'BLOCKED', message: 'Changes requested by reviewers with write access.' };
  if (decision === 'REVIEW_REQUIRED')
    return {
      status: 'BLOCKED',
      message: `At least ${protection.requiredApprovingReviews} approving review is required by reviewers with write access.`,
    };
  return undefined;
}
