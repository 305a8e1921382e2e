import { ConfigurationError } from '@flow-actions/action-kit';
import type { ReleaseLine, ReleaseVersion } from '@flow-actions/versions';
import {
  type Commit,
  findBreakingCommits,
  GIT_LOG_FORMAT,
  parseGitLog,
} from '../../actions/backcompat-matrix/src/breaking';
import { fetchRef, type Git, readSourceCommit } from './git';
import { previousRelease } from './line';

// Release notes from the Conventional Commits between two releases' source commits: breaking
// changes, features, fixes, and the rest under "Other" (a user of flow-actions reads its docs and
// template changes too). Breaking changes are recognised by backcompat-matrix's own reader
// (`type!:` or a BREAKING CHANGE footer). promote.yml's notes step cannot serve here: it is inline
// in a copy-in template and finds the previous version with `git describe` over `v*` tags on the
// tagged history, while this repository's `v*` tags are on the release line, not on main.

export interface NotesInput {
  release: ReleaseVersion;
  /** The source commit of the release. */
  source: string;
  /** The release the notes start after, and its source commit; none for the first release. */
  previous?: { tag: string; source: string };
  /** The commits in between, newest first, without merges. */
  commits: readonly Commit[];
}

const GROUPS = [
  ['Breaking changes', undefined],
  ['Features', /^feat(\([^)]*\))?: /],
  ['Fixes', /^fix(\([^)]*\))?: /],
  ['Other', /(?:)/],
] as const;

/** The notes in Markdown: a line on what they span, then one section per non-empty group. */
export function releaseNotes(input: NotesInput): string {
  const since = input.previous
    ? `Changes since ${input.previous.tag} (source ${input.previous.source.slice(0, 7)}..${input.source.slice(0, 7)}).`
    : `The first release, from source ${input.source.slice(0, 7)}.`;
  const breaking = new Set(findBreakingCommits(input.commits).map((commit) => commit.sha));
  const sections = new Map<string, string[]>(GROUPS.map(([title]) => [title, []]));
  for (const commit of input.commits) {
    const subject = commit.message.split('\n')[0] ?? '';
    const group = breaking.has(commit.sha)
      ? 'Breaking changes'
      : (GROUPS.find(([, pattern]) => pattern?.test(subject))?.[0] ?? 'Other');
    sections.get(group)?.push(`- ${subject} (${commit.sha.slice(0, 7)})`);
  }
  const body = [...sections]
    .filter(([, lines]) => lines.length > 0)
    .map(([title, lines]) => `### ${title}\n\n${lines.join('\n')}\n`);
  return [since, '', ...(body.length ? body : ['No commits in between.\n'])].join('\n');
}

/**
 * Reads what the notes of a released version span from the release line: its source commit, and
 * the previous release's, through their `Flow-Source-Commit` trailers.
 */
export async function readNotesInput(
  git: Git,
  remote: string,
  release: ReleaseVersion,
  line: ReleaseLine,
): Promise<NotesInput> {
  if (!line.versions.has(release.tag))
    throw new ConfigurationError(
      `${release.tag} is not released on ${remote}: release it first (pnpm release ${release.version}).`,
    );
  const sourceOf = async (tag: string) => {
    const source = await readSourceCommit(git, await fetchRef(git, remote, `refs/tags/${tag}`));
    if (!source)
      throw new ConfigurationError(
        `${tag} on ${remote} is not a release commit (no Flow-Source-Commit trailer): the release line holds only what pnpm release wrote.`,
      );
    return source;
  };
  const source = await sourceOf(release.tag);
  const before = previousRelease(release, line);
  const previous = before
    ? { tag: before.version.tag, source: await sourceOf(before.version.tag) }
    : undefined;
  for (const commit of [source, previous?.source]) {
    if (!commit) continue;
    const known = await git(['rev-parse', '--verify', '--quiet', `${commit}^{commit}`], {
      allowFailure: true,
    });
    if (!known.trim())
      throw new ConfigurationError(
        `The source commit ${commit.slice(0, 12)} is not in this checkout: fetch the branch it came from (git fetch ${remote}), then run again.`,
      );
  }
  const range = previous ? `${previous.source}..${source}` : source;
  const log = await git(['log', '--no-merges', `--format=${GIT_LOG_FORMAT}`, range]);
  return { release, source, previous, commits: parseGitLog(log) };
}
