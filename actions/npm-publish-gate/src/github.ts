import type { SecretMasker } from '@flow-actions/action-kit';
import { checkRequiredChecks, GitHubClient, type RequiredChecksResult } from '@flow-actions/github-api';

/** Gate 5: the required check runs and statuses of a commit, read through the GitHub API. */
export function createChecksReader(
  token: string,
  masker: SecretMasker,
): (sha: string, names: readonly string[]) => Promise<RequiredChecksResult> {
  const client = new GitHubClient({ token, repository: process.env.GITHUB_REPOSITORY ?? '', masker });
  return (sha, names) => checkRequiredChecks(client, sha, names);
}
