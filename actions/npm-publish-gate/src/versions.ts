import semver from 'semver';

/**
 * The release line a version belongs to: its major version, or for 0.x its minor (`0.3`),
 * because in 0.x a minor bump is the breaking one. `0.0.x` is the line `0.0`.
 */
export function lineOf(version: string): string {
  const parsed = semver.parse(version);
  if (!parsed) throw new Error(`not a semantic version: ${version}`);
  return parsed.major > 0 ? String(parsed.major) : `0.${parsed.minor}`;
}

/** How a line reads in a message: `1.x`, `0.3.x`. */
export function describeLine(line: string): string {
  return `${line}.x`;
}

/**
 * True for a version npm would publish exactly as written: semver 2.0, no leading `v`, no
 * spaces, and no build metadata (npm drops `+build`, so `1.2.3+5` would go out as `1.2.3`).
 */
export function isExactSemver(version: string): boolean {
  return semver.valid(version) === version;
}

/** The highest of `versions` (prereleases included), or undefined when there is none. */
export function highestOf(versions: readonly string[]): string | undefined {
  return [...versions].filter(isExactSemver).sort(semver.rcompare)[0];
}

/** The highest stable version, ignoring prereleases. */
export function highestStable(versions: readonly string[]): string | undefined {
  return highestOf(versions.filter((version) => semver.prerelease(version) === null));
}

/** The published versions on `version`'s line. */
export function versionsOnLine(version: string, published: readonly string[]): string[] {
  const line = lineOf(version);
  return published.filter((other) => isExactSemver(other) && lineOf(other) === line);
}

/**
 * npm refuses a dist-tag that is a valid semver range (`v1`, `1.x`, `*`), because
 * `npm install pkg@TAG` would read it as a range; so do we, before anything is published.
 */
export function isRangeLikeTag(tag: string): boolean {
  return semver.validRange(tag) !== null;
}

/** Characters npm accepts in a dist-tag: no spaces, slashes, `@` or URL-encoding surprises. */
export function isWellFormedTag(tag: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(tag) && encodeURIComponent(tag) === tag;
}

export interface DistTagChoice {
  tag: string;
  /** Why this tag, for the summary. */
  reason: string;
}

/**
 * `auto`: a prerelease goes to its first identifier (`2.0.0-beta.1` → `beta`; a numeric or
 * range-like one → `next`); a stable version above every stable version published (and above
 * what `latest` points at) goes to `latest`; any other stable version goes to its line's tag,
 * `latest-<line>` (`latest-1`, `latest-0.3`), so `latest` never moves backwards.
 */
export function chooseDistTag(
  version: string,
  published: readonly string[],
  distTags: Readonly<Record<string, string>>,
): DistTagChoice {
  const prerelease = semver.prerelease(version);
  if (prerelease) {
    const first = prerelease[0];
    if (typeof first === 'string' && isWellFormedTag(first) && !isRangeLikeTag(first) && first !== 'latest')
      return { tag: first, reason: `prerelease identifier "${first}"` };
    return { tag: 'next', reason: 'prerelease without a word identifier' };
  }
  const top = highestStable([...published, ...(distTags.latest ? [distTags.latest] : [])]);
  if (!top || semver.gt(version, top))
    return { tag: 'latest', reason: top ? `new highest stable, above ${top}` : 'first stable release' };
  const tag = `latest-${lineOf(version)}`;
  return { tag, reason: `older line: latest stays at ${distTags.latest ?? top}` };
}
