import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ActionContext, runAction } from '@flow-actions/action-kit';
import { type BackcompatResult, computeBackcompat } from './backcompat';
import { getInputs } from './inputs';
import { toMatrix } from './plan';
import { listNpmVersions, listRegistryVersions, openGitRepository } from './sources';
import { buildBackcompatSummary } from './summary';

export function run(): Promise<void> {
  return runAction(async (context) => {
    const inputs = getInputs(context.inputs, context.masker);
    const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
    const result = await computeBackcompat(inputs, {
      readFile: (path) => readFile(join(workspace, path), 'utf8').catch(() => undefined),
      openGit: (purpose) => openGitRepository(workspace, purpose, context.logger),
      listVersions: () =>
        inputs.versionsFrom === 'npm'
          ? listNpmVersions(inputs.npmPackage as string, {
              ...(inputs.npmRegistry ? { registry: inputs.npmRegistry } : {}),
              logger: context.logger,
              masker: context.masker,
            })
          : listRegistryVersions(inputs.runnerImage as string, {
              registry: inputs.registry,
              logger: context.logger,
              masker: context.masker,
            }),
      logger: context.logger,
    });
    setOutputs(context, result);
    await context.writeSummary(buildBackcompatSummary(result));
  });
}

function setOutputs(context: ActionContext, result: BackcompatResult): void {
  const { plan } = result;
  context.setOutput('matrix', toMatrix(plan));
  context.setOutput(
    'versions',
    plan.entries.map((entry) => entry.version),
  );
  context.setOutput('floor', plan.floor);
  context.logger.info(
    `Matrix for ${plan.current}: ${plan.entries.map((entry) => `${entry.version} (${entry.role})`).join(', ')}.`,
  );
}
