import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ActionContext, errorMessage, runAction } from '@flow-actions/action-kit';
import { readEventContext, resolveCommit } from '@flow-actions/commit-identity';
import type { Lineage } from './commit-message';
import {
  type CommonInputs,
  getInputs,
  getRevertInputs,
  type Inputs,
  OUTPUTS,
  type RevertInputs,
} from './inputs';
import { createManifestGit, repositoryLabel, toRevertRequest, toUpdateRequest } from './request';
import { revertManifestCommit } from './revert';
import { buildRevertSummary, buildSummary } from './summary';
import { type PullRequestApi, type UpdateResult, updateManifest } from './update';

export function run(): Promise<void> {
  return runAction(async (context) => {
    const env = process.env;
    const runner = {
      ...(env.GITHUB_SERVER_URL ? { serverUrl: env.GITHUB_SERVER_URL } : {}),
      ...(env.GITHUB_WORKSPACE ? { workspace: env.GITHUB_WORKSPACE } : {}),
    };
    const revert = getRevertInputs(context.inputs, context.masker, runner);
    if (revert) return runRevert(revert, context);
    const inputs = getInputs(context.inputs, context.masker, runner);
    const lineage = await readLineage(inputs, context);
    await inWorkDir(async (workDir) => {
      const git = createManifestGit(inputs, join(workDir, 'repository'), context);
      const pullRequests = await createPullRequests(inputs, context);
      const result = await updateManifest(toUpdateRequest(inputs, lineage), {
        git,
        ...(pullRequests ? { pullRequests } : {}),
        logger: context.logger,
      });
      setOutputs(context, result);
      await context.writeSummary(
        buildSummary(result, {
          repositoryLabel: repositoryLabel(inputs),
          paths: inputs.paths,
          target: inputs.target,
          lineage,
        }),
      );
    });
  });
}

/** `revert`: the deploy commit named is undone, the same outputs say what was written. */
async function runRevert(inputs: RevertInputs, context: ActionContext): Promise<void> {
  const lineage = await readLineage(inputs, context);
  const label = repositoryLabel(inputs);
  await inWorkDir(async (workDir) => {
    const result = await revertManifestCommit(toRevertRequest(inputs, lineage), {
      git: createManifestGit(inputs, join(workDir, 'repository'), context),
      logger: context.logger,
    });
    setOutputs(context, {
      changedFiles: result.changedFiles,
      ...(result.commit ? { commit: result.commit } : {}),
    });
    await context.writeSummary(
      buildRevertSummary(result, {
        repositoryLabel: label,
        paths: inputs.paths,
        ...(inputs.revertDeployOf ? { deployOf: inputs.revertDeployOf } : {}),
      }),
    );
  });
}

/** The clone's folder: in RUNNER_TEMP on a runner, which the runner empties after the job. */
async function inWorkDir(work: (dir: string) => Promise<void>): Promise<void> {
  const runnerTemp = process.env.RUNNER_TEMP;
  const workDir = await mkdtemp(join(runnerTemp ?? tmpdir(), 'update-manifest-'));
  try {
    await work(workDir);
  } finally {
    if (!runnerTemp) await rm(workDir, { recursive: true, force: true });
  }
}

/** The client is loaded only in pull-request mode: pushes never call the API. */
async function createPullRequests(
  inputs: Inputs,
  context: ActionContext,
): Promise<PullRequestApi | undefined> {
  if (inputs.mode !== 'pull-request' || inputs.repository.kind !== 'github' || !inputs.token)
    return undefined;
  const { createPullRequestApi } = await import('./github');
  return createPullRequestApi({
    token: inputs.token,
    repository: `${inputs.repository.owner}/${inputs.repository.name}`,
    masker: context.masker,
    logger: context.logger,
  });
}

/** The trailers' values: the built commit (the input, else the event's), the run and the actor. */
async function readLineage(
  inputs: Pick<CommonInputs, 'sourceCommit'>,
  context: ActionContext,
): Promise<Lineage> {
  const env = process.env;
  let sourceCommit = inputs.sourceCommit;
  if (!sourceCommit) {
    try {
      sourceCommit = (await resolveCommit(await readEventContext(env))).sha;
    } catch (error) {
      context.logger.warning(`No source commit for the Flow-Source-Commit trailer: ${errorMessage(error)}`);
    }
  }
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

function setOutputs(
  context: ActionContext,
  result: Pick<UpdateResult, 'commit' | 'changedFiles' | 'pullRequest'>,
): void {
  context.setOutput(OUTPUTS.commit, result.commit ?? '');
  context.setOutput(OUTPUTS.changed, result.changedFiles.join('\n'));
  context.setOutput(OUTPUTS.pullRequest, result.pullRequest?.url ?? '');
}
