import type { Logger } from '@flow-actions/action-kit';
import type { GitHubClient } from '@flow-actions/github-api';
import type { EventTarget } from './event';
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
 * The open pull requests an event is about: those it names, else those whose head is its commit
 * (a status, a deployment, a fork's check or workflow run). Several pull requests can share a
 * head commit; each is decided.
 */
export async function findPullRequests(
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
 * Reads a pull request, its base branch's policy (with the inputs) and computes its risk. The
 * toggles file is read at base and head only when the pull request changes it: one more query.
 */
export async function assessPullRequest(
  client: GitHubClient,
  request: { number: number; policyPath: string; policyInputs: PolicyInputs; mergeGroupSha?: string },
): Promise<Assessment> {
  const state = await readPullRequestState(client, {
    number: request.number,
    policyPath: request.policyPath,
    ...(request.mergeGroupSha ? { mergeGroupSha: request.mergeGroupSha } : {}),
  });
  const policy = parsePolicy({
    ...(state.policyFile ? { file: state.policyFile } : {}),
    inputs: request.policyInputs,
  });
  const togglesPath = policy.risk.toggles.file;
  let togglesFile: TogglesFileChange | undefined;
  if (togglesPath && state.baseSha && state.snapshot.files.some((file) => file.path === togglesPath)) {
    state.requests.graphql++;
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
