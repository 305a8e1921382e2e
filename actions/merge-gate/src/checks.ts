import { conclusionMeaning } from '@flow-actions/github-api';
import type { PullRequestSnapshot, SnapshotCheckRun, SnapshotStatus } from './snapshot';
import type { Verdict } from './verdict';

/** One thing a leg requires and what was found for it: the rows of the gate's tables. */
export interface RequirementRow {
  /** What is required: a check name, an environment, a reviewer. */
  name: string;
  verdict: Verdict;
  /** What was found, e.g. `check run skipped (allowed to skip)`, `not reported yet`. */
  detail: string;
  /** Where to look: the check's details page, the deployment, the review. */
  url?: string;
  /** For a row that is not green: what to do. */
  fix?: string;
}

const NOT_REPORTED_FIX =
  'wait for it; if it never comes, check the name for a typo and that its workflow runs on pull requests';

interface Report {
  row: Omit<RequirementRow, 'name'>;
  /** When it was reported (ms), to find the newest per name. */
  at: number;
  id: number;
}

/**
 * One row per expected check name, from the check runs and commit statuses of the head commit.
 * When a name was reported several times (re-runs; a check run and a status) the newest report
 * counts. A name nobody reported is pending, never green: it may still come. A check run's
 * conclusion reads as in the release gate (conclusionMeaning): only success is green — and
 * `skipped`, for the names allowed to skip. Any other skip is pending (nothing failed, but nothing
 * was checked: the gate waits for a run that checks); every other conclusion is red.
 */
export function evaluateChecks(
  expected: readonly string[],
  allowedToSkip: readonly string[],
  pr: Pick<PullRequestSnapshot, 'headSha' | 'checkRuns' | 'statuses'>,
): RequirementRow[] {
  const reports = new Map<string, Report[]>();
  const add = (name: string, report: Report) => reports.set(name, [...(reports.get(name) ?? []), report]);
  for (const run of pr.checkRuns)
    if (sameSha(run.headSha, pr.headSha))
      add(run.name, reportCheckRun(run, allowedToSkip.includes(run.name)));
  for (const status of pr.statuses) add(status.context, reportStatus(status));

  return expected.map((name) => {
    const found = reports.get(name) ?? [];
    const newest = found.reduce<Report | undefined>(
      (best, report) =>
        !best || report.at > best.at || (report.at === best.at && report.id > best.id) ? report : best,
      undefined,
    );
    if (!newest) return { name, verdict: 'pending', detail: 'not reported yet', fix: NOT_REPORTED_FIX };
    const detail =
      found.length > 1 ? `${newest.row.detail} (the newest of ${found.length} reports)` : newest.row.detail;
    return { name, ...newest.row, detail };
  });
}

function reportCheckRun(run: SnapshotCheckRun, mayBeSkipped: boolean): Report {
  const status = run.status.toLowerCase();
  const conclusion = run.conclusion?.toLowerCase() ?? null;
  const at = timestamp(run.startedAt ?? run.completedAt);
  const url = run.url ? { url: run.url } : {};
  if (status !== 'completed')
    return {
      row: { verdict: 'pending', detail: `check run ${status}`, fix: 'wait for it to finish', ...url },
      at,
      id: run.id,
    };
  if (conclusion === 'skipped' && mayBeSkipped)
    return {
      row: { verdict: 'green', detail: 'check run skipped (allowed to skip)', ...url },
      at,
      id: run.id,
    };
  const meaning = conclusionMeaning(conclusion);
  const detail = `check run ${conclusion ?? 'without a conclusion'}`;
  if (meaning.green) return { row: { verdict: 'green', detail, ...url }, at, id: run.id };
  // A skipped check failed nothing and checked nothing: the gate still waits for one that checks.
  if (conclusion === 'skipped')
    return {
      row: { verdict: 'pending', detail, fix: `${meaning.meaning}; or list it in allowed-to-skip`, ...url },
      at,
      id: run.id,
    };
  return { row: { verdict: 'red', detail, fix: meaning.meaning, ...url }, at, id: run.id };
}

function reportStatus(status: SnapshotStatus): Report {
  const state = status.state.toLowerCase();
  const description = status.description ? `: ${status.description}` : '';
  const detail = `status ${state}${description}`;
  const url = status.targetUrl ? { url: status.targetUrl } : {};
  const at = timestamp(status.updatedAt);
  if (state === 'success') return { row: { verdict: 'green', detail, ...url }, at, id: status.id };
  if (state === 'pending')
    return { row: { verdict: 'pending', detail, fix: 'wait for it to finish', ...url }, at, id: status.id };
  return {
    row: { verdict: 'red', detail, fix: 'fix the cause and have its service report it again', ...url },
    at,
    id: status.id,
  };
}

/**
 * One row per environment: the newest deployment of the head commit to it, by its newest status.
 * Only `success` is green; `queued`, `pending` and `in_progress` (and no deployment yet) are
 * pending; `failure`, `error` and `inactive` (replaced by a later deployment, so no longer what
 * the environment runs) are red.
 */
export function evaluateDeployments(
  environments: readonly string[],
  pr: Pick<PullRequestSnapshot, 'headSha' | 'deployments'>,
): RequirementRow[] {
  return environments.map((environment) => {
    const toEnvironment = pr.deployments.filter(
      (deployment) => deployment.environment.toLowerCase() === environment.toLowerCase(),
    );
    const ofHead = newestBy(
      toEnvironment.filter((deployment) => sameSha(deployment.sha, pr.headSha)),
      (deployment) => deployment.createdAt,
    );
    if (!ofHead) {
      const latest = newestBy(toEnvironment, (deployment) => deployment.createdAt);
      const other = latest ? ` (it runs ${latest.sha.slice(0, 7)})` : '';
      return {
        name: environment,
        verdict: 'pending',
        detail: `this commit is not deployed yet${other}`,
        fix: `wait for CD to deploy it; if it never does, check that CD deploys pull requests to ${environment}`,
      };
    }
    const status = newestBy(ofHead.statuses, (entry) => entry.createdAt);
    const link = status?.environmentUrl || status?.logUrl;
    const url = link ? { url: link } : {};
    const state = status?.state.toLowerCase();
    const description = status?.description ? `: ${status.description}` : '';
    const row = {
      name: environment,
      detail: `deployment ${state ?? 'created, no status yet'}${description}`,
      ...url,
    };
    if (state === 'success') return { ...row, verdict: 'green' };
    if (state === undefined || ['queued', 'pending', 'in_progress'].includes(state))
      return { ...row, verdict: 'pending', fix: 'wait for the deployment to finish' };
    if (state === 'inactive')
      return { ...row, verdict: 'red', fix: 'a later deployment replaced it: deploy this commit again' };
    return { ...row, verdict: 'red', fix: 'see its log, fix the cause and deploy this commit again' };
  });
}

function newestBy<T extends { id: number }>(items: readonly T[], when: (item: T) => string): T | undefined {
  return items.reduce<T | undefined>((best, item) => {
    if (!best) return item;
    const [a, b] = [timestamp(when(item)), timestamp(when(best))];
    return a > b || (a === b && item.id > best.id) ? item : best;
  }, undefined);
}

/** A sha as GitHub sends it, in either case. */
export function sameSha(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Milliseconds since the epoch; a missing or unreadable time sorts first. */
export function timestamp(value: string | null | undefined): number {
  const parsed = value ? Date.parse(value) : Number.NaN;
  return Number.isNaN(parsed) ? 0 : parsed;
}
