import type { Logger, SecretMasker } from '@flow-actions/action-kit';
import { GitHubClient, type PullRequest } from '@flow-actions/github-api';
import type { PullRequestApi, PullRequestRef } from './update';

export interface PullRequestApiOptions {
  token: string;
  /** `owner/name` of the manifest repository. */
  repository: string;
  masker: SecretMasker;
  logger: Logger;
  /** Default: `GITHUB_API_URL`, else https://api.github.com. */
  apiUrl?: string;
}

/** Pull requests of the manifest repository through the GitHub REST API. */
export function createPullRequestApi(options: PullRequestApiOptions): PullRequestApi {
  const client = new GitHubClient({
    token: options.token,
    repository: options.repository,
    masker: options.masker,
    logger: options.logger,
    ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
  });
  const toRef = (pull: PullRequest): PullRequestRef => ({ number: pull.number, url: pull.html_url });
  return {
    findOpen: async (head, base) => {
      const pull = await client.findOpenPullRequest({ head, base });
      return pull ? toRef(pull) : undefined;
    },
    create: async (request) => toRef(await client.createPullRequest(request)),
    update: async (number, request) => toRef(await client.updatePullRequest(number, request)),
  };
}
