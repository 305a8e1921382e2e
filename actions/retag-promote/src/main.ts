import { ConfigurationError, type FailureReport } from '@flow-actions/action-kit';
import { type ActionContext, runAction } from '@flow-actions/action-kit/runner';
import { readEventContext, resolveCommit } from '@flow-actions/commit-identity';
import { copyArtifact, openStore } from '@flow-actions/oci-store';
import { type GitHistory, openGitHistory } from './git-history';
import { getInputs, type Inputs } from './inputs';
import { type PromoteResult, promote } from './promote';
import { buildPromoteSummary } from './summary';

/** What a failed promotion says it was asked, and what a refusal leaves as it was. */
export const FAILURE_REPORT: FailureReport = {
  step: 'promote',
  request: ['image', 'to-image', 'from', 'to', 'environment'],
  unchanged:
    'Nothing was written: no tag was created or moved, nothing was copied and no deployment was recorded.',
};

export function run(): Promise<void> {
  return runAction(FAILURE_REPORT, async (context) => {
    const inputs = getInputs(context.inputs, context.masker);
    const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
    const git = await openGitHistory(workspace, context.logger);
    const from = inputs.from ?? (await eventCommit(git, context));
    // The GitHub client is loaded only when an input needs it: most promotions never call the API.
    const github =
      inputs.githubToken && (inputs.environment || inputs.requireChecks.length > 0)
        ? await import('./github').then(({ createPromoteGitHub }) =>
            createPromoteGitHub(inputs.githubToken as string, context.masker, context.logger),
          )
        : undefined;

    const result = await promote(
      { ...inputs, from },
      {
        openStore: (reference) =>
          openStore(reference, {
            ...inputs.registry,
            masker: context.masker,
            logger: context.logger,
          }),
        copyArtifact: (source, target, digest) =>
          copyArtifact(source, target, digest, { logger: context.logger }),
        ...(git ? { git } : {}),
        ...(github ? { github } : {}),
        logger: context.logger,
      },
    );
    setOutputs(context, inputs, result);
    await context.writeSummary(buildPromoteSummary(result));
  });
}

/** The event's commit, when input "from" does not name the source: also what a failure summary shows. */
async function eventCommit(git: GitHistory | undefined, context: ActionContext): Promise<string> {
  const peel = async (revision: string) => {
    const sha = await git?.expand(revision.replace(/\^\{commit\}$/, ''));
    if (!sha)
      throw new ConfigurationError(`The checkout does not know ${revision}: check out the commit first.`);
    return sha;
  };
  const identity = await resolveCommit(await readEventContext(), git ? { peel } : {});
  context.describeRequest(`commit (from ${identity.source})`, identity.sha);
  return identity.sha;
}

function setOutputs(context: ActionContext, inputs: Inputs, result: PromoteResult): void {
  const first = result.promotions[0];
  if (!first) return;
  context.setOutput('digest', first.digest);
  context.setOutput('ref', `${first.destination}@${first.digest}`);
  context.setOutput('source-sha', result.sourceSha ?? '');
  context.setOutput(
    'tags',
    result.promotions.flatMap((p) => p.plan.tags.map((tag) => `${p.destination}:${tag.tag}`)).join('\n'),
  );
  context.setOutput('previous', Object.fromEntries(first.plan.tags.map((tag) => [tag.tag, tag.previous])));
  context.setOutput('fallback-from', first.source.fallbackFrom ?? '');
  context.setOutput(
    'images',
    Object.fromEntries(
      result.promotions.map((p) => [
        p.image,
        {
          digest: p.digest,
          destination: p.destination,
          tags: p.plan.tags.map((tag) => tag.tag),
          previous: Object.fromEntries(p.plan.tags.map((tag) => [tag.tag, tag.previous])),
        },
      ]),
    ),
  );
  if (result.deploymentId !== undefined) context.setOutput('deployment-id', result.deploymentId);
  context.logger.info(
    `${inputs.dryRun ? 'Would promote' : 'Promoted'} ${first.digest} to ${first.plan.tags.map((t) => t.tag).join(', ')}.`,
  );
}
