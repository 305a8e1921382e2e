import { checkRequiredChecks, type GitHubClient } from '@flow-actions/github-api';
import type { ReleaseGitHub } from './release';

/**
 * Release's GitHub calls over the shared client: the stage checks read as promote and
 * npm-publish-gate read them (check runs and commit statuses, the newest report of each name),
 * tags and releases looked up by name, and the writes.
 */
export function createReleaseGitHub(client: GitHubClient): ReleaseGitHub {
  return {
    requiredChecks: (sha, names) => checkRequiredChecks(client, sha, names),
    tagCommit: (tag) => client.getTagCommit(tag),
    async findRelease(tag) {
      const release = await client.getReleaseByTag(tag);
      return release && { url: release.html_url };
    },
    async createTag({ tag, sha, message }) {
      await client.createAnnotatedTag({ tag, sha, message });
    },
    async createRelease({ tag, name, body, prerelease }) {
      const release = await client.createRelease({
        tagName: tag,
        name,
        body,
        prerelease,
        makeLatest: prerelease ? false : 'legacy',
      });
      return { url: release.html_url };
    },
  };
}
