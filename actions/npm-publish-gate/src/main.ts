import { join } from 'node:path';
import { type ActionContext, ConfigurationError, runAction } from '@flow-actions/action-kit';
import { readEventContext, resolveCommit } from '@flow-actions/commit-identity';
import { getInputs, OUTPUTS } from './inputs';
import { withNpm } from './npm-cli';
import { type PublishGateResult, runPublishGate } from './publish';
import { stageAndPack } from './stage';
import { buildPublishSummary } from './summary';
import { discoverPackages } from './workspace';

export function run(): Promise<void> {
  return runAction(async (context) => {
    const inputs = getInputs(context.inputs, context.masker);
    const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
    const discovery = await discoverPackages({ root: workspace, patterns: inputs.packages });
    const { sha } = await resolveCommit(await readEventContext());
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
    if (result.blocked) throw new ConfigurationError(`Nothing was published: ${result.failures.join('; ')}.`);
    if (result.failed) {
      const went = result.published.map((p) => `${p.name}@${p.version}`).join(', ') || 'nothing';
      throw new Error(
        `Publishing ${result.failed.name}@${result.failed.version} failed after ${went} went out: ${result.failed.message}. Re-run the job to publish the rest.`,
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
