import { ConfigurationError, input, setInput, words } from '@flow-actions/action-kit';
import { parse } from 'semver';

/**
 * How the project numbers its releases, for the immutable `v*` tags a promotion creates:
 * `semver` vMAJOR.MINOR.PATCH[-PRERELEASE], `calver` vYYYY.MM.MICRO[-PRERELEASE] (or vYY.MM.MICRO),
 * `none` no check.
 */
export const VERSION_SCHEMES = ['semver', 'calver', 'none'] as const;
export type VersionScheme = (typeof VERSION_SCHEMES)[number];

/** A release version reduced to what ordering needs: three numbers and the prerelease identifiers. */
interface Version {
  tag: string;
  numbers: [number, number, number];
  prerelease: (string | number)[];
}

interface Scheme {
  parse(tag: string): Version | undefined;
  /** The valid forms, for messages. */
  forms: string;
  /** Why `version` is no next step of `existing`, or undefined when it is one. */
  gap(version: Version, existing: readonly Version[], now: Date): string | undefined;
}

const SEMVER: Scheme = {
  parse(tag) {
    const parsed = tag.startsWith('v') ? parse(tag.slice(1)) : null;
    // Only the canonical form: semver itself would accept "vv1.0.0" and drop a "+build" part.
    if (!parsed || parsed.version !== tag.slice(1)) return undefined;
    return { tag, numbers: [parsed.major, parsed.minor, parsed.patch], prerelease: [...parsed.prerelease] };
  },
  forms: 'vMAJOR.MINOR.PATCH or vMAJOR.MINOR.PATCH-PRERELEASE (e.g. v1.4.0, v2.0.0-rc.1)',
  gap: (version, existing) =>
    numberGap(
      version,
      existing,
      [
        { name: 'major', free: false },
        { name: 'minor', free: false },
        { name: 'patch', free: false },
      ],
      0,
    ),
};

const CALVER_TAG =
  /^v(\d{4}|\d{2})\.(0?[1-9]|1[0-2])\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

const CALVER: Scheme = {
  parse(tag) {
    const match = CALVER_TAG.exec(tag);
    if (!match) return undefined;
    const [, year = '', month = '', micro = '', prerelease] = match;
    return {
      tag,
      numbers: [year.length === 2 ? 2000 + Number(year) : Number(year), Number(month), Number(micro)],
      prerelease: prerelease ? prerelease.split('.').map((id) => (/^\d+$/.test(id) ? Number(id) : id)) : [],
    };
  },
  forms: 'vYYYY.MM.MICRO or vYY.MM.MICRO, with -PRERELEASE if need be (e.g. v2025.06.0, v25.6.1-rc.1)',
  gap(version, existing, now) {
    const [year, month] = version.numbers;
    const thisMonth = now.getUTCFullYear() * 12 + now.getUTCMonth();
    if (year * 12 + (month - 1) > thisMonth) {
      return `it is dated ${year}-${pad(month)}, later than this month (${now.getUTCFullYear()}-${pad(now.getUTCMonth() + 1)})`;
    }
    // Only the micro number counts up; a new month starts again at 0 (or 1).
    return numberGap(
      version,
      existing,
      [
        { name: 'year', free: true },
        { name: 'month', free: true },
        { name: 'micro', free: false },
      ],
      1,
    );
  },
};

const SCHEMES: Record<Exclude<VersionScheme, 'none'>, Scheme> = { semver: SEMVER, calver: CALVER };

export interface ReleaseTagCheck {
  scheme: VersionScheme;
  /** Lets a version through that is not the next step of what the repository holds. */
  allowGap: boolean;
  /** For calver: a version dated after this month is refused. Default: now. */
  now?: Date;
}

/**
 * Refuses a release tag (an immutable `v*` tag about to be created) that is not a version of the
 * scheme — a typo such as `v1.0` becomes a permanent tag otherwise. Needs no registry request.
 */
export function checkReleaseTagForm(tags: readonly string[], check: ReleaseTagCheck): void {
  if (check.scheme === 'none') return;
  const scheme = SCHEMES[check.scheme];
  for (const tag of tags) {
    if (scheme.parse(tag)) continue;
    const [other, last] = VERSION_SCHEMES.filter((name) => name !== check.scheme);
    const fix = words`write ${scheme.forms}. If this project versions otherwise, ${setInput('version-scheme', other ?? 'none')} (or ${last ?? 'none'}).`;
    throw new ConfigurationError(
      words`${input('to')} has ${tag}, which is not a ${check.scheme} release tag: ${fix}`,
      { fix },
    );
  }
}

/**
 * Refuses a release tag that is not a valid next step of the `v*` versions the repository already
 * has (`existing`: its tags, of any kind): one that skips versions, such as v1.10.0 typed for
 * v1.1.0 after v1.0.0, or a prerelease of a version already released. The first release may be
 * any version; a patch of an older line is fine (v1.0.1 after v2.0.0); an existing version is no
 * new version, so re-promoting it is never checked here.
 */
export function checkReleaseTagSequence(
  tags: readonly string[],
  existing: readonly string[],
  location: string,
  check: ReleaseTagCheck,
): void {
  if (check.scheme === 'none' || check.allowGap) return;
  const scheme = SCHEMES[check.scheme];
  for (const tag of tags) {
    // The tag itself may be there by now: a promotion running at the same moment created it. That
    // is no version of the history but the same write; the write decides (applyTagPlans).
    const known = existing.flatMap((other) => (other === tag ? [] : (scheme.parse(other) ?? [])));
    const version = scheme.parse(tag);
    if (!version || known.length === 0) continue;
    const same = known.find((other) => sameVersion(other, version));
    const problem = same
      ? `it is ${same.tag} written differently`
      : scheme.gap(version, known, check.now ?? new Date());
    if (!problem) continue;
    throw new ConfigurationError(
      words`${input('to')} has ${tag}, which is out of sequence: ${problem} (${location} has ${listVersions(known)}). Nothing was written. Check for a typo; if ${tag} is meant, ${setInput('allow-version-gap', true)}.`,
    );
  }
}

/**
 * The tags that are versions of the scheme, newest first; with `none`, every `v<digit>` tag in
 * natural order, newest first.
 */
export function versionsNewestFirst(tags: readonly string[], scheme: VersionScheme): string[] {
  if (scheme === 'none') {
    return tags.filter((tag) => /^v\d/.test(tag)).sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  }
  const { parse } = SCHEMES[scheme];
  return tags
    .flatMap((tag) => parse(tag) ?? [])
    .sort((a, b) => compareVersions(b, a))
    .map((version) => version.tag);
}

/** Whether version tag `a` is older than `b`, by the first scheme both follow (semver, calver, else natural order). */
export function isOlderVersion(a: string, b: string): boolean {
  for (const scheme of Object.values(SCHEMES)) {
    const [first, second] = [scheme.parse(a), scheme.parse(b)];
    if (first && second) return compareVersions(first, second) < 0;
  }
  return a.localeCompare(b, 'en', { numeric: true }) < 0;
}

/** One of the three numbers: its name, and whether it may take any value (calver's year and month). */
interface Level {
  name: string;
  free: boolean;
}

/**
 * The gap check on the three numbers, level by level along the line the version is on: a new
 * number is at most one above the highest of its level (unless the level is free), and the
 * numbers after it start the new line — at 0, or up to `firstOfLine`. Then prereleases.
 */
function numberGap(
  version: Version,
  existing: readonly Version[],
  levels: readonly [Level, Level, Level],
  firstOfLine: number,
): string | undefined {
  const { numbers } = version;
  if (version.prerelease.length > 0) {
    const final = existing.find(
      (other) => other.prerelease.length === 0 && sameNumbers(other.numbers, numbers),
    );
    if (final) return `${final.tag} is released already, so a prerelease of it comes too late`;
  }
  let line: readonly Version[] = existing;
  for (const [level, { name, free }] of levels.entries()) {
    const value = numbers[level] as number;
    const onLine = line.filter((other) => other.numbers[level] === value);
    if (onLine.length > 0) {
      line = onLine;
      continue;
    }
    const highest = Math.max(...line.map((other) => other.numbers[level] as number));
    if (!free && value > highest + 1) {
      const next = [...numbers.slice(0, level), highest + 1, 0, 0].slice(0, 3);
      return `the next ${name} after ${latest(line).tag} is ${formatLike(version, next)}`;
    }
    // The new line is this number and the free ones after it (calver: a new year is a new month).
    let cut = level + 1;
    while (cut < 3 && levels[cut]?.free) cut++;
    if (numbers.slice(cut).some((later) => later > firstOfLine)) {
      const first = numbers.map((later, index) => (index < cut ? later : 0));
      return `${formatLike(version, numbers.slice(0, cut))} has no release yet, so its first is ${formatLike(version, first)}`;
    }
    return prereleaseGap(version, existing);
  }
  return prereleaseGap(version, existing);
}

/** rc.3 after rc.1 skips rc.2; the first of a kind is .0 or .1. */
function prereleaseGap(version: Version, existing: readonly Version[]): string | undefined {
  const { prerelease } = version;
  const last = prerelease.at(-1);
  if (typeof last !== 'number') return undefined;
  const kind = prerelease.slice(0, -1).join('.');
  const numbers = existing
    .filter(
      (other) =>
        sameNumbers(other.numbers, version.numbers) &&
        other.prerelease.length === prerelease.length &&
        other.prerelease.slice(0, -1).join('.') === kind &&
        typeof other.prerelease.at(-1) === 'number',
    )
    .map((other) => other.prerelease.at(-1) as number);
  const highest = numbers.length > 0 ? Math.max(...numbers) : 0;
  if (last <= highest + 1) return undefined;
  const base = version.tag.slice(0, version.tag.length - String(last).length);
  return numbers.length > 0
    ? `the next prerelease after ${base}${highest} is ${base}${highest + 1}`
    : `the first prerelease of its kind is ${base}0 or ${base}1`;
}

function latest(versions: readonly Version[]): Version {
  return [...versions].sort(compareVersions).at(-1) as Version;
}

/** The first one, two or three `numbers` written the way `like` writes its version (calver: year digits, month padding). */
function formatLike(like: Version, numbers: readonly number[]): string {
  const twoDigitYear = /^v\d{2}\./.test(like.tag) && like.numbers[0] >= 2000;
  const paddedMonth = /^v\d+\.0\d/.test(like.tag);
  const written = numbers.map((value, index) => {
    if (index === 0 && twoDigitYear) return pad(value % 100);
    if (index === 1 && paddedMonth) return pad(value);
    return String(value);
  });
  return `v${written.join('.')}`;
}

function listVersions(versions: readonly Version[]): string {
  const sorted = [...versions].sort(compareVersions).map((version) => version.tag);
  return sorted.length > 4
    ? `${sorted.slice(0, 2).join(', ')} … ${sorted.slice(-2).join(', ')}`
    : sorted.join(', ');
}

function compareVersions(a: Version, b: Version): number {
  for (let index = 0; index < 3; index++) {
    const difference = (a.numbers[index] as number) - (b.numbers[index] as number);
    if (difference !== 0) return difference;
  }
  if (a.prerelease.length === 0 || b.prerelease.length === 0)
    return b.prerelease.length - a.prerelease.length;
  return a.tag.localeCompare(b.tag, 'en', { numeric: true });
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.every((value, index) => value === b[index]);
}

function sameVersion(a: Version, b: Version): boolean {
  return sameNumbers(a.numbers, b.numbers) && a.prerelease.join('.') === b.prerelease.join('.');
}

function pad(month: number): string {
  return String(month).padStart(2, '0');
}
