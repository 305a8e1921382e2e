import { ConfigurationError, type Logger, type SecretMasker } from '@flow-actions/action-kit';
import { checkRequiredChecks, GitHubClient } from '@flow-actions/github-api';
import type { DeploymentInput, PromoteGitHub } from './promote';

/** Promote's GitHub calls: the required-checks gate and the deployment record. */
export function createPromoteGitHub(token: string, masker: SecretMasker, logger: Logger): PromoteGitHub {
  const repository = process.env.GITHUB_REPOSITORY ?? '';
  const client = new GitHubClient({ token, repository, masker });
  return {
    async requireChecks(sha, names) {
      const verdict = await checkRequiredChecks(client, sha, [...names]);
      if (!verdict.ok) throw new ConfigurationError(verdict.message);
      logger.info(`Required checks green on ${sha}: ${names.join(', ')}.`);
    },
    async recordDeployment(input: DeploymentInput) {
      const deployment = await client.createDeployment({
        ref: input.sha,
        environment: input.environment,
        payload: input.payload,
        description: `flow-actions promote: ${input.payload.images.map((i) => `${i.image}@${i.digest}`).join(', ')}`,
        autoMerge: false,
        requiredContexts: [],
      });
      const runUrl = `${process.env.GITHUB_SERVER_URL}/${repository}/actions/runs/${process.env.GITHUB_RUN_ID}`;
      await client.createDeploymentStatus(deployment.id, {
        state: 'success',
        logUrl: runUrl,
        description: `Promoted to ${input.environment}`,
      });
      return { id: deployment.id };
    },
  };
}
