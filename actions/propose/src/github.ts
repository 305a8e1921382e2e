import { GitHubClient } from '@flow-actions/github-api';
import { createPullRequestApi, type PullRequestApiOptions } from '@flow-actions/update-manifest/github';
import type { ProposalApi } from './propose';

/**
 * The product repository's pull requests through the GitHub REST API: update-manifest's calls for
 * its pull-request mode, and the list, labels, comments and close that keep one proposal per
 * component.
 */
export function createProposalApi(options: PullRequestApiOptions): ProposalApi {
  const client = new GitHubClient({
    token: options.token,
    repository: options.repository,
    masker: options.masker,
    logger: options.logger,
    ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
  });
  return {
    ...createPullRequestApi(options),
    listOpen: async (base) =>
      (await client.listOpenPullRequests(base)).map((pull) => ({
        number: pull.number,
        url: pull.html_url,
        headLabel: pull.head.label,
        body: pull.body ?? '',
        labels: (pull.labels ?? []).map((label) => label.name),
      })),
    addLabels: (number, labels) => client.addLabels(number, labels),
    removeLabel: (number, label) => client.removeLabel(number, label),
    comment: async (number, body) => {
      await client.createIssueComment(number, body);
    },
    close: async (number) => {
      await client.updatePullRequest(number, { state: 'closed' });
    },
  };
}
