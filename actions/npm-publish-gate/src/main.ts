import { join } from 'node:path';
import { ConfigurationError, type FailureReport, StepFailure } from '@flow-actions/action-kit';
import { type ActionContext, runAction } from '@flow-actions/action-kit/runner';
import { readEventContext, resolveCommit } from '@flow-actions/commit-identity';
import { getInputs, OUTPUTS } from './inputs';
import { withNpm } from './npm-cli';
import { type PublishGateResult, runPublishGate } from './publish';
import { stageAndPack } from './stage';
import { buildPublishSummary } from './summary';
import { discoverPackages } from './workspace';

/** What a failed publish says it was asked, and what a refusal leaves as it was. */
export const FAILURE_REPORT: FailureReport = {
  step: 'npm-publish-gate',
  request: ['packages', 'registry', 'dist-tag', 'required-checks'],
  unchanged: 'Nothing was published, and no dist-tag moved.',
};

export function run(): Promise<void> {
  return runAction(FAILURE_REPORT, async (context) => {
    const inputs = getInputs(context.inputs, context.masker);
    const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
    const discovery = await discoverPackages({ root: workspace, patterns: inputs.packages });
    const { sha, source } = await resolveCommit(await readEventContext());
    context.describeRequest(`commit (from ${source})`, sha);
    const checks =
      inputs.requiredChecks.length > 0 && inputs.githubToken
        ? await import('./github').then(({ createChecksReader }) =>
            createChecksReader(inputs.githubToken as string, context.masker),
          )
        : undefined;

    const result = await withNpm(
      {
        registry: inputs.registry,
        ...(inputs.token ? { token: inputs.token } : {}),
        masker: context.masker,
        logger: context.logger,
      },
      async ({ npm, workDir }) => {
        let staged = 0;
        return runPublishGate(
          {
            discovery,
            sha,
            requiredChecks: inputs.requiredChecks,
            distTag: inputs.distTag,
            provenance: inputs.provenance,
            // The runner sets both only when the job has `permissions: id-token: write`.
            idTokenAvailable: Boolean(
              process.env.ACTIONS_ID_TOKEN_REQUEST_URL && process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN,
            ),
            ...(inputs.access ? { access: inputs.access } : {}),
            dryRun: inputs.dryRun,
          },
          {
            npm,
            prepare: (pkg, rewrite) => stageAndPack(npm, pkg, rewrite, join(workDir, String(staged++))),
            ...(checks ? { checks } : {}),
            logger: context.logger,
          },
        );
      },
    );

    setOutputs(context, result);
    await context.writeSummary(buildPublishSummary(result, inputs.registry));
    if (result.blocked) {
      throw new ConfigurationError(`Nothing was published: ${result.failures.join('; ')}.`, {
        fix: 'Make each failing gate of the table above pass, then re-run the job; every gate is checked again.',
      });
    }
    if (result.failed) {
      const { failed } = result;
      const went = result.published.map((p) => `${p.name}@${p.version}`).join(', ') || 'nothing';
      const fix = 'Re-run the job to publish the rest.';
      const left = [`${failed.name}@${failed.version}`, ...result.notAttempted];
      throw new StepFailure(
        `Publishing ${failed.name}@${failed.version} failed after ${went} went out: ${failed.message}. ${fix}`,
        {
          written: result.published.length > 0 ? `Published ${went}.` : 'Nothing: no package went out.',
          unchanged: `Not published: ${left.join(', ')}.`,
          fix,
        },
      );
    }
  });
}

function setOutputs(context: ActionContext, result: PublishGateResult): void {
  context.setOutput(
    OUTPUTS.published,
    result.published.map((p) => ({ name: p.name, version: p.version, tag: p.tag, integrity: p.integrity })),
  );
  context.setOutput(OUTPUTS.skipped, result.skipped);
  context.setOutput(OUTPUTS.distTags, result.distTags);
}
