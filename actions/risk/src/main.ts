import { type FailureReport, SummaryBuilder } from '@flow-actions/action-kit';
import { type ActionContext, runAction } from '@flow-actions/action-kit/runner';
import { type GitHubClient, isGitHubApiError } from '@flow-actions/github-api';
import { type Assessment, assessPullRequest, readEventPullRequests } from '@flow-actions/merge-gate/assess';
import { postCheckRun } from '@flow-actions/merge-gate/check-run';
import { renderRiskCheck } from '@flow-actions/merge-gate/render';
import { getRiskInputs, RISK_OUTPUTS, type RiskInputs } from './inputs';

/** What a failed risk step says it was asked, and what a refusal leaves as it was. */
export const FAILURE_REPORT: FailureReport = {
  step: 'risk',
  request: ['policy-file', 'check-name', 'set-labels', 'trusted-label-actors'],
  unchanged: 'Nothing was written: the risk check run and the labels are as they were.',
};

export function run(): Promise<void> {
  return runAction(FAILURE_REPORT, async (context) => {
    const inputs = getRiskInputs(context.inputs, context.masker);
    // A merge group is about the pull request it tests: its risk is that pull request's, on its head.
    const { client, numbers } = await readEventPullRequests(context, inputs.githubToken);
    for (const [index, number] of numbers.entries()) {
      context.describeRequest('pull request', `#${number}`);
      const assessment = await assessPullRequest(
        client,
        // The risk reads no checks or deployments: no permission for them is needed.
        { number, policyPath: inputs.policyFile, policyInputs: inputs.policy, withChecks: false },
        context.logger,
      );
      if (assessment) await report(context, client, inputs, assessment, index === 0);
    }
  });
}

async function report(
  context: ActionContext,
  client: GitHubClient,
  inputs: RiskInputs,
  { state, risk }: Assessment,
  first: boolean,
): Promise<void> {
  const output = renderRiskCheck(risk);
  const number = state.number;
  context.logger.info(`#${number} ${output.title}`);
  const notes: string[] = [];
  const forbidden = (what: string) =>
    state.isCrossRepository
      ? `${what}: this pull request comes from a fork, and GitHub gives a fork’s events a read-only GITHUB_TOKEN`
      : `${what}: the token may not (add it to the job’s permissions:)`;

  let url = '';
  try {
    const posted = await postCheckRun(client, {
      name: inputs.checkName,
      headSha: state.headSha,
      readAt: state.readAt,
      state: { status: 'completed', conclusion: 'neutral' },
      output,
      existing: (await client.listCheckRunsForRef(state.headSha, inputs.checkName)).map((run) => ({
        id: run.id,
        status: run.status,
        conclusion: run.conclusion,
        externalId: run.external_id,
      })),
      settleMs: 0,
      sleep: async () => {},
      logger: context.logger,
    });
    if (posted.outcome === 'written') url = posted.run.html_url ?? '';
    notes.push(
      posted.outcome === 'written'
        ? `Posted ${inputs.checkName} on ${state.headSha.slice(0, 7)}.`
        : `A newer evaluation had already posted ${inputs.checkName}.`,
    );
  } catch (error) {
    if (!isGitHubApiError(error) || error.status !== 403) throw error;
    const why = forbidden(`The ${inputs.checkName} check run could not be written (checks: write)`);
    context.logger.warning(`${why}. The risk is in this step's summary and outputs.`);
    notes.push(`⚠️ ${why}.`);
  }

  if (inputs.setLabels && (risk.labels.add.length > 0 || risk.labels.remove.length > 0)) {
    try {
      for (const name of risk.labels.remove) await client.removeLabel(number, name);
      if (risk.labels.add.length > 0) await client.addLabels(number, risk.labels.add);
      notes.push(
        `Labels: ${[...risk.labels.add.map((label) => `+${label}`), ...risk.labels.remove.map((label) => `−${label}`)].join(', ')}.`,
      );
    } catch (error) {
      if (!isGitHubApiError(error) || error.status !== 403) throw error;
      const why = forbidden('The labels could not be set (issues: write)');
      context.logger.warning(`${why}. They are in the labels output.`);
      notes.push(`⚠️ ${why}.`);
    }
  }

  if (first) {
    context.setOutput(RISK_OUTPUTS.risk, risk.level);
    context.setOutput(RISK_OUTPUTS.changeSize, risk.changeSize);
    context.setOutput(RISK_OUTPUTS.componentSize, risk.componentSize ?? '');
    context.setOutput(RISK_OUTPUTS.semverImpact, risk.semver.impact);
    context.setOutput(RISK_OUTPUTS.functional, risk.functional);
    context.setOutput(
      RISK_OUTPUTS.toggles,
      risk.toggles.map((toggle) => toggle.name),
    );
    context.setOutput(RISK_OUTPUTS.toggleMatrix, risk.matrix);
    context.setOutput(RISK_OUTPUTS.labels, risk.labels.labels);
    context.setOutput(RISK_OUTPUTS.checkRunUrl, url);
  }
  await context.writeSummary(
    new SummaryBuilder()
      .heading(`${inputs.checkName}: #${number} — ${output.title}`, 2)
      .paragraph(notes.join(' '))
      .paragraph(output.summary)
      .details('Commits and the toggle matrix', output.text),
  );
}
