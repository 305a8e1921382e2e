import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FailureReport } from '@flow-actions/action-kit';
import { type ActionContext, runAction } from '@flow-actions/action-kit/runner';
import { openStore } from '@flow-actions/oci-store';
import { openAppHistory } from './app-history';
import { getInputs, getRevertInputs, type Inputs, OUTPUTS, type RevertInputs } from './inputs';
import {
  createManifestGit,
  repositoryLabel,
  runLineage,
  toRevertRequest,
  toSourceCommitRequest,
  toUpdateRequest,
} from './request';
import { revertManifestCommit } from './revert';
import { findSourceCommit, type SourceCommit } from './source-commit';
import { buildRevertSummary, buildSummary } from './summary';
import { type PullRequestApi, type UpdateResult, updateManifest } from './update';

/** What a failed deploy says it was asked, and what a refusal leaves as it was. */
export const FAILURE_REPORT: FailureReport = {
  step: 'update-manifest',
  request: ['repository', 'branch', 'path', 'image', 'tag', 'digest', 'revert', 'revert-deploy-of'],
  unchanged:
    'Nothing was pushed: the manifest repository is as it was (no commit, no branch, no pull request), so the environment runs what it ran before.',
};

export function run(): Promise<void> {
  return runAction(FAILURE_REPORT, async (context) => {
    const env = process.env;
    const runner = {
      ...(env.GITHUB_SERVER_URL ? { serverUrl: env.GITHUB_SERVER_URL } : {}),
      ...(env.GITHUB_WORKSPACE ? { workspace: env.GITHUB_WORKSPACE } : {}),
    };
    const revert = getRevertInputs(context.inputs, context.masker, runner);
    if (revert) return runRevert(revert, context);
    const inputs = getInputs(context.inputs, context.masker, runner);
    const source = await readSourceCommit(inputs, context);
    const lineage = runLineage(source.sha);
    const appHistory = inputs.forwardOnly
      ? await openAppHistory(env.GITHUB_WORKSPACE ?? process.cwd(), context)
      : undefined;
    await inWorkDir(async (workDir) => {
      const git = createManifestGit(inputs, join(workDir, 'repository'), context);
      const pullRequests = await createPullRequests(inputs, context);
      const result = await updateManifest(toUpdateRequest(inputs, lineage), {
        git,
        ...(pullRequests ? { pullRequests } : {}),
        ...(appHistory ? { appHistory } : {}),
        logger: context.logger,
      });
      reportForward(context, result);
      setOutputs(context, result);
      await context.writeSummary(
        buildSummary(result, {
          repositoryLabel: repositoryLabel(inputs),
          paths: inputs.paths,
          target: inputs.target,
          lineage,
          source,
        }),
      );
    });
  });
}

/** `revert`: the deploy commit named is undone, the same outputs say what was written. */
async function runRevert(inputs: RevertInputs, context: ActionContext): Promise<void> {
  // A revert deploys no artifact of its own: it names a source commit only when told one.
  const lineage = runLineage(inputs.sourceCommit);
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

/** The deployed artifact's own commit (DESIGN §8 rule 11), read with the job's registry credentials. */
async function readSourceCommit(inputs: Inputs, context: ActionContext): Promise<SourceCommit> {
  const source = await findSourceCommit(toSourceCommitRequest(inputs), (reference) =>
    openStore(reference, {
      ...inputs.registry,
      masker: context.masker,
      logger: context.logger,
      inputName: 'artifact',
    }),
  );
  if (source.warning) context.logger.warning(source.warning);
  return source;
}

function setOutputs(
  context: ActionContext,
  result: Pick<UpdateResult, 'commit' | 'changedFiles' | 'pullRequest' | 'forward'>,
): void {
  context.setOutput(OUTPUTS.commit, result.commit ?? '');
  context.setOutput(OUTPUTS.changed, result.changedFiles.join('\n'));
  context.setOutput(OUTPUTS.pullRequest, result.pullRequest?.url ?? '');
  context.setOutput(OUTPUTS.supersededBy, result.forward?.kind === 'behind' ? result.forward.runs : '');
}

/** What forward-only decided: a notice when it skipped or could not compare, else a log line. */
function reportForward(context: ActionContext, result: Pick<UpdateResult, 'forward'>): void {
  const { forward } = result;
  if (!forward) return;
  if (forward.kind === 'behind' || forward.notice) {
    context.notice(forward.reason, { title: 'forward-only' });
  } else {
    context.logger.info(forward.reason);
  }
}
