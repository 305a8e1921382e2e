import { ConfigurationError, type Logger } from '@flow-actions/action-kit';
import type { ActionContext } from '@flow-actions/action-kit/runner';
import { readEventContext } from '@flow-actions/commit-identity';
import { GitHubClient } from '@flow-actions/github-api';
import { type EventTarget, eventTarget, type GateEventPayload } from './event';
import { type Policy, type PolicyInputs, parsePolicy } from './policy';
import { classifyRisk, type RiskAssessment } from './risk';
import { type PullRequestState, readFileAtBaseAndHead, readPullRequestState } from './state-query';
import type { TogglesFileChange } from './toggles';

/** One pull request as both steps see it: its state, the policy of its base branch, and its risk. */
export interface Assessment {
  state: PullRequestState;
  policy: Policy;
  risk: RiskAssessment;
}

/**
 * What both steps start from: a GitHub client with the step's token, what the event says, and the
 * open pull requests it is about.
 */
export async function readEventPullRequests(
  context: ActionContext,
  token: string | undefined,
): Promise<{ client: GitHubClient; target: EventTarget; numbers: number[] }> {
  const repository = process.env.GITHUB_REPOSITORY;
  if (!repository) throw new ConfigurationError('GITHUB_REPOSITORY is not set: run the step in a workflow.');
  const event = await readEventContext();
  const target = eventTarget(event.eventName, event.payload as GateEventPayload, repository);
  context.describeRequest('event', `${event.eventName} (${target.source})`);
  const client = new GitHubClient({
    token: token ?? '',
    repository,
    masker: context.masker,
    logger: context.logger,
  });
  return { client, target, numbers: await findPullRequests(client, target, context.logger) };
}

/**
 * The open pull requests an event is about: those it names, else those whose head is its commit
 * (a status, a deployment, a fork's check or workflow run). Several pull requests can share a
 * head commit; each is decided.
 */
async function findPullRequests(
  client: GitHubClient,
  target: EventTarget,
  logger: Logger,
): Promise<number[]> {
  if (target.pullRequests.length > 0 || !target.commit) return target.pullRequests;
  const commit = target.commit;
  const pulls = await client.listPullRequestsForCommit(commit);
  const heads = pulls.filter((pull) => pull.state === 'open' && pull.head.sha.toLowerCase() === commit);
  if (heads.length === 0)
    logger.info(
      `No open pull request has ${commit.slice(0, 7)} (from ${target.source}) as its head: nothing to decide.`,
    );
  return heads.map((pull) => pull.number).sort((a, b) => a - b);
}

/**
 * Reads a pull request, its base branch's policy (with the inputs) and computes its risk; a
 * closed or merged one is left alone (an event can come after the merge). The toggles file is
 * read at base and head only when the pull request changes it: one more query.
 */
export async function assessPullRequest(
  client: GitHubClient,
  request: {
    number: number;
    policyPath: string;
    policyInputs: PolicyInputs;
    mergeGroupSha?: string;
    /** Read checks, statuses and deployments too (the gate does, the risk step does not). */
    withChecks: boolean;
  },
  logger: Logger,
): Promise<Assessment | undefined> {
  const state = await readPullRequestState(client, {
    number: request.number,
    policyPath: request.policyPath,
    withChecks: request.withChecks,
    ...(request.mergeGroupSha ? { mergeGroupSha: request.mergeGroupSha } : {}),
  });
  if (state.state !== 'OPEN') {
    logger.info(`#${request.number} is ${state.state.toLowerCase()}: nothing to decide.`);
    return undefined;
  }
  const policy = parsePolicy({
    ...(state.policyFile ? { file: state.policyFile } : {}),
    inputs: request.policyInputs,
  });
  const togglesPath = policy.risk.toggles.file;
  let togglesFile: TogglesFileChange | undefined;
  if (togglesPath && state.baseSha && state.snapshot.files.some((file) => file.path === togglesPath)) {
    togglesFile = {
      path: togglesPath,
      ...(await readFileAtBaseAndHead(client, togglesPath, state.baseSha, state.headSha)),
    };
  }
  const risk = classifyRisk(
    {
      files: state.snapshot.files,
      commits: state.snapshot.commits,
      labels: state.snapshot.labels,
      ...(togglesFile ? { togglesFile } : {}),
    },
    policy,
  );
  return { state, policy, risk };
}
