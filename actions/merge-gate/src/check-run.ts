import type { Logger } from '@flow-actions/action-kit';
import type { CheckRun, CheckRunState, CheckRunWrite, GitHubClient } from '@flow-actions/github-api';
import { evaluationId, isEvaluationId, supersedes } from './evaluation';

/** A run of the check's name already on the commit, as the state query or the REST list showed it. */
export interface ExistingRun {
  id: number;
  status: string;
  conclusion: string | null;
  externalId?: string | null;
}

export interface PostCheckRunOptions {
  name: string;
  /** The commit the run goes on: the pull request's head, or the merge queue's commit. */
  headSha: string;
  /** When the state this evaluation decided on was read. */
  readAt: Date;
  state: CheckRunState;
  output: CheckRunWrite['output'];
  /** Runs of `name` on `headSha` as the state query saw them. */
  existing: readonly ExistingRun[];
  /**
   * How long to wait after writing before reading back: another evaluation that read before this
   * one wrote may still be about to write, and is caught if it does within this time.
   */
  settleMs: number;
  sleep: (ms: number) => Promise<void>;
  logger: Logger;
}

export type PostOutcome =
  | { outcome: 'written'; run: CheckRun; writes: number; reads: number }
  | { outcome: 'superseded'; by: string; writes: number; reads: number };

/** Rounds of write-and-verify before giving up on a check that others keep rewriting. */
const MAX_ROUNDS = 3;

/**
 * Writes the evaluation's check run so that of evaluations running at once the newest state ends
 * up shown, without a compare-and-swap (GitHub has none for check runs):
 *
 * 1. The run GitHub shows for a name is the newest created. If it holds a newer evaluation of this
 *    head (its external id, evaluation.ts), nothing is written: the newer state stays.
 * 2. Else that run is updated in place — or a new one created when there is none, or when it is
 *    completed with another conclusion than this state's (GitHub keeps a completed run's status
 *    and conclusion: green to red, or back to pending, is a new run).
 * 3. After `settleMs`, the runs are read back. Shown is ours: done. Shown is newer: done, ours is
 *    superseded. Shown is older (an evaluation that read before ours wrote after it, or created a
 *    second run): ours is written over it, and read back again.
 *
 * An older evaluation that wrote later than a newer one's read-back would win; the settle time
 * makes that need a stall longer than it between a read and a write.
 */
export async function postCheckRun(client: GitHubClient, options: PostCheckRunOptions): Promise<PostOutcome> {
  const ours = evaluationId(options.headSha, options.readAt);
  const write: CheckRunWrite = { state: options.state, externalId: ours, output: options.output };
  let writes = 0;
  let reads = 0;
  let shown = newest(options.existing);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (shown && !supersedes(options.headSha, options.readAt, shown.externalId))
      return { outcome: 'superseded', by: shown.externalId ?? '', writes, reads };
    const updatable =
      shown !== undefined && isEvaluationId(shown.externalId) && canShow(shown, options.state);
    const written =
      shown && updatable
        ? await client.updateCheckRun(shown.id, write)
        : await client.createCheckRun(options.name, options.headSha, write);
    writes++;
    if (options.settleMs > 0) await options.sleep(options.settleMs);
    const runs = await client.listCheckRunsForRef(options.headSha, options.name);
    reads++;
    const now = newest(
      runs.map((run) => ({
        id: run.id,
        status: run.status,
        conclusion: run.conclusion,
        externalId: run.external_id,
      })),
    );
    if (!now || now.externalId === ours) {
      const run = runs.find((entry) => entry.id === now?.id) ?? written;
      return { outcome: 'written', run, writes, reads };
    }
    options.logger.info(
      `Another evaluation wrote ${options.name} on ${options.headSha.slice(0, 7)} at the same time (${now.externalId ?? 'no external id'}); keeping the newest state.`,
    );
    shown = now;
  }
  throw new Error(
    `The ${options.name} check run on ${options.headSha.slice(0, 7)} kept being rewritten by other evaluations (${MAX_ROUNDS} rounds): re-run the job.`,
  );
}

/**
 * Whether updating `run` can show `state`: a run in progress can take any state; a completed one
 * only its own status and conclusion again (GitHub keeps them once completed), with new output.
 */
function canShow(run: ExistingRun, state: CheckRunState): boolean {
  if (run.status.toLowerCase() !== 'completed') return true;
  return state.status === 'completed' && run.conclusion?.toLowerCase() === state.conclusion;
}

/** The run GitHub shows for a name: the newest created, i.e. the highest id. */
function newest(runs: readonly ExistingRun[]): ExistingRun | undefined {
  return runs.reduce<ExistingRun | undefined>((top, run) => (!top || run.id > top.id ? run : top), undefined);
}
