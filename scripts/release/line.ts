import { ConfigurationError } from '@flow-actions/action-kit';
import {
  compareReleases,
  highestRelease,
  type Release,
  type ReleaseLine,
  type ReleaseVersion,
  type Semver,
} from '@flow-actions/versions';

// What releasing a version writes on the release line (DESIGN §6), decided from the line as
// `git ls-remote` shows it (@flow-actions/versions reads it).

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
  previous?: Release;
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
  const newest = highestRelease(releases);
  const branch = `releases/v${major}`;
  const parent = line.branches.get(major);
  if (sameMajor.length > 0 && !parent)
    throw new ConfigurationError(
      `The remote has ${highestRelease(sameMajor)?.version.tag} but no branch ${branch}: restore the release line (git push <remote> ${highestRelease(sameMajor)?.version.tag}:refs/heads/${branch}) before releasing on it.`,
    );

  let movesMajor = false;
  let majorStays: string | undefined;
  if (release.prerelease) {
    const top = highestRelease(sameMajor);
    if (top && compareReleases(release, top.version) <= 0)
      throw new ConfigurationError(
        `${release.tag} is not above ${top.version.tag}: a prerelease comes before the release it previews, above every version of v${major}; release ${bump(top.version.semver, top.version.prerelease ? 'patch' : 'minor')}-rc.1 or the like instead.`,
      );
    majorStays = 'a prerelease never moves the major tag';
  } else if (!newest || compareReleases(release, newest.version) > 0) {
    movesMajor = true;
  } else {
    const { minor, patch } = release.semver;
    const latest = newest.version;
    const ownMinor = highestRelease(releases.filter((entry) => entry.version.semver.minor === minor));
    if (minor === latest.semver.minor)
      throw new ConfigurationError(
        `${release.tag} is below ${latest.tag}, the latest release of v${major}: release ${bump(latest.semver, 'patch')} instead.`,
      );
    if (patch === 0 || !ownMinor)
      throw new ConfigurationError(
        `${release.tag} would open the minor line ${major}.${minor} below ${latest.tag}: below the newest release only a patch of a released minor is allowed; release ${bump(latest.semver, 'minor')} instead.`,
      );
    if (compareReleases(release, ownMinor.version) <= 0)
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
export function previousRelease(release: ReleaseVersion, line: ReleaseLine): Release | undefined {
  return highestRelease(
    [...line.versions.values()].filter(
      (entry) => !entry.version.prerelease && compareReleases(entry.version, release) < 0,
    ),
  );
}

/** True when no release of any major is above `release`: GitHub's "Latest" release. */
export function isNewestRelease(release: ReleaseVersion, line: ReleaseLine): boolean {
  return (
    !release.prerelease &&
    [...line.versions.values()].every(
      (entry) => entry.version.prerelease || compareReleases(entry.version, release) <= 0,
    )
  );
}
