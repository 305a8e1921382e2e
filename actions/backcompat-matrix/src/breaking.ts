import { ConfigurationError, words } from '@flow-actions/action-kit';
import { parse } from 'semver';
import type { MatrixPlan } from './plan';

export interface Commit {
  sha: string;
  /** The whole message: subject, body and footers. */
  message: string;
}

export interface BreakingCommit extends Commit {
  subject: string;
  /** `type!:` in the subject, or a `BREAKING CHANGE:` footer. */
  marker: 'bang' | 'footer';
}

/** The `git log` format `parseGitLog` reads: sha, unit separator, raw message, record separator. */
export const GIT_LOG_FORMAT = '%H%x1f%B%x1e';

/** Splits `git log --format=${GIT_LOG_FORMAT}` output into commits. */
export function parseGitLog(output: string): Commit[] {
  const commits: Commit[] = [];
  for (const record of output.split('\x1e')) {
    const separator = record.indexOf('\x1f');
    if (separator < 0) continue;
    const sha = record.slice(0, separator).trim();
    if (sha) commits.push({ sha, message: record.slice(separator + 1).trim() });
  }
  return commits;
}

// Conventional Commits 1.0: `type(scope)!: description`; the footer token may also be spelled
// BREAKING-CHANGE. Footers come after the subject, so the subject line itself never counts as one.
const BANG_SUBJECT = /^[A-Za-z][\w-]*(\([^()\r\n]*\))?!: /;
const BREAKING_FOOTER = /^BREAKING[ -]CHANGE: /m;

/** The commits that declare a breaking change, in the order given. */
export function findBreakingCommits(commits: readonly Commit[]): BreakingCommit[] {
  const breaking: BreakingCommit[] = [];
  for (const commit of commits) {
    const newline = commit.message.indexOf('\n');
    const subject = newline < 0 ? commit.message : commit.message.slice(0, newline);
    if (BANG_SUBJECT.test(subject)) {
      breaking.push({ ...commit, subject, marker: 'bang' });
    } else if (newline >= 0 && BREAKING_FOOTER.test(commit.message.slice(newline + 1))) {
      breaking.push({ ...commit, subject, marker: 'footer' });
    }
  }
  return breaking;
}

/**
 * The breaking check runs only when it can fail: the floor is an older release in the current
 * major. A floor in an older major already admits the break; a floor equal to the current
 * version claims nothing older.
 */
export function needsBreakingCheck(plan: MatrixPlan): boolean {
  const floor = parse(plan.floor);
  const current = parse(plan.current);
  return Boolean(floor && current && plan.floor !== plan.current && floor.major === current.major);
}

/** Fails with the two ways out when a breaking commit meets a floor in the current major. */
export function assertNoBreakingChange(
  plan: MatrixPlan,
  range: string,
  breaking: readonly BreakingCommit[],
): void {
  if (breaking.length === 0 || !needsBreakingCheck(plan)) return;
  const major = Number(plan.current.split('.')[0]);
  const shown = breaking
    .slice(0, 3)
    .map((commit) => `${commit.sha.slice(0, 7)} "${commit.subject}"`)
    .join(', ');
  const more = breaking.length > 3 ? ` and ${breaking.length - 3} more` : '';
  const fix = `either bump the major to ${major + 1}.0.0, or raise the compatible version to ${plan.current} or a later release that contains the break.`;
  throw new ConfigurationError(
    words`${breaking.length} breaking commit(s) in ${range} (${shown}${more}), but the floor ${plan.floor} (${plan.floorFrom}) and the current version ${plan.current} share major ${major}: ${fix}`,
    { fix },
  );
}
