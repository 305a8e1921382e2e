import type { Logger, SecretMasker } from '@flow-actions/action-kit';
import type { Lineage } from './commit-message';
import { createGit, type ManifestGit } from './git';
import type { CommonInputs, Inputs, Mode, RevertInputs } from './inputs';
import type { RevertRequest } from './revert';
import type { SourceCommitRequest } from './source-commit';
import type { UpdateRequest } from './update';

// From the inputs to the core's request and git client: one place for the action's entry and
// for `flow update-manifest`, so that both update a repository the same way.

/** How messages name the manifest repository: `owner/name`, or the local path. */
export function repositoryLabel(inputs: Pick<CommonInputs, 'repository'>): string {
  return inputs.repository.kind === 'github'
    ? `${inputs.repository.owner}/${inputs.repository.name}`
    : inputs.repository.path;
}

/** The git client that clones the manifest repository into `dir`, with the token if any. */
export function createManifestGit(
  inputs: Pick<CommonInputs, 'repository' | 'token' | 'author'>,
  dir: string,
  context: { masker: SecretMasker; logger: Logger },
): ManifestGit {
  return createGit({
    dir,
    url: inputs.repository.kind === 'github' ? inputs.repository.url : inputs.repository.path,
    ...(inputs.token ? { token: inputs.token } : {}),
    author: inputs.author,
    masker: context.masker,
    logger: context.logger,
  });
}

/** The core's request: what to change where, with the lineage for the commit's trailers. */
export function toUpdateRequest(inputs: Inputs, lineage: Lineage, mode: Mode = inputs.mode): UpdateRequest {
  return {
    repositoryLabel: repositoryLabel(inputs),
    ...(inputs.branch ? { branch: inputs.branch } : {}),
    paths: inputs.paths,
    target: inputs.target,
    format: inputs.format,
    helmKeys: inputs.helmKeys,
    mode,
    ...(inputs.pullRequestBranch ? { pullRequestBranch: inputs.pullRequestBranch } : {}),
    ...(inputs.message ? { message: inputs.message } : {}),
    lineage,
    dryRun: inputs.dryRun,
    forwardOnly: inputs.forwardOnly,
  };
}

/** The revert's request: which deploy to undo (by its commit, or by the app commit it deployed), within which paths. */
export function toRevertRequest(inputs: RevertInputs, lineage: Lineage): RevertRequest {
  return {
    repositoryLabel: repositoryLabel(inputs),
    ...(inputs.branch ? { branch: inputs.branch } : {}),
    ...(inputs.revert ? { commit: inputs.revert } : {}),
    ...(inputs.revertDeployOf ? { deployOf: inputs.revertDeployOf } : {}),
    paths: inputs.paths,
    ...(inputs.message ? { message: inputs.message } : {}),
    lineage,
    dryRun: inputs.dryRun,
  };
}

/** What the deployed artifact's own commit is read with: where, which version, what was claimed. */
export function toSourceCommitRequest(inputs: Inputs): SourceCommitRequest {
  return {
    artifact: inputs.artifact,
    target: inputs.target,
    ...(inputs.sourceCommit ? { explicit: inputs.sourceCommit } : {}),
    allowDirty: inputs.allowDirty,
  };
}

/** The trailers' values: the source commit, the run and the actor, from the runner's variables. */
export function runLineage(sourceCommit: string | undefined, env: NodeJS.ProcessEnv = process.env): Lineage {
  const server = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '');
  const attempt =
    env.GITHUB_RUN_ATTEMPT && env.GITHUB_RUN_ATTEMPT !== '1' ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : '';
  return {
    ...(sourceCommit ? { sourceCommit } : {}),
    ...(env.GITHUB_REPOSITORY ? { sourceRepository: env.GITHUB_REPOSITORY } : {}),
    ...(env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? { runUrl: `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}${attempt}` }
      : {}),
    ...(env.GITHUB_ACTOR ? { actor: env.GITHUB_ACTOR } : {}),
  };
}
