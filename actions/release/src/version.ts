import { ConfigurationError, input, inputValue, setInput, words } from '@flow-actions/action-kit';
import { commitImpacts } from '@flow-actions/merge-gate/commits';
import { SEMVER_IMPACTS, type SemverImpact } from '@flow-actions/merge-gate/labels';
import { compilePathPatterns } from '@flow-actions/retag-promote/path-patterns';
import { compareSemver, parseSemver, type Semver } from '@flow-actions/versions';
import { commitMessage, type History, type HistoryCommit, walkUntil } from './history';

/** `rc` and `release` follow the commits; `patch`/`minor`/`major` and an explicit version are asked for. */
export type ReleaseKind = 'rc' | 'release' | 'patch' | 'minor' | 'major' | { version: string };

export type VersionScheme = { kind: 'semver' } | { kind: 'calver'; format: string };

export interface NextVersionOptions {
  /** The commit to release. */
  head: string;
  kind: ReleaseKind;
  /** Default: semver. */
  scheme?: VersionScheme;
  /** A monorepo component's tag prefix, e.g. `api/` for `api/v1.2.0`. Default: none. */
  tagPrefix?: string;
  /** The component's paths (retag-promote's path patterns); only commits touching them count. Default: all. */
  paths?: readonly string[];
  /** Release an explicit version or a bump below what the commits call for; the reason is recorded. */
  force?: boolean;
  /** Calver's date. Default: now. */
  now?: Date;
  /**
   * The bundled components' commits shipped since the previous release (findPreviousRelease):
   * they count for the impact as the repository's own commits do — a component's `feat` makes
   * the product's minor. Default: none.
   */
  bundled?: readonly HistoryCommit[];
}

export interface NextVersion {
  /** `1.4.0`, `2026.11.3`; for `rc`, the version the candidate is for. */
  version: string;
  /** The tag to create: `v1.4.0`, `api/v1.4.0`, `rc-1.4.0-2`. */
  tag: string;
  /** The newest release reachable from the commit, and its tag; none for a first release. */
  previous?: { version: string; tag: string };
  /** What the commits since the previous release call for (0.y.z rules applied). */
  required: SemverImpact;
  /** The commits since the previous release that count (touching the component's paths), newest first. */
  commits: HistoryCommit[];
  /** Set when `force` let a version below the commits' impact through: why it was needed. */
  forced?: string;
}

const TAG_PREFIX = /^(?:[A-Za-z0-9][A-Za-z0-9._-]*\/)*$/;
const IMPACT_RANK = (impact: SemverImpact) => SEMVER_IMPACTS.indexOf(impact);

/**
 * The next version for `head`: from the Conventional Commits since the newest `<prefix>v*` release
 * reachable from it (breaking → major, feat → minor, fix/perf → patch; below 1.0.0 breaking →
 * minor and feat → patch), or as asked and checked against that. Refuses, before anything is
 * written, a version not above every release reachable from the commit, one already tagged, and
 * a bump below what the commits call for unless forced.
 */
export function computeNextVersion(history: History, options: NextVersionOptions): NextVersion {
  checkVersionOptions(options);
  const prefix = options.tagPrefix ?? '';
  if (!history.commits.has(options.head)) {
    throw new ConfigurationError(
      words`${input('commit')} ${options.head} is not in the history read: fetch it (fetch-depth: 0) or name a commit of the repository.`,
    );
  }
  const scheme = options.scheme ?? { kind: 'semver' };
  return scheme.kind === 'calver'
    ? nextCalver(history, options, prefix, parseCalverFormat(scheme.format))
    : nextSemver(history, options, prefix);
}

/**
 * Refuses, without reading any history, what no history could make right: a tag prefix that is no
 * folder path, a calver format that is none, an explicit version that is not one. A release plan
 * calls it before any read, so that a typo costs no request.
 */
export function checkVersionOptions(
  options: Pick<NextVersionOptions, 'kind' | 'scheme' | 'tagPrefix' | 'now'>,
): void {
  const prefix = options.tagPrefix ?? '';
  // git refuses `..` anywhere in a ref name and a component ending in `.lock` (git check-ref-format).
  if (!TAG_PREFIX.test(prefix) || prefix.includes('..') || /\.lock\//.test(prefix)) {
    throw new ConfigurationError(
      words`${input('tag-prefix')} "${prefix}" is not a tag prefix: use folder names ending in "/", e.g. api/.`,
    );
  }
  const kind = options.kind;
  if (typeof kind !== 'object') return;
  if (options.scheme?.kind === 'calver') {
    const format = parseCalverFormat(options.scheme.format);
    if (!format.parse(kind.version)) {
      throw new ConfigurationError(
        words`${input('kind')} ${JSON.stringify(kind.version)} is not a version in ${input('calver-format')} ${format.text}: write e.g. ${format.datePart(options.now ?? new Date())}.0.`,
      );
    }
    return;
  }
  const explicit = parseSemver(kind.version);
  if (!explicit || kind.version.startsWith('v') || explicit.prerelease.length > 0) {
    throw new ConfigurationError(
      words`${input('kind')} ${JSON.stringify(kind.version)} is not a release version: write X.Y.Z, e.g. 1.4.0 (no v, no prerelease; rc for a candidate).`,
    );
  }
}

interface TaggedRelease {
  tag: string;
  version: Semver;
}

/** The releases of a scheme by commit, the versions taken, and how two of them compare. */
interface ReleaseIndex<V> {
  releases: Map<string, { tag: string; version: V }[]>;
  taken: Set<string>;
  compare(a: V, b: V): number;
}

function semverIndex(history: History, prefix: string): ReleaseIndex<Semver> {
  const releases = new Map<string, TaggedRelease[]>();
  const taken = new Set<string>();
  for (const [tag, sha] of history.tags) {
    if (!tag.startsWith(`${prefix}v`)) continue;
    const version = parseSemver(tag.slice(prefix.length + 1));
    if (!version) continue;
    taken.add(formatSemver(version));
    if (version.prerelease.length > 0) continue;
    releases.set(sha, [...(releases.get(sha) ?? []), { tag, version }]);
  }
  return { releases, taken, compare: compareSemver };
}

/** The commits since the newest release reachable from `head`, and that release. */
function sinceNewestRelease<V>(
  history: History,
  head: string,
  index: ReleaseIndex<V>,
): { walked: ReturnType<typeof walkUntil>; previous?: { tag: string; version: V } } {
  const walked = walkUntil(history, head, (sha) => index.releases.has(sha));
  const previous = walked.boundaries
    .flatMap((sha) => index.releases.get(sha) ?? [])
    .reduce<{ tag: string; version: V } | undefined>(
      (best, release) => (!best || index.compare(release.version, best.version) > 0 ? release : best),
      undefined,
    );
  return { walked, ...(previous ? { previous } : {}) };
}

/**
 * The newest release reachable from `head` (the one the next version follows), with its commit;
 * undefined for a first release: where bundled components' pins are read before the version is
 * computed.
 */
export function findPreviousRelease(
  history: History,
  options: Pick<NextVersionOptions, 'head' | 'scheme' | 'tagPrefix'>,
): { tag: string; commit: string } | undefined {
  const prefix = options.tagPrefix ?? '';
  const index: ReleaseIndex<unknown> =
    options.scheme?.kind === 'calver'
      ? (calverIndex(history, prefix, parseCalverFormat(options.scheme.format)) as ReleaseIndex<unknown>)
      : (semverIndex(history, prefix) as ReleaseIndex<unknown>);
  const { previous } = sinceNewestRelease(history, options.head, index);
  const commit = previous && history.tags.get(previous.tag);
  return previous && commit ? { tag: previous.tag, commit } : undefined;
}

function nextSemver(history: History, options: NextVersionOptions, prefix: string): NextVersion {
  const index = semverIndex(history, prefix);
  const taken = index.taken;
  const { walked, previous } = sinceNewestRelease(history, options.head, index);
  const commits = componentCommits(walked.commits, options.paths);
  const counted = [...commits, ...(options.bundled ?? [])];
  const base = previous?.version ?? { major: 0, minor: 0, patch: 0, prerelease: [] };
  const required = requiredImpact(counted, base);
  const previousOut = previous && { version: formatSemver(previous.version), tag: previous.tag };
  const kind = options.kind;

  let version: Semver;
  // The impact the caller asked for, checked against the commits' once the version is known to be new.
  let asked: SemverImpact | undefined;
  if (typeof kind === 'object') {
    version = parseSemver(kind.version) as Semver;
    asked = impactBetween(base, version);
  } else if (kind === 'patch' || kind === 'minor' || kind === 'major') {
    version = bump(base, kind);
    asked = kind;
  } else {
    if (required === 'none') {
      throw new ConfigurationError(
        words`${input('kind')}: no feat, fix, perf or breaking commit since ${previous?.tag ?? 'the first commit'}${options.paths ? ' touches the paths' : ''}${options.bundled ? ' nor ships in a bundled component' : ''}, so there is nothing to ${kind}: ${setInput('kind', 'patch')} to release anyway.`,
      );
    }
    version = bump(base, previous ? required : 'none');
  }
  if (previous && compareSemver(version, previous.version) <= 0) {
    throw new ConfigurationError(
      words`${input('kind')}: ${formatSemver(version)} is not above ${previous.tag}, the newest release reachable from the commit: choose a higher version.`,
    );
  }
  const text = formatSemver(version);
  refuseTaken(taken, prefix, text);
  const forced = asked && checkImpact(asked, required, counted, options.force, version);
  if (kind === 'rc') {
    return {
      version: text,
      tag: `${prefix}rc-${text}-${nextCandidate(history, prefix, text)}`,
      previous: previousOut,
      required,
      commits,
    };
  }
  return { version: text, tag: `${prefix}v${text}`, previous: previousOut, required, commits, forced };
}

function refuseTaken(taken: ReadonlySet<string>, prefix: string, version: string): void {
  if (taken.has(version)) {
    throw new ConfigurationError(
      words`${input('kind')}: ${prefix}v${version} is already tagged: choose a version that is not taken, or promote the existing tag.`,
    );
  }
}

/** The commits touching the component's paths; all of them when no paths are given. */
function componentCommits(commits: HistoryCommit[], paths: readonly string[] | undefined): HistoryCommit[] {
  if (!paths || paths.length === 0) return commits;
  const touches = compilePathPatterns(paths);
  return commits.filter((commit) => commit.paths.some(touches));
}

function requiredImpact(commits: readonly HistoryCommit[], base: Semver): SemverImpact {
  let highest: SemverImpact = 'none';
  for (const { impact } of commitImpacts(
    commits.map((commit) => ({ sha: commit.sha, message: commitMessage(commit) })),
  )) {
    if (IMPACT_RANK(impact) > IMPACT_RANK(highest)) highest = impact;
  }
  return impactOnVersion(highest, base);
}

/**
 * Below 1.0.0 the public API is not stable (SemVer §4): a breaking change bumps the minor and a
 * feature the patch, as release-please does with bump-minor-pre-major and
 * bump-patch-for-minor-pre-major. Leaving 0.y.z takes an explicit `major`.
 */
function impactOnVersion(impact: SemverImpact, base: Semver): SemverImpact {
  if (base.major > 0) return impact;
  if (impact === 'major') return 'minor';
  if (impact === 'minor') return 'patch';
  return impact;
}

function bump(base: Semver, impact: SemverImpact): Semver {
  if (impact === 'major') return { major: base.major + 1, minor: 0, patch: 0, prerelease: [] };
  if (impact === 'minor') return { major: base.major, minor: base.minor + 1, patch: 0, prerelease: [] };
  if (impact === 'patch') return { ...base, patch: base.patch + 1, prerelease: [] };
  // A first release: 0.1.0, as semver-conventional tools start.
  return { major: 0, minor: 1, patch: 0, prerelease: [] };
}

function impactBetween(base: Semver, version: Semver): SemverImpact {
  if (version.major !== base.major) return 'major';
  if (version.minor !== base.minor) return 'minor';
  return version.patch !== base.patch ? 'patch' : 'none';
}

function checkImpact(
  given: SemverImpact,
  required: SemverImpact,
  commits: readonly HistoryCommit[],
  force: boolean | undefined,
  version: Semver,
): string | undefined {
  if (IMPACT_RANK(given) >= IMPACT_RANK(required)) return undefined;
  const cause = commitImpacts(
    commits.map((commit) => ({ sha: commit.sha, message: commitMessage(commit) })),
  ).find((commit) => IMPACT_RANK(commit.impact) > IMPACT_RANK(given));
  const reason = `${formatSemver(version)} is a ${given} release but ${cause?.sha.slice(0, 7) ?? 'a commit'} calls for ${required}`;
  if (force) return reason;
  throw new ConfigurationError(
    words`${input('kind')}: ${reason}: release the ${required} version, or ${setInput('force', true)} to release it anyway (the reason is recorded).`,
  );
}

/** `rc-1.4.0-N`: N continues from the highest candidate of the same version, from 1. */
function nextCandidate(history: History, prefix: string, version: string): number {
  const stem = `${prefix}rc-${version}-`;
  let highest = 0;
  for (const tag of history.tags.keys()) {
    if (!tag.startsWith(stem)) continue;
    const number = tag.slice(stem.length);
    if (/^[1-9]\d*$/.test(number)) highest = Math.max(highest, Number(number));
  }
  return highest + 1;
}

export function formatSemver(version: Semver): string {
  const core = `${version.major}.${version.minor}.${version.patch}`;
  return version.prerelease.length > 0 ? `${core}-${version.prerelease.join('.')}` : core;
}

/** A calver format: `YYYY.MM.MICRO` and the like, read once into what renders and parses it. */
interface CalverFormat {
  text: string;
  /** The date part for a day, e.g. `2026.11`. */
  datePart(now: Date): string;
  /** The date part and MICRO of a version in this format, or undefined. */
  parse(version: string): { datePart: string; micro: number; numbers: number[] } | undefined;
}

const CALVER_TOKENS: Readonly<Record<string, { pattern: string; render: (now: Date) => string }>> = {
  YYYY: { pattern: '[1-9]\\d{3}', render: (now) => String(now.getUTCFullYear()) },
  YY: { pattern: '[1-9]\\d?', render: (now) => String(now.getUTCFullYear() % 100) },
  '0Y': { pattern: '\\d{2}', render: (now) => String(now.getUTCFullYear() % 100).padStart(2, '0') },
  MM: { pattern: '[1-9]\\d?', render: (now) => String(now.getUTCMonth() + 1) },
  '0M': { pattern: '\\d{2}', render: (now) => String(now.getUTCMonth() + 1).padStart(2, '0') },
  DD: { pattern: '[1-9]\\d?', render: (now) => String(now.getUTCDate()) },
  '0D': { pattern: '\\d{2}', render: (now) => String(now.getUTCDate()).padStart(2, '0') },
};

/** calver.org's tokens, joined by dots and ending in MICRO, the release's number within its date. */
export function parseCalverFormat(text: string): CalverFormat {
  const tokens = text.split('.');
  const dateTokens = tokens.slice(0, -1);
  if (
    tokens.at(-1) !== 'MICRO' ||
    dateTokens.length === 0 ||
    !dateTokens.every((token) => Object.hasOwn(CALVER_TOKENS, token))
  ) {
    throw new ConfigurationError(
      words`${input('calver-format')} ${JSON.stringify(text)} is not a calver format: write date tokens (${Object.keys(CALVER_TOKENS).join(', ')}) joined by dots and ending in MICRO, e.g. YYYY.MM.MICRO.`,
    );
  }
  const parts = dateTokens.map((token) => CALVER_TOKENS[token] as (typeof CALVER_TOKENS)[string]);
  const pattern = new RegExp(`^(${parts.map((part) => part.pattern).join('\\.')})\\.(0|[1-9]\\d*)$`);
  return {
    text,
    datePart: (now) => parts.map((part) => part.render(now)).join('.'),
    parse(version) {
      const match = pattern.exec(version);
      if (!match) return undefined;
      return {
        datePart: match[1] as string,
        micro: Number(match[2]),
        numbers: version.split('.').map(Number),
      };
    },
  };
}

function compareCalver(a: readonly number[], b: readonly number[]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

interface CalverRelease {
  version: string;
  numbers: number[];
}

function calverIndex(
  history: History,
  prefix: string,
  format: CalverFormat,
): ReleaseIndex<CalverRelease> & { microByDate: Map<string, number> } {
  const releases = new Map<string, { tag: string; version: CalverRelease }[]>();
  const taken = new Set<string>();
  const microByDate = new Map<string, number>();
  for (const [tag, sha] of history.tags) {
    if (!tag.startsWith(`${prefix}v`)) continue;
    const version = tag.slice(prefix.length + 1);
    const parsed = format.parse(version);
    if (!parsed) continue;
    taken.add(version);
    microByDate.set(parsed.datePart, Math.max(microByDate.get(parsed.datePart) ?? -1, parsed.micro));
    releases.set(sha, [...(releases.get(sha) ?? []), { tag, version: { version, numbers: parsed.numbers } }]);
  }
  return { releases, taken, microByDate, compare: (a, b) => compareCalver(a.numbers, b.numbers) };
}

function nextCalver(
  history: History,
  options: NextVersionOptions,
  prefix: string,
  format: CalverFormat,
): NextVersion {
  const kind = options.kind;
  if (kind === 'patch' || kind === 'minor' || kind === 'major') {
    throw new ConfigurationError(
      words`${input('kind')}: ${kind} has no meaning in calver (${format.text}): use ${inputValue('kind', 'release')}, ${inputValue('kind', 'rc')} or an explicit version.`,
    );
  }
  const index = calverIndex(history, prefix, format);
  const { taken, microByDate } = index;
  const { walked, previous: found } = sinceNewestRelease(history, options.head, index);
  const previous = found && { tag: found.tag, ...found.version };
  const commits = componentCommits(walked.commits, options.paths);
  const required = requiredImpact([...commits, ...(options.bundled ?? [])], {
    major: 1,
    minor: 0,
    patch: 0,
    prerelease: [],
  });
  let version: string;
  if (typeof kind === 'object') {
    version = kind.version;
  } else {
    const datePart = format.datePart(options.now ?? new Date());
    version = `${datePart}.${(microByDate.get(datePart) ?? -1) + 1}`;
  }
  const numbers = version.split('.').map(Number);
  if (previous && compareCalver(numbers, previous.numbers) <= 0) {
    throw new ConfigurationError(
      words`${input('kind')}: ${version} is not above ${previous.tag}, the newest release reachable from the commit: check the clock, or choose a higher version.`,
    );
  }
  refuseTaken(taken, prefix, version);
  const previousOut = previous && { version: previous.version, tag: previous.tag };
  const tag =
    kind === 'rc'
      ? `${prefix}rc-${version}-${nextCandidate(history, prefix, version)}`
      : `${prefix}v${version}`;
  return { version, tag, previous: previousOut, required, commits };
}
