import { inputLabel, type WordingPart, words } from '@flow-actions/action-kit';
import { shortSha } from '@flow-actions/commit-identity';
import type { Deploy } from './git';

// forward-only: an environment never goes back to an older commit of the app. Builds of pushes in
// quick succession finish in any order, and only the deploy is serialised: the stage job of an
// older commit can run after a newer one's. Its deploy is then skipped, green, saying so.

/** What forward-only reads of the app repository's history (the checkout in GITHUB_WORKSPACE). */
export interface AppHistory {
  /** The checkout's folder, for messages. */
  readonly dir: string;
  /** Whether `commit` is a commit of the checkout's history. */
  contains(commit: string): Promise<boolean>;
  /** Whether `ancestor` is an ancestor of `descendant` (two commits the history contains). */
  isAncestor(ancestor: string, descendant: string): Promise<boolean>;
}

/** The setting as its reader names it: `forward-only` (a notice's title too), or `--forward-only`. */
export const FORWARD_ONLY = inputLabel('forward-only');

export type ForwardVerdict =
  /** Deploy: `reason` says why forward-only let it through (for a notice, or the log). */
  | { kind: 'forward'; reason: WordingPart; notice: boolean }
  /** Skip: the environment runs `runs` (deployed by manifest commit `deploy`), a descendant of the commit. */
  | { kind: 'behind'; runs: string; deploy: string; reason: WordingPart };

/**
 * Whether deploying `candidate` (the artifact's commit) would move the environment back: it does
 * when `candidate` is a strict ancestor of the commit the environment runs (`current`'s
 * Flow-Source-Commit). Whatever cannot be compared is deployed, with the reason: no commit for the
 * artifact; no deploy yet, or one that names no commit; a commit the checkout does not have
 * (another repository, a branch not fetched, rewritten history); or two commits on different lines
 * of history (a deploy from another branch), where neither is older.
 */
export async function judgeForward(
  candidate: string | undefined,
  current: Deploy | undefined,
  history: AppHistory,
): Promise<ForwardVerdict> {
  const forward = (reason: WordingPart, notice = true): ForwardVerdict => ({
    kind: 'forward',
    reason,
    notice,
  });
  if (!candidate) {
    return forward(
      words`${FORWARD_ONLY} cannot compare: the artifact names no commit (no Flow-Source-Commit), so it is deployed`,
    );
  }
  const short = shortSha(candidate);
  if (!current) return forward(words`${FORWARD_ONLY}: no earlier deploy, so ${short} is deployed`, false);
  const runs = current.sourceCommit;
  if (!runs) {
    return forward(
      words`${FORWARD_ONLY} cannot compare: the current deploy ${shortSha(current.commit)} names no commit (no Flow-Source-Commit trailer), so ${short} is deployed`,
    );
  }
  if (runs === candidate)
    return forward(words`${FORWARD_ONLY}: the environment runs ${short} already`, false);
  for (const commit of [runs, candidate]) {
    if (!(await history.contains(commit))) {
      return forward(
        words`${FORWARD_ONLY} cannot compare: ${shortSha(commit)} is not in the history of the checkout in ${history.dir} (another repository, a branch not fetched, or history rewritten), so ${short} is deployed`,
      );
    }
  }
  if (await history.isAncestor(candidate, runs)) {
    return {
      kind: 'behind',
      runs,
      deploy: current.commit,
      reason: `Skipped: the environment runs ${shortSha(runs)}, which is newer than ${short} (${short} is its ancestor), so deploying ${short} would move it back. Nothing was changed; ${shortSha(runs)}'s run checks it.`,
    };
  }
  if (await history.isAncestor(runs, candidate)) {
    return forward(
      words`${FORWARD_ONLY}: ${short} is newer than ${shortSha(runs)}, which the environment runs`,
      false,
    );
  }
  return forward(
    words`${FORWARD_ONLY}: ${short} and ${shortSha(runs)}, which the environment runs, are on different lines of history (neither is an ancestor of the other, e.g. a deploy from another branch), so ${short} is deployed`,
  );
}
