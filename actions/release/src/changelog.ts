import { commitImpacts } from '@flow-actions/merge-gate/commits';
import { link, plainText } from '@flow-actions/merge-gate/markdown';
import { commitMessage, type HistoryCommit } from './history';

export type ChangeGroup = 'breaking' | 'features' | 'fixes' | 'other';

export interface ChangelogEntry {
  sha: string;
  group: ChangeGroup;
  scope?: string;
  /** The subject without its type and scope; a pull request merge's title. */
  description: string;
  /** From a squash subject's `(#123)` or a `Merge pull request #123 from …` subject. */
  pr?: number;
  /** The login when known, else the name. */
  author: string;
}

/** A bundled component: its commits between the product's old pin and its new one, newest first. */
export interface ComponentChanges {
  name: string;
  from: string;
  to: string;
  commits: readonly HistoryCommit[];
}

export interface ChangelogOptions {
  /** `https://github.com/org/repo`: pull request numbers link to it. Default: plain `#123`, which GitHub links in a release. */
  repositoryUrl?: string;
  /** The heading level of the groups. Default: 3. */
  headingLevel?: number;
}

const GROUP_TITLES: Readonly<Record<ChangeGroup, string>> = {
  breaking: 'Breaking changes',
  features: 'Features',
  fixes: 'Fixes',
  other: 'Other changes',
};
const GROUP_OF_IMPACT = { major: 'breaking', minor: 'features', patch: 'fixes', none: 'other' } as const;

const CONVENTIONAL = /^[A-Za-z][\w-]*(?:\(([^()\r\n]*)\))?!?: (.*)$/;
const SQUASH_PR = /\s*\(#(\d+)\)$/;
const MERGE_PR = /^Merge pull request #(\d+) from \S+/;
/** Merge commits that say nothing of the change: their branch's commits carry it. */
const OTHER_MERGE = /^Merge (?:branch|remote-tracking branch|tag) /;

/**
 * One entry per commit, grouped by its Conventional Commit type as the version is computed
 * (merge-gate's impacts: `type!:` or a `BREAKING CHANGE:` footer, feat, fix/perf, anything else).
 * A pull request's merge commit stands for the pull request under its title (the body's first
 * line); a merge of a branch or tag is left out.
 */
export function changelogEntries(commits: readonly HistoryCommit[]): ChangelogEntry[] {
  const described = commits.flatMap((commit) => {
    if (OTHER_MERGE.test(commit.subject)) return [];
    const merge = MERGE_PR.exec(commit.subject);
    if (merge) {
      const [title = '', ...rest] = commit.body.split('\n');
      return [{ commit, title: title.trim() || commit.subject, body: rest.join('\n'), pr: Number(merge[1]) }];
    }
    const subject = commit.subject.trim();
    const squash = SQUASH_PR.exec(subject);
    const title = squash ? subject.slice(0, squash.index) : subject;
    return [{ commit, title, body: commit.body, pr: squash ? Number(squash[1]) : undefined }];
  });
  const impacts = commitImpacts(
    described.map(({ commit, title, body }) => ({
      sha: commit.sha,
      message: commitMessage({ ...commit, subject: title, body }),
    })),
  );
  return described.map(({ commit, title, pr }, index) => {
    const conventional = CONVENTIONAL.exec(title);
    return {
      sha: commit.sha,
      group: GROUP_OF_IMPACT[impacts[index]?.impact ?? 'none'],
      ...(conventional?.[1] ? { scope: conventional[1] } : {}),
      description: conventional?.[2] ?? title,
      ...(pr === undefined ? {} : { pr }),
      author: commit.author.login ? `@${commit.author.login}` : commit.author.name,
    };
  });
}

/**
 * The release notes: the product's changes in groups (breaking, features, fixes, other), then each
 * bundled component's under its name and pin range. Everything from a commit is plain text — a
 * subject with `<img>`, `**`, `[x](javascript:…)` or a newline renders as written.
 */
export function renderChangelog(
  commits: readonly HistoryCommit[],
  components: readonly ComponentChanges[] = [],
  options: ChangelogOptions = {},
): string {
  const level = options.headingLevel ?? 3;
  const sections = [renderGroups(changelogEntries(commits), level, options)];
  if (components.length > 0) {
    sections.push(`${'#'.repeat(level)} Components`);
    for (const component of components) {
      // Plain text, not a code span: character references inside backticks would show as written.
      const range = `${plainText(component.from.slice(0, 12))} → ${plainText(component.to.slice(0, 12))}`;
      sections.push(`${'#'.repeat(level + 1)} ${plainText(component.name)} ${range}`);
      sections.push(renderGroups(changelogEntries(component.commits), level + 2, options));
    }
  }
  return `${sections.filter(Boolean).join('\n\n')}\n`;
}

function renderGroups(entries: readonly ChangelogEntry[], level: number, options: ChangelogOptions): string {
  if (entries.length === 0) return '_No changes._';
  const sections: string[] = [];
  for (const group of Object.keys(GROUP_TITLES) as ChangeGroup[]) {
    const lines = entries
      .filter((entry) => entry.group === group)
      .map((entry) => `- ${renderEntry(entry, options)}`);
    if (lines.length > 0) sections.push(`${'#'.repeat(level)} ${GROUP_TITLES[group]}\n\n${lines.join('\n')}`);
  }
  return sections.join('\n\n');
}

function renderEntry(entry: ChangelogEntry, options: ChangelogOptions): string {
  const scope = entry.scope ? `**${plainText(entry.scope)}:** ` : '';
  const pr =
    entry.pr === undefined
      ? ''
      : ` (${link(`#${entry.pr}`, options.repositoryUrl && `${options.repositoryUrl}/pull/${entry.pr}`)})`;
  return `${scope}${plainText(entry.description)}${pr} by ${plainText(entry.author)} (${plainText(entry.sha.slice(0, 7))})`;
}
