import type { GitHubClient } from './client';
import type { CheckRun, CommitStatus } from './types';

export type RequiredCheckState = 'success' | 'failure' | 'pending' | 'missing';

export interface RequiredCheckRow {
  /** The required name as configured. */
  name: string;
  state: RequiredCheckState;
  /** What was reported, e.g. `check run skipped — https://…`, or why it is missing. */
  detail: string;
  /** For a report that did not pass: what it means and what to do. */
  fix?: string;
}

export interface RequiredChecksResult {
  /** True only when every required name is green. */
  ok: boolean;
  /** One row per required name, in the order given. */
  rows: RequiredCheckRow[];
  /** One line for the log or the failure: what blocks and what to do, or that all are green. */
  message: string;
}

/**
 * What a completed check run's conclusion says about a required check, by GitHub's own meanings
 * (docs.github.com, "About status checks": check statuses and conclusions). Only `success` passed.
 * Branch protection, and `needs:` in Actions, treat `skipped` and `neutral` as passing, so that a
 * job skipped by its `if:` does not block a merge; a release gate asks another question — was this
 * commit checked? — and a check that was skipped, reported no verdict, or never finished did not
 * check it. Each entry says what happened and what to do, for the one-line message.
 */
const CONCLUSIONS: Readonly<Record<string, { green: boolean; meaning: string }>> = {
  success: { green: true, meaning: 'passed' },
  failure: { green: false, meaning: 'it failed: fix the cause and re-run it' },
  startup_failure: { green: false, meaning: 'its workflow failed to start: fix the workflow and re-run it' },
  timed_out: { green: false, meaning: 'it timed out: re-run it' },
  cancelled: {
    green: false,
    meaning:
      'it was cancelled before it finished (by hand, or replaced by a newer run in its concurrency group): re-run it on this commit, or use a commit where it passed',
  },
  skipped: {
    green: false,
    meaning:
      'it never ran (a job skipped by its if:, or after a failed need), so it checked nothing: run it on this commit, or use a commit where it passed',
  },
  neutral: {
    green: false,
    meaning: 'it reported no verdict (neutral): make it conclude success, or stop requiring it',
  },
  stale: {
    green: false,
    meaning: 'GitHub marked it stale (incomplete for 14 days): re-run it',
  },
  action_required: {
    green: false,
    meaning: 'it waits for someone to act (see its details link): do that, then re-run it',
  },
};

/** A conclusion GitHub adds later is not known to be green: it blocks, saying so. */
const UNKNOWN_CONCLUSION = {
  green: false,
  meaning: 'a conclusion not known here: only success passes; re-run it',
};

/**
 * What a completed check run's conclusion says (see CONCLUSIONS): green or not, and for one that
 * is not, what happened and what to do. Shared with the merge gate, so both gates read a
 * conclusion alike.
 */
export function conclusionMeaning(conclusion: string | null): { green: boolean; meaning: string } {
  const key = conclusion ?? 'none';
  return Object.hasOwn(CONCLUSIONS, key)
    ? (CONCLUSIONS[key] as { green: boolean; meaning: string })
    : UNKNOWN_CONCLUSION;
}

interface Report {
  state: Exclude<RequiredCheckState, 'missing'>;
  detail: string;
  fix?: string;
  /** When it was reported (ms), to find the newest per name. */
  at: number;
  id: number;
}

/**
 * Decides whether every required check is green. A required name matches a check run's `name`
 * or a commit status's `context`; when a name was reported several times (re-runs, or both as a
 * check run and a status) the newest report wins. Green: a check run concluded success; a status
 * success. Pending: a check run not completed yet (queued, in_progress, waiting, requested,
 * pending); status pending. Not passed: any other conclusion — skipped, neutral, cancelled, stale,
 * action_required as much as failure and timed_out (see CONCLUSIONS) — and status failure or
 * error. A required name nobody reported is missing, and blocks: it may never come (a typo, a
 * renamed job).
 */
export function evaluateRequiredChecks(
  required: readonly string[],
  checkRuns: readonly CheckRun[],
  statuses: readonly CommitStatus[],
): RequiredChecksResult {
  const names = [...new Set(required.map((name) => name.trim()).filter(Boolean))];
  const newest = new Map<string, Report>();
  const consider = (name: string, report: Report) => {
    const known = newest.get(name);
    if (!known || report.at > known.at || (report.at === known.at && report.id > known.id))
      newest.set(name, report);
  };
  for (const run of checkRuns) consider(run.name, reportCheckRun(run));
  for (const status of statuses) consider(status.context, reportStatus(status));

  const rows: RequiredCheckRow[] = names.map((name) => {
    const report = newest.get(name);
    if (!report) return { name, state: 'missing', detail: 'never reported on this commit' };
    return { name, state: report.state, detail: report.detail, ...(report.fix ? { fix: report.fix } : {}) };
  });
  return { ok: rows.every((row) => row.state === 'success'), rows, message: summarize(rows) };
}

/** Fetches the check runs and commit statuses of `ref` and evaluates them. Needs `checks: read` and `statuses: read`. */
export async function checkRequiredChecks(
  client: Pick<GitHubClient, 'listCheckRunsForRef' | 'listCommitStatuses'>,
  ref: string,
  required: readonly string[],
): Promise<RequiredChecksResult> {
  if (required.length === 0) return evaluateRequiredChecks(required, [], []);
  const [checkRuns, statuses] = await Promise.all([
    client.listCheckRunsForRef(ref),
    client.listCommitStatuses(ref),
  ]);
  const result = evaluateRequiredChecks(required, checkRuns, statuses);
  return { ...result, message: `${result.message} (commit ${ref})` };
}

function reportCheckRun(run: CheckRun): Report {
  const link = run.details_url ?? run.html_url;
  const where = link ? ` — ${link}` : '';
  const at = timestamp(run.started_at ?? run.completed_at);
  if (run.status !== 'completed')
    return { state: 'pending', detail: `check run ${run.status}${where}`, at, id: run.id };
  const conclusion = run.conclusion ?? 'none';
  const known = conclusionMeaning(run.conclusion);
  const detail = `check run ${conclusion}${where}`;
  if (known.green) return { state: 'success', detail, at, id: run.id };
  return { state: 'failure', detail, fix: known.meaning, at, id: run.id };
}

function reportStatus(status: CommitStatus): Report {
  const state = status.state === 'success' ? 'success' : status.state === 'pending' ? 'pending' : 'failure';
  const description = status.description ? ` (${status.description})` : '';
  const where = status.target_url ? ` — ${status.target_url}` : '';
  return {
    state,
    detail: `status ${status.state}${description}${where}`,
    ...(state === 'failure' ? { fix: 'fix the cause and have its service report it again' } : {}),
    at: timestamp(status.updated_at ?? status.created_at),
    id: status.id,
  };
}

function timestamp(value: string | null | undefined): number {
  const parsed = value ? Date.parse(value) : Number.NaN;
  return Number.isNaN(parsed) ? 0 : parsed;
}

function summarize(rows: readonly RequiredCheckRow[]): string {
  if (rows.length === 0) return 'no required checks configured';
  const quote = (row: RequiredCheckRow) => `\`${row.name}\``;
  const failed = rows.filter((row) => row.state === 'failure');
  const missing = rows.filter((row) => row.state === 'missing');
  const pending = rows.filter((row) => row.state === 'pending');
  if (failed.length + missing.length + pending.length === 0)
    return `all ${rows.length} required check(s) are green: ${rows.map(quote).join(', ')}`;
  const parts: string[] = [];
  if (failed.length > 0)
    parts.push(
      `did not pass: ${failed.map((row) => `${quote(row)} (${row.detail}): ${row.fix ?? 'it did not pass'}`).join('; ')}`,
    );
  if (missing.length > 0)
    parts.push(
      `never reported on this commit: ${missing.map(quote).join(', ')} — check the name for a typo, or that the check runs on this commit`,
    );
  if (pending.length > 0)
    parts.push(
      `wait for ${pending.map((row) => `${quote(row)} (${row.detail})`).join(', ')} to finish, then re-run`,
    );
  const blocking = failed.length + missing.length + pending.length;
  return `${blocking} of ${rows.length} required check(s) not green: ${parts.join('; ')}`;
}
