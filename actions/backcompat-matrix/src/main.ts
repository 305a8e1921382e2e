import type { FailureReport } from '@flow-actions/action-kit';
import { type ActionContext, runAction } from '@flow-actions/action-kit/runner';
import { type BackcompatResult, computeBackcompat } from './backcompat';
import { createBackcompatDependencies } from './dependencies';
import { getInputs } from './inputs';
import { toMatrix } from './plan';
import { buildBackcompatSummary } from './summary';

/** What a failed matrix says it was asked; the step only reads, so nothing changes either way. */
export const FAILURE_REPORT: FailureReport = {
  step: 'backcompat-matrix',
  request: [
    'version',
    'compatible-version',
    'compatible-version-from',
    'policy',
    'versions-from',
    'runner-image',
    'npm-package',
  ],
  unchanged:
    'Everything: backcompat-matrix only reads. It set no matrix, so the jobs that test against older versions do not run.',
  readOnly: true,
};

export function run(): Promise<void> {
  return runAction(FAILURE_REPORT, async (context) => {
    const inputs = getInputs(context.inputs, context.masker);
    const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
    const result = await computeBackcompat(inputs, createBackcompatDependencies(inputs, workspace, context));
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
