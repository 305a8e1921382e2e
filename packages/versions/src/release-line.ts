import { ConfigurationError } from '@flow-actions/action-kit';
import { compareSemver, parseSemver, type Semver } from './semver';

// The release line (DESIGN §6): every version is one commit on the orphan branch `releases/vN`
// of its major N, tagged `vX.Y.Z`; the major tag `vN` points at the highest release of N. Source
// commits on main are tagged `source/vX.Y.Z` (the release workflow's trigger), so the `v*` names,
// which adopters write after `@`, always name release commits. `pnpm release` reads the line to
// decide what a release writes; `flow init` reads it to pin a release.

/** A version to release, e.g. `1.4.1` or `v2.0.0-rc.1`. */
export interface ReleaseVersion {
  /** `1.4.1`: the version without the `v`. */
  version: string;
  /** `v1.4.1`: the tag on the release line. */
  tag: string;
  semver: Semver;
  prerelease: boolean;
}

/** A released version and its release commit. */
export interface Release {
  version: ReleaseVersion;
  commit: string;
}

/** What the remote holds of the release line, from `git ls-remote`. */
export interface ReleaseLine {
  /** Released versions (tags `vX.Y.Z`, prereleases included) → release commit. */
  versions: Map<string, Release>;
  /** Major → the commit its tag `vN` points at. */
  majors: Map<number, string>;
  /** Major → the tip of its branch `releases/vN`. */
  branches: Map<number, string>;
}

const VERSION = /^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/;

/** Parses the version argument; build metadata (`+…`) is refused: two releases must differ in precedence. */
export function parseReleaseVersion(input: string, flag = '<version>'): ReleaseVersion {
  const match = VERSION.exec(input.trim());
  const semver = match ? parseSemver(match[1] as string) : undefined;
  if (!match || !semver)
    throw new ConfigurationError(
      `${flag} "${input}" is not a release version: write MAJOR.MINOR.PATCH, e.g. 1.4.0 (or v1.4.0; a prerelease as 2.0.0-rc.1).`,
    );
  const version = match[1] as string;
  return { version, tag: `v${version}`, semver, prerelease: semver.prerelease.length > 0 };
}

/**
 * Reads the release line from `git ls-remote` output (`<sha>\t<ref>` lines). An annotated tag's
 * peeled line (`<ref>^{}`) wins over the tag object: the line is about commits. Refs that are not
 * the release line's (`source/v*`, `v1.2`, other branches) are ignored.
 */
export function readReleaseLine(lsRemote: string): ReleaseLine {
  const refs = new Map<string, string>();
  for (const line of lsRemote.split('\n')) {
    const [sha, ref] = line.trim().split('\t');
    if (!sha || !ref) continue;
    if (ref.endsWith('^{}')) refs.set(ref.slice(0, -3), sha);
    else if (!refs.has(ref)) refs.set(ref, sha);
  }
  const line: ReleaseLine = { versions: new Map(), majors: new Map(), branches: new Map() };
  for (const [ref, sha] of refs) {
    const tag = ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined;
    const major = tag && /^v(\d+)$/.exec(tag);
    const branch = /^refs\/heads\/releases\/v(\d+)$/.exec(ref);
    if (major) line.majors.set(Number(major[1]), sha);
    else if (branch) line.branches.set(Number(branch[1]), sha);
    else if (tag && VERSION.test(tag) && tag.startsWith('v')) {
      const version = parseReleaseVersion(tag);
      if (version.tag === tag) line.versions.set(tag, { version, commit: sha });
    }
  }
  return line;
}

/** SemVer precedence of two versions: negative when a is lower. */
export function compareReleases(a: ReleaseVersion, b: ReleaseVersion): number {
  return compareSemver(a.semver, b.semver);
}

/** The highest version among `entries`, or undefined when there are none. */
export function highestRelease<T extends { version: ReleaseVersion }>(entries: Iterable<T>): T | undefined {
  let best: T | undefined;
  for (const entry of entries) if (!best || compareReleases(entry.version, best.version) > 0) best = entry;
  return best;
}
