import type { GitHubClient, PullRequestFile } from '@flow-actions/github-api';
import { sameSha } from './checks';
import type { ReviewPolicy } from './policy';
import type { PullRequestSnapshot } from './snapshot';

/** GitHub lists at most this many files in a comparison: a diff this large cannot be compared. */
const COMPARE_FILE_LIMIT = 300;
/** Earlier approved commits compared at most: each costs a request. */
const MAX_CANDIDATES = 5;

/**
 * The earlier heads with an approval whose own changes are those of the head: `base...<sha>` and
 * `base...head` have the same patch id (patchId). Only read when the policy keeps such approvals
 * and one exists: two REST comparisons for the first, one more for each further commit.
 */
export async function findOnlyBaseMergedSince(
  client: Pick<GitHubClient, 'compareCommits'>,
  pr: Pick<PullRequestSnapshot, 'reviews' | 'headSha' | 'reviewHeadSha' | 'baseRef'>,
  policy: Pick<ReviewPolicy, 'keepApprovalsOnBaseMerge'>,
): Promise<{ shas: string[]; compared: number }> {
  if (!policy.keepApprovalsOnBaseMerge) return { shas: [], compared: 0 };
  const head = pr.reviewHeadSha ?? pr.headSha;
  const candidates = [
    ...new Set(
      pr.reviews
        .filter((review) => review.state.toUpperCase() === 'APPROVED' && !sameSha(review.commitId, head))
        .map((review) => review.commitId.toLowerCase()),
    ),
  ].slice(0, MAX_CANDIDATES);
  if (candidates.length === 0) return { shas: [], compared: 0 };
  const headId = patchId((await client.compareCommits(pr.baseRef, head)).files);
  let compared = 1;
  const shas: string[] = [];
  if (headId === undefined) return { shas, compared };
  for (const sha of candidates) {
    compared++;
    if (patchId((await client.compareCommits(pr.baseRef, sha)).files) === headId) shas.push(sha);
  }
  return { shas, compared };
}

/**
 * A diff's identity as `git patch-id` sees it: each file's path (and old path) and its changed
 * lines, without hunk positions or whitespace — merging the base in moves hunks, it does not
 * change them. Undefined when the diff cannot be compared: a file without a patch (binary, too
 * large) or a comparison GitHub cut at its file limit.
 */
export function patchId(files: readonly PullRequestFile[] | undefined): string | undefined {
  if (!files || files.length >= COMPARE_FILE_LIMIT) return undefined;
  const parts: string[] = [];
  for (const file of [...files].sort((a, b) =>
    a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0,
  )) {
    if (file.patch === undefined) {
      if (file.additions + file.deletions > 0) return undefined;
      parts.push(`${file.status} ${file.previous_filename ?? ''} ${file.filename}`);
      continue;
    }
    const lines = file.patch
      .split('\n')
      .filter((line) => line.startsWith('+') || line.startsWith('-'))
      .map((line) => line.replace(/\s+/g, ''));
    parts.push(`${file.status} ${file.previous_filename ?? ''} ${file.filename}`, ...lines);
  }
  return parts.join('\n');
}
