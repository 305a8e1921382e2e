import { type Commit, findBreakingCommits } from '@flow-actions/backcompat-matrix/breaking';
import type { SemverImpact } from './labels';

export interface CommitImpact {
  sha: string;
  subject: string;
  impact: SemverImpact;
}

// Conventional Commits 1.0: `type(scope)!: description`; the break itself is found by
// findBreakingCommits, which backcompat-matrix's breaking check uses too.
const TYPED_SUBJECT = /^([A-Za-z][\w-]*)(?:\([^()\r\n]*\))?!?: /;
const IMPACT_OF_TYPE: Readonly<Record<string, SemverImpact>> = { feat: 'minor', fix: 'patch', perf: 'patch' };

/**
 * The semver impact of each commit by its Conventional Commit message: a breaking change (`type!:`
 * or a `BREAKING CHANGE:` footer) is major, `feat` minor, `fix` and `perf` patch, anything else
 * (docs, test, chore, ci, a merge commit, a message that is not conventional) none.
 */
export function commitImpacts(commits: readonly Commit[]): CommitImpact[] {
  const breaking = new Set(findBreakingCommits(commits).map((commit) => commit.sha));
  return commits.map(({ sha, message }) => {
    const subject = message.split(/\r?\n/, 1)[0] ?? '';
    const type = TYPED_SUBJECT.exec(subject)?.[1]?.toLowerCase() ?? '';
    const impact = breaking.has(sha)
      ? 'major'
      : Object.hasOwn(IMPACT_OF_TYPE, type)
        ? (IMPACT_OF_TYPE[type] as SemverImpact)
        : 'none';
    return { sha, subject, impact };
  });
}
