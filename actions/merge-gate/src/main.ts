import { type FailureReport, SummaryBuilder } from '@flow-actions/action-kit';
import { type ActionContext, runAction } from '@flow-actions/action-kit/runner';
import { GitHubClient, isGitHubApiError } from '@flow-actions/github-api';
import { type Assessment, assessPullRequest, readEventPullRequests } from './assess';
import { type AutoMergeResult, applyAutoMerge } from './auto-merge';
import { findOnlyBaseMergedSince } from './base-merge';
import { type PostOutcome, postCheckRun } from './check-run';
import { decideMergeGate, type GateDecision } from './decide';
import { getInputs, type Inputs, OUTPUTS } from './inputs';
import { gateCheckRunState, renderGateCheck } from './render';

/** What a failed gate says it was asked, and what a refusal leaves as it was. */
export const FAILURE_REPORT: FailureReport = {
  step: 'merge-gate',
  request: [
    'policy-file',
    'expression',
    'ci-checks',
    'cd-checks',
    'cd-environments',
    'approvals',
    'check-name',
  ],
  unchanged:
    'Nothing was written: the gate’s check run keeps its last state (or is missing, which keeps a branch that requires it blocked), and auto-merge is as it was.',
};

export function run(): Promise<void> {
  return runAction(FAILURE_REPORT, async (context) => {
    const inputs = getInputs(context.inputs, context.masker);
    const { client, target, numbers } = await readEventPullRequests(context, inputs.githubToken);
    const merger = inputs.mergeToken
      ? new GitHubClient({
          token: inputs.mergeToken,
          repository: `${client.owner}/${client.repo}`,
          masker: context.masker,
          logger: context.logger,
        })
      : undefined;
    for (const [index, number] of numbers.entries()) {
      context.describeRequest('pull request', `#${number}`);
      await evaluate(context, {
        client,
        merger,
        inputs,
        number,
        first: index === 0,
        mergeGroupSha: target.mergeGroupSha,
      });
    }
  });
}

interface Evaluation {
  client: GitHubClient;
  /** The merge token's client; none without merge-token, when nothing is merged here. */
  merger: GitHubClient | undefined;
  inputs: Inputs;
  number: number;
  /** Only the first pull request's decision becomes the step's outputs. */
  first: boolean;
  mergeGroupSha: string | undefined;
}

async function evaluate(context: ActionContext, evaluation: Evaluation): Promise<void> {
  const { client, inputs, number } = evaluation;
  const assessment = await assessPullRequest(
    client,
    {
      number,
      policyPath: inputs.policyFile,
      policyInputs: inputs.policy,
      withChecks: true,
      ...(evaluation.mergeGroupSha ? { mergeGroupSha: evaluation.mergeGroupSha } : {}),
    },
    context.logger,
  );
  if (!assessment) return;
  const { state, policy, risk } = assessment;
  const baseMerged = await findOnlyBaseMergedSince(client, state.snapshot, policy.review);
  if (baseMerged.compared > 0)
    context.logger.debug(
      `Compared ${baseMerged.compared} diffs for approvals of earlier heads; the same changes as the head: ${baseMerged.shas.join(', ') || 'none'}.`,
    );
  const decision = decideMergeGate({ ...state.snapshot, onlyBaseMergedSince: baseMerged.shas }, policy, risk);
  const output = renderGateCheck(decision, { number });
  context.logger.info(`#${number} ${output.title}`);

  const posted = await postGateCheck(context, client, assessment, decision, output, inputs);
  const autoMerge: AutoMergeResult =
    posted.status === 'written'
      ? await applyAutoMerge(evaluation.merger, {
          decision,
          state,
          inMergeQueue: evaluation.mergeGroupSha !== undefined,
        })
      : {
          outcome: decision.verdict === 'green' && decision.autoMerge.eligible ? 'waiting' : 'off',
          message:
            posted.status === 'superseded'
              ? 'Auto-merge left to the newer evaluation.'
              : 'Auto-merge left as it was: GitHub merges only once the gate’s check is green, and it could not be written.',
        };
  context.logger.info(autoMerge.message);

  if (evaluation.first) {
    const legVerdict = (leg: string) => decision.legs.find((entry) => entry.leg === leg)?.verdict ?? '';
    context.setOutput(OUTPUTS.verdict, decision.verdict);
    context.setOutput(OUTPUTS.ci, legVerdict('ci'));
    context.setOutput(OUTPUTS.cd, legVerdict('cd'));
    context.setOutput(OUTPUTS.review, legVerdict('review'));
    context.setOutput(OUTPUTS.risk, risk.level);
    context.setOutput(OUTPUTS.missing, decision.missing);
    context.setOutput(OUTPUTS.autoMerge, autoMerge.outcome);
    context.setOutput(OUTPUTS.checkRunUrl, posted.url ?? '');
  }
  const summary = new SummaryBuilder()
    .heading(`${policy.checkName}: #${number} — ${output.title}`, 2)
    .paragraph(posted.note)
    .paragraph(autoMerge.message)
    .paragraph(output.summary)
    .details('Legs, checks and approvals', output.text);
  await context.writeSummary(summary);
}

/** Posts the gate's check; a token that may not write checks (a fork's) is reported, not failed. */
async function postGateCheck(
  context: ActionContext,
  client: GitHubClient,
  { state, policy }: Assessment,
  decision: GateDecision,
  output: ReturnType<typeof renderGateCheck>,
  inputs: Inputs,
): Promise<{ status: 'written' | 'superseded' | 'forbidden'; url?: string; note: string }> {
  const checksSha = state.snapshot.headSha;
  let outcome: PostOutcome;
  try {
    outcome = await postCheckRun(client, {
      name: policy.checkName,
      headSha: checksSha,
      readAt: state.readAt,
      state: gateCheckRunState(decision.verdict),
      output,
      existing: state.snapshot.checkRuns.filter((run) => run.name === policy.checkName),
      settleMs: inputs.settleSeconds * 1000,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      logger: context.logger,
    });
  } catch (error) {
    if (!isGitHubApiError(error) || error.status !== 403) throw error;
    const why = state.isCrossRepository
      ? 'this pull request comes from a fork, and GitHub gives a fork’s events a read-only GITHUB_TOKEN'
      : 'the token lacks checks: write (add it to the job’s permissions:)';
    context.logger.warning(
      `The ${policy.checkName} check run could not be written on ${checksSha.slice(0, 7)}: ${why}. The decision (${decision.verdict}) is in this step's summary and outputs; a workflow_run of the CI workflow runs with the base repository's token and posts it.`,
    );
    return { status: 'forbidden', note: `⚠️ Not posted: ${why}. The decision below is this step's alone.` };
  }
  if (outcome.outcome === 'superseded') {
    context.logger.info(
      `A newer evaluation already posted ${policy.checkName} on ${checksSha.slice(0, 7)} (${outcome.by}): this older one writes nothing.`,
    );
    return {
      status: 'superseded',
      note: `A newer evaluation had already posted ${policy.checkName}; this one wrote nothing.`,
    };
  }
  const url = outcome.run.html_url ?? undefined;
  return {
    status: 'written',
    ...(url ? { url } : {}),
    note: `Posted ${policy.checkName} on ${checksSha.slice(0, 7)}${url ? ` (${url})` : ''}.`,
  };
}
