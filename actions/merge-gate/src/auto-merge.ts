import type { GitHubClient, PullRequestMergeMethod } from '@flow-actions/github-api';
import { isGitHubApiError } from '@flow-actions/github-api';
import type { GateDecision } from './decide';
import type { PullRequestState } from './state-query';

/** What happened about merging, the `auto-merge` output. */
export type AutoMergeOutcome = 'merged' | 'enabled' | 'waiting' | 'off' | 'ready';

export interface AutoMergeResult {
  outcome: AutoMergeOutcome;
  /** One line for the log and the summary. */
  message: string;
}

/** GitHub's answer when auto-merge is asked for a pull request that can merge now. */
const CLEAN_STATUS = /is in clean status/i;

export interface AutoMergeOptions {
  decision: GateDecision;
  state: PullRequestState;
  /** A `merge_group` event: the pull request is in the merge queue already. */
  inMergeQueue: boolean;
}

/**
 * Without a merge token the step writes nothing about merging: a merge by GITHUB_TOKEN starts no
 * push workflow, and the gate's job holds only what deciding needs. `ready` tells a step that holds
 * one (the template's Auto-merge job) that there is something to do.
 */
const NO_MERGE_TOKEN =
  'a step with merge-token (a GitHub App token: a merge by GITHUB_TOKEN starts no push workflow, so main’s workflow would not run) does it';

function ready(what: string): AutoMergeResult {
  return { outcome: 'ready', message: `${what}: ${NO_MERGE_TOKEN}.` };
}

/**
 * Merges a green pull request whose risk allows it, through the merge token: GitHub's
 * `enablePullRequestAutoMerge` with the first merge method the repository allows (merge commit,
 * squash, rebase); when GitHub answers that the pull request is already in clean status — it can
 * merge now, and auto-merge is only for one that cannot yet — it is merged at once with its head
 * sha, so a push in between is refused rather than merged unchecked. A pull request whose risk
 * no longer allows it (it rose since) has auto-merge turned off again.
 */
export async function applyAutoMerge(
  merger: GitHubClient | undefined,
  options: AutoMergeOptions,
): Promise<AutoMergeResult> {
  const { decision, state } = options;
  const enabled = state.autoMergeRequest !== null;
  if (options.inMergeQueue)
    return {
      outcome: 'off',
      message: 'In the merge queue: GitHub merges it once the queue’s checks pass.',
    };
  if (!decision.autoMerge.eligible) {
    if (!enabled) return { outcome: 'off', message: `No auto-merge: ${decision.autoMerge.reason}.` };
    if (!merger) return ready(`Auto-merge is on but must be turned off (${decision.autoMerge.reason})`);
    await merger.disableAutoMerge(state.id);
    return {
      outcome: 'off',
      message: `Auto-merge turned off: ${decision.autoMerge.reason} (it was on from an earlier evaluation).`,
    };
  }
  if (decision.verdict !== 'green')
    return {
      outcome: 'waiting',
      message: `Auto-merge waits for the gate to turn green (${decision.verdict} now)${enabled ? '; it is on already' : ''}.`,
    };
  if (enabled) return { outcome: 'enabled', message: 'Auto-merge is on already.' };
  if (state.isDraft)
    return {
      outcome: 'waiting',
      message: 'Not merged: a draft does not merge; mark it ready for review.',
    };
  const method = state.mergeMethods[0];
  if (!method) return { outcome: 'waiting', message: 'Not merged: the repository allows no merge method.' };
  if (!merger) return ready('Green and eligible to merge by itself');
  if (!state.autoMergeAllowed)
    return mergeNow(merger, state, method, 'the repository does not allow auto-merge');
  try {
    await merger.enableAutoMerge(state.id, method);
    return {
      outcome: 'enabled',
      message: `Auto-merge enabled (${method.toLowerCase()}): GitHub merges once the branch's other requirements hold.`,
    };
  } catch (error) {
    if (!isGitHubApiError(error) || !CLEAN_STATUS.test(error.githubMessage ?? error.message)) throw error;
    return mergeNow(merger, state, method, 'GitHub answered that it is in clean status');
  }
}

async function mergeNow(
  merger: GitHubClient,
  state: PullRequestState,
  method: PullRequestMergeMethod,
  why: string,
): Promise<AutoMergeResult> {
  try {
    const merged = await merger.mergePullRequest(state.number, { sha: state.headSha, mergeMethod: method });
    return {
      outcome: 'merged',
      message: `Merged (${method.toLowerCase()}) as ${merged.sha.slice(0, 7)}, at head ${state.headSha.slice(0, 7)}: ${why}.`,
    };
  } catch (error) {
    // 405: not mergeable yet (another requirement of the branch); 409: the head moved since.
    if (isGitHubApiError(error) && (error.status === 405 || error.status === 409))
      return {
        outcome: 'waiting',
        message: `Not merged (${why}): GitHub refused — ${error.githubMessage ?? error.message}`,
      };
    throw error;
  }
}
