import {
  ConfigurationError,
  forAudience,
  input,
  inputValue,
  type Logger,
  setInput,
  type WordingPart,
  words,
} from '@flow-actions/action-kit';
import { compare } from 'semver';
import {
  assertNoBreakingChange,
  type BreakingCommit,
  findBreakingCommits,
  needsBreakingCheck,
} from './breaking';
import { readFileKey } from './file-key';
import type { Inputs } from './inputs';
import { type MatrixPlan, planMatrix } from './plan';
import type { GitRepository } from './sources';
import { parseVersions, requireVersion } from './versions';

/** Everything the action reads, passed in so tests can hand over real or fake parts. */
export interface BackcompatDependencies {
  /** Reads a workspace file as text; undefined when it does not exist. */
  readFile(path: string): Promise<string | undefined>;
  /** The checkout; `purpose` goes into the error when there is none. */
  openGit(purpose: WordingPart): Promise<GitRepository>;
  /** What the registry or npm source lists (git tags come through `openGit`). */
  listVersions(): Promise<string[]>;
  logger: Logger;
}

export interface BreakingCheck {
  /** `v2.0.0..HEAD` */
  range: string;
  commitCount: number;
  breaking: BreakingCommit[];
}

export interface BackcompatResult {
  plan: MatrixPlan;
  /** Undefined when the check was off or could not fail (floor in an older major, or the current version). */
  breakingCheck?: BreakingCheck;
}

/**
 * Works out the matrix: the current version, the floor, the versions at the source, the policy,
 * then the breaking check on `<floor tag>..HEAD`. Every failure is a one-line ConfigurationError.
 */
export async function computeBackcompat(
  inputs: Inputs,
  deps: BackcompatDependencies,
): Promise<BackcompatResult> {
  // Both configured versions are read (and checked) before any source is asked.
  const compatible = await readCompatibleVersion(inputs, deps);
  const current = await readCurrentVersion(inputs, deps);

  const names =
    inputs.versionsFrom === 'git'
      ? await (await deps.openGit(inputValue('versions-from', 'git'))).listTags()
      : await deps.listVersions();
  const available = parseVersions(names);
  const sourceName =
    inputs.versionsFrom === 'registry'
      ? `registry repository ${inputs.runnerImage}`
      : inputs.versionsFrom === 'npm'
        ? `npm package ${inputs.npmPackage}`
        : 'git tags of the checkout';
  if (available.unparsed.length > 0) {
    deps.logger.info(
      `${available.unparsed.length} name(s) at the ${sourceName} are not semantic versions and were left out: ${preview(available.unparsed)}`,
    );
  }

  const plan = planMatrix({
    current: current.version,
    currentFrom: current.from,
    ...(compatible ? { compatible } : {}),
    policy: inputs.policy,
    count: inputs.count,
    available,
    sourceName,
    includeCurrent: inputs.includeCurrent,
    includePrereleases: inputs.includePrereleases,
    ...(inputs.runnerImage ? { runnerImage: inputs.runnerImage } : {}),
  });

  if (!inputs.breakingCheck || !needsBreakingCheck(plan)) return { plan };
  const git = await deps.openGit(words`The breaking check (${inputValue('breaking-check', 'true')})`);
  const floorTag = findTag(await git.listTags(), plan.floor);
  if (!floorTag) {
    throw new ConfigurationError(
      words`The breaking check reads the commits since the floor ${plan.floor}, but the checkout has no tag for it (looked for v${plan.floor} and ${plan.floor}): fetch tags (${forAudience({ action: 'actions/checkout with fetch-depth: 0', cli: 'git fetch --tags' })}), tag the release, or ${setInput('breaking-check', 'false')}.`,
    );
  }
  const range = `${floorTag}..HEAD`;
  const commits = await git.readCommits(floorTag);
  const breaking = findBreakingCommits(commits);
  assertNoBreakingChange(plan, range, breaking);
  return { plan, breakingCheck: { range, commitCount: commits.length, breaking } };
}

async function readCompatibleVersion(
  inputs: Inputs,
  deps: BackcompatDependencies,
): Promise<{ version: string; from: WordingPart } | undefined> {
  if (inputs.compatibleVersion) {
    return { version: inputs.compatibleVersion, from: input('compatible-version') };
  }
  if (!inputs.compatibleVersionFrom) return undefined;
  const { file, key } = inputs.compatibleVersionFrom;
  const from = `${file}:${key}`;
  const text = await deps.readFile(file);
  if (text === undefined) {
    throw new ConfigurationError(
      words`${input('compatible-version-from')} names ${file}, which is not in the workspace: check the path (relative to the repository root) and that the repository is checked out.`,
    );
  }
  const value = readFileKey(file, text, key);
  if (value === undefined) {
    throw new ConfigurationError(
      words`${input('compatible-version-from')}: ${file} has no ${key}${file.endsWith('.json') ? '' : ` (looked for a line "${key} = <version>" or "${key}: <version>")`}; add it or fix the key.`,
    );
  }
  requireVersion(value, `The compatible version in ${from}`);
  return { version: value, from };
}

async function readCurrentVersion(
  inputs: Inputs,
  deps: BackcompatDependencies,
): Promise<{ version: string; from: WordingPart }> {
  if (inputs.version) return { version: inputs.version, from: input('version') };
  const manifest = await deps.readFile('package.json');
  if (manifest !== undefined) {
    const version = readFileKey('package.json', manifest, 'version');
    if (version) {
      requireVersion(version, 'The version in package.json');
      return { version, from: 'package.json' };
    }
  }
  const git = await deps.openGit(
    words`Finding the current version (no ${input('version')}, no package.json version)`,
  );
  const newest = parseVersions(await git.listTags()).versions.at(-1);
  if (!newest) {
    throw new ConfigurationError(
      words`No current version: give ${input('version')}, give the repository a package.json with a version, or tag a release (v1.0.0).`,
    );
  }
  return { version: newest.version, from: `git tag ${newest.tag}` };
}

/** The git tag that stands for `version`: `v1.2.3` or `1.2.3`, or any spelling semver reads the same. */
function findTag(tags: readonly string[], version: string): string | undefined {
  const exact = tags.find((tag) => tag === `v${version}` || tag === version);
  if (exact) return exact;
  return parseVersions(tags).versions.find((entry) => compare(entry.semver, version) === 0)?.tag;
}

function preview(names: readonly string[]): string {
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${shown}, … (${names.length - 5} more)` : shown;
}
