import {
  ConfigurationError,
  forAudience,
  inputName,
  inputValue,
  setInput,
  type WordingPart,
  words,
} from '@flow-actions/action-kit';
import { compare, type SemVer } from 'semver';
import { type ParsedVersions, requireVersion, type SourceVersion } from './versions';

export const POLICIES = ['pinned', 'major-floor', 'minors', 'last-n'] as const;
export type Policy = (typeof POLICIES)[number];

export type Role = 'compat' | 'current';

export interface PlanOptions {
  /** The version under test, with or without `v`. */
  current: string;
  /** Where `current` came from, for messages: `input "version"`, `package.json`, `git tag v1.2.3`. */
  currentFrom: WordingPart;
  /** The configured floor (`backwards_compatible_version`). Default: none — `major-floor` uses `a.0.0`. */
  compatible?: { version: string; from: WordingPart };
  policy: Policy;
  /** How many releases `last-n` takes. Default: 3. */
  count?: number;
  /** What the source lists, parsed. */
  available: ParsedVersions;
  /** Names the source in messages: `registry ghcr.io/acme/runner`, `npm package x`, `git tags`. */
  sourceName: string;
  /** Add the version under test with role `current`. Default: true. */
  includeCurrent?: boolean;
  /** Let prereleases at the source be chosen by `minors` and `last-n`. Default: false. */
  includePrereleases?: boolean;
  /** The test-runner repository; each entry gets `image: <runnerImage>:<tag>`. Default: no image. */
  runnerImage?: string;
}

export interface MatrixEntry {
  version: string;
  /** The name at the source (`v1.2.3` or `1.2.3`); for `current` not yet released, the source's spelling. */
  tag: string;
  role: Role;
  image?: string;
  /** Why the version is in, for the summary. */
  reasons: WordingPart[];
  /** False for a current version the source does not list yet. */
  released: boolean;
}

export interface MatrixPlan {
  current: string;
  floor: string;
  /** Where the floor came from: an input, a file key, or the policy's `a.0.0`. */
  floorFrom: WordingPart;
  /** The floor's name at the source, when it is there. */
  floorTag?: string;
  policy: Policy;
  /** Oldest first; the current version last. */
  entries: MatrixEntry[];
  sourceName: string;
  /** How many versions the source listed, after duplicates were dropped. */
  availableCount: number;
  unparsed: string[];
  duplicates: string[];
}

/** The `strategy.matrix` value: `include` entries with `version`, `role` and `image` when given. */
export interface Matrix {
  include: { version: string; role: Role; image?: string }[];
}

/**
 * Applies the compatibility policy: the floor (configured, else `a.0.0` of the current version)
 * is always in, the policy may add releases between the floor and the current version, and
 * every chosen version must exist at the source. Throws a one-line ConfigurationError otherwise.
 */
export function planMatrix(options: PlanOptions): MatrixPlan {
  const current = requireVersion(options.current, words`The current version (${options.currentFrom})`);
  const { floor, floorFrom } = chooseFloor(options, current);
  if (compare(floor, current) > 0) {
    throw new ConfigurationError(
      words`The compatible version ${floor.version} (${floorFrom}) is above the current version ${current.version} (${options.currentFrom}): set it to a released version at or below ${current.version}.`,
    );
  }
  const available = options.available.versions;
  const byVersion = new Map(available.map((entry) => [entry.version, entry]));
  const floorIsCurrent = compare(floor, current) === 0;
  const floorAtSource = byVersion.get(floor.version);
  if (!floorIsCurrent && !floorAtSource) {
    const nearby = available
      .filter((entry) => compare(entry.semver, current) < 0)
      .slice(-3)
      .reverse()
      .map((entry) => entry.tag);
    throw new ConfigurationError(
      words`The compatible version ${floor.version} (${floorFrom}) was never released: ${options.sourceName} has no such version${nearby.length ? ` (newest below ${current.version}: ${nearby.join(', ')})` : ''}; set it to a released version.`,
    );
  }

  const entries = new Map<string, MatrixEntry>();
  const addCompat = (entry: SourceVersion, reason: WordingPart) => {
    const existing = entries.get(entry.version);
    if (existing) existing.reasons.push(reason);
    else entries.set(entry.version, compatEntry(entry, reason, options.runnerImage));
  };
  if (floorAtSource && !floorIsCurrent) addCompat(floorAtSource, words`floor: ${floorFrom}`);

  const candidates = available.filter(
    (entry) =>
      compare(entry.semver, floor) >= 0 &&
      compare(entry.semver, current) < 0 &&
      (options.includePrereleases || entry.semver.prerelease.length === 0),
  );
  if (options.policy === 'minors') {
    const latestOfMinor = new Map<string, SourceVersion>();
    for (const entry of candidates) latestOfMinor.set(`${entry.semver.major}.${entry.semver.minor}`, entry);
    for (const [minor, entry] of latestOfMinor) addCompat(entry, `latest patch of ${minor}`);
  } else if (options.policy === 'last-n') {
    const count = options.count ?? 3;
    for (const entry of candidates.slice(-count))
      addCompat(entry, `one of the last ${count} release(s) before ${current.version}`);
  }

  const sorted = [...entries.values()].sort((a, b) => compare(a.version, b.version));
  if (options.includeCurrent ?? true) {
    const released = byVersion.get(current.version);
    const tag = released?.tag ?? spellLikeSource(current.version, available, floorAtSource);
    sorted.push({
      version: current.version,
      tag,
      role: 'current',
      ...(options.runnerImage ? { image: `${options.runnerImage}:${tag}` } : {}),
      reasons: [
        floorIsCurrent
          ? words`the version under test; it is its own floor (${floorFrom})`
          : 'the version under test',
      ],
      released: released !== undefined,
    });
  }
  if (sorted.length === 0) {
    throw new ConfigurationError(
      words`Nothing to test: the floor is the current version ${current.version} and ${inputValue('include-current', 'false')}, and an empty matrix ${forAudience({ action: 'fails the workflow', cli: 'tests nothing' })}; ${setInput('include-current', 'true')}.`,
    );
  }
  return {
    current: current.version,
    floor: floor.version,
    floorFrom,
    ...(floorAtSource ? { floorTag: floorAtSource.tag } : {}),
    policy: options.policy,
    entries: sorted,
    sourceName: options.sourceName,
    availableCount: available.length,
    unparsed: options.available.unparsed,
    duplicates: options.available.duplicates,
  };
}

/** The `strategy.matrix` JSON of a plan. */
export function toMatrix(plan: MatrixPlan): Matrix {
  return {
    include: plan.entries.map((entry) => ({
      version: entry.version,
      ...(entry.image ? { image: entry.image } : {}),
      role: entry.role,
    })),
  };
}

function chooseFloor(options: PlanOptions, current: SemVer): { floor: SemVer; floorFrom: WordingPart } {
  if (options.compatible) {
    const from = options.compatible.from;
    return {
      floor: requireVersion(options.compatible.version, words`The compatible version (${from})`),
      floorFrom: from,
    };
  }
  if (options.policy === 'pinned') {
    throw new ConfigurationError(
      words`Policy "pinned" tests against the configured compatible version, and none is set: give ${inputName('compatible-version')} or ${inputName('compatible-version-from')} (e.g. Makefile:backwards_compatible_version).`,
    );
  }
  const floor = requireVersion(`${current.major}.0.0`, 'The default floor');
  return { floor, floorFrom: `${floor.version}, the first release of major ${current.major}` };
}

function compatEntry(
  entry: SourceVersion,
  reason: WordingPart,
  runnerImage: string | undefined,
): MatrixEntry {
  return {
    version: entry.version,
    tag: entry.tag,
    role: 'compat',
    ...(runnerImage ? { image: `${runnerImage}:${entry.tag}` } : {}),
    reasons: [reason],
    released: true,
  };
}

/** A version the source does not list yet is named the way the source names the floor, else most versions. */
function spellLikeSource(
  version: string,
  available: readonly SourceVersion[],
  floor: SourceVersion | undefined,
): string {
  const prefixed = floor
    ? floor.tag.startsWith('v')
    : available.filter((entry) => entry.tag.startsWith('v')).length * 2 > available.length;
  return prefixed ? `v${version}` : version;
}
