import { ConfigurationError } from '@flow-actions/action-kit';
import { compareSemver, parseSemver, type Semver } from '../../actions/yank-artifact/src/semver';

// The release line (DESIGN §6): every version is one commit on the orphan branch `releases/vN`
// of its major N, tagged `vX.Y.Z`; the major tag `vN` points at the highest release of N. Source
// commits on main are tagged `source/vX.Y.Z` (the release workflow's trigger), so the `v*` names,
// which adopters write after `@`, always name release commits.

/** A version to release, e.g. `1.4.1` or `v2.0.0-rc.1`. */
export interface ReleaseVersion {
  /** `1.4.1`: the version without the `v`. */
  version: string;
  /** `v1.4.1`: the tag on the release line. */
  tag: string;
  semver: Semver;
  prerelease: boolean;
}

/** What the remote holds of the release line, from `git ls-remote`. */
export interface ReleaseLine {
  /** Released versions (tags `vX.Y.Z`, prereleases included) → release commit. */
  versions: Map<string, { version: ReleaseVersion; commit: string }>;
  /** Major → the commit its tag `vN` points at. */
  majors: Map<number, string>;
  /** Major → the tip of its branch `releases/vN`. */
  branches: Map<number, string>;
}

/** What one release writes, decided before anything is written. */
export interface ReleasePlan {
  release: ReleaseVersion;
  /** `releases/v1`. */
  branch: string;
  /** The branch's tip, the new commit's parent; none for a major's first release. */
  parent?: string;
  /** `v1`. */
  majorTag: string;
  /** Where the major tag points now; none before the major's first release. */
  majorFrom?: string;
  /** True when the major tag moves to this release; false for a prerelease or an older line's patch. */
  movesMajor: boolean;
  /** Why the major tag stays, when it does: e.g. "v1.5.0 is higher". */
  majorStays?: string;
  /** The highest release below this one (any major): where its notes start. */
  previous?: { version: ReleaseVersion; commit: string };
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

function compare(a: ReleaseVersion, b: ReleaseVersion): number {
  return compareSemver(a.semver, b.semver);
}

function highest<T extends { version: ReleaseVersion }>(entries: Iterable<T>): T | undefined {
  let best: T | undefined;
  for (const entry of entries) if (!best || compare(entry.version, best.version) > 0) best = entry;
  return best;
}

const bump = (semver: Semver, part: 'minor' | 'patch') =>
  part === 'minor'
    ? `v${semver.major}.${semver.minor + 1}.0`
    : `v${semver.major}.${semver.minor}.${semver.patch + 1}`;

/**
 * Decides what releasing `release` writes, or refuses it with what to release instead. The rules:
 * - a version is released once;
 * - a release above every release of its major is the major's newest: `vN` moves to it;
 * - below that, only a patch of an older minor that was released, above that minor's own latest
 *   (v1.4.1 after v1.4.0 and v1.5.0): `vN` stays where it is;
 *   a new minor below the newest (v1.3.0 after v1.4.0) or an older patch (v1.4.1 after v1.4.2) is refused;
 * - a prerelease must be above every version of its major, and never moves `vN`;
 * - majors are independent: v1.9.1 after v2.0.0 moves v1, not v2.
 */
export function planRelease(release: ReleaseVersion, line: ReleaseLine): ReleasePlan {
  const { major } = release.semver;
  const existing = line.versions.get(release.tag);
  if (existing)
    throw new ConfigurationError(
      `${release.tag} is already released (release commit ${existing.commit.slice(0, 12)}): a version is released once, never replaced; release the change as the next version.`,
    );
  const sameMajor = [...line.versions.values()].filter((entry) => entry.version.semver.major === major);
  const releases = sameMajor.filter((entry) => !entry.version.prerelease);
  const newest = highest(releases);
  const branch = `releases/v${major}`;
  const parent = line.branches.get(major);
  if (sameMajor.length > 0 && !parent)
    throw new ConfigurationError(
      `The remote has ${highest(sameMajor)?.version.tag} but no branch ${branch}: restore the release line (git push <remote> ${highest(sameMajor)?.version.tag}:refs/heads/${branch}) before releasing on it.`,
    );

  let movesMajor = false;
  let majorStays: string | undefined;
  if (release.prerelease) {
    const top = highest(sameMajor);
    if (top && compare(release, top.version) <= 0)
      throw new ConfigurationError(
        `${release.tag} is not above ${top.version.tag}: a prerelease comes before the release it previews, above every version of v${major}; release ${bump(top.version.semver, top.version.prerelease ? 'patch' : 'minor')}-rc.1 or the like instead.`,
      );
    majorStays = 'a prerelease never moves the major tag';
  } else if (!newest || compare(release, newest.version) > 0) {
    movesMajor = true;
  } else {
    const { minor, patch } = release.semver;
    const latest = newest.version;
    const ownMinor = highest(releases.filter((entry) => entry.version.semver.minor === minor));
    if (minor === latest.semver.minor)
      throw new ConfigurationError(
        `${release.tag} is below ${latest.tag}, the latest release of v${major}: release ${bump(latest.semver, 'patch')} instead.`,
      );
    if (patch === 0 || !ownMinor)
      throw new ConfigurationError(
        `${release.tag} would open the minor line ${major}.${minor} below ${latest.tag}: below the newest release only a patch of a released minor is allowed; release ${bump(latest.semver, 'minor')} instead.`,
      );
    if (compare(release, ownMinor.version) <= 0)
      throw new ConfigurationError(
        `${release.tag} is below ${ownMinor.version.tag}, the latest release of ${major}.${minor}: release ${bump(ownMinor.version.semver, 'patch')} instead.`,
      );
    majorStays = `${latest.tag} is newer`;
  }

  return {
    release,
    branch,
    parent,
    majorTag: `v${major}`,
    majorFrom: line.majors.get(major),
    movesMajor,
    majorStays,
    previous: previousRelease(release, line),
  };
}

/** The highest release below `release` on any line, prereleases left out: where its notes start. */
export function previousRelease(
  release: ReleaseVersion,
  line: ReleaseLine,
): { version: ReleaseVersion; commit: string } | undefined {
  return highest(
    [...line.versions.values()].filter(
      (entry) => !entry.version.prerelease && compare(entry.version, release) < 0,
    ),
  );
}

/** True when no release of any major is above `release`: GitHub's "Latest" release. */
export function isNewestRelease(release: ReleaseVersion, line: ReleaseLine): boolean {
  return (
    !release.prerelease &&
    [...line.versions.values()].every(
      (entry) => entry.version.prerelease || compare(entry.version, release) <= 0,
    )
  );
}
